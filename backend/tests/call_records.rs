//! `GET /api/calls` over real sockets: alice runs a conference over SIP,
//! ends it, and then finds its legs — with how each ended — among her call
//! records, newest first; bob finds none of them.

mod common;

use std::time::Duration;

use common::flow::{ended_conference, signed_in, EndedConference, Seen};
use common::panel::Person;
use common::{TestServer, PATIENCE};
use reqwest::Method;
use serde_json::Value;

/// Polls `GET /api/calls` until it lists at least `n` calls (records are
/// written in the background, after the events), or fails after [`PATIENCE`].
async fn calls(person: &mut Person, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let body = person.ok(Method::GET, "/api/calls").await;
        let calls = body["calls"].as_array().cloned().unwrap_or_else(|| panic!("a list of calls: {body}"));
        // Records exist from the dial; wait until these legs have ended too.
        if calls.len() >= n && calls.iter().all(|c| !c["ended_at"].is_null()) {
            return calls;
        }
        assert!(tokio::time::Instant::now() < deadline, "{n} calls in time, have {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_user_sees_the_legs_of_their_own_conferences_only() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let EndedConference { conference_id, initiator, answered: participant, busy } = ended_conference(&mut alice, &mut seen).await;

    let mut alice_api = Person::new(&server, "alice");
    let calls = calls(&mut alice_api, 3).await;
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let legs: Vec<_> = calls
        .iter()
        .map(|c| {
            (c["participant_id"].as_str().unwrap_or_default(), c["final_state"].as_str().unwrap_or_default(), c["cause"].as_u64())
        })
        .collect();
    // Newest first, by when they were dialled: the busy number last.
    assert_eq!(
        legs,
        [
            (busy.as_str(), "busy", Some(17)),
            (participant.as_str(), "disconnected", Some(16)),
            (initiator.as_str(), "disconnected", Some(16)),
        ]
    );
    for call in &calls {
        assert_eq!(call["conference_id"], conference_id.as_str(), "{call}");
        let keys: Vec<&str> = call.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let mut expected =
            ["answered_at", "cause", "conference_id", "ended_at", "final_state", "number", "participant_id", "started_at"];
        expected.sort_unstable();
        assert_eq!(keys, expected, "exactly these fields: {call}");
        assert!(call["started_at"].as_str() <= call["ended_at"].as_str(), "{call}");
    }
    assert_eq!((calls[2]["number"].as_str(), calls[0]["number"].as_str()), (Some("+14255550100"), Some("+15005550002")));
    assert!(calls[2]["answered_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", calls[2]);
    assert_eq!(calls[0]["answered_at"], Value::Null, "the busy leg was never answered");

    // Bob has no records: alice's are not his.
    let mut bob = Person::new(&server, "bob");
    assert_eq!(bob.ok(Method::GET, "/api/calls").await, serde_json::json!({ "calls": [] }));
}

#[tokio::test]
async fn call_records_need_digest_credentials() {
    let server = TestServer::start().await;
    let response = reqwest::get(format!("http://{}/api/calls", server.running.http)).await.expect("answers");
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
}

/// A record exists from the moment a leg is dialled (issue "Nothing lost",
/// point 5): a live call has its start on record, and its end is filled in
/// when it ends — one row per leg, never two.
#[tokio::test]
async fn a_live_leg_is_on_record_from_its_dial() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = common::flow::active_conference(&mut alice, &mut seen, "+14255550100").await;
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    let open = loop {
        let records = server.running.store.call_records().recent(10).await.expect("records");
        if let Some(r) = records.into_iter().find(|r| r.record.participant_id == initiator) {
            break r.record;
        }
        assert!(tokio::time::Instant::now() < deadline, "the dialled leg has a record");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(
        (open.conference_id.as_str(), open.ended_at.as_deref(), open.final_state.as_str()),
        (conference_id.as_str(), None, "dialing")
    );

    alice
        .send_request(&rollcall_shared::soap::conference::Request::EndConference(
            rollcall_shared::soap::conference::EndConference { request_id: "end".into(), conference_id: conference_id.clone() },
        ))
        .await;
    let mut api = Person::new(&server, "alice");
    let calls = calls(&mut api, 1).await;
    assert_eq!(calls.len(), 1, "completed in place, not written twice: {calls:#?}");
    assert_eq!(calls[0]["final_state"], "disconnected");
}
