//! Self-service accounts (`--signup`) for the hosted demo: a visitor makes
//! an account, signs in over SIP with it, and finds a starter inbox whose
//! first e-mail gives a roster at once; names are checked, taken names
//! refused, and one address cannot make accounts without end.

mod common;

use common::panel::Person;
use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn sign_up(server: &TestServer, user: &str, password: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{}/signup", server.running.http))
        .header("Content-Type", "application/json")
        .body(json!({ "user": user, "password": password }).to_string())
        .send()
        .await
        .expect("answers");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn off_by_default() {
    let server = TestServer::start().await;
    let (status, _) = sign_up(&server, "dora", "long-enough-pw").await;
    assert_ne!(status, StatusCode::CREATED);
    let offered = reqwest::get(format!("http://{}/signup", server.running.http)).await.expect("answers");
    assert!(!offered.text().await.unwrap_or_default().contains(r#""open":true"#), "not offered");
}

#[tokio::test]
async fn a_visitor_signs_up_and_can_start_from_an_email_at_once() {
    let server = TestServer::start_with(|o| o.signup = true).await;
    let (status, body) = sign_up(&server, "Dora", "dora-password").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"], "dora", "names are lower-cased");
    let numbers: Vec<String> = serde_json::from_value(body["numbers"].clone()).expect("numbers");
    assert_eq!(numbers.len(), 2);

    // SIP with the new password.
    let mut dora = server.client("dora").await;
    let ok = dora.register_with("dora-password", 300).await;
    assert_eq!(ok.status_code.code(), 200);

    // A starter inbox whose first e-mail gives a roster, dora as initiator.
    let mut api = Person::new(&server, "dora");
    api.set_password("dora-password");
    let inbox = api.ok(Method::GET, "/api/inbox").await;
    let first = inbox["emails"][0]["id"].as_i64().expect("an e-mail");
    let roster = api.ok(Method::GET, &format!("/api/inbox/{first}/roster")).await;
    assert_eq!(roster["initiator"]["name"], "Dora", "{roster}");
    assert!(roster["participants"].as_array().is_some_and(|p| !p.is_empty()), "{roster}");
    // Her own numbers may be held in the phone panel (the default policy).
    let (status, _) = api.send(Method::PUT, &format!("/pstn/phones/{}", numbers[0])).await;
    assert_eq!(status, StatusCode::OK);

    // Only HA1 digests are kept.
    let stored = server.running.store.users().get("dora").await.expect("read").expect("exists");
    assert!(!stored.ha1_sha256.contains("dora-password"));
}

#[tokio::test]
async fn bad_names_taken_names_and_floods_are_refused() {
    let server = TestServer::start_with(|o| o.signup = true).await;
    assert_eq!(sign_up(&server, "conference", "long-enough-pw").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(sign_up(&server, "no spaces", "long-enough-pw").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(sign_up(&server, "eve", "short").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(sign_up(&server, "ALICE", "long-enough-pw").await.0, StatusCode::CONFLICT, "alice exists, whatever the case");
    // demo-team is an account alice, bob and carol may bill: nobody may be named so.
    assert_eq!(sign_up(&server, "demo-team", "long-enough-pw").await.0, StatusCode::CONFLICT, "an account's name");
    // Three attempts that got as far as a name (ALICE and demo-team were
    // two) per address, then a wait.
    for n in 0..1 {
        let (status, body) = sign_up(&server, &format!("user{n}"), "long-enough-pw").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = sign_up(&server, "user9", "long-enough-pw").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too-many-signups")));
}
