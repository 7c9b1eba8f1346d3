use super::strip_expires_param;

#[test]
fn contact_expires_is_replaced() {
    assert_eq!(strip_expires_param("<sip:a@x.invalid;transport=ws>;expires=300"), "<sip:a@x.invalid;transport=ws>");
    assert_eq!(strip_expires_param("<sip:a@x.invalid>;q=0.5;expires=60"), "<sip:a@x.invalid>;q=0.5");
    assert_eq!(strip_expires_param("sip:a@x.invalid"), "sip:a@x.invalid");
}
