use super::*;

#[test]
fn subscription_state_is_read_leniently() {
    assert_eq!(SubscriptionState::parse("active;expires=599"), SubscriptionState { expires: Some(599), ..Default::default() });
    assert_eq!(
        SubscriptionState::parse("Terminated ; reason=Timeout;retry-after=5"),
        SubscriptionState { terminated: true, reason: Some("timeout".into()), retry_after: Some(5), ..Default::default() }
    );
    assert_eq!(SubscriptionState::parse(""), SubscriptionState::default());
}

#[test]
fn aors_are_normalized() {
    assert_eq!(normalize_aor("sip:Bob@Rollcall.Local;transport=ws"), "sip:Bob@rollcall.local");
    assert_eq!(normalize_aor("not a uri"), "not a uri");
    assert_eq!(normalize_aor("bob@rollcall.local"), "bob@rollcall.local");
    assert_eq!(normalize_aor("sip:rollcall.local"), "sip:rollcall.local");
    assert_eq!(sip_aor("sip:rollcall.local"), None, "no user: nobody to watch");
}
