//! The conference service's operations and bridge reactions, with the
//! simulator and with a hand-driven bridge.

use super::*;
use crate::bridge::pstn::scripts::{BUSY, HANGS_UP, NO_ANSWER, UNALLOCATED};
use crate::bridge::{BridgeEventKind, EventSender, LegQuality};
use crate::conference::testing::{summary, ChannelRecorder, ChannelReporter, ManualDriver, PATIENCE};
use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::{ConferenceSnapshot, TerminationReason};
use tokio::sync::mpsc;

const ADA: &str = "sip:ada@rollcall.local";
const MALLORY: &str = "sip:mallory@rollcall.local";
const INITIATOR: &str = "+14255550100";

fn config(max_participants: usize) -> ConferenceConfig {
    ConferenceConfig {
        max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
        accounts: None,
        token: "token".into(),
        reporting_url: "http://127.0.0.1:9/reporting".into(),
        signing_key: b"key".to_vec(),
        max_participants,
        inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
        confirm_timeout: ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
        call_records: None,
    }
}

fn party(phone: &str) -> Party {
    Party { name: format!("Person {phone}"), phone: phone.into(), ..Party::default() }
}

/// A service on the simulator (human-speed delays on paused time) that
/// reports to a channel.
struct Sim {
    service: Arc<ConferenceService>,
    simulator: Simulator,
    events: mpsc::UnboundedReceiver<Notification>,
}

fn sim(max_participants: usize) -> Sim {
    sim_with(config(max_participants))
}

fn sim_with(config: ConferenceConfig) -> Sim {
    let (simulator, bridge_events) = Simulator::channel(SimDelays::default());
    let (reporter, events) = ChannelReporter::new();
    let service = ConferenceService::start(config, Arc::new(simulator.clone()), bridge_events, reporter, &Handle::current());
    Sim { service, simulator, events }
}

/// A service on a bridge the test drives by hand.
struct Manual {
    service: Arc<ConferenceService>,
    driver: Arc<ManualDriver>,
    bridge: EventSender,
    reporter: Arc<ChannelReporter>,
    events: mpsc::UnboundedReceiver<Notification>,
}

fn manual() -> Manual {
    let driver = Arc::new(ManualDriver::default());
    let (bridge, bridge_events) = mpsc::unbounded_channel();
    let (reporter, events) = ChannelReporter::new();
    let service = ConferenceService::start(
        config(4),
        Arc::clone(&driver) as Arc<dyn BridgeDriver>,
        bridge_events,
        Arc::clone(&reporter) as Arc<dyn Reporter>,
        &Handle::current(),
    );
    Manual { service, driver, bridge, reporter, events }
}

impl Manual {
    /// Sends a bridge event and waits until the service has applied it.
    async fn bridge(&self, number: &str, kind: BridgeEventKind) {
        let leg = self.driver.leg_of(number);
        self.bridge.send(BridgeEvent { leg, kind }).expect("service listening");
        settle().await;
    }
}

/// Lets spawned tasks run until they are all idle.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

async fn next(events: &mut mpsc::UnboundedReceiver<Notification>) -> (String, String, Option<String>, u64) {
    let n = tokio::time::timeout(PATIENCE * 100, events.recv()).await.expect("an event").expect("open");
    assert!(
        matches!(&n, Notification::ParticipantStatus { owner, .. } | Notification::ConferenceStatus { owner, .. } if owner == ADA)
    );
    summary(&n)
}

fn ev(who: &str, state: &str, detail: Option<&str>, seq: u64) -> (String, String, Option<String>, u64) {
    (who.to_string(), state.to_string(), detail.map(str::to_string), seq)
}

fn create(service: &ConferenceService, owner: &str, initiator: &str, others: &[&str]) -> BridgeResponse {
    service.handle(BridgeRequest::CreateConference {
        confirm: false,
        subject: None,
        owner: owner.into(),
        account: "acct-1".into(),
        initiator: party(initiator),
        participants: others.iter().map(|p| party(p)).collect(),
    })
}

