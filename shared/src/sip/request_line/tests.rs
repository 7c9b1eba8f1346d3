use super::*;

#[test]
fn request_lines() {
    let line = request_line("OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0").unwrap();
    assert_eq!(line.method, rsip::Method::Options);
    assert_eq!(line.uri.to_string(), "sip:user;par=u%40example.net@example.com");
    assert!(request_line("REGISTER sips:rollcall.local sip/2.0").is_ok());
    for bad in [
        "INVITE  sip:a@b SIP/2.0",
        "INVITE sip:a@b SIP/2.0 ",
        "INVITE sip:a@b;  lr SIP/2.0",
        "INVITE <sip:a@b> SIP/2.0",
        "INVITE sip:a@b",
        "INVITE sip:a@b SIP/2",
        "INVITE sip:a@b HTTP/1.1",
        "IN VITE sip:a@b SIP/2.0",
        "INVITE\tsip:a@b SIP/2.0",
        "INV<ITE sip:a@b SIP/2.0",
    ] {
        assert!(matches!(request_line(bad), Err(SipError::Parse(_))), "{bad:?}: {:?}", request_line(bad));
    }
    assert_eq!(request_line("OPTIONS sip:a@b SIP/7.0").unwrap_err(), SipError::VersionNotSupported("SIP/7.0".into()));
    assert_eq!(request_line("FOO sip:a@b SIP/2.0").unwrap_err(), SipError::UnknownMethod("FOO".into()));
    assert_eq!(request_line("OPTIONS tel:+1 SIP/2.0").unwrap_err(), SipError::UnsupportedUriScheme("tel".into()));
    assert!(matches!(request_line("OPTIONS sip:a@b?Route=x SIP/2.0"), Err(SipError::BadUri(_))));
    assert!(matches!(request_line("OPTIONS sip:a@b:x SIP/2.0"), Err(SipError::BadUri(_))));
}
