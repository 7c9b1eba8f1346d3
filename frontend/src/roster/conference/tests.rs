use super::*;
use rollcall_shared::soap::{Cause, Location, Participant, ParticipantState};

fn alice() -> Party {
    Party { name: "alice".into(), phone: "+14255550100".into(), ..Party::default() }
}

fn leg(id: &str, seq: u64, state: ParticipantState) -> ParticipantStatus {
    ParticipantStatus {
        attempt: None,
        final_outcome: None,
        muted: false,
        conference_id: "c1".into(),
        participant_id: id.into(),
        sequence: seq,
        state,
        cause: None,
        time: "2026-11-26T12:00:00Z".into(),
    }
}

fn conf(seq: u64, state: ConferenceState) -> ConferenceStatus {
    ConferenceStatus {
        locked: false,
        conference_id: "c1".into(),
        sequence: seq,
        state,
        reason: None,
        time: "2026-11-26T12:00:00Z".into(),
    }
}

fn snapshot_leg(id: &str, name: &str, state: ParticipantState) -> Participant {
    Participant {
        attempt: None,
        muted: false,
        participant_id: id.into(),
        name: name.into(),
        phone: "+14255550199".into(),
        location: Location::Home,
        state,
        cause: None,
    }
}

#[test]
fn create_flow_in_order() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
    assert!(!c.apply_participant(&leg("p1", 1, ParticipantState::Dialing)));
    assert!(!c.apply_participant(&leg("p1", 2, ParticipantState::Ringing)));
    assert!(!c.apply_participant(&leg("p1", 3, ParticipantState::Connected)));
    assert!(!c.apply_conference(&conf(4, ConferenceState::Active)));
    assert_eq!(c.participants.len(), 1);
    let p = &c.participants[0];
    assert_eq!(p.id.as_deref(), Some("p1"));
    assert_eq!(p.name, "alice");
    assert_eq!(p.history_text(), "dialing → ringing → connected");
    assert_eq!(c.state, ConferenceState::Active);
}

#[test]
fn gap_asks_for_snapshot_and_duplicates_are_dropped() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
    assert!(!c.apply_participant(&leg("p1", 1, ParticipantState::Ringing)));
    assert!(c.apply_participant(&leg("p1", 3, ParticipantState::Connected)), "gap 1 → 3");
    assert!(!c.apply_participant(&leg("p1", 2, ParticipantState::Ringing)), "old event");
    assert_eq!(c.participants[0].state, ParticipantState::Connected);
}

#[test]
fn first_event_late_in_the_sequence_is_a_gap() {
    let mut c = ConferenceView::unknown("c1".into());
    assert!(c.apply_conference(&conf(7, ConferenceState::Active)));
}

#[test]
fn unknown_participant_asks_for_snapshot_which_names_it() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
    c.apply_participant(&leg("p1", 1, ParticipantState::Connected));
    assert!(c.apply_participant(&leg("p2", 2, ParticipantState::Ringing)));
    let snapshot = ConferenceSnapshot {
        subject: None,
        conference_uri: None,
        created: None,
        locked: false,
        request_id: Some("r".into()),
        conference_id: "c1".into(),
        sequence: 3,
        state: ConferenceState::Active,
        reason: None,
        initiator: snapshot_leg("p1", "alice", ParticipantState::Connected),
        participants: vec![
            snapshot_leg("p1", "alice", ParticipantState::Connected),
            Participant { cause: Some(Cause::USER_BUSY), ..snapshot_leg("p2", "bob", ParticipantState::Busy) },
        ],
    };
    c.replace(&snapshot);
    assert_eq!(c.sequence, Some(3));
    assert_eq!(c.participants[1].name, "bob");
    assert_eq!(c.participants[1].history_text(), "ringing → busy");
    assert_eq!(c.participants[0].history_text(), "dialing → connected");
    // An older snapshot than what we applied is ignored.
    c.apply_participant(&leg("p2", 4, ParticipantState::Disconnected));
    c.replace(&ConferenceSnapshot { sequence: 2, ..snapshot });
    assert_eq!(c.participants[1].state, ParticipantState::Disconnected);
}

#[test]
fn snapshot_names_our_initiator_row() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
    let initiator = snapshot_leg("p1", "alice", ParticipantState::Ringing);
    c.replace(&ConferenceSnapshot {
        subject: None,
        conference_uri: None,
        created: None,
        locked: false,
        request_id: None,
        conference_id: "c1".into(),
        sequence: 2,
        state: ConferenceState::Creating,
        reason: None,
        initiator: initiator.clone(),
        participants: vec![initiator],
    });
    assert_eq!(c.participants.len(), 1);
    assert_eq!(c.participants[0].id.as_deref(), Some("p1"));
    assert_eq!(c.participants[0].history_text(), "dialing → ringing");
}

#[test]
fn reason_in_words_only_once_terminated() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
    assert_eq!(c.reason_text(), None);
    assert!(!c.is_over());
    let cases = [
        (Some(TerminationReason::InitiatorHungUp), "the initiator hung up"),
        (Some(TerminationReason::EndedByInitiator), "ended by you"),
        (Some(TerminationReason::FatalError), "the bridge failed"),
        (Some(TerminationReason::Inactivity), "ended after inactivity"),
        (None, "the initiator could not be reached"),
    ];
    for (seq, (reason, words)) in (1..).zip(cases) {
        c.apply_conference(&ConferenceStatus { reason, ..conf(seq, ConferenceState::Terminated) });
        assert_eq!(c.reason_text(), Some(words));
        assert!(c.is_over());
    }
}

