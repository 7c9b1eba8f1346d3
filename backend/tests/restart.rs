//! A restart under a live conference (issue "Nothing lost", points 1 and
//! 7): `rollcall serve` is killed (SIGKILL, no goodbye) while alice's
//! conference runs, and started again on the same database. The simulated
//! calls died with the process, so the conference is ended — fatal-error,
//! its participants disconnected — and alice, reconnecting, finds that
//! out instead of finding nothing.

mod common;

use common::flow::{active_conference, add, read_until, Seen};
use common::Client;
use rollcall_shared::soap::conference::{GetConference, ListConferences, Reply, Request};
use rollcall_shared::soap::{ConferenceState, ParticipantState, TerminationReason};

async fn serve(db: &str, dir: &std::path::Path) -> (std::process::Child, String) {
    common::program::serve(db, dir, &[]).await
}

/// On SQLite and on PostgreSQL alike.
#[tokio::test]
async fn a_conference_running_when_serve_is_killed_is_ended_with_a_reason_after_the_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let (databases, _cluster) = common::postgres::databases("restart", dir.path());
    for db in databases {
        eprintln!("on {db}");
        killed_and_restarted_on(&db, dir.path()).await;
    }
}

async fn killed_and_restarted_on(db: &str, dir: &std::path::Path) {
    let (mut first, port) = serve(db, dir).await;
    let mut alice = Client::connect(&format!("ws://127.0.0.1:{port}/sip"), "alice").await;
    alice.register().await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", "+14255550101").await;
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == bob && s.state == ParticipantState::Connected),
    )
    .await;

    first.kill().expect("SIGKILL");
    first.wait().expect("gone");

    let (mut second, port) = serve(db, dir).await;
    let mut alice = Client::connect(&format!("ws://127.0.0.1:{port}/sip"), "alice").await;
    alice.register().await;
    alice
        .send_request(&Request::GetConference(GetConference { request_id: "after".into(), conference_id: conference_id.clone() }))
        .await;
    // The events of the ending may come first, if alice was back in time
    // for them (or not: the snapshot tells her either way).
    let snapshot = loop {
        match alice.next_reply().await {
            Reply::Conference(snapshot) => break snapshot,
            Reply::Fault(fault) => panic!("the conference is still known after the restart: {fault:?}"),
            _ => continue,
        }
    };
    assert_eq!((snapshot.state, snapshot.reason), (ConferenceState::Terminated, Some(TerminationReason::FatalError)));
    for p in &snapshot.participants {
        assert_eq!((p.state, p.cause.map(|c| c.0)), (ParticipantState::Disconnected, Some(41)), "{p:?}");
    }
    assert!(snapshot.sequence > 1000, "the sequence jumped ahead (a gap makes clients resync): {}", snapshot.sequence);
    assert_eq!(snapshot.participants.len(), 2, "alice and bob, both ended");
    alice.send_request(&Request::ListConferences(ListConferences { request_id: "list".into() })).await;
    let conferences = loop {
        if let Reply::Conferences { conferences, .. } = alice.next_reply().await {
            break conferences;
        }
    };
    assert!(conferences.is_empty(), "nothing left running");
    second.kill().expect("stops");
    let _ = second.wait();
}
