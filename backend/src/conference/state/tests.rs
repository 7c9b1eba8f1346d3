use super::*;
use ConfInput as CI;
use ConfState as CS;
use LegInput as I;
use LegState as S;

const ALL_LEG_STATES: [LegState; 8] =
    [S::Pending, S::Dialing, S::Ringing, S::Connected, S::Busy, S::NoAnswer, S::Failed(Cause(1)), S::Disconnected(Cause(16))];
const ALL_LEG_INPUTS: [LegInput; 9] = [
    I::Dial,
    I::Ringing,
    I::Answered,
    I::Busy,
    I::NoAnswer,
    I::Failed(Cause(1)),
    I::HungUp(Cause(16)),
    I::Release,
    I::Lost(Cause(41)),
];

/// Every allowed leg transition; everything else must be refused.
fn allowed_leg(from: LegState, input: LegInput) -> Option<LegState> {
    Some(match (from, input) {
        (S::Pending, I::Dial) => S::Dialing,
        (S::Dialing, I::Ringing) => S::Ringing,
        (S::Dialing, I::Answered) | (S::Ringing, I::Answered) => S::Connected,
        (S::Dialing, I::Busy) | (S::Ringing, I::Busy) => S::Busy,
        (S::Dialing, I::NoAnswer) | (S::Ringing, I::NoAnswer) => S::NoAnswer,
        (S::Dialing, I::Failed(c)) | (S::Ringing, I::Failed(c)) => S::Failed(c),
        (S::Dialing, I::HungUp(c)) | (S::Ringing, I::HungUp(c)) | (S::Connected, I::HungUp(c)) => S::Disconnected(c),
        (S::Pending, I::Release) | (S::Dialing, I::Release) | (S::Ringing, I::Release) | (S::Connected, I::Release) => {
            S::Disconnected(Cause(16))
        }
        (S::Pending, I::Lost(c)) | (S::Dialing, I::Lost(c)) | (S::Ringing, I::Lost(c)) | (S::Connected, I::Lost(c)) => {
            S::Disconnected(c)
        }
        _ => return None,
    })
}

#[test]
fn leg_happy_path() {
    let mut leg = S::Pending;
    for input in [I::Dial, I::Ringing, I::Answered, I::HungUp(Cause(16))] {
        leg = leg.next(input).expect("allowed");
    }
    assert_eq!(leg, S::Disconnected(Cause(16)));
    assert_eq!(leg.wire(), (ParticipantState::Disconnected, Some(Cause(16))));
}

#[test]
fn every_leg_transition_valid_and_invalid() {
    let mut allowed = 0;
    for from in ALL_LEG_STATES {
        for input in ALL_LEG_INPUTS {
            match (from.next(input), allowed_leg(from, input)) {
                (Ok(got), Some(want)) => {
                    assert_eq!(got, want, "{from:?} + {input:?}");
                    allowed += 1;
                }
                (Err(e), None) => {
                    assert_eq!(e.machine, "leg");
                    assert_eq!(e.from, format!("{from:?}"));
                }
                (got, want) => panic!("{from:?} + {input:?}: got {got:?}, want {want:?}"),
            }
        }
    }
    assert_eq!(allowed, 21);
}

#[test]
fn final_leg_states_accept_nothing() {
    for from in ALL_LEG_STATES.into_iter().filter(|s| s.is_final()) {
        for input in ALL_LEG_INPUTS {
            assert!(from.next(input).is_err(), "{from:?} + {input:?}");
        }
    }
    assert!(S::Connected.next(I::Ringing).is_err(), "no ringing after answer");
    assert!(S::Pending.next(I::Ringing).is_err(), "the bridge knows nothing of a pending leg");
}

