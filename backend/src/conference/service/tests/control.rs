//! Running a call (docs/protocol.md §6): mute, lock, fallback numbers, and
//! the announcement a screened participant confirms.

use super::*;
use crate::bridge::pstn::scripts::ANSWERING_MACHINE;
use rollcall_shared::soap::{Alternative, Location, ParticipantStatus};

const BOB: &str = "+14255550101";
const BOB_MOBILE: &str = "+14255550111";
const CAROL: &str = "+14255550102";

/// The next event, which must be a participant's.
async fn status(events: &mut mpsc::UnboundedReceiver<Notification>) -> ParticipantStatus {
    match tokio::time::timeout(PATIENCE * 100, events.recv()).await.expect("an event").expect("open") {
        Notification::ParticipantStatus { status, .. } => status,
        other => panic!("expected a participant's event, got {other:?}"),
    }
}

/// Skips events until `who` is `state`; returns that event.
async fn until(events: &mut mpsc::UnboundedReceiver<Notification>, who: &str, state: &str) -> Notification {
    loop {
        let n = tokio::time::timeout(PATIENCE * 100, events.recv()).await.expect("an event").expect("open");
        let (id, s, _, _) = summary(&n);
        if id == who && s == state {
            return n;
        }
    }
}

fn mute(service: &ConferenceService, id: &str, participant: &str, muted: bool) -> BridgeResponse {
    service.handle(BridgeRequest::MuteParticipant {
        owner: ADA.into(),
        conference_id: id.into(),
        participant_id: participant.into(),
        muted,
    })
}

fn lock(service: &ConferenceService, owner: &str, id: &str, locked: bool) -> BridgeResponse {
    service.handle(BridgeRequest::LockConference { owner: owner.into(), conference_id: id.into(), locked })
}

/// A conference of ADA's with these participants, everyone connected.
async fn running(s: &mut Sim, others: &[&str]) -> (String, Vec<String>) {
    let (id, _) = created(create(&s.service, ADA, INITIATOR, others));
    let ids: Vec<String> = info(&s.service, ADA, &id).participants.iter().map(|p| p.participant_id.clone()).collect();
    for p in &ids {
        until(&mut s.events, p, "connected").await;
    }
    settle().await;
    while s.events.try_recv().is_ok() {} // the conference's `active`
    (id, ids)
}

#[tokio::test(start_paused = true)]
async fn muting_one_participant_then_everyone_but_the_initiator() {
    let mut s = sim(8);
    let (id, ids) = running(&mut s, &[BOB, CAROL]).await;
    let seq = info(&s.service, ADA, &id).sequence;

    let answer = mute(&s.service, &id, &ids[1], true);
    assert_eq!(
        answer,
        BridgeResponse::MuteParticipant { conference_id: id.clone(), participant_id: ids[1].clone(), muted: true }
    );
    let event = status(&mut s.events).await;
    assert_eq!(
        (event.participant_id.as_str(), event.state, event.muted, event.sequence),
        (ids[1].as_str(), ParticipantState::Connected, true, seq + 1)
    );
    // Muting again changes nothing, so says nothing.
    mute(&s.service, &id, &ids[1], true);

    s.service.handle(BridgeRequest::MuteAll { owner: ADA.into(), conference_id: id.clone(), muted: true });
    let event = status(&mut s.events).await;
    assert_eq!(
        (event.participant_id.as_str(), event.muted, event.sequence),
        (ids[2].as_str(), true, seq + 2),
        "only Carol changed"
    );
    let snap = info(&s.service, ADA, &id);
    assert_eq!(snap.participants.iter().map(|p| p.muted).collect::<Vec<_>>(), [false, true, true], "never the initiator");

    s.service.handle(BridgeRequest::MuteAll { owner: ADA.into(), conference_id: id.clone(), muted: false });
    assert!(!status(&mut s.events).await.muted);
    assert!(!status(&mut s.events).await.muted);
    assert!(s.events.try_recv().is_err());

    // The initiator may mute themselves; a stranger may mute nobody.
    assert!(matches!(mute(&s.service, &id, &ids[0], true), BridgeResponse::MuteParticipant { muted: true, .. }));
    let stranger = s.service.handle(BridgeRequest::MuteAll { owner: MALLORY.into(), conference_id: id.clone(), muted: true });
    assert_eq!(fault_kind(stranger), FaultKind::NotAuthorized);
    assert_eq!(fault_kind(mute(&s.service, &id, "p-nobody", true)), FaultKind::NoSuchParticipant);
}