fn created(response: BridgeResponse) -> (String, String) {
    match response {
        BridgeResponse::CreateConference { conference_id, initiator_id, state } => {
            assert_eq!(state, ConferenceState::Creating);
            (conference_id, initiator_id)
        }
        other => panic!("expected a created conference, got {other:?}"),
    }
}

fn fault_kind(response: BridgeResponse) -> FaultKind {
    match response {
        BridgeResponse::Fault(fault) => fault.kind,
        other => panic!("expected a fault, got {other:?}"),
    }
}

fn info(service: &ConferenceService, owner: &str, id: &str) -> ConferenceSnapshot {
    match service.handle(BridgeRequest::GetConferenceInfo { owner: owner.into(), conference_id: id.into() }) {
        BridgeResponse::ConferenceInfo(snapshot) => snapshot,
        other => panic!("expected a snapshot, got {other:?}"),
    }
}

fn invite(service: &ConferenceService, owner: &str, id: &str, phone: &str) -> BridgeResponse {
    service.handle(BridgeRequest::InviteParticipant { owner: owner.into(), conference_id: id.into(), participant: party(phone) })
}

fn invited(response: BridgeResponse) -> String {
    match response {
        BridgeResponse::InviteParticipant { participant_id, state, .. } => {
            assert_eq!(state, ParticipantState::Dialing);
            participant_id
        }
        other => panic!("expected an invited participant, got {other:?}"),
    }
}

/// The create flow of docs/protocol.md §4 on the simulator: exactly these
/// events, in this order, numbered from 1.
#[tokio::test(start_paused = true)]
async fn create_dials_the_initiator_then_the_participants() {
    let mut s = sim(8);
    let (id, initiator) = created(create(&s.service, ADA, INITIATOR, &["+14255550101", BUSY]));
    assert!(id.starts_with("conf-") && initiator.starts_with("p-"), "{id} {initiator}");
    let i = initiator.as_str();
    assert_eq!(next(&mut s.events).await, ev(i, "dialing", None, 1));
    assert_eq!(next(&mut s.events).await, ev(i, "ringing", None, 2));
    assert_eq!(next(&mut s.events).await, ev(i, "connected", None, 3));
    assert_eq!(next(&mut s.events).await, ev("conference", "active", None, 4));

    let snap = info(&s.service, ADA, &id);
    let (alice, busy) = (snap.participants[1].participant_id.clone(), snap.participants[2].participant_id.clone());
    assert_eq!(next(&mut s.events).await, ev(&alice, "dialing", None, 5));
    assert_eq!(next(&mut s.events).await, ev(&busy, "dialing", None, 6));
    // Same delays: they ring together, then one answers as the other is busy.
    assert_eq!(next(&mut s.events).await, ev(&alice, "ringing", None, 7));
    assert_eq!(next(&mut s.events).await, ev(&busy, "ringing", None, 8));
    assert_eq!(next(&mut s.events).await, ev(&alice, "connected", None, 9));
    assert_eq!(next(&mut s.events).await, ev(&busy, "busy", Some("17"), 10));

    let snap = info(&s.service, ADA, &id);
    assert_eq!((snap.sequence, snap.state, snap.reason), (10, ConferenceState::Active, None));
    assert_eq!(snap.initiator.participant_id, initiator);
    let states: Vec<_> = snap.participants.iter().map(|p| (p.state, p.cause)).collect();
    assert_eq!(
        states,
        [(ParticipantState::Connected, None), (ParticipantState::Connected, None), (ParticipantState::Busy, Some(Cause(17))),]
    );
    assert_eq!(s.simulator.live_legs(), 2);
}

