use super::*;

#[test]
fn call_ids() {
    assert_eq!(parse_call_id("leg-7"), Some(LegId(7)));
    assert_eq!(parse_call_id("leg-"), None);
    assert_eq!(parse_call_id("7"), None);
    assert_eq!(parse_call_id("leg--1"), None);
}