#[tokio::test]
async fn a_muted_leg_is_muted_on_the_bridge_and_stays_muted_on_the_next_number() {
    let mut m = manual();
    let bob = Party { alternatives: vec![Alternative { phone: BOB_MOBILE.into(), location: Location::Mobile }], ..party(BOB) };
    let response = m.service.handle(BridgeRequest::CreateConference {
        owner: ADA.into(),
        account: "acct-1".into(),
        initiator: party(INITIATOR),
        participants: vec![bob],
        subject: None,
        confirm: false,
    });
    let (id, _) = created(response);
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    let bob_id = info(&m.service, ADA, &id).participants[1].participant_id.clone();
    mute(&m.service, &id, &bob_id, true);
    let first = m.driver.leg_of(BOB);
    assert_eq!(*m.driver.muted.locked(), [(first, true)]);
    m.bridge(BOB, BridgeEventKind::Busy).await;
    let second = m.driver.leg_of(BOB_MOBILE);
    assert_ne!(first, second, "a new leg for the next number");
    assert_eq!(m.driver.muted.locked().last(), Some(&(second, true)));
    while m.events.try_recv().is_ok() {}
    // A muted participant whose call has ended cannot be muted again.
    m.bridge(BOB_MOBILE, BridgeEventKind::Answered).await;
    m.bridge(BOB_MOBILE, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)).await;
    assert_eq!(fault_kind(mute(&m.service, &id, &bob_id, false)), FaultKind::InvalidRequest);
}

#[tokio::test(start_paused = true)]
async fn a_locked_conference_takes_nobody_new_until_unlocked() {
    let mut s = sim(8);
    let (id, _) = running(&mut s, &[]).await;
    let seq = info(&s.service, ADA, &id).sequence;
    assert_eq!(lock(&s.service, ADA, &id, true), BridgeResponse::LockConference { conference_id: id.clone(), locked: true });
    match s.events.recv().await.expect("event") {
        Notification::ConferenceStatus { status, .. } => {
            assert_eq!((status.state, status.locked, status.sequence), (ConferenceState::Active, true, seq + 1));
        }
        other => panic!("{other:?}"),
    }
    assert!(info(&s.service, ADA, &id).locked);
    assert_eq!(fault_kind(invite(&s.service, ADA, &id, BOB)), FaultKind::ConferenceLocked);
    assert_eq!(fault_kind(lock(&s.service, MALLORY, &id, false)), FaultKind::NotAuthorized);
    lock(&s.service, ADA, &id, false);
    invited(invite(&s.service, ADA, &id, BOB));
}

#[tokio::test(start_paused = true)]
async fn a_busy_number_falls_back_to_the_next_at_once() {
    let mut s = sim(8);
    let (id, _) = running(&mut s, &[]).await;
    let person = Party {
        alternatives: vec![
            Alternative { phone: NO_ANSWER.into(), location: Location::Home },
            Alternative { phone: BOB_MOBILE.into(), location: Location::Mobile },
        ],
        location: Location::Work,
        ..party(BUSY)
    };
    let response =
        s.service.handle(BridgeRequest::InviteParticipant { owner: ADA.into(), conference_id: id.clone(), participant: person });
    let p = invited(response);
    let mut seen = Vec::new();
    loop {
        let e = status(&mut s.events).await;
        assert_eq!(e.participant_id, p);
        let attempt = e.attempt.clone().expect("a person with other numbers: every event says which");
        seen.push((e.state.as_str(), attempt.phone, attempt.number, e.final_outcome));
        if e.state == ParticipantState::Connected {
            break;
        }
    }
    let row = |state, phone: &str, n, f| (state, phone.to_string(), n, f);
    assert_eq!(
        seen,
        [
            row("dialing", BUSY, 1, None),
            row("ringing", BUSY, 1, None),
            row("busy", BUSY, 1, Some(false)),
            row("dialing", NO_ANSWER, 2, None),
            row("ringing", NO_ANSWER, 2, None),
            row("no-answer", NO_ANSWER, 2, Some(false)),
            row("dialing", BOB_MOBILE, 3, None),
            row("ringing", BOB_MOBILE, 3, None),
            row("connected", BOB_MOBILE, 3, None),
        ]
    );
    let snap = info(&s.service, ADA, &id);
    let last = snap.participants.last().expect("participant");
    assert_eq!((last.phone.as_str(), last.location, last.attempt), (BOB_MOBILE, Location::Mobile, Some(3)));
}