#[tokio::test(start_paused = true)]
async fn listed_participants_wait_for_the_initiator() {
    let mut s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &["+14255550101"]));
    next(&mut s.events).await; // initiator dialing
    assert_eq!(s.simulator.live_legs(), 1, "only the initiator is called");
    let snap = info(&s.service, ADA, &id);
    assert_eq!(snap.participants[1].state, ParticipantState::Dialing, "waiting shows as dialing");
}

#[tokio::test(start_paused = true)]
async fn unreachable_initiator_terminates_without_a_reason() {
    for (number, state, cause) in [(BUSY, "busy", "17"), (NO_ANSWER, "no-answer", "19"), (UNALLOCATED, "failed", "1")] {
        let mut s = sim(8);
        let (id, i) = created(create(&s.service, ADA, number, &["+14255550101"]));
        let waiting = info(&s.service, ADA, &id).participants[1].participant_id.clone();
        assert_eq!(next(&mut s.events).await, ev(&i, "dialing", None, 1));
        let mut seq = 2;
        if number != UNALLOCATED {
            assert_eq!(next(&mut s.events).await, ev(&i, "ringing", None, 2));
            seq = 3;
        }
        assert_eq!(next(&mut s.events).await, ev(&i, state, Some(cause), seq));
        assert_eq!(next(&mut s.events).await, ev(&waiting, "disconnected", Some("16"), seq + 1));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", None, seq + 2));
        assert_eq!(s.simulator.live_legs(), 0);
        assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Terminated);
    }
}

#[tokio::test(start_paused = true)]
async fn initiator_hanging_up_ends_the_conference() {
    let mut s = sim(8);
    let (_, i) = created(create(&s.service, ADA, HANGS_UP, &["+14255550101"]));
    for _ in 0..4 {
        next(&mut s.events).await; // initiator dialing, ringing, connected; active
    }
    let p = match next(&mut s.events).await {
        (p, state, None, 5) if state == "dialing" => p,
        other => panic!("{other:?}"),
    };
    assert_eq!(next(&mut s.events).await, ev(&p, "ringing", None, 6));
    assert_eq!(next(&mut s.events).await, ev(&p, "connected", None, 7));
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 8));
    assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("16"), 9));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("initiator-hung-up"), 10));
    settle().await;
    assert_eq!(s.simulator.live_legs(), 0, "the participant was hung up on the bridge");
}

#[tokio::test(start_paused = true)]
async fn end_conference_disconnects_everyone_initiator_last() {
    let mut s = sim(8);
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &["+14255550101", "+14255550102"]));
    for seq in 1..=10 {
        assert_eq!(next(&mut s.events).await.3, seq); // all connected by then
    }
    let snap = info(&s.service, ADA, &id);
    let (a, b) = (snap.participants[1].participant_id.clone(), snap.participants[2].participant_id.clone());
    let ended = s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
    assert_eq!(ended, BridgeResponse::EndConference { conference_id: id.clone() });
    assert_eq!(next(&mut s.events).await, ev(&a, "disconnected", Some("16"), 11));
    assert_eq!(next(&mut s.events).await, ev(&b, "disconnected", Some("16"), 12));
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 13));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("ended-by-initiator"), 14));
    assert_eq!(s.simulator.live_legs(), 0);

    // Again: accepted, nothing happens. The bridge's confirmations were ignored.
    let again = s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
    assert_eq!(again, BridgeResponse::EndConference { conference_id: id.clone() });
    settle().await;
    assert!(s.events.try_recv().is_err());
    assert_eq!(info(&s.service, ADA, &id).sequence, 14);
    assert_eq!(s.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }), BridgeResponse::Conferences(vec![]));
    assert_eq!(fault_kind(invite(&s.service, ADA, &id, "+14255550103")), FaultKind::NoSuchConference);
}

