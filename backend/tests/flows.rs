//! The flows of docs/protocol.md §4 (the seed's Figures 5–10) over real sockets,
//! as a browser sees them: the event order, the causes and the sequence
//! numbers (one more with every event of a conference).

mod common;

use common::flow::{active_conference, add, is_conference, is_final_for, party, read_until, signed_in, snapshot, Seen};
use common::panel::Person;
use common::TestServer;
use reqwest::Method;
use rollcall_shared::soap::conference::{
    AddParticipant, CreateConference, EndConference, GetConference, ListConferences, RemoveParticipant, Reply, Request,
};
use rollcall_shared::soap::{ConferenceState, FaultKind, ParticipantState, TerminationReason};

#[tokio::test]
async fn add_participants_answering_busy_unallocated_and_not_answering() {
    use ParticipantState::*;
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;

    let cases = [
        ("answers", "+14255550101", vec![(Dialing, None), (Ringing, None), (Connected, None)]),
        ("busy", "+15005550002", vec![(Dialing, None), (Ringing, None), (Busy, Some(17))]),
        ("unallocated", "+15005550001", vec![(Dialing, None), (Failed, Some(1))]),
        ("no-answer", "+15005550003", vec![(Dialing, None), (Ringing, None), (NoAnswer, Some(19))]),
    ];
    for (name, phone, expected) in cases {
        let id = add(&mut alice, &mut seen, &conference_id, name, phone).await;
        if expected.last().map(|(s, _)| *s) == Some(Connected) {
            read_until(
                &mut alice,
                &mut seen,
                |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == id && s.state == Connected),
            )
            .await;
        } else {
            read_until(&mut alice, &mut seen, is_final_for(id.clone())).await;
        }
        assert_eq!(seen.states_of(&id), expected, "{name} ({phone})");
    }
}

#[tokio::test]
async fn participants_are_dialled_in_parallel() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    // Three requests before reading any answer: all three legs ring at once.
    for (i, phone) in ["+14255550111", "+14255550112", "+14255550113"].iter().enumerate() {
        alice
            .send_request(&Request::AddParticipant(AddParticipant {
                request_id: format!("p{i}"),
                conference_id: conference_id.clone(),
                participant: party(&format!("P{i}"), phone),
            }))
            .await;
    }
    let mut connected = 0;
    read_until(&mut alice, &mut seen, |r| {
        if matches!(r, Reply::ParticipantStatus(s) if s.state == ParticipantState::Connected) {
            connected += 1;
        }
        connected == 3
    })
    .await;
    let responses = seen.events.iter().filter(|r| matches!(r, Reply::AddParticipantResponse { .. })).count();
    assert_eq!(responses, 3);
}

#[tokio::test]
async fn remove_participant_and_participant_hanging_up() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;

    let bob = add(&mut alice, &mut seen, &conference_id, "bob", "+14255550101").await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ParticipantStatus(s) if s.state == ParticipantState::Connected))
        .await;
    alice
        .send_request(&Request::RemoveParticipant(RemoveParticipant {
            request_id: "rm".into(),
            conference_id: conference_id.clone(),
            participant_id: bob.clone(),
        }))
        .await;
    let response = read_until(&mut alice, &mut seen, |r| matches!(r, Reply::RemoveParticipantResponse { .. })).await;
    assert!(matches!(response, Reply::RemoveParticipantResponse { participant_id, .. } if participant_id == bob));
    read_until(&mut alice, &mut seen, is_final_for(bob.clone())).await;
    assert_eq!(seen.states_of(&bob).last(), Some(&(ParticipantState::Disconnected, Some(16))));

    // +15005550004 answers, then hangs up by itself (Figure 7).
    let carol = add(&mut alice, &mut seen, &conference_id, "carol", "+15005550004").await;
    read_until(&mut alice, &mut seen, is_final_for(carol.clone())).await;
    let states: Vec<_> = seen.states_of(&carol).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        states,
        [ParticipantState::Dialing, ParticipantState::Ringing, ParticipantState::Connected, ParticipantState::Disconnected]
    );
    // The conference itself goes on.
    let snapshot = snapshot(&mut alice, &mut seen, &conference_id).await;
    assert_eq!(snapshot.state, ConferenceState::Active);
    assert_eq!(snapshot.sequence, seen.sequence, "the snapshot is as new as the last event");
    assert_eq!(snapshot.participants.len(), 3, "initiator, bob, carol");
    assert!(snapshot.request_id.as_deref().is_some_and(|id| id.starts_with("get-")));
}

