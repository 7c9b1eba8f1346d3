use super::*;

pub fn identity() -> Identity {
    Identity {
        aor: "sip:alice@rollcall.local".into(),
        domain: "rollcall.local".into(),
        contact: "<sip:alice@abc123.invalid;transport=ws>".into(),
        via_host: "abc123.invalid".into(),
        transport: "WS",
        instance: "abc123".into(),
    }
}

#[test]
fn register_requests_share_call_id_and_count_cseq() {
    let id = identity();
    let mut reg = Registration::new();
    let (first, b1) = reg.request(&id, REQUESTED_EXPIRES, None).unwrap();
    let (second, b2) = reg.request(&id, REQUESTED_EXPIRES, Some("Digest x")).unwrap();
    assert_ne!(b1, b2);
    assert_eq!(first.headers.call_id(), second.headers.call_id());
    assert_eq!(first.headers.get("CSeq"), Some("1 REGISTER"));
    assert_eq!(second.headers.get("CSeq"), Some("2 REGISTER"));
    assert_eq!(first.uri, "sip:rollcall.local");
    assert_eq!(first.headers.get("Expires"), Some("300"));
    assert_eq!(second.headers.get("Authorization"), Some("Digest x"));
    assert!(first.headers.get("Via").unwrap().starts_with("SIP/2.0/WS abc123.invalid;branch=z9hG4bK"));
}

#[test]
fn refresh_at_eighty_percent_of_granted() {
    let mut reg = Registration::new();
    assert!(reg.registered(300, 1_000));
    assert!(!reg.refresh_due(240_999));
    assert!(reg.refresh_due(241_000));
    reg.request(&identity(), REQUESTED_EXPIRES, None).unwrap();
    assert_eq!(reg.state, State::Refreshing);
    assert!(!reg.refresh_due(242_000), "one refresh at a time");
    assert!(!reg.registered(300, 242_000), "a refresh is not a new registration");
    assert_eq!(refresh_delay_ms(1), 5_000);
}

#[test]
fn granted_expiry_is_read_from_our_own_contact() {
    let id = identity();
    let mut reg = Registration::new();
    let (req, _) = reg.request(&id, 300, None).unwrap();
    let mut ok = req.response(200, None, Some("t"));
    ok.headers.push(
        "Contact",
        "<sip:alice@other.invalid;transport=ws>;expires=50, <sip:alice@abc123.invalid;transport=ws>;expires=120",
    );
    assert_eq!(granted_expires(&ok, &id), 120);
    let plain = req.response(200, None, Some("t"));
    assert_eq!(granted_expires(&plain, &id), 300);
}