#[tokio::test(start_paused = true)]
async fn invite_and_remove_while_active() {
    let mut s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    for _ in 0..4 {
        next(&mut s.events).await;
    }
    let p = invited(invite(&s.service, ADA, &id, "+14255550101"));
    assert_eq!(next(&mut s.events).await, ev(&p, "dialing", None, 5));
    assert_eq!(next(&mut s.events).await, ev(&p, "ringing", None, 6));
    assert_eq!(next(&mut s.events).await, ev(&p, "connected", None, 7));
    let removed = s.service.handle(BridgeRequest::DisconnectParticipant {
        owner: ADA.into(),
        conference_id: id.clone(),
        participant_id: p.clone(),
    });
    assert_eq!(removed, BridgeResponse::DisconnectParticipant { conference_id: id.clone(), participant_id: p.clone() });
    assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("16"), 8));
    assert_eq!(s.simulator.live_legs(), 1, "only the initiator is left on the bridge");
    // Removing again is harmless.
    s.service.handle(BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id.clone(), participant_id: p });
    settle().await;
    assert!(s.events.try_recv().is_err());
    assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Active);
}

#[tokio::test(start_paused = true)]
async fn participant_hanging_up_leaves_the_conference_running() {
    let mut s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[HANGS_UP]));
    for _ in 0..7 {
        next(&mut s.events).await;
    }
    let (who, state, cause, seq) = next(&mut s.events).await;
    assert_eq!((state.as_str(), cause.as_deref(), seq), ("disconnected", Some("16"), 8));
    assert_ne!(who, info(&s.service, ADA, &id).initiator.participant_id);
    assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Active);
}

#[tokio::test(start_paused = true)]
async fn invites_during_creation_wait_for_the_initiator() {
    let mut s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    let p = invited(invite(&s.service, ADA, &id, "+14255550101"));
    assert_eq!(s.simulator.live_legs(), 1);
    let seen: Vec<_> = [
        next(&mut s.events).await,
        next(&mut s.events).await,
        next(&mut s.events).await,
        next(&mut s.events).await,
        next(&mut s.events).await,
    ]
    .into_iter()
    .map(|(who, state, _, _)| (who == p, state))
    .collect();
    assert_eq!(
        seen,
        [
            (false, "dialing".to_string()),
            (false, "ringing".to_string()),
            (false, "connected".to_string()),
            (false, "active".to_string()),
            (true, "dialing".to_string()),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn only_the_owner_may_see_or_change_a_conference() {
    let mut s = sim(8);
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
    for _ in 0..4 {
        next(&mut s.events).await;
    }
    let requests = [
        BridgeRequest::InviteParticipant { owner: MALLORY.into(), conference_id: id.clone(), participant: party("+14255550199") },
        BridgeRequest::DisconnectParticipant { owner: MALLORY.into(), conference_id: id.clone(), participant_id: i.clone() },
        BridgeRequest::EndConference { owner: MALLORY.into(), conference_id: id.clone() },
        BridgeRequest::GetConferenceInfo { owner: MALLORY.into(), conference_id: id.clone() },
    ];
    for request in requests {
        assert_eq!(fault_kind(s.service.handle(request.clone())), FaultKind::NotAuthorized, "{request:?}");
    }
    assert_eq!(s.service.handle(BridgeRequest::ListConferences { owner: MALLORY.into() }), BridgeResponse::Conferences(vec![]));
    settle().await;
    assert!(s.events.try_recv().is_err(), "nothing happened");
    let snap = info(&s.service, ADA, &id);
    assert_eq!((snap.sequence, snap.state, snap.participants.len()), (4, ConferenceState::Active, 1));
    assert_eq!(s.simulator.live_legs(), 1);
}

#[tokio::test(start_paused = true)]
async fn invalid_numbers_create_nothing() {
    let mut s = sim(8);
    for (initiator, others) in [("4255550100", vec![]), ("+1 425 555 0100", vec![]), (INITIATOR, vec!["+0425"])] {
        let response = create(&s.service, ADA, initiator, &others);
        assert_eq!(fault_kind(response), FaultKind::InvalidNumber);
    }
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    assert_eq!(fault_kind(invite(&s.service, ADA, &id, "call me")), FaultKind::InvalidNumber);
    assert_eq!(next(&mut s.events).await.3, 1, "only the valid conference reported");
    assert_eq!(info(&s.service, ADA, &id).participants.len(), 1);
    match s.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }) {
        BridgeResponse::Conferences(list) => assert_eq!(list.len(), 1),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn unknown_ids_and_missing_owner() {
    let s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    assert_eq!(fault_kind(invite(&s.service, ADA, "conf-nope", "+14255550101")), FaultKind::NoSuchConference);
    let end = BridgeRequest::EndConference { owner: ADA.into(), conference_id: "conf-nope".into() };
    assert_eq!(fault_kind(s.service.handle(end)), FaultKind::NoSuchConference);
    let remove = BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id, participant_id: "p-nope".into() };
    assert_eq!(fault_kind(s.service.handle(remove)), FaultKind::NoSuchParticipant);
    assert_eq!(fault_kind(create(&s.service, " ", INITIATOR, &[])), FaultKind::InvalidRequest);
}

#[tokio::test(start_paused = true)]
async fn conferences_have_a_participant_limit() {
    let mut s = sim(2);
    assert_eq!(fault_kind(create(&s.service, ADA, INITIATOR, &["+14255550101", "+14255550102"])), FaultKind::ConferenceFull);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[BUSY]));
    assert_eq!(fault_kind(invite(&s.service, ADA, &id, "+14255550102")), FaultKind::ConferenceFull);
    // Once the busy leg is over it no longer counts.
    for _ in 0..7 {
        next(&mut s.events).await; // initiator ×3, active, busy participant ×3
    }
    invited(invite(&s.service, ADA, &id, "+14255550102"));
}

