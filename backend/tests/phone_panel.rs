//! The phone panel (`/pstn/`) over real sockets: a person holds a number,
//! a conference dials it, and the call rings until that person answers,
//! declines or hangs up — which the conference's owner sees as `connected`,
//! `failed` 21 and `disconnected` 16. HTTP digest authentication, and that
//! nobody touches another person's phones.

mod common;

use std::time::Duration;

use common::flow::{active_conference, add, is_final_for, read_until, signed_in, Seen};
use common::panel::{call_on, Person};
use common::{Client, TestServer, DOMAIN};
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use rollcall_shared::digest::{Algorithm, Challenge};
use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::ParticipantState;
use serde_json::Value;

const BOB_PHONE: &str = "+14255550199";
const CAROL_PHONE: &str = "+14255550177";

/// A server whose held phones ring for a minute (the fast test delays give
/// up after 40 ms, before a person could act).
async fn server() -> TestServer {
    TestServer::start_with(|o| o.delays.no_answer_timeout = Duration::from_secs(60)).await
}

/// Alice's conference, with `phone` added and ringing; the participant id.
async fn alice_calls(server: &TestServer, phone: &str) -> (Client, Seen, String) {
    let mut alice = signed_in(server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let id = add(&mut alice, &mut seen, &conference_id, "person", phone).await;
    read_until(&mut alice, &mut seen, participant_is(&id, ParticipantState::Ringing)).await;
    (alice, seen, id)
}

fn participant_is(id: &str, state: ParticipantState) -> impl Fn(&Reply) -> bool + '_ {
    move |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == id && s.state == state)
}

#[tokio::test]
async fn a_held_phone_rings_until_answered_and_is_hung_up_by_hand() {
    use ParticipantState::*;
    let server = server().await;
    let mut bob = Person::new(&server, "bob");
    let held = bob.ok(Method::PUT, &format!("/pstn/phones/{BOB_PHONE}")).await;
    assert_eq!((held["user"].as_str(), call_on(&held, BOB_PHONE)), (Some("bob"), Value::Null));

    let (mut alice, mut seen, id) = alice_calls(&server, BOB_PHONE).await;
    let call = bob.ringing(BOB_PHONE).await;
    assert_eq!(call["caller"], "alice", "the conference account calls");
    assert!(call["since"].as_str().is_some_and(|s| s.ends_with('Z')), "{call}");
    let call_id = call["id"].as_str().expect("a call id").to_string();

    // Still ringing: answering works (a phone that had answered by itself
    // would be `connected` and refuse with 409).
    let answered = bob.ok(Method::POST, &format!("/pstn/calls/{call_id}/answer")).await;
    assert_eq!(call_on(&answered, BOB_PHONE)["state"], "connected");
    read_until(&mut alice, &mut seen, participant_is(&id, Connected)).await;

    let (status, body) = bob.send(Method::POST, &format!("/pstn/calls/{call_id}/answer")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("wrong-state")));

    let hung_up = bob.ok(Method::POST, &format!("/pstn/calls/{call_id}/hangup")).await;
    assert_eq!(call_on(&hung_up, BOB_PHONE), Value::Null);
    read_until(&mut alice, &mut seen, is_final_for(id.clone())).await;
    assert_eq!(seen.states_of(&id), [(Dialing, None), (Ringing, None), (Connected, None), (Disconnected, Some(16))]);
}

#[tokio::test]
async fn declining_is_call_rejected() {
    let server = server().await;
    let mut bob = Person::new(&server, "bob");
    bob.ok(Method::PUT, &format!("/pstn/phones/{BOB_PHONE}")).await;
    let (mut alice, mut seen, id) = alice_calls(&server, BOB_PHONE).await;
    let call_id = bob.ringing(BOB_PHONE).await["id"].as_str().expect("a call id").to_string();
    bob.ok(Method::POST, &format!("/pstn/calls/{call_id}/decline")).await;
    read_until(&mut alice, &mut seen, is_final_for(id.clone())).await;
    assert_eq!(seen.states_of(&id).last(), Some(&(ParticipantState::Failed, Some(21))));
}

