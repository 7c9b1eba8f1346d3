//! The fatal-error flow of docs/protocol.md §4 (the seed's Figure 10) and the
//! other ways a request or a conference meets a limit, over real sockets:
//! a bridge crash injected through `POST /admin/crash` (and by the
//! conference's owner through the phone panel's
//! `POST /pstn/conferences/{id}/crash`), the inactivity
//! timeout, the participant limit (`c:ConferenceFull`), and the call records
//! a finished conference leaves in the store.

mod common;

use std::time::Duration;

use common::flow::{
    active_conference, add, ended_conference, is_conference, party, read_until, signed_in, snapshot, EndedConference, Seen,
};
use common::panel::Person;
use common::{TestServer, PATIENCE};
use reqwest::{Method, StatusCode};
use rollcall::store::CallRecord;
use rollcall_shared::soap::conference::{AddParticipant, CreateConference, Reply, Request};
use rollcall_shared::soap::{ConferenceState, FaultKind, ParticipantState, TerminationReason};

/// `POST /admin/crash?conference=ID` on the conference web service, with
/// its bearer token, as `rollcall bridge crash` sends it.
async fn crash(server: &TestServer, conference_id: &str) {
    let url = server.running.conference_url.replace("/conference", "/admin/crash");
    let response = reqwest::Client::new()
        .post(format!("{url}?conference={conference_id}"))
        .bearer_auth(&server.running.conference_token)
        .send()
        .await
        .expect("the conference service answers");
    assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED, "{:?}", response.text().await);
}

fn disconnected(seen: &Seen, from: usize) -> Vec<(String, Option<u16>)> {
    seen.events[from..]
        .iter()
        .filter_map(|r| match r {
            Reply::ParticipantStatus(s) if s.state == ParticipantState::Disconnected => {
                Some((s.participant_id.clone(), s.cause.map(|c| c.0)))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_bridge_crash_disconnects_everyone_then_terminates_with_fatal_error() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let mut others = Vec::new();
    for (name, phone) in [("b", "+14255550101"), ("c", "+14255550102")] {
        let id = add(&mut alice, &mut seen, &conference_id, name, phone).await;
        read_until(
            &mut alice,
            &mut seen,
            |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == id && s.state == ParticipantState::Connected),
        )
        .await;
        others.push(id);
    }
    let before = seen.events.len();
    crash(&server, &conference_id).await;
    // `Seen` asserts that sequence numbers stay consecutive.
    let last = read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    assert!(matches!(&last, Reply::ConferenceStatus(s) if s.reason == Some(TerminationReason::FatalError)), "{last:?}");
    let gone = disconnected(&seen, before);
    assert_eq!(gone.len(), 3, "every participant is disconnected: {gone:?}");
    assert!(gone.iter().all(|(_, cause)| *cause == Some(41)), "cause 41 temporary failure: {gone:?}");
    assert_eq!(gone.last().map(|(id, _)| id), Some(&initiator), "the initiator last");
    assert!(others.iter().all(|id| gone.iter().any(|(g, _)| g == id)));
    assert_eq!(seen.events.len() - before, 4, "nothing but those four events");
}

/// `rollcall bridge crash ID --db DB` against a running `serve`: the
/// command finds the private conference service through the operator file
/// serve wrote beside its database.
#[tokio::test]
async fn the_bridge_crash_command_reaches_serve_through_its_operator_file() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let before = seen.events.len();
    let args = ["bridge", "crash", conference_id.as_str(), "--db", server.db.as_str()].map(String::from);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(&args)
            .env_remove("ROLLCALL_CONFERENCE_TOKEN")
            .env_remove("ROLLCALL_CONFERENCE_URL")
            .output()
            .expect("rollcall runs")
    })
    .await
    .expect("the command finishes");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&conference_id));
    let last = read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    assert!(matches!(&last, Reply::ConferenceStatus(s) if s.reason == Some(TerminationReason::FatalError)), "{last:?}");
    assert_eq!(disconnected(&seen, before), [(initiator, Some(41))]);
}

/// The phone panel's crash route: only the conference's owner may fail the
/// bridge under it; for anyone else the conference does not exist.
#[tokio::test]
async fn the_owner_crashes_the_bridge_through_the_phone_panel_and_nobody_else_can() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let participant = add(&mut alice, &mut seen, &conference_id, "b", "+14255550101").await;
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == participant && s.state == ParticipantState::Connected),
    )
    .await;
    let path = format!("/pstn/conferences/{conference_id}/crash");

    // Bob: exactly the answer for a conference that does not exist.
    let mut bob = Person::new(&server, "bob");
    let (status, body) = bob.send(Method::POST, &path).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no-such-conference")), "{body}");
    assert_eq!(body["message"], format!("no conference {conference_id}"));
    let (status, nothing) = bob.send(Method::POST, "/pstn/conferences/conf-nope/crash").await;
    assert_eq!((status, nothing["error"].as_str()), (StatusCode::NOT_FOUND, Some("no-such-conference")));
    // …and nothing changed: the conference goes on, everyone still connected,
    // no event since.
    let snapshot = snapshot(&mut alice, &mut seen, &conference_id).await;
    assert_eq!(snapshot.state, ConferenceState::Active);
    assert_eq!(snapshot.sequence, seen.sequence, "no event after bob's attempt");
    assert!(snapshot.participants.iter().all(|p| p.state == ParticipantState::Connected), "{snapshot:?}");

    // Alice, the owner: 202, then the fatal-error flow as from /admin/crash.
    let mut owner = Person::new(&server, "alice");
    let before = seen.events.len();
    let (status, body) = owner.send(Method::POST, &path).await;
    assert_eq!((status, &body), (StatusCode::ACCEPTED, &serde_json::json!({ "conference": conference_id, "legs": 2 })));
    let last = read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    assert!(matches!(&last, Reply::ConferenceStatus(s) if s.reason == Some(TerminationReason::FatalError)), "{last:?}");
    let gone = disconnected(&seen, before);
    assert_eq!(gone, [(participant, Some(41)), (initiator, Some(41))], "cause 41, the initiator last");
    assert_eq!(seen.events.len() - before, 3, "nothing but those three events");

    // Once it has ended: 409 for the owner, still 404 for anyone else.
    let (status, body) = owner.send(Method::POST, &path).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("terminated")));
    let (status, body) = bob.send(Method::POST, &path).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no-such-conference")));
}

