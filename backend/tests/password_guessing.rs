//! Password guessing, tried as an outsider would (issue: "passwords can be
//! guessed without limit, and a made-up nonce tells a right password from a
//! wrong one"), over SIP and over the HTTP APIs.

mod common;

use std::time::Duration;

use common::{Client, TestServer};
use reqwest::header::{AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use rollcall::edge::throttle::ThrottleConfig;
use rollcall_shared::digest::Challenge;
use rollcall_shared::sip;

/// A server whose refusals are short, so that a test can outlast one.
async fn server(user_free: u32, ip_free: u32) -> TestServer {
    TestServer::start_with(|o| {
        o.edge.throttle = ThrottleConfig {
            user_free_failures: user_free,
            ip_free_failures: ip_free,
            first_lockout: Duration::from_millis(300),
            ..ThrottleConfig::default()
        }
    })
    .await
}

fn is_stale_challenge(response: &sip::rsip::Response) -> bool {
    let offered = sip::header_all(&response.headers, "WWW-Authenticate");
    response.status_code.code() == 401 && !offered.is_empty() && offered.iter().all(|c| c.contains("stale=true"))
}

#[tokio::test]
async fn a_made_up_nonce_tells_nothing_about_the_password() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    let mut made_up = alice.challenge().await;
    made_up.nonce = "00000000000000000000000000000000".into();
    let right = alice.register_answering(&made_up, "alice-pw", 1).await;
    let wrong = alice.register_answering(&made_up, "guess", 1).await;
    assert!(is_stale_challenge(&right), "{right}");
    assert!(is_stale_challenge(&wrong), "{wrong}");
    assert_eq!(right.status_code, wrong.status_code);
}

#[tokio::test]
async fn sip_guesses_are_refused_after_the_allowance_then_allowed_again() {
    let server = server(3, 100).await;
    let mut mallory = server.client("alice").await;
    let challenge = mallory.challenge().await;
    for nc in 1..=4 {
        let r = mallory.register_answering(&challenge, &format!("guess{nc}"), nc).await;
        assert_eq!(r.status_code.code(), 401, "guess {nc} is challenged again");
    }
    // Refused now, even with the right password, and from another connection.
    let mut alice = server.client("alice").await;
    let challenge = alice.challenge().await;
    let refused = alice.register_answering(&challenge, "alice-pw", 1).await;
    assert_eq!(refused.status_code.code(), 403, "{refused}");
    let retry_after: u64 = sip::header(&refused.headers, "Retry-After").expect("Retry-After").trim().parse().expect("seconds");
    assert!(retry_after >= 1);
    // Bob, whose password nobody guessed, is not affected.
    let mut bob = server.client("bob").await;
    bob.register().await;
    // Once the refusal (300 ms here) is over, the right password works.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let ok = alice.register_answering(&challenge, "alice-pw", 2).await;
    assert_eq!(ok.status_code.code(), 200, "{ok}");
}

#[tokio::test]
async fn one_address_guessing_at_every_user_is_refused() {
    let server = server(100, 5).await;
    for user in ["alice", "bob", "carol"] {
        let mut client = server.client(user).await;
        let challenge = client.challenge().await;
        for nc in 1..=2 {
            assert_eq!(client.register_answering(&challenge, "123456", nc).await.status_code.code(), 401);
        }
    }
    let mut carol = server.client("carol").await;
    let challenge = carol.challenge().await;
    assert_eq!(carol.register_answering(&challenge, "carol-pw", 1).await.status_code.code(), 403);
}

#[tokio::test]
async fn http_guesses_are_refused_with_429() {
    let server = server(2, 100).await;
    let url = format!("http://{}/api/contacts", server.running.http);
    let http = reqwest::Client::new();
    let first = http.get(&url).send().await.expect("answers");
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);
    let offered = first.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).expect("a challenge");
    let challenge = Challenge::parse(offered).expect("parses");
    let attempt = |password: &'static str, nc: u32| {
        let credentials = challenge.answer("alice", password, "GET", "/api/contacts", "c0ffee", nc).to_header_value();
        http.get(&url).header(AUTHORIZATION, credentials).send()
    };
    for nc in 1..=3 {
        assert_eq!(attempt("guess", nc).await.expect("answers").status(), StatusCode::UNAUTHORIZED, "guess {nc}");
    }
    let refused = attempt("alice-pw", 4).await.expect("answers");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password, for now");
    assert!(refused.headers().get(RETRY_AFTER).is_some());
}

#[tokio::test]
async fn a_page_load_of_an_api_offers_no_browser_password_dialog() {
    let server = TestServer::start().await;
    let response = reqwest::Client::new()
        .get(format!("http://{}/api/contacts", server.running.http))
        .header("Sec-Fetch-Mode", "navigate")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(WWW_AUTHENTICATE).is_none(), "no challenge, so no native dialog");
}

/// Guessing at a public user name — the gateway's — from another address
/// does not lock that user out where they sign in: the service goes on.
#[tokio::test]
async fn guessing_at_the_gateways_name_does_not_stop_the_service() {
    let server = server(3, 100).await;
    let mut mallory = Client::connect_from(&server.ws_url(), "conference", std::net::Ipv4Addr::new(127, 0, 0, 2)).await;
    let challenge = mallory.challenge().await;
    for nc in 1..=6 {
        mallory.register_answering(&challenge, "guess", nc).await;
    }
    let challenge = mallory.challenge().await;
    assert_eq!(mallory.register_answering(&challenge, "guess", 1).await.status_code.code(), 403, "mallory is refused");
    // The gateway (which signed in from 127.0.0.1) still serves alice.
    let mut alice = common::flow::signed_in(&server, "alice").await;
    common::flow::active_conference(&mut alice, &mut common::flow::Seen::default(), "+14255550100").await;
}