#[tokio::test(start_paused = true)]
async fn removing_the_initiator_ends_the_conference() {
    let mut s = sim(8);
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
    for _ in 0..4 {
        next(&mut s.events).await;
    }
    s.service.handle(BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id, participant_id: i.clone() });
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 5));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("ended-by-initiator"), 6));
}

#[tokio::test(start_paused = true)]
async fn list_shows_the_owners_live_conferences_oldest_first() {
    let s = sim(8);
    let (first, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    let (second, _) = created(create(&s.service, ADA, "+14255550101", &[]));
    created(create(&s.service, MALLORY, "+14255550102", &[]));
    let (gone, _) = created(create(&s.service, ADA, "+14255550103", &[]));
    s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: gone });
    match s.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }) {
        BridgeResponse::Conferences(list) => {
            let ids: Vec<_> = list.iter().map(|c| c.conference_id.clone()).collect();
            assert_eq!(ids, [first, second]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn terminated_conferences_are_forgotten_after_a_while() {
    let s = sim(8);
    let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
    s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
    tokio::time::advance(TERMINATED_RETENTION / 2).await;
    created(create(&s.service, ADA, INITIATOR, &[]));
    assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Terminated);
    tokio::time::advance(TERMINATED_RETENTION).await;
    created(create(&s.service, ADA, INITIATOR, &[]));
    let get = BridgeRequest::GetConferenceInfo { owner: ADA.into(), conference_id: id };
    assert_eq!(fault_kind(s.service.handle(get)), FaultKind::NoSuchConference);
}

#[tokio::test]
async fn late_and_duplicate_bridge_events_are_ignored() {
    let mut m = manual();
    let (id, i) = created(create(&m.service, ADA, INITIATOR, &[]));
    assert_eq!(next(&mut m.events).await, ev(&i, "dialing", None, 1));
    m.bridge(INITIATOR, BridgeEventKind::Ringing).await;
    m.bridge(INITIATOR, BridgeEventKind::Ringing).await; // duplicate alerting
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    assert_eq!(next(&mut m.events).await, ev(&i, "ringing", None, 2));
    assert_eq!(next(&mut m.events).await, ev(&i, "connected", None, 3));
    assert_eq!(next(&mut m.events).await, ev("conference", "active", None, 4));
    m.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
    assert_eq!(next(&mut m.events).await, ev(&i, "disconnected", Some("16"), 5));
    assert_eq!(next(&mut m.events).await, ev("conference", "terminated", Some("ended-by-initiator"), 6));
    assert_eq!(*m.driver.hung_up.locked(), [m.driver.leg_of(INITIATOR)]);
    assert_eq!(*m.reporter.finished.locked(), std::slice::from_ref(&id));
    m.bridge(INITIATOR, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)).await; // the confirmation
    assert!(m.events.try_recv().is_err());
    assert_eq!(info(&m.service, ADA, &id).sequence, 6);
}

#[tokio::test]
async fn a_refusing_bridge_is_a_receiver_fault_and_creates_nothing() {
    let mut m = manual();
    *m.driver.refuse.locked() = Some(BridgeError::Unavailable("down for maintenance".into()));
    match create(&m.service, ADA, INITIATOR, &[]) {
        BridgeResponse::Fault(fault) => {
            assert_eq!(fault.kind, FaultKind::BridgeUnavailable);
            assert_eq!(fault.code, rollcall_shared::soap::FaultCode::Receiver);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }), BridgeResponse::Conferences(vec![]));
    settle().await;
    assert!(m.events.try_recv().is_err());
}

