//! Running a call over the real wire (docs/protocol.md §6–§7): SOAP inside
//! SIP MESSAGE through the IM server, gateway and conference service on the
//! simulated network — mute and mute all, lock, fallback numbers, the
//! announcement a participant confirms (by the simulator's "press 1", and
//! by a person pressing a key in the phone panel), and each conference's
//! SIP URI.

mod common;

use std::time::Duration;

use common::flow::{active_conference, add, confirmed_conference, party, read_until, signed_in, snapshot, Seen};
use common::panel::{call_on, Person};
use common::{Client, TestServer, DOMAIN};
use reqwest::Method;
use rollcall_shared::soap::conference::{AddParticipant, LockConference, MuteAll, MuteParticipant, Reply, Request};
use rollcall_shared::soap::{Alternative, ConferenceState, FaultKind, Location, ParticipantState, ParticipantStatus, Party};

const INITIATOR: &str = "+14255550100";
const BOB: &str = "+14255550101";
const CAROL: &str = "+14255550102";
const ANSWERING_MACHINE: &str = "+15005550005";
const BUSY: &str = "+15005550002";

fn participant_is(id: &str, state: ParticipantState) -> impl Fn(&Reply) -> bool + '_ {
    move |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == id && s.state == state)
}

fn statuses_of<'a>(seen: &'a Seen, id: &'a str) -> impl Iterator<Item = &'a ParticipantStatus> + 'a {
    seen.events.iter().filter_map(move |r| match r {
        Reply::ParticipantStatus(s) if s.participant_id == id => Some(s),
        _ => None,
    })
}

async fn fault(client: &mut Client, seen: &mut Seen, request: Request) -> FaultKind {
    client.send_request(&request).await;
    match read_until(client, seen, |r| matches!(r, Reply::Fault(_))).await {
        Reply::Fault(fault) => {
            assert_eq!(fault.request_id.as_deref(), Some(request.request_id()));
            fault.kind
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn mute_one_mute_all_and_unmute_reach_the_owner_as_events() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, INITIATOR).await;
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", BOB).await;
    let carol = add(&mut alice, &mut seen, &conference_id, "carol", CAROL).await;
    read_until(&mut alice, &mut seen, participant_is(&bob, ParticipantState::Connected)).await;
    read_until(&mut alice, &mut seen, participant_is(&carol, ParticipantState::Connected)).await;

    let mute_bob = Request::MuteParticipant(MuteParticipant {
        request_id: "mute-bob".into(),
        conference_id: conference_id.clone(),
        participant_id: bob.clone(),
        muted: true,
    });
    alice.send_request(&mute_bob).await;
    let answer = read_until(&mut alice, &mut seen, |r| matches!(r, Reply::MuteParticipantResponse { .. })).await;
    assert_eq!(
        answer,
        Reply::MuteParticipantResponse {
            request_id: "mute-bob".into(),
            conference_id: conference_id.clone(),
            participant_id: bob.clone(),
            muted: true
        }
    );
    let event = read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == bob)).await;
    assert!(matches!(event, Reply::ParticipantStatus(s) if s.muted && s.state == ParticipantState::Connected));

    let all = |id: &str, muted| Request::MuteAll(MuteAll { request_id: id.into(), conference_id: conference_id.clone(), muted });
    alice.send_request(&all("all", true)).await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::MuteAllResponse { muted: true, .. })).await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == carol && s.muted)).await;
    let snap = snapshot(&mut alice, &mut seen, &conference_id).await;
    let muted: Vec<_> = snap.participants.iter().map(|p| (p.participant_id.as_str(), p.muted)).collect();
    assert_eq!(muted, [(initiator.as_str(), false), (bob.as_str(), true), (carol.as_str(), true)], "never the initiator");
    assert!(
        statuses_of(&seen, &initiator).all(|s| !s.muted),
        "mute all sends no event for the initiator, nor for bob who was muted already"
    );

    alice.send_request(&all("none", false)).await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == carol && !s.muted))
        .await;
    let snap = snapshot(&mut alice, &mut seen, &conference_id).await;
    assert!(snap.participants.iter().all(|p| !p.muted), "{snap:?} {:?}", seen.events);

    // Bob cannot touch Alice's conference.
    let mut bob_client = signed_in(&server, "bob").await;
    let mut bob_seen = Seen::default();
    let stranger = Request::MuteAll(MuteAll { request_id: "x".into(), conference_id: conference_id.clone(), muted: true });
    assert_eq!(fault(&mut bob_client, &mut bob_seen, stranger).await, FaultKind::NotAuthorized);
}

