use super::*;
use rollcall_shared::soap::conference::{AddParticipant, CreateConference, GetConference};
use rollcall_shared::soap::{
    Cause, ConferenceSnapshot, ConferenceState, ConferenceStatus, FaultKind, Location, Participant, ParticipantState,
    ParticipantStatus,
};

fn create(request_id: &str) -> Request {
    Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: request_id.into(),
        account: "alice".into(),
        initiator: Party {
            alternatives: Vec::new(),
            name: "alice".into(),
            phone: "+14255550100".into(),
            location: Location::Mobile,
            email: None,
        },
        participants: vec![],
    })
}

#[test]
fn response_then_events_build_the_view() {
    let mut roster = Roster::default();
    roster.sent(&create("r1"));
    let effects = roster.apply(Reply::CreateConferenceResponse {
        conference_uri: None,
        request_id: "r1".into(),
        conference_id: "c1".into(),
        state: ConferenceState::Creating,
    });
    assert!(effects.is_empty());
    roster.apply(Reply::ParticipantStatus(ParticipantStatus {
        attempt: None,
        final_outcome: None,
        muted: false,
        conference_id: "c1".into(),
        participant_id: "p1".into(),
        sequence: 1,
        state: ParticipantState::Ringing,
        cause: None,
        time: String::new(),
    }));
    let c = &roster.conferences()[0];
    assert_eq!(c.participants[0].name, "alice");
    assert_eq!(c.participants[0].location, Location::Mobile);
    assert_eq!(c.participants[0].state, ParticipantState::Ringing);
}

#[test]
fn event_for_unknown_conference_asks_once_for_a_snapshot() {
    let mut roster = Roster::default();
    let status = ConferenceStatus {
        locked: false,
        conference_id: "c9".into(),
        sequence: 5,
        state: ConferenceState::Active,
        reason: None,
        time: String::new(),
    };
    let effects = roster.apply(Reply::ConferenceStatus(status.clone()));
    assert_eq!(effects, vec![Effect::Refresh("c9".into())]);
    roster.sent(&Request::GetConference(GetConference { request_id: "g1".into(), conference_id: "c9".into() }));
    let effects = roster.apply(Reply::ConferenceStatus(ConferenceStatus { sequence: 7, ..status }));
    assert!(effects.is_empty(), "a refresh is already on its way: {effects:?}");
}

#[test]
fn faults_show_unless_they_answer_our_own_refresh() {
    let mut roster = Roster::default();
    roster.sent(&create("r1"));
    let fault = Fault::new(FaultKind::InvalidNumber, "not E.164").with_request_id(Some("r1".into()));
    assert_eq!(roster.apply(Reply::Fault(fault.clone())), vec![Effect::ShowFault(fault)]);

    roster.sent(&Request::GetConference(GetConference { request_id: "g1".into(), conference_id: "gone".into() }));
    let fault = Fault::new(FaultKind::NoSuchConference, "no").with_request_id(Some("g1".into()));
    assert!(roster.apply(Reply::Fault(fault)).is_empty());
}

/// A roster that asked for a conference and was told it is `c1`.
fn created_c1() -> Roster {
    let mut roster = Roster::default();
    roster.sent(&create("r1"));
    roster.apply(Reply::CreateConferenceResponse {
        conference_uri: None,
        request_id: "r1".into(),
        conference_id: "c1".into(),
        state: ConferenceState::Creating,
    });
    roster
}

fn status(conference: &str, participant: &str, sequence: u64, state: ParticipantState) -> Reply {
    Reply::ParticipantStatus(ParticipantStatus {
        attempt: None,
        final_outcome: None,
        muted: false,
        conference_id: conference.into(),
        participant_id: participant.into(),
        sequence,
        state,
        cause: None,
        time: String::new(),
    })
}

fn snapshot_leg(id: &str, name: &str, state: ParticipantState, cause: Option<Cause>) -> Participant {
    Participant {
        attempt: None,
        muted: false,
        participant_id: id.into(),
        name: name.into(),
        phone: "+14255550101".into(),
        location: Location::Work,
        state,
        cause,
    }
}

/// Issue 3: after a reconnect the client asks for a snapshot of every
/// live conference, and the snapshot replaces what went stale while the
/// connection was down (a leg that ended, a leg added from another tab).
#[test]
fn snapshot_after_reconnect_replaces_the_stale_view() {
    let mut roster = created_c1();
    roster.apply(status("c1", "p1", 1, ParticipantState::Connected));
    roster.sent(&Request::AddParticipant(AddParticipant {
        request_id: "a1".into(),
        conference_id: "c1".into(),
        participant: Party {
            alternatives: Vec::new(),
            name: "bob".into(),
            phone: "+15005550004".into(),
            location: Location::Home,
            email: None,
        },
    }));
    roster.apply(Reply::AddParticipantResponse {
        request_id: "a1".into(),
        conference_id: "c1".into(),
        participant_id: "p2".into(),
        state: ParticipantState::Dialing,
    });
    roster.apply(status("c1", "p2", 2, ParticipantState::Dialing));
    roster.apply(status("c1", "p2", 3, ParticipantState::Connected));

    // The connection drops; events 4.. are lost. On re-registering the
    // client refreshes every conference that is not over.
    roster.connection_lost();
    assert_eq!(roster.to_refresh_after_reconnect(), vec!["c1".to_string()]);
    roster.sent(&Request::GetConference(GetConference { request_id: "g1".into(), conference_id: "c1".into() }));
    assert!(roster.conference("c1").unwrap().refreshing);

    let initiator = snapshot_leg("p1", "alice", ParticipantState::Connected, None);
    let effects = roster.apply(Reply::Conference(ConferenceSnapshot {
        subject: None,
        conference_uri: None,
        created: None,
        locked: false,
        request_id: Some("g1".into()),
        conference_id: "c1".into(),
        sequence: 6,
        state: ConferenceState::Active,
        reason: None,
        initiator: initiator.clone(),
        participants: vec![
            initiator,
            snapshot_leg("p2", "bob", ParticipantState::Disconnected, Some(Cause::NORMAL_CLEARING)),
            snapshot_leg("p3", "carol", ParticipantState::Connected, None),
        ],
    }));
    assert!(effects.is_empty());
    let c = roster.conference("c1").unwrap();
    assert!(!c.refreshing);
    assert_eq!(c.sequence, Some(6));
    let names: Vec<_> = c.participants.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    let bob = &c.participants[1];
    assert_eq!(bob.history_text(), "dialing → connected → disconnected");
    assert_eq!(bob.cause_text(), Some("normal clearing"));
    assert_eq!(bob.location, Location::Work, "the snapshot's word wins");
    assert_eq!(c.removable(1), None);
    assert_eq!(c.removable(2), Some("p3"));

    // Events carry on from the snapshot's sequence without a gap.
    let effects = roster.apply(status("c1", "p3", 7, ParticipantState::Disconnected));
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn fault_answering_add_participant_is_shown_and_adds_nobody() {
    let mut roster = created_c1();
    roster.sent(&Request::AddParticipant(AddParticipant {
        request_id: "a1".into(),
        conference_id: "c1".into(),
        participant: Party { name: "bob".into(), phone: "12345".into(), ..Party::default() },
    }));
    let fault = Fault::new(FaultKind::InvalidNumber, "`12345` is not an E.164 number").with_request_id(Some("a1".into()));
    assert_eq!(roster.apply(Reply::Fault(fault.clone())), vec![Effect::ShowFault(fault)]);
    assert_eq!(roster.conference("c1").unwrap().participants.len(), 1);
}