#[tokio::test]
async fn participants_the_bridge_refuses_fail_with_a_cause() {
    let mut m = manual();
    let (_, _) = created(create(&m.service, ADA, INITIATOR, &["+14255550101"]));
    next(&mut m.events).await;
    *m.driver.refuse.locked() = Some(BridgeError::Unavailable("no circuits".into()));
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    assert_eq!(next(&mut m.events).await.1, "connected");
    assert_eq!(next(&mut m.events).await.1, "active");
    let (p, state, _, _) = next(&mut m.events).await;
    assert_eq!(state, "dialing");
    assert_eq!(next(&mut m.events).await, ev(&p, "failed", Some("41"), 5));
}

#[tokio::test]
async fn losing_the_bridge_ends_every_conference_with_fatal_error() {
    let mut m = manual();
    let (id, i) = created(create(&m.service, ADA, INITIATOR, &[]));
    next(&mut m.events).await;
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    next(&mut m.events).await;
    next(&mut m.events).await;
    drop(m.bridge); // the driver's event channel closes
    assert_eq!(next(&mut m.events).await, ev(&i, "disconnected", Some("38"), 4));
    assert_eq!(next(&mut m.events).await, ev("conference", "terminated", Some("fatal-error"), 5));
    assert_eq!(info(&m.service, ADA, &id).reason, Some(TerminationReason::FatalError));
}

/// Fault injection: every live leg is lost with cause 41, the initiator
/// last, then `fatal-error`; a pending leg goes too, and nothing after.
#[tokio::test(start_paused = true)]
async fn a_crash_disconnects_everyone_then_terminates_with_fatal_error() {
    let mut s = sim(8);
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &["+14255550101"]));
    for _ in 0..7 {
        next(&mut s.events).await; // initiator ×3, active, participant ×3
    }
    let p = info(&s.service, ADA, &id).participants[1].participant_id.clone();
    assert_eq!(s.service.crash(&id).expect("crash"), 2);
    assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("41"), 8));
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("41"), 9));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("fatal-error"), 10));
    settle().await;
    assert!(s.events.try_recv().is_err(), "the other Lost report is ignored");
    assert_eq!(s.simulator.live_legs(), 0);
    assert!(matches!(s.service.crash(&id), Err(CrashError::Terminated(_))));
    assert!(matches!(s.service.crash("conf-nope"), Err(CrashError::NoSuchConference(_))));
}