#[tokio::test(start_paused = true)]
async fn the_last_numbers_outcome_is_final() {
    let mut s = sim(8);
    let (id, _) = running(&mut s, &[]).await;
    let person =
        Party { alternatives: vec![Alternative { phone: UNALLOCATED.into(), location: Location::Other }], ..party(BUSY) };
    let p =
        invited(s.service.handle(BridgeRequest::InviteParticipant { owner: ADA.into(), conference_id: id, participant: person }));
    let busy = match until(&mut s.events, &p, "busy").await {
        Notification::ParticipantStatus { status, .. } => status,
        other => panic!("{other:?}"),
    };
    assert_eq!(busy.final_outcome, Some(false));
    let failed = match until(&mut s.events, &p, "failed").await {
        Notification::ParticipantStatus { status, .. } => status,
        other => panic!("{other:?}"),
    };
    assert_eq!((failed.final_outcome, failed.cause, failed.attempt.map(|a| a.number)), (None, Some(Cause(1)), Some(2)));
}

#[tokio::test(start_paused = true)]
async fn too_many_or_bad_fallback_numbers_are_refused() {
    let s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    let many = Party {
        alternatives: vec![
            Alternative { phone: BOB_MOBILE.into(), location: Location::Mobile };
            ConferenceConfig::MAX_ALTERNATIVES + 1
        ],
        ..party(BOB)
    };
    let invite = |participant| BridgeRequest::InviteParticipant { owner: ADA.into(), conference_id: id.clone(), participant };
    assert_eq!(fault_kind(s.service.handle(invite(many))), FaultKind::InvalidRequest);
    let bad = Party { alternatives: vec![Alternative { phone: "555-0100".into(), location: Location::Home }], ..party(BOB) };
    assert_eq!(fault_kind(s.service.handle(invite(bad))), FaultKind::InvalidNumber);
    let long = BridgeRequest::CreateConference {
        owner: ADA.into(),
        account: String::new(),
        initiator: party(INITIATOR),
        participants: vec![],
        subject: Some("x".repeat(ConferenceConfig::MAX_SUBJECT_CHARS + 1)),
        confirm: true,
    };
    assert_eq!(fault_kind(s.service.handle(long)), FaultKind::InvalidRequest);
}

/// Creates ADA's conference with `confirm` on, about "Budget".
fn create_confirmed(service: &ConferenceService, others: &[&str]) -> String {
    created(service.handle(BridgeRequest::CreateConference {
        owner: ADA.into(),
        account: "acct-1".into(),
        initiator: Party { name: "Ada".into(), ..party(INITIATOR) },
        participants: others.iter().map(|p| party(p)).collect(),
        subject: Some("Budget".into()),
        confirm: true,
    }))
    .0
}

#[tokio::test(start_paused = true)]
async fn a_screened_participant_who_presses_1_joins_and_an_answering_machine_never_does() {
    let mut s = sim_with(ConferenceConfig { confirm_timeout: Duration::from_secs(15), ..config(8) });
    let id = create_confirmed(&s.service, &[BOB, ANSWERING_MACHINE]);
    let ids: Vec<String> = info(&s.service, ADA, &id).participants.iter().map(|p| p.participant_id.clone()).collect();
    let mut bob: Vec<(String, Option<String>)> = Vec::new();
    let mut machine: Vec<(String, Option<String>)> = Vec::new();
    let mut initiator = Vec::new();
    let last = |v: &[(String, Option<String>)]| v.last().map(|(s, _)| s.clone()).unwrap_or_default();
    while last(&machine) != "no-answer" || last(&bob) != "connected" {
        let (who, state, cause, _) = summary(&s.events.recv().await.expect("event"));
        let entry = (state, cause);
        if who == ids[1] {
            bob.push(entry);
        } else if who == ids[2] {
            machine.push(entry);
        } else if who == ids[0] {
            initiator.push(entry);
        }
    }
    let states = |v: &[(String, Option<String>)]| v.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>();
    assert_eq!(states(&initiator), ["dialing", "ringing", "connected"], "the initiator is never asked");
    assert_eq!(states(&bob), ["dialing", "ringing", "confirming", "connected"]);
    assert_eq!(states(&machine), ["dialing", "ringing", "confirming", "no-answer"]);
    assert_eq!(machine.last().expect("end").1.as_deref(), Some("19"));
    assert_eq!(s.simulator.live_legs(), 2, "the machine's call was hung up");
}

