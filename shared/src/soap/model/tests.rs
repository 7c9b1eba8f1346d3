use super::*;

#[test]
fn wire_names_round_trip() {
    for s in ParticipantState::ALL {
        assert_eq!(s.as_str().parse::<ParticipantState>(), Ok(*s));
    }
    for s in TerminationReason::ALL {
        assert_eq!(s.as_str().parse::<TerminationReason>(), Ok(*s));
    }
    assert!("ringing ".parse::<ParticipantState>().is_ok());
    assert!("Ringing".parse::<ParticipantState>().is_err());
}

#[test]
fn e164() {
    assert!(is_e164("+14255550100"));
    assert!(!is_e164("14255550100"));
    assert!(!is_e164("+0425"));
    assert!(!is_e164("+1425555010012345"));
    assert!(!is_e164("+1 425"));
}