#[tokio::test]
async fn a_locked_conference_refuses_additions_until_unlocked() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, INITIATOR).await;
    let lock = |id: &str, locked| {
        Request::LockConference(LockConference { request_id: id.into(), conference_id: conference_id.clone(), locked })
    };
    alice.send_request(&lock("lock", true)).await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::LockConferenceResponse { locked: true, .. })).await;
    let status = read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ConferenceStatus(_))).await;
    assert!(matches!(status, Reply::ConferenceStatus(s) if s.locked && s.state == ConferenceState::Active));
    assert!(snapshot(&mut alice, &mut seen, &conference_id).await.locked);

    let add_bob = Request::AddParticipant(AddParticipant {
        request_id: "add-bob".into(),
        conference_id: conference_id.clone(),
        participant: party("Bob", BOB),
    });
    assert_eq!(fault(&mut alice, &mut seen, add_bob).await, FaultKind::ConferenceLocked);

    alice.send_request(&lock("unlock", false)).await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ConferenceStatus(s) if !s.locked)).await;
    add(&mut alice, &mut seen, &conference_id, "add-bob-again", BOB).await;
}

#[tokio::test]
async fn a_busy_desk_phone_falls_back_to_the_mobile() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, INITIATOR).await;
    let bob = Party { alternatives: vec![Alternative { phone: BOB.into(), location: Location::Mobile }], ..party("Bob", BUSY) };
    alice
        .send_request(&Request::AddParticipant(AddParticipant {
            request_id: "bob".into(),
            conference_id: conference_id.clone(),
            participant: bob,
        }))
        .await;
    let Reply::AddParticipantResponse { participant_id, .. } =
        read_until(&mut alice, &mut seen, |r| matches!(r, Reply::AddParticipantResponse { .. })).await
    else {
        unreachable!()
    };
    read_until(&mut alice, &mut seen, participant_is(&participant_id, ParticipantState::Connected)).await;
    let trail: Vec<_> = statuses_of(&seen, &participant_id)
        .map(|s| {
            let a = s.attempt.as_ref().expect("every event names the number");
            (s.state.as_str(), a.location.as_str(), a.number, s.final_outcome)
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("dialing", "work", 1, None),
            ("ringing", "work", 1, None),
            ("busy", "work", 1, Some(false)),
            ("dialing", "mobile", 2, None),
            ("ringing", "mobile", 2, None),
            ("connected", "mobile", 2, None),
        ]
    );
}

#[tokio::test]
async fn confirmation_lets_in_who_presses_1_and_ends_the_answering_machine() {
    let server = TestServer::start_with(|o| o.confirm_timeout = Duration::from_millis(300)).await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    alice
        .send_request(&confirmed_conference(
            party("Alice", INITIATOR),
            vec![party("Bob", BOB), party("Machine", ANSWERING_MACHINE)],
            "Q3 budget",
        ))
        .await;
    let Reply::CreateConferenceResponse { conference_id, conference_uri, .. } = read_until(&mut alice, &mut seen, |_| true).await
    else {
        panic!("the create response first")
    };
    assert_eq!(conference_uri, Some(format!("sip:{conference_id}@{DOMAIN}")));
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ConferenceStatus(s) if s.state == ConferenceState::Active)).await;
    let snap = snapshot(&mut alice, &mut seen, &conference_id).await;
    assert_eq!(snap.subject.as_deref(), Some("Q3 budget"));
    assert_eq!(snap.conference_uri, conference_uri);
    assert!(snap.created.as_deref().is_some_and(|t| t.ends_with('Z')));
    let (bob, machine) = (snap.participants[1].participant_id.clone(), snap.participants[2].participant_id.clone());
    read_until(&mut alice, &mut seen, participant_is(&bob, ParticipantState::Connected)).await;
    read_until(&mut alice, &mut seen, participant_is(&machine, ParticipantState::NoAnswer)).await;
    use ParticipantState::*;
    assert_eq!(seen.states_of(&bob), [(Dialing, None), (Ringing, None), (Confirming, None), (Connected, None)]);
    assert_eq!(seen.states_of(&machine), [(Dialing, None), (Ringing, None), (Confirming, None), (NoAnswer, Some(19))]);
}