#[test]
fn leg_wire_view() {
    assert_eq!(S::Pending.wire(), (ParticipantState::Dialing, None));
    assert_eq!(S::Busy.wire(), (ParticipantState::Busy, Some(Cause(17))));
    assert_eq!(S::NoAnswer.wire(), (ParticipantState::NoAnswer, Some(Cause(19))));
    assert_eq!(S::Failed(Cause(1)).wire(), (ParticipantState::Failed, Some(Cause(1))));
    assert!(!S::Pending.on_bridge() && S::Ringing.on_bridge() && !S::Busy.on_bridge());
}

#[test]
fn bridge_events_map_to_leg_inputs() {
    assert_eq!(LegInput::from_bridge(BridgeEventKind::Busy), Some(I::Busy));
    assert_eq!(LegInput::from_bridge(BridgeEventKind::HungUp(Cause(16))), Some(I::HungUp(Cause(16))));
    assert_eq!(LegInput::from_bridge(BridgeEventKind::Failed(Cause(1))), Some(I::Failed(Cause(1))));
    assert_eq!(LegInput::from_bridge(BridgeEventKind::Lost(Cause(41))), Some(I::Lost(Cause(41))));
    assert_eq!(LegInput::from_bridge(BridgeEventKind::Quality(Default::default())), None, "a report, not an input");
}

const ALL_CONF_STATES: [ConfState; 3] = [CS::Creating, CS::Active, CS::Terminated(Some(TerminationReason::FatalError))];
const ALL_CONF_INPUTS: [ConfInput; 6] =
    [CI::InitiatorConnected, CI::InitiatorUnreachable, CI::InitiatorHungUp, CI::EndedByInitiator, CI::FatalError, CI::Inactivity];

fn allowed_conf(from: ConfState, input: ConfInput) -> Option<ConfState> {
    use TerminationReason as R;
    Some(match (from, input) {
        (CS::Creating, CI::InitiatorConnected) => CS::Active,
        (CS::Creating, CI::InitiatorUnreachable) => CS::Terminated(None),
        (CS::Active, CI::InitiatorHungUp) => CS::Terminated(Some(R::InitiatorHungUp)),
        (CS::Creating | CS::Active, CI::EndedByInitiator) => CS::Terminated(Some(R::EndedByInitiator)),
        (CS::Creating | CS::Active, CI::FatalError) => CS::Terminated(Some(R::FatalError)),
        (CS::Creating | CS::Active, CI::Inactivity) => CS::Terminated(Some(R::Inactivity)),
        _ => return None,
    })
}

#[test]
fn every_conference_transition_valid_and_invalid() {
    let mut allowed = 0;
    for from in ALL_CONF_STATES {
        for input in ALL_CONF_INPUTS {
            match (from.next(input), allowed_conf(from, input)) {
                (Ok(got), Some(want)) => {
                    assert_eq!(got, want, "{from:?} + {input:?}");
                    allowed += 1;
                }
                (Err(e), None) => assert_eq!(e.machine, "conference"),
                (got, want) => panic!("{from:?} + {input:?}: got {got:?}, want {want:?}"),
            }
        }
    }
    assert_eq!(allowed, 9);
}

#[test]
fn conference_specific_transitions() {
    assert_eq!(CS::Creating.next(CI::InitiatorConnected), Ok(CS::Active));
    assert_eq!(CS::Creating.next(CI::InitiatorUnreachable), Ok(CS::Terminated(None)));
    assert!(CS::Active.next(CI::InitiatorConnected).is_err());
    assert!(CS::Active.next(CI::InitiatorUnreachable).is_err());
    assert!(CS::Creating.next(CI::InitiatorHungUp).is_err(), "cannot hang up before answering");
    let ended = CS::Active.next(CI::EndedByInitiator).expect("allowed");
    assert!(ended.is_terminated());
    assert_eq!(ended.wire(), (ConferenceState::Terminated, Some(TerminationReason::EndedByInitiator)));
    for input in ALL_CONF_INPUTS {
        assert!(ended.next(input).is_err(), "terminated is final ({input:?})");
    }
    assert_eq!(CS::Terminated(None).wire(), (ConferenceState::Terminated, None));
}
