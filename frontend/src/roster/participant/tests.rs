use super::*;

#[test]
fn history_collapses_repeats_and_describes_cause() {
    let party = Party { name: "alice".into(), phone: "+14255550100".into(), ..Party::default() };
    let mut p = ParticipantView::dialing(None, &party);
    p.set_state(ParticipantState::Dialing, None);
    p.set_state(ParticipantState::Ringing, None);
    p.set_state(ParticipantState::Busy, Some(Cause::USER_BUSY));
    assert_eq!(p.history_text(), "dialing → ringing → busy");
    assert_eq!(p.cause_text(), Some("busy"));
    assert!(!p.is_live());
    p.set_state(ParticipantState::Disconnected, Some(Cause::NORMAL_CLEARING));
    assert_eq!(p.cause_text(), Some("normal clearing"));
}

#[test]
fn live_legs_have_no_cause_text() {
    let mut p = ParticipantView::dialing(Some("p2".into()), &Party::default());
    assert!(p.is_live());
    p.set_state(ParticipantState::Ringing, None);
    assert!(p.is_live());
    // A cause on a live state (not sent today) is not shown as an ending.
    p.set_state(ParticipantState::Connected, Some(Cause::NORMAL_CLEARING));
    assert!(p.is_live());
    assert_eq!(p.cause_text(), None);
    p.set_state(ParticipantState::Failed, Some(Cause::UNALLOCATED_NUMBER));
    assert!(!p.is_live());
    assert_eq!(p.cause_text(), Some("number not in service"));
    p.set_state(ParticipantState::Disconnected, None);
    assert_eq!(p.cause_text(), None, "no cause, nothing to say");
}