#[tokio::test]
async fn a_person_hears_the_announcement_in_the_phone_panel_and_presses_1() {
    let server = TestServer::start_with(|o| {
        o.delays.no_answer_timeout = Duration::from_secs(60);
        o.confirm_timeout = Duration::from_secs(60);
    })
    .await;
    const PHONE: &str = "+14255550188";
    let mut bob = Person::new(&server, "bob");
    bob.ok(Method::PUT, &format!("/pstn/phones/{PHONE}")).await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    alice.send_request(&confirmed_conference(party("Alice", INITIATOR), vec![party("Bob", PHONE)], "the launch")).await;
    let call = bob.ringing(PHONE).await;
    let call_id = call["id"].as_str().expect("id").to_string();
    assert_eq!(call["announcement"], "Alice is calling you into a conference about the launch. Press 1 to join.");
    let answered = bob.ok(Method::POST, &format!("/pstn/calls/{call_id}/answer")).await;
    assert_eq!(call_on(&answered, PHONE)["state"], "confirming");
    let snapshot_id = |seen: &Seen| match &seen.events[0] {
        Reply::CreateConferenceResponse { conference_id, .. } => conference_id.clone(),
        other => panic!("{other:?}"),
    };
    let Reply::ParticipantStatus(confirming) = read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.state == ParticipantState::Confirming),
    )
    .await
    else {
        unreachable!()
    };

    let (status, body) = bob.send(Method::POST, &format!("/pstn/calls/{call_id}/keys/x")).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("no-such-key")));
    bob.ok(Method::POST, &format!("/pstn/calls/{call_id}/keys/1")).await;
    read_until(&mut alice, &mut seen, participant_is(&confirming.participant_id, ParticipantState::Connected)).await;
    let panel = bob.wait_for(|p| call_on(p, PHONE)["state"] == "connected").await;
    assert_eq!(call_on(&panel, PHONE)["muted"], false);

    // Muted by the initiator: the panel shows it.
    let conference_id = snapshot_id(&seen);
    let snap = snapshot(&mut alice, &mut seen, &conference_id).await;
    alice
        .send_request(&Request::MuteParticipant(MuteParticipant {
            request_id: "mute".into(),
            conference_id,
            participant_id: snap.participants[1].participant_id.clone(),
            muted: true,
        }))
        .await;
    bob.wait_for(|p| call_on(p, PHONE)["muted"] == true).await;
}

#[tokio::test]
async fn a_malformed_control_request_is_a_fault_not_a_silence() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let body = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:c="urn:rollcall:conference:1"><env:Body><c:MuteAll><c:requestId>m1</c:requestId><c:conferenceId>conf-1</c:conferenceId><c:muted>perhaps</c:muted></c:MuteAll></env:Body></env:Envelope>"#;
    alice.message_to(&format!("sip:conference@{DOMAIN}"), body).await;
    match alice.next_reply().await {
        Reply::Fault(fault) => assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::InvalidRequest, Some("m1"))),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_ended_conference_cannot_be_muted_or_locked() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let ended = common::flow::ended_conference(&mut alice, &mut seen).await;
    let lock = Request::LockConference(LockConference {
        request_id: "late-lock".into(),
        conference_id: ended.conference_id.clone(),
        locked: true,
    });
    assert_eq!(fault(&mut alice, &mut seen, lock).await, FaultKind::NoSuchConference);
}