#[tokio::test]
async fn nobody_touches_another_persons_phones() {
    let server = server().await;
    let mut bob = Person::new(&server, "bob");
    let mut carol = Person::new(&server, "carol");
    carol.ok(Method::PUT, &format!("/pstn/phones/{CAROL_PHONE}")).await;
    let (mut alice, mut seen, id) = alice_calls(&server, CAROL_PHONE).await;
    let call_id = carol.ringing(CAROL_PHONE).await["id"].as_str().expect("a call id").to_string();

    for action in ["answer", "decline", "hangup"] {
        let (status, body) = bob.send(Method::POST, &format!("/pstn/calls/{call_id}/{action}")).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no-such-call")), "{action}");
    }
    let (status, body) = bob.send(Method::PUT, &format!("/pstn/phones/{CAROL_PHONE}")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("held-by-other")));
    let (status, _) = bob.send(Method::DELETE, &format!("/pstn/phones/{CAROL_PHONE}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let bobs = bob.ok(Method::GET, "/pstn/phones").await;
    assert_eq!(bobs["phones"], Value::Array(Vec::new()), "bob sees none of carol's phones");

    // Carol's call is untouched; releasing her phone hangs it up (16).
    assert_eq!(call_on(&carol.ok(Method::GET, "/pstn/phones").await, CAROL_PHONE)["state"], "ringing");
    let released = carol.ok(Method::DELETE, &format!("/pstn/phones/{CAROL_PHONE}")).await;
    assert_eq!(released["phones"], Value::Array(Vec::new()));
    read_until(&mut alice, &mut seen, is_final_for(id.clone())).await;
    assert_eq!(seen.states_of(&id).last(), Some(&(ParticipantState::Disconnected, Some(16))));
}

#[tokio::test]
async fn requests_without_good_credentials_are_challenged() {
    let server = server().await;
    let url = format!("http://{}/pstn/phones", server.running.http);
    let response = reqwest::get(&url).await.expect("answers");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let offered: Vec<Challenge> = response
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .map(|v| Challenge::parse(v.to_str().expect("ascii")).expect("a digest challenge"))
        .collect();
    assert_eq!(offered.iter().map(|c| c.algorithm).collect::<Vec<_>>(), [Algorithm::Sha256, Algorithm::Md5]);
    assert!(offered.iter().all(|c| c.realm == DOMAIN && c.qop_auth));

    // A wrong password, or credentials for another URL, are challenged again.
    let client = reqwest::Client::new();
    for (password, uri) in [("wrong", "/pstn/phones"), ("bob-pw", "/pstn/events")] {
        let credentials = offered[0].answer("bob", password, "GET", uri, "abc", 1);
        let response = client.get(&url).header(AUTHORIZATION, credentials.to_header_value()).send().await.expect("answers");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{password} {uri}");
    }
    // The MD5 challenge works too.
    let credentials = offered[1].answer("bob", "bob-pw", "GET", "/pstn/phones", "abc", 1);
    let response = client.get(&url).header(AUTHORIZATION, credentials.to_header_value()).send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn test_numbers_and_malformed_numbers_cannot_be_held() {
    let server = server().await;
    let mut bob = Person::new(&server, "bob");
    for number in ["+15005550001", "+15005550002", "+15005550003", "+15005550004"] {
        let (status, body) = bob.send(Method::PUT, &format!("/pstn/phones/{number}")).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("test-number")), "{number}");
    }
    let (status, body) = bob.send(Method::PUT, "/pstn/phones/4255550199").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-number")));
    let (status, body) = bob.send(Method::DELETE, &format!("/pstn/phones/{BOB_PHONE}")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not-held")));
}

/// By default a person holds only their own numbers (their directory
/// entries'), and at most ten at once.
#[tokio::test]
async fn only_your_own_numbers_and_not_too_many() {
    let server = TestServer::start_with(|o| o.panel_any_number = false).await;
    let mut alice = Person::new(&server, "alice");
    let (status, body) = alice.send(Method::PUT, "/pstn/phones/+14255550102").await; // bob's
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("not-your-number")), "{body}");
    let (status, body) = alice.send(Method::PUT, "/pstn/phones/+14255550111").await; // her mobile
    assert_eq!(status, StatusCode::OK, "{body}");

    let any = TestServer::start().await; // --panel-any-number, as the suites run
    let mut bob = Person::new(&any, "bob");
    for n in 0..rollcall::bridge::pstn::phones::MAX_HELD_PER_USER {
        let (status, body) = bob.send(Method::PUT, &format!("/pstn/phones/+1206555{n:04}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = bob.send(Method::PUT, "/pstn/phones/+12065559999").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota-exceeded")), "{body}");
}
