use super::*;

#[test]
fn final_events_and_causes() {
    use BridgeEventKind::*;
    assert!(!Ringing.is_final() && !Answered.is_final());
    for kind in [Busy, NoAnswer, Failed(Cause(1)), HungUp(Cause(16)), Lost(Cause(41))] {
        assert!(kind.is_final(), "{kind:?}");
    }
    assert_eq!(Busy.cause(), Some(Cause::USER_BUSY));
    assert_eq!(NoAnswer.cause(), Some(Cause::NO_ANSWER));
    assert_eq!(Failed(Cause(34)).cause(), Some(Cause(34)));
    assert_eq!(Lost(Cause(41)).cause(), Some(Cause(41)));
    assert_eq!(Ringing.cause(), None);
    assert_eq!(LegId(7).to_string(), "leg-7");
}
