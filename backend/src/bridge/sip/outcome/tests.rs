use super::*;
use crate::bridge::BridgeEventKind::*;

#[test]
fn the_issues_table() {
    let f = |code| unanswered(code, None, Ending::None);
    assert_eq!(f(486), Busy);
    assert_eq!(f(600), Busy);
    assert_eq!(f(408), NoAnswer);
    assert_eq!(f(480), NoAnswer);
    assert_eq!(unanswered(487, None, Ending::RingTimeout), NoAnswer);
    for code in [404, 484, 604] {
        assert_eq!(f(code), Failed(Cause(1)), "{code}");
    }
    assert_eq!(f(403), Failed(Cause(21)));
    assert_eq!(f(603), Failed(Cause(21)));
}

#[test]
fn anything_else_takes_the_trunks_reason_else_rfc_3398() {
    assert_eq!(unanswered(503, Some(34), Ending::None), Failed(Cause(34)));
    assert_eq!(unanswered(503, None, Ending::None), Failed(Cause(41)));
    assert_eq!(unanswered(502, None, Ending::None), Failed(Cause(38)));
    assert_eq!(unanswered(488, None, Ending::None), Failed(Cause(127)));
    // The table's own rows win over a Reason.
    assert_eq!(unanswered(486, Some(34), Ending::None), Busy);
}

#[test]
fn a_release_is_confirmed_as_normal_clearing_whatever_came_back() {
    assert_eq!(unanswered(487, None, Ending::Released), HungUp(Cause(16)));
    assert_eq!(unanswered(486, None, Ending::Released), HungUp(Cause(16)));
    assert_eq!(answered_ended(false, Some(41)), HungUp(Cause(16)));
    assert_eq!(answered_ended(true, None), HungUp(Cause(16)));
    assert_eq!(answered_ended(true, Some(31)), HungUp(Cause(31)));
}
