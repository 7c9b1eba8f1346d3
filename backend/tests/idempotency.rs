//! Idempotent requests (issue "Nothing lost", point 3): a request repeated
//! with the same `c:requestId` — a retry after a lost answer — gets the same
//! answer again and changes nothing twice.

mod common;

use common::flow::{party, read_until, signed_in, Seen};
use common::TestServer;
use rollcall_shared::soap::conference::{CreateConference, ListConferences, Reply, Request};

fn create(request_id: &str) -> Request {
    Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: request_id.into(),
        account: String::new(),
        initiator: party("Alice", "+14255550100"),
        participants: vec![party("Bob", "+14255550101")],
    })
}

async fn created(client: &mut common::Client, seen: &mut Seen) -> String {
    match read_until(client, seen, |r| matches!(r, Reply::CreateConferenceResponse { .. } | Reply::Fault(_))).await {
        Reply::CreateConferenceResponse { conference_id, .. } => conference_id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_repeated_create_gets_the_same_conference_and_dials_nobody_twice() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    // Sent twice back to back (the second while the first runs), then once more after.
    alice.send_request(&create("once")).await;
    alice.send_request(&create("once")).await;
    let first = created(&mut alice, &mut seen).await;
    let second = created(&mut alice, &mut seen).await;
    alice.send_request(&create("once")).await;
    let third = created(&mut alice, &mut seen).await;
    assert_eq!((first.as_str(), second.as_str()), (third.as_str(), third.as_str()));

    alice.send_request(&Request::ListConferences(ListConferences { request_id: "list".into() })).await;
    let Reply::Conferences { conferences, .. } =
        read_until(&mut alice, &mut seen, |r| matches!(r, Reply::Conferences { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(conferences.len(), 1, "one conference");
    assert!(server.running.simulator.live_legs() <= 2, "the initiator and bob, each once");

    // Another requestId is another request; another user's same id too.
    alice.send_request(&create("twice")).await;
    assert_ne!(created(&mut alice, &mut seen).await, first);
    let mut bob = signed_in(&server, "bob").await;
    bob.send_request(&Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: "once".into(),
        account: String::new(),
        initiator: party("Bob", "+14255550102"),
        participants: Vec::new(),
    }))
    .await;
    assert_ne!(created(&mut bob, &mut Seen::default()).await, first);
}