/// The owner's crash works; anyone else's is "no such conference" and
/// changes nothing, even once the conference has ended.
#[tokio::test(start_paused = true)]
async fn only_the_owner_may_crash_through_crash_owned_by() {
    let mut s = sim(8);
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
    for _ in 0..4 {
        next(&mut s.events).await; // initiator ×3, active
    }
    assert!(matches!(s.service.crash_owned_by(&id, MALLORY), Err(CrashError::NoSuchConference(_))));
    settle().await;
    assert!(s.events.try_recv().is_err(), "nothing happened");
    assert!(matches!(s.service.crash_owned_by("conf-nope", ADA), Err(CrashError::NoSuchConference(_))));
    assert_eq!(s.service.crash_owned_by(&id, ADA).expect("crash"), 1);
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("41"), 5));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("fatal-error"), 6));
    assert!(matches!(s.service.crash_owned_by(&id, ADA), Err(CrashError::Terminated(_))));
    assert!(matches!(s.service.crash_owned_by(&id, MALLORY), Err(CrashError::NoSuchConference(_))));
}

#[tokio::test]
async fn a_bridge_without_fault_injection_refuses_to_crash() {
    let mut m = manual();
    let (id, _) = created(create(&m.service, ADA, INITIATOR, &[]));
    next(&mut m.events).await;
    assert!(matches!(m.service.crash(&id), Err(CrashError::Bridge(BridgeError::Unsupported(_)))));
    settle().await;
    assert!(m.events.try_recv().is_err());
}

fn with_inactivity(timeout: Duration) -> ConferenceConfig {
    ConferenceConfig { inactivity_timeout: timeout, ..config(8) }
}

#[tokio::test(start_paused = true)]
async fn a_lone_initiator_is_ended_for_inactivity() {
    let mut s = sim_with(with_inactivity(Duration::from_secs(600)));
    let start = tokio::time::Instant::now();
    let (_, i) = created(create(&s.service, ADA, INITIATOR, &[]));
    for _ in 0..4 {
        next(&mut s.events).await;
    }
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 5));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("inactivity"), 6));
    assert_eq!(start.elapsed(), Duration::from_secs(600), "idle from creation");
    assert_eq!(s.simulator.live_legs(), 0);
}

/// A call between two people is never ended for inactivity; the clock
/// starts again, from zero, when the last participant has gone.
#[tokio::test(start_paused = true)]
async fn inactivity_spares_live_calls_and_restarts_when_they_end() {
    let timeout = Duration::from_secs(600);
    let mut s = sim_with(with_inactivity(timeout));
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
    for _ in 0..4 {
        next(&mut s.events).await;
    }
    tokio::time::advance(timeout / 2).await;
    let p = invited(invite(&s.service, ADA, &id, "+14255550101"));
    for _ in 0..3 {
        next(&mut s.events).await; // dialing, ringing, connected
    }
    tokio::time::advance(timeout * 5).await;
    settle().await;
    assert!(s.events.try_recv().is_err(), "a live call goes on");
    let removed_at = tokio::time::Instant::now();
    s.service.handle(BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id, participant_id: p.clone() });
    assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("16"), 8));
    assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 9));
    assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("inactivity"), 10));
    assert_eq!(removed_at.elapsed(), timeout, "a full timeout after the last participant left");
}