#[tokio::test]
async fn an_idle_conference_is_terminated_for_inactivity() {
    let server = TestServer::start_with(|o| o.inactivity_timeout = Duration::from_millis(300)).await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    // The listed participant (+15005550004 answers, then hangs up after
    // 200 ms) keeps the conference busy from the start, so no timer can
    // fire early however slow the machine; once they have gone only the
    // initiator is left, and 300 ms later the conference is ended.
    alice
        .send_request(&Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: "create".into(),
            account: "alice".into(),
            initiator: party("Alice", "+14255550100"),
            participants: vec![party("Leaves", "+15005550004")],
        }))
        .await;
    let last = read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    assert!(matches!(&last, Reply::ConferenceStatus(s) if s.reason == Some(TerminationReason::Inactivity)), "{last:?}");
    let order: Vec<_> = seen
        .events
        .iter()
        .filter_map(|r| match r {
            Reply::ParticipantStatus(s) if s.state == ParticipantState::Disconnected => Some(s.participant_id.clone()),
            _ => None,
        })
        .collect();
    let initiator = match &seen.events[1] {
        Reply::ParticipantStatus(s) => s.participant_id.clone(),
        other => panic!("the initiator's first event: {other:?}"),
    };
    assert_eq!(order.len(), 2, "{:?}", seen.events);
    assert_eq!(order[1], initiator, "the participant left on their own, then the idle initiator was cleared");
    assert_eq!(seen.states_of(&order[0]).last(), Some(&(ParticipantState::Disconnected, Some(16))));
    assert_eq!(seen.states_of(&initiator).last(), Some(&(ParticipantState::Disconnected, Some(16))));
    assert!(seen.states_of(&order[0]).contains(&(ParticipantState::Connected, None)), "the participant was on the call first");
}

#[tokio::test]
async fn a_full_conference_refuses_more_participants() {
    let server = TestServer::start_with(|o| o.max_participants = 2).await;
    let mut alice = signed_in(&server, "alice").await;

    // Too many at creation: nothing is created.
    alice
        .send_request(&Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: "too-many".into(),
            account: "alice".into(),
            initiator: party("Alice", "+14255550100"),
            participants: vec![party("B", "+14255550101"), party("C", "+14255550102")],
        }))
        .await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::ConferenceFull, Some("too-many")));

    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    add(&mut alice, &mut seen, &conference_id, "second", "+14255550101").await;
    alice
        .send_request(&Request::AddParticipant(AddParticipant {
            request_id: "third".into(),
            conference_id: conference_id.clone(),
            participant: party("Third", "+14255550102"),
        }))
        .await;
    let fault = read_until(&mut alice, &mut seen, |r| matches!(r, Reply::Fault(_))).await;
    let Reply::Fault(fault) = fault else { unreachable!() };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::ConferenceFull, Some("third")));
}

/// Polls the store until `n` call records are there (they are written in
/// the background, after the events), or fails after [`PATIENCE`].
async fn call_records(server: &TestServer, n: usize) -> Vec<CallRecord> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let records = server.running.store.call_records().recent(100).await.expect("read call records");
        // Records exist from the dial; wait until these legs have ended too.
        if records.len() >= n && records.iter().all(|r| r.record.ended_at.is_some()) {
            return records.into_iter().map(|r| r.record).collect();
        }
        assert!(tokio::time::Instant::now() < deadline, "{n} call records in time, have {}", records.len());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_finished_conference_leaves_one_call_record_per_leg() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let EndedConference { conference_id, initiator, answered: bob, busy } = ended_conference(&mut alice, &mut seen).await;

    let records = call_records(&server, 3).await;
    assert_eq!(records.len(), 3, "{records:#?}");
    let of = |id: &str| records.iter().find(|r| r.participant_id == id).unwrap_or_else(|| panic!("a record for {id}"));
    for r in &records {
        assert_eq!(
            (r.account.as_str(), r.owner.as_str(), r.conference_id.as_str()),
            ("alice", "sip:alice@rollcall.local", conference_id.as_str())
        );
        assert!(Some(r.started_at.clone()) <= r.ended_at, "{r:?}");
    }
    let (i, b, x) = (of(&initiator), of(&bob), of(&busy));
    assert_eq!((i.number.as_str(), i.final_state.as_str(), i.cause), ("+14255550100", "disconnected", Some(16)));
    assert_eq!((b.number.as_str(), b.final_state.as_str(), b.cause), ("+14255550101", "disconnected", Some(16)));
    assert_eq!((x.number.as_str(), x.final_state.as_str(), x.cause), ("+15005550002", "busy", Some(17)));
    assert!(i.answered_at.is_some() && b.answered_at.is_some() && x.answered_at.is_none());
    // (Times are to the millisecond: the initiator's is the latest, or tied.)
    let latest = records.iter().filter_map(|r| r.ended_at.clone()).max();
    assert_eq!(i.ended_at, latest, "the initiator's leg ended last");
}