#[tokio::test]
async fn initiator_ends_the_conference_and_is_disconnected_last() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    for (name, phone) in [("b", "+14255550101"), ("c", "+14255550102")] {
        let id = add(&mut alice, &mut seen, &conference_id, name, phone).await;
        read_until(
            &mut alice,
            &mut seen,
            |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == id && s.state == ParticipantState::Connected),
        )
        .await;
    }
    let before = seen.events.len();
    alice
        .send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id: conference_id.clone() }))
        .await;
    let last = read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    assert!(matches!(last, Reply::ConferenceStatus(s) if s.reason == Some(TerminationReason::EndedByInitiator)));
    let after = &seen.events[before..];
    assert!(matches!(after[0], Reply::EndConferenceResponse { .. }), "{:?}", after[0]);
    let disconnected: Vec<_> = after
        .iter()
        .filter_map(|r| match r {
            Reply::ParticipantStatus(s) if s.state == ParticipantState::Disconnected => Some(s.participant_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(disconnected.len(), 3, "everyone is disconnected");
    assert_eq!(disconnected.last(), Some(&initiator), "the initiator last");

    // Terminated conferences are no longer listed.
    alice.send_request(&Request::ListConferences(ListConferences { request_id: "list".into() })).await;
    let Reply::Conferences { conferences, .. } =
        read_until(&mut alice, &mut seen, |r| matches!(r, Reply::Conferences { .. })).await
    else {
        unreachable!()
    };
    assert!(conferences.iter().all(|c| c.conference_id != conference_id));
}

#[tokio::test]
async fn initiator_hanging_up_terminates_the_conference() {
    // Alice holds her own phone in the phone panel, so she answers it and
    // hangs it up by hand, when the test says — not after a delay.
    const ALICE_PHONE: &str = "+14255550150";
    let server = TestServer::start_with(|o| o.delays.no_answer_timeout = std::time::Duration::from_secs(60)).await;
    let mut alice = signed_in(&server, "alice").await;
    let mut phone = Person::new(&server, "alice");
    phone.ok(Method::PUT, &format!("/pstn/phones/{ALICE_PHONE}")).await;
    let answering = tokio::spawn(async move {
        let call = phone.ringing(ALICE_PHONE).await;
        let call_id = call["id"].as_str().expect("a call id").to_string();
        phone.ok(Method::POST, &format!("/pstn/calls/{call_id}/answer")).await;
        (phone, call_id)
    });
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, ALICE_PHONE).await;
    let (mut phone, call_id) = answering.await.expect("alice answers her phone");
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", "+14255550101").await;
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == bob && s.state == ParticipantState::Connected),
    )
    .await;

    phone.ok(Method::POST, &format!("/pstn/calls/{call_id}/hangup")).await;
    let last = read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    assert!(matches!(last, Reply::ConferenceStatus(s) if s.reason == Some(TerminationReason::InitiatorHungUp)));
    assert_eq!(seen.states_of(&initiator).last(), Some(&(ParticipantState::Disconnected, Some(16))));
    assert_eq!(seen.states_of(&bob).last().map(|(s, _)| *s), Some(ParticipantState::Disconnected));
    // The initiator's hang-up is reported before the others are cleared.
    let position = |id: &str| {
        seen.events.iter().position(
            |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == id && s.state == ParticipantState::Disconnected),
        )
    };
    assert!(position(&initiator) < position(&bob));
}

#[tokio::test]
async fn only_the_initiator_controls_a_conference() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut bob = signed_in(&server, "bob").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;

    let attempts = [
        Request::EndConference(EndConference { request_id: "x1".into(), conference_id: conference_id.clone() }),
        Request::RemoveParticipant(RemoveParticipant {
            request_id: "x2".into(),
            conference_id: conference_id.clone(),
            participant_id: initiator.clone(),
        }),
        Request::AddParticipant(AddParticipant {
            request_id: "x3".into(),
            conference_id: conference_id.clone(),
            participant: party("Mallory", "+14255550666"),
        }),
        Request::GetConference(GetConference { request_id: "x4".into(), conference_id: conference_id.clone() }),
    ];
    for attempt in attempts {
        bob.send_request(&attempt).await;
        let Reply::Fault(fault) = bob.next_reply().await else { panic!("bob gets a Fault") };
        assert_eq!(fault.kind, FaultKind::NotAuthorized);
        assert_eq!(fault.request_id.as_deref(), Some(attempt.request_id()));
    }
    // Nothing changed for alice.
    alice
        .send_request(&Request::GetConference(GetConference { request_id: "mine".into(), conference_id: conference_id.clone() }))
        .await;
    let Reply::Conference(snapshot) = alice.next_reply().await else { panic!("a snapshot") };
    assert_eq!((snapshot.state, snapshot.participants.len(), snapshot.sequence), (ConferenceState::Active, 1, seen.sequence));

    // Unknown ids.
    alice
        .send_request(&Request::GetConference(GetConference { request_id: "nx".into(), conference_id: "conf-nope".into() }))
        .await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!(fault.kind, FaultKind::NoSuchConference);
    alice
        .send_request(&Request::RemoveParticipant(RemoveParticipant {
            request_id: "np".into(),
            conference_id,
            participant_id: "p-nope".into(),
        }))
        .await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!(fault.kind, FaultKind::NoSuchParticipant);
}

/// A user whose browser stops answering (a frozen tab: its WebSocket stays
/// open, nothing is read) holds up only their own events. The gateway's
/// MESSAGEs to that user wait for the 32 s transaction timer; another
/// user's conference comes up meanwhile as usual.
#[tokio::test]
async fn a_frozen_client_does_not_hold_up_other_users() {
    let server = TestServer::start().await;
    let mut bob = signed_in(&server, "bob").await;
    bob.send_request(&Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: "frozen".into(),
        account: "bob".into(),
        initiator: party("bob", "+14255550150"),
        participants: Vec::new(),
    }))
    .await;
    // From here on bob reads nothing: his response and events go unanswered.
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let up =
        tokio::time::timeout(std::time::Duration::from_secs(5), active_conference(&mut alice, &mut seen, "+14255550100")).await;
    assert!(up.is_ok(), "alice's conference came up while the gateway waited on bob");
    drop(bob);
}