#[tokio::test]
async fn a_released_legs_quality_report_reaches_its_call_record_until_the_bridge_confirms() {
    let driver = Arc::new(ManualDriver::default());
    let (bridge, bridge_events) = mpsc::unbounded_channel();
    let (reporter, events) = ChannelReporter::new();
    let (recorder, _records) = ChannelRecorder::new();
    let service = ConferenceService::start(
        ConferenceConfig { call_records: Some(Arc::clone(&recorder) as Arc<dyn CallRecorder>), ..config(4) },
        Arc::clone(&driver) as Arc<dyn BridgeDriver>,
        bridge_events,
        Arc::clone(&reporter) as Arc<dyn Reporter>,
        &Handle::current(),
    );
    let mut m = Manual { service, driver, bridge, reporter, events };
    let (id, i) = created(create(&m.service, ADA, INITIATOR, &[]));
    m.bridge(INITIATOR, BridgeEventKind::Answered).await;
    m.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
    // Released at once: disconnected (16), terminated.
    for _ in 0..5 {
        next(&mut m.events).await;
    }
    let quality = LegQuality { rx_loss_permille: 3, rx_jitter_us: 1_500, tx_loss_permille: Some(0), tx_jitter_us: Some(900) };
    m.bridge(INITIATOR, BridgeEventKind::Quality(quality)).await;
    m.bridge(INITIATOR, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)).await; // the confirmation
    assert_eq!(*recorder.qualities.locked(), [(id.clone(), i.clone(), quality)]);
    // Once the bridge confirmed, the leg is forgotten: nothing more is taken.
    m.bridge(INITIATOR, BridgeEventKind::Quality(LegQuality::default())).await;
    assert_eq!(recorder.qualities.locked().len(), 1);
    assert!(m.events.try_recv().is_err(), "a quality report is no state change");
}

#[tokio::test(start_paused = true)]
async fn every_dialled_leg_leaves_a_call_record_when_it_ends() {
    let (recorder, mut records) = ChannelRecorder::new();
    let mut s = sim_with(ConferenceConfig { call_records: Some(recorder), ..config(8) });
    let (id, i) = created(create(&s.service, ADA, INITIATOR, &[BUSY, "+14255550101"]));
    for _ in 0..10 {
        next(&mut s.events).await; // initiator ×3, active, busy ×3, answering ×3
    }
    let busy = records.recv().await.expect("the busy leg's record");
    assert_eq!(
        (busy.number.as_str(), busy.final_state.as_str(), busy.cause, busy.answered_at.is_none()),
        (BUSY, "busy", Some(17), true)
    );
    s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
    let answered = records.recv().await.expect("a record");
    let initiator = records.recv().await.expect("the initiator's record, last");
    assert_eq!(
        (answered.number.as_str(), answered.final_state.as_str(), answered.cause),
        ("+14255550101", "disconnected", Some(16))
    );
    assert!(answered.answered_at.is_some());
    assert_eq!(
        (initiator.participant_id.as_str(), initiator.account.as_str(), initiator.owner.as_str()),
        (i.as_str(), "acct-1", ADA)
    );
    assert!([&busy, &answered, &initiator].iter().all(|r| r.conference_id == id));
    assert!(records.try_recv().is_err(), "one record per leg");
}

#[tokio::test]
async fn new_checks_the_configuration() {
    let (sim, events) = Simulator::channel(SimDelays::fast());
    let mut bad = config(4);
    bad.reporting_url = "gateway:8080/reporting".into();
    let result = ConferenceService::new(bad, Arc::new(sim), events);
    assert!(matches!(result, Err(StartError::ReportingUrl(_))));
    let mut bad = config(4);
    bad.token.clear();
    assert!(matches!(ConferenceService::with_simulator(bad, SimDelays::fast()), Err(StartError::EmptyToken)));
    let mut bad = config(4);
    bad.signing_key.clear();
    assert!(matches!(ConferenceService::with_simulator(bad, SimDelays::fast()), Err(StartError::EmptySigningKey)));
    assert!(ConferenceService::with_simulator(config(4), SimDelays::fast()).is_ok());
    assert!(!format!("{:?}", config(4)).contains("token\""), "secrets are redacted");
}

#[test]
fn new_outside_a_runtime_is_an_error() {
    assert!(matches!(ConferenceService::with_simulator(config(4), SimDelays::fast()), Err(StartError::NoRuntime)));
}

mod control;
