use super::*;

#[test]
fn the_parts_of_a_sip_uri() {
    let u = sip_uri("sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&x=").unwrap();
    assert!(u.sips);
    assert_eq!((u.user, u.password, u.host, u.port), (Some("alice"), Some("secret"), "Example.COM", Some(5061)));
    assert_eq!(u.params, vec![("transport", Some("tcp")), ("lr", None)]);
    assert_eq!(u.headers, Some("subject=hi&x="));
    assert_eq!(u.to_rsip().to_string(), "sips:alice:secret@Example.COM:5061;transport=tcp;lr");
    // RFC 4475 §3.1.1.9 and §3.1.1.2: `;`, `?`, `,` and `/` are user characters.
    let u = sip_uri("sip:user;par=u%40example.net@example.com").unwrap();
    assert_eq!((u.user, u.host), (Some("user;par=u%40example.net"), "example.com"));
    assert_eq!(u.to_rsip().user(), Some("user;par=u%40example.net"));
    let u =
        sip_uri("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com")
            .unwrap();
    assert_eq!(u.user, Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"));
    assert_eq!(u.password, Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
    let u = sip_uri("sip:[2001:db8::1]:5060").unwrap();
    assert_eq!((u.host, u.port), ("[2001:db8::1]", Some(5060)));
    assert_eq!(u.to_rsip().to_string(), "sip:[2001:db8::1]:5060");
    assert_eq!(sip_uri("sip:192.0.2.1").unwrap().to_rsip().host(), &rsip::Host::IpAddr([192, 0, 2, 1].into()));
    assert!(sip_uri("sip:%00%00@host5.example.com").is_ok());
}

#[test]
fn what_is_not_a_sip_uri() {
    assert_eq!(sip_uri("isbn:2983792873"), Err(SipError::UnsupportedUriScheme("isbn".into())));
    assert_eq!(sip_uri("soap.beep://192.0.2.103:3002"), Err(SipError::UnsupportedUriScheme("soap.beep".into())));
    for bad in [
        "",
        "sip",
        "sip:",
        "<sip:a@b>",
        "sip:a@",
        "sip:@b",
        "sip:a b@c",
        "sip:a@b c",
        "sip:a@b:",
        "sip:a@b:99999",
        "sip:a@b:x",
        "sip:a@b;",
        "sip:a@b;=x",
        "sip:a@b;x=",
        "sip:a@b?",
        "sip:a@b?x",
        "sip:a%4@b",
        "sip:a%zz@b",
        "sip:a@[::1",
        "sip:a@[]",
        "sip:a@b>",
        "sip:a\"@b",
        "1sip:a@b",
        "sip:a@b@c",
    ] {
        assert!(sip_uri(bad).is_err(), "{bad:?}");
    }
}
