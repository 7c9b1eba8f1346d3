use super::*;
use rollcall_shared::soap::{ConferenceState, ParticipantState, TerminationReason};

fn conference() -> Conference {
    let party = Party { name: "Ada".into(), phone: "+14255550100".into(), ..Party::default() };
    let leg = Leg::new("p-1".into(), LegId(1), party);
    Conference::new("conf-1".into(), "sip:ada@rollcall.local".into(), "acct".into(), leg, 0)
}

#[test]
fn every_change_is_numbered_and_reported() {
    let mut conf = conference();
    let n = conf.apply_leg(0, LegInput::Dial).expect("dial");
    let Notification::ParticipantStatus { owner, status } = n else { panic!("participant event") };
    assert_eq!(owner, "sip:ada@rollcall.local");
    assert_eq!((status.sequence, status.state, status.participant_id.as_str()), (1, ParticipantState::Dialing, "p-1"));
    assert!(status.time.ends_with('Z'), "{}", status.time);
    conf.apply_leg(0, LegInput::Answered).expect("answer");
    let n = conf.apply_conf(ConfInput::InitiatorConnected).expect("active");
    let Notification::ConferenceStatus { status, .. } = n else { panic!("conference event") };
    assert_eq!((status.sequence, status.state, status.reason), (3, ConferenceState::Active, None));
    assert!(conf.ended_at.is_none());
}

#[test]
fn refused_changes_change_nothing() {
    let mut conf = conference();
    assert!(conf.apply_leg(0, LegInput::Answered).is_err(), "pending legs cannot answer");
    assert!(conf.apply_leg(5, LegInput::Dial).is_err(), "no such leg");
    assert!(conf.apply_conf(ConfInput::InitiatorHungUp).is_err());
    assert_eq!(conf.sequence, 0);
    assert_eq!(conf.legs[0].state, LegState::Pending);
    assert_eq!(conf.state, ConfState::Creating);
}

#[test]
fn snapshot_lists_the_initiator_first() {
    let mut conf = conference();
    conf.legs.push(Leg::new("p-2".into(), LegId(2), Party::default()));
    conf.apply_conf(ConfInput::EndedByInitiator).expect("end");
    let snap = conf.snapshot();
    assert_eq!(snap.sequence, 1);
    assert_eq!(snap.state, ConferenceState::Terminated);
    assert_eq!(snap.reason, Some(TerminationReason::EndedByInitiator));
    assert_eq!(snap.initiator.participant_id, "p-1");
    let ids: Vec<_> = snap.participants.iter().map(|p| p.participant_id.as_str()).collect();
    assert_eq!(ids, ["p-1", "p-2"]);
    assert!(conf.ended_at.is_some());
}

#[test]
fn call_records_only_for_dialled_legs_that_ended() {
    let mut conf = conference();
    conf.legs.push(Leg::new("p-2".into(), LegId(2), Party { phone: "+14255550101".into(), ..Party::default() }));
    conf.apply_leg(0, LegInput::Dial).expect("dial");
    assert_eq!(conf.call_record(0), None, "still live");
    conf.apply_leg(0, LegInput::Answered).expect("answer");
    conf.apply_leg(0, LegInput::HungUp(rollcall_shared::soap::Cause(16))).expect("hang up");
    let record = conf.call_record(0).expect("a record");
    assert_eq!(
        (record.account.as_str(), record.conference_id.as_str(), record.participant_id.as_str(), record.number.as_str()),
        ("acct", "conf-1", "p-1", "+14255550100")
    );
    assert_eq!((record.final_state.as_str(), record.cause), ("disconnected", Some(16)));
    assert!(record.answered_at.is_some() && Some(record.started_at.clone()) <= record.ended_at);
    conf.apply_leg(1, LegInput::Release).expect("release a pending leg");
    assert_eq!(conf.call_record(1), None, "never dialled, never billed");
    assert_eq!(conf.call_record(7), None);
}

#[test]
fn idle_periods_begin_and_end_with_the_other_legs() {
    let mut conf = conference();
    assert!(conf.is_idle(), "the initiator alone");
    assert_eq!(conf.update_idle(), Some(1), "a new idle period");
    assert_eq!(conf.update_idle(), None, "the same period");
    conf.legs.push(Leg::new("p-2".into(), LegId(2), Party::default()));
    assert!(!conf.is_idle(), "someone is waiting to be called");
    assert_eq!(conf.update_idle(), None);
    assert!(!conf.still_idle_since(1), "the first period is over");
    conf.apply_leg(1, LegInput::Release).expect("release");
    assert_eq!(conf.update_idle(), Some(3));
    assert!(conf.still_idle_since(3) && !conf.still_idle_since(1));
    conf.apply_conf(ConfInput::Inactivity).expect("terminate");
    assert!(!conf.is_idle() && !conf.still_idle_since(3), "terminated conferences are not idle");
}

#[test]
fn ids_are_prefixed_and_distinct() {
    let a = new_id("conf");
    assert!(a.starts_with("conf-") && a.len() == 5 + 16, "{a}");
    assert_ne!(a, new_id("conf"));
}
