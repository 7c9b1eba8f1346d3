use super::*;

#[test]
fn branches_and_targets() {
    assert_eq!(branch_param("SIP/2.0/WS rollcall.local;branch=z9hG4bKabc;rport").as_deref(), Some("z9hG4bKabc"));
    assert_eq!(branch_param("SIP/2.0/WS a;BRANCH = z9hG4bKx , SIP/2.0/WS b;branch=y").as_deref(), Some("z9hG4bKx"));
    assert_eq!(branch_param("SIP/2.0/WS a"), None);
    assert_eq!(target_user("sip:alice@Rollcall.local", "rollcall.local"), Some("alice"));
    assert_eq!(target_user("sip:alice@elsewhere.org", "rollcall.local"), None);
}
