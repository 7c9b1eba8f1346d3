//! Billing accounts (docs/protocol.md §8), tried as a user would: nobody may
//! bill calls to another user's account, an empty `c:account` bills the
//! user's default, and call records carry the account used.

mod common;

use common::flow::{party, read_until, signed_in, Seen};
use common::TestServer;
use rollcall_shared::soap::conference::{CreateConference, EndConference, ListConferences, Reply, Request};
use rollcall_shared::soap::{ConferenceState, FaultKind};

fn create(request_id: &str, account: &str) -> Request {
    Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: request_id.into(),
        account: account.into(),
        initiator: party("Alice", "+14255550100"),
        participants: vec![party("Bob", "+14255550101")],
    })
}

#[tokio::test]
async fn a_foreign_account_is_refused_and_dials_nothing() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    alice.send_request(&create("theirs", "bob")).await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::NotAuthorized, Some("theirs")));
    alice.send_request(&Request::ListConferences(ListConferences { request_id: "list".into() })).await;
    let Reply::Conferences { conferences, .. } = alice.next_reply().await else { panic!("the list") };
    assert!(conferences.is_empty(), "no conference was made: {conferences:?}");
    assert_eq!(server.running.simulator.live_legs(), 0, "and no phone was dialled");
}

#[tokio::test]
async fn an_empty_account_bills_the_default_and_grants_widen_the_choice() {
    let server = TestServer::start().await;
    // --demo (as in make run) grants the team account besides each user's own.
    let accounts = server.running.store.accounts().of("alice").await.expect("read");
    assert_eq!(accounts.default, "alice");
    assert!(accounts.allowed.contains(&"demo-team".to_string()));
    server.running.store.accounts().grant("alice", "sales", true).await.expect("grant");

    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let conference_id = active_conference_billing(&mut alice, &mut seen, "").await;
    alice.send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id })).await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ConferenceStatus(s) if s.state == ConferenceState::Terminated))
        .await;

    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    let records = loop {
        let records = server.running.store.call_records().recent(10).await.expect("records");
        if records.len() >= 2 || tokio::time::Instant::now() > deadline {
            break records;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert!(records.len() >= 2, "{records:?}");
    assert!(records.iter().all(|r| r.record.account == "sales"), "billed to the default: {records:?}");

    // The team account is usable when named.
    active_conference_billing(&mut alice, &mut Seen::default(), "demo-team").await;
}

/// Alice's conference billed to `account`, once it is active; its id.
async fn active_conference_billing(alice: &mut common::Client, seen: &mut Seen, account: &str) -> String {
    alice.send_request(&create(&format!("create-{account}"), account)).await;
    let Reply::CreateConferenceResponse { conference_id, .. } = read_until(alice, seen, |_| true).await else {
        panic!("created with account `{account}`")
    };
    read_until(alice, seen, |r| matches!(r, Reply::ConferenceStatus(s) if s.state == ConferenceState::Active)).await;
    conference_id
}