#[tokio::test]
async fn the_announcement_names_the_initiator_and_the_subject_and_keys_decide() {
    let m = manual();
    let id = create_confirmed(&m.service, &[BOB, CAROL, BOB_MOBILE]);
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    assert!(m.driver.screened.locked().iter().all(|(leg, _)| *leg != m.driver.leg_of(INITIATOR)), "never the initiator");
    let announcements = m.driver.screened.locked().clone();
    assert_eq!(announcements.len(), 3);
    assert_eq!(announcements[0].1, "Ada is calling you into a conference about Budget. Press 1 to join.");

    for number in [BOB, CAROL, BOB_MOBILE] {
        m.bridge(number, BridgeEventKind::Answered).await;
    }
    let snap = info(&m.service, ADA, &id);
    assert!(snap.participants[1..].iter().all(|p| p.state == ParticipantState::Confirming), "{snap:?}");
    // A key before being asked, or on a connected call, means nothing.
    m.bridge(INITIATOR, BridgeEventKind::Digit('9')).await;
    m.bridge(BOB, BridgeEventKind::Digit('1')).await;
    m.bridge(CAROL, BridgeEventKind::Digit('2')).await;
    m.bridge(BOB_MOBILE, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)).await;
    let snap = info(&m.service, ADA, &id);
    let states: Vec<_> = snap.participants.iter().map(|p| (p.state, p.cause)).collect();
    assert_eq!(
        states,
        [
            (ParticipantState::Connected, None),
            (ParticipantState::Connected, None),
            (ParticipantState::Disconnected, Some(Cause::CALL_REJECTED)),
            (ParticipantState::Disconnected, Some(Cause::CALL_REJECTED)),
        ]
    );
    assert_eq!(*m.driver.admitted.locked(), [m.driver.leg_of(BOB)]);
    assert!(m.driver.hung_up.locked().contains(&m.driver.leg_of(CAROL)), "a declined call is hung up");
}

#[tokio::test(start_paused = true)]
async fn every_attempt_leaves_its_own_call_record() {
    let (recorder, mut records) = ChannelRecorder::new();
    let mut s = sim_with(ConferenceConfig { call_records: Some(recorder), ..config(8) });
    let (id, _) = running(&mut s, &[]).await;
    let person =
        Party { alternatives: vec![Alternative { phone: BOB_MOBILE.into(), location: Location::Mobile }], ..party(BUSY) };
    let p = invited(s.service.handle(BridgeRequest::InviteParticipant {
        owner: ADA.into(),
        conference_id: id.clone(),
        participant: person,
    }));
    until(&mut s.events, &p, "connected").await;
    s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id });
    let mut mine = Vec::new();
    while let Ok(record) = tokio::time::timeout(PATIENCE, records.recv()).await {
        let record = record.expect("open");
        if record.participant_id == p {
            mine.push((record.number, record.final_state));
        }
        if mine.len() == 2 {
            break;
        }
    }
    assert_eq!(mine, [(BUSY.to_string(), "busy".to_string()), (BOB_MOBILE.to_string(), "disconnected".to_string())]);
}

#[tokio::test]
async fn a_participant_waiting_for_the_initiator_is_muted_without_an_event_of_its_own() {
    let mut m = manual();
    let (id, _) = created(create(&m.service, ADA, INITIATOR, &[BOB]));
    let waiting = info(&m.service, ADA, &id).participants[1].participant_id.clone();
    assert_eq!(next(&mut m.events).await.1, "dialing"); // the initiator
    mute(&m.service, &id, &waiting, true);
    settle().await;
    assert!(m.events.try_recv().is_err(), "no event before its own dialing (§4)");
    assert!(info(&m.service, ADA, &id).participants[1].muted);
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    let dialing = loop {
        match m.events.recv().await.expect("event") {
            Notification::ParticipantStatus { status, .. } if status.participant_id == waiting => break status,
            _ => continue,
        }
    };
    assert_eq!((dialing.state, dialing.muted), (ParticipantState::Dialing, true));
    assert_eq!(*m.driver.muted.locked(), [(m.driver.leg_of(BOB), true)], "muted on the bridge once placed");
}

#[tokio::test(start_paused = true)]
async fn names_and_the_legs_a_conference_dials_are_bounded() {
    let s = sim(2);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    let long = Party { name: "n".repeat(ConferenceConfig::MAX_NAME_CHARS + 1), ..party(BOB) };
    let invite = |participant| BridgeRequest::InviteParticipant { owner: ADA.into(), conference_id: id.clone(), participant };
    assert_eq!(fault_kind(s.service.handle(invite(long))), FaultKind::InvalidRequest);
    // Dial and release, again and again: the conference keeps every leg, up
    // to a limit.
    let mut dialled = 1;
    loop {
        match s.service.handle(invite(party(BOB))) {
            BridgeResponse::InviteParticipant { participant_id, .. } => {
                dialled += 1;
                s.service.handle(BridgeRequest::DisconnectParticipant {
                    owner: ADA.into(),
                    conference_id: id.clone(),
                    participant_id,
                });
            }
            BridgeResponse::Fault(fault) => {
                assert_eq!(fault.kind, FaultKind::ConferenceFull, "{fault}");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(dialled, 2 * ConferenceConfig::MAX_LEGS_PER_PARTICIPANT_SLOT);
}
