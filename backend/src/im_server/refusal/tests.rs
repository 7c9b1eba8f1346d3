use super::*;

fn request(method: &str, extra: &str) -> rsip::Request {
    let text = format!(
        "{method} sip:bob@rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\n\
         From: <sip:alice@rollcall.local>;tag=1\r\nTo: <sip:bob@rollcall.local>\r\nCall-ID: c\r\n\
         CSeq: 1 {method}\r\n{extra}\r\n"
    );
    match sip::parse(&text) {
        Ok(rsip::SipMessage::Request(req)) => req,
        other => panic!("{other:?}"),
    }
}

#[test]
fn methods_then_extensions() {
    assert_eq!(refusal(&request("OPTIONS", "")), None);
    let (code, headers) = refusal(&request("INVITE", "Require: foo\r\n")).expect("refused");
    assert_eq!((code, sip::header(&headers.into(), "Allow").as_deref()), (405, Some(ALLOW)), "the method first");
    let (code, headers) = refusal(&request("REGISTER", "Require: foo, bar\r\nProxy-Require: baz\r\n")).expect("refused");
    assert_eq!((code, sip::header(&headers.into(), "Unsupported").as_deref()), (420, Some("foo, bar")));
    let (code, headers) = refusal(&request("MESSAGE", "Require: foo\r\nProxy-Require: baz\r\n")).expect("refused");
    assert_eq!((code, sip::header(&headers.into(), "Unsupported").as_deref()), (420, Some("baz")), "a proxy's");
    assert_eq!(refusal(&request("MESSAGE", "Require: foo\r\n")), None, "the recipient's business");
}

#[test]
fn unparsed_requests() {
    let text = |line: &str| {
        format!(
            "{line}\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\n\
             Call-ID: c\r\nCSeq: 1 {}\r\n\r\n",
            line.split(' ').next().unwrap_or("")
        )
    };
    let answer = |line: &str| {
        let text = text(line);
        let e = sip::parse(&text).expect_err("refused");
        to_unparsed(&text, &e).expect("answered")
    };
    assert!(answer("OPTIONS tel:+1 SIP/2.0").starts_with("SIP/2.0 416 Unsupported URI Scheme (unsupported URI scheme `tel`)\r\n"));
    let invite = answer("INVITE tel:+1 SIP/2.0");
    assert!(
        invite.starts_with("SIP/2.0 405 Method Not Allowed\r\n") && invite.contains(&format!("Allow: {ALLOW}\r\n")),
        "{invite}"
    );
    assert!(answer("FOO sip:a@b SIP/2.0").starts_with("SIP/2.0 405 Method Not Allowed\r\n"));
    assert!(answer("OPTIONS sip:a@b SIP/3.0").starts_with("SIP/2.0 505 Version Not Supported"));
    assert!(answer("OPTIONS  sip:a@b SIP/2.0").starts_with("SIP/2.0 400 Bad Request (unparseable SIP message: "));
    assert_eq!(to_unparsed("garbage", &sip::parse("garbage").expect_err("refused")), None);
}