#[test]
fn only_live_legs_other_than_the_initiator_can_be_removed() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
    c.apply_participant(&leg("p1", 1, ParticipantState::Connected));
    c.apply_conference(&conf(2, ConferenceState::Active));
    c.participants.push(ParticipantView::dialing(Some("p2".into()), &alice()));
    c.participants.push(ParticipantView::unknown("p3".into()));
    assert_eq!(c.removable(0), None, "the initiator ends the conference instead");
    assert_eq!(c.removable(1), Some("p2"), "dialing");
    c.apply_participant(&leg("p2", 3, ParticipantState::Ringing));
    assert_eq!(c.removable(1), Some("p2"), "ringing");
    c.apply_participant(&leg("p2", 4, ParticipantState::Connected));
    assert_eq!(c.removable(1), Some("p2"), "connected");
    assert_eq!(c.removable(2), Some("p3"));
    assert_eq!(c.removable(3), None, "no such row");
    c.apply_participant(&ParticipantStatus {
        cause: Some(Cause::NORMAL_CLEARING),
        ..leg("p2", 5, ParticipantState::Disconnected)
    });
    assert_eq!(c.removable(1), None, "over");
    assert_eq!(c.participants[1].cause_text(), Some("normal clearing"));
    c.apply_conference(&conf(6, ConferenceState::Terminated));
    assert_eq!(c.removable(2), None, "the conference is over");
}

#[test]
fn the_card_is_headed_by_the_subject_or_who_is_called() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Active, &alice());
    assert_eq!(c.title(), "Conference");
    for (name, expected) in [
        ("Bob", "Conference with Bob"),
        ("Carol", "Conference with Bob and Carol"),
        ("Dan", "Conference with Bob, Carol and 1 more"),
    ] {
        c.participants
            .push(ParticipantView::dialing(Some(format!("p-{name}")), &Party { name: name.into(), ..Party::default() }));
        assert_eq!(c.title(), expected);
    }
    c.subject = Some("Launch review".into());
    assert_eq!(c.title(), "Launch review");
}

#[test]
fn on_the_call_mute_all_and_lock_follow_the_events() {
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Active, &alice());
    c.apply_participant(&ParticipantStatus { cause: None, ..leg("p1", 1, ParticipantState::Connected) });
    assert_eq!(c.created.as_deref(), Some("2026-11-26T12:00:00Z"), "the first event's time until a snapshot says");
    c.participants.push(ParticipantView::dialing(Some("p2".into()), &Party { name: "Bob".into(), ..Party::default() }));
    c.apply_participant(&ParticipantStatus { cause: None, ..leg("p2", 2, ParticipantState::Connected) });
    assert_eq!(c.on_call(), 2);
    assert!(c.can_mute_all());
    c.apply_participant(&ParticipantStatus {
        muted: true,
        ..ParticipantStatus { cause: None, ..leg("p2", 3, ParticipantState::Connected) }
    });
    assert!(c.participants[1].muted);
    assert!(!c.can_mute_all(), "everyone but the initiator is muted");
    c.apply_conference(&ConferenceStatus { locked: true, ..conf(4, ConferenceState::Active) });
    assert!(c.locked);
}

#[test]
fn a_fallback_attempt_says_why_the_next_number_is_tried() {
    use rollcall_shared::soap::Attempt;
    let mut c = ConferenceView::created("c1".into(), ConferenceState::Active, &alice());
    c.apply_participant(&ParticipantStatus { cause: None, ..leg("p1", 1, ParticipantState::Connected) });
    c.participants.push(ParticipantView::dialing(Some("p2".into()), &Party { name: "Fred".into(), ..Party::default() }));
    let at = |phone: &str, location, number| Some(Attempt { phone: phone.into(), location, number });
    c.apply_participant(&ParticipantStatus {
        attempt: at("+15005550002", Location::Work, 1),
        final_outcome: Some(false),
        ..ParticipantStatus { cause: Some(Cause(17)), ..leg("p2", 2, ParticipantState::Busy) }
    });
    let fred = &c.participants[1];
    assert_eq!(fred.state, ParticipantState::Dialing, "an outcome another attempt follows is not shown as the end");
    c.apply_participant(&ParticipantStatus {
        attempt: at("+14255550111", Location::Mobile, 2),
        ..ParticipantStatus { cause: None, ..leg("p2", 3, ParticipantState::Ringing) }
    });
    let fred = &c.participants[1];
    assert_eq!((fred.phone.as_str(), fred.location, fred.attempt), ("+14255550111", Location::Mobile, Some(2)));
    assert_eq!(fred.fallback_text().as_deref(), Some("busy at work — trying mobile"));
    c.apply_participant(&ParticipantStatus {
        attempt: at("+14255550111", Location::Mobile, 2),
        ..leg("p2", 4, ParticipantState::Connected)
    });
    assert_eq!(c.participants[1].fallback_text(), None, "answered at the mobile: nothing left to explain");
    assert_eq!(c.participants[1].attempt, Some(2));
    c.apply_participant(&ParticipantStatus {
        attempt: at("+14255550111", Location::Mobile, 2),
        ..ParticipantStatus { cause: Some(Cause(19)), ..leg("p2", 5, ParticipantState::NoAnswer) }
    });
    assert_eq!(c.participants[1].fallback_text(), None, "the last outcome is the last word");
}
