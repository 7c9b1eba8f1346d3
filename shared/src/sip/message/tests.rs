use super::*;
use crate::sip::{self, rsip, RequestBuilder};
use std::convert::TryFrom;

/// Messages both parsers read, from the SIP tests' corpus.
fn corpus() -> Vec<String> {
    let message = "MESSAGE sip:conference@rollcall.local SIP/2.0\r\n\
        Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n\
        Via: SIP/2.0/WS proxy.invalid;branch=z9hG4bK1\r\n\
        Max-Forwards: 70\r\n\
        From: \"Alice\" <sip:alice@rollcall.local>;tag=8ks9dl\r\n\
        To: <sip:conference@rollcall.local>\r\n\
        Call-ID: 3c26700e-8f77-4e6f\r\n\
        CSeq: 2 MESSAGE\r\n\
        Proxy-Authorization: Digest username=\"alice\", realm=\"rollcall.local\", nonce=\"n,1\", uri=\"sip:conference@rollcall.local\", response=\"0123\"\r\n\
        Content-Type: application/soap+xml; charset=utf-8\r\n\
        Content-Length: 13\r\n\r\n<env:Envelope/>";
    vec![
        message.to_owned(),
        // Bytes beyond Content-Length are dropped.
        format!("{message}trailing"),
        // CRLFs before, bare LF, folding, space before colon, compact names.
        "\r\n\r\nOPTIONS sip:rollcall.local SIP/2.0\n\
            Via : SIP/2.0/WS a.invalid;branch=z9hG4bK1\n\
            f: <sip:a@rollcall.local>\n  ;tag=1\n\
            t:<sip:rollcall.local>   \n\
            i: c\nCSeq: 1 OPTIONS\nl: 0\n\n"
            .to_owned(),
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1;received=10.0.0.1\r\n\
            From: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:a@rollcall.local>;tag=srv\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n\
            WWW-Authenticate: Digest realm=\"r\", nonce=\"1\", algorithm=SHA-256, qop=\"auth\"\r\n\
            WWW-Authenticate: Digest realm=\"r\", nonce=\"1\", algorithm=MD5, qop=\"auth\"\r\nContent-Length: 0\r\n\r\n"
            .to_owned(),
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nFrom: <sip:a@r>;tag=1\r\nTo: <sip:a@r>;tag=2\r\n\
            Call-ID: c\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@x.invalid;transport=ws>;expires=240, <sip:a@y.invalid;transport=ws>;expires=120\r\n\
            Expires: 300\r\nContent-Length: 0\r\n\r\n"
            .to_owned(),
        "NOTIFY sip:alice@abc.invalid;transport=ws SIP/2.0\r\nv: SIP/2.0/WS rollcall.local;branch=z9hG4bK9\r\n\
            From: <sip:bob@rollcall.local>;tag=pa\r\nTo: <sip:alice@rollcall.local>;tag=ours\r\nCall-ID: sub1\r\nCSeq: 3 NOTIFY\r\n\
            o: presence\r\nSubscription-State: active;expires=599\r\nc: application/pidf+xml\r\n\r\n<presence/>"
            .to_owned(),
    ]
}

fn plain(text: &str) -> Parsed {
    parse(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn reads_what_rsip_reads() {
    let names = [
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Content-Type",
        "Contact",
        "Expires",
        "Event",
        "Subscription-State",
        "WWW-Authenticate",
        "Proxy-Authorization",
        "Max-Forwards",
    ];
    for text in corpus() {
        let typed = sip::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let (headers, body) = match (plain(&text), &typed) {
            (Parsed::Request(r), rsip::SipMessage::Request(t)) => {
                assert_eq!(r.method, t.method.to_string());
                // rsip prints known parameter values its own way.
                assert!(r.uri.eq_ignore_ascii_case(&t.uri.to_string()), "{} {}", r.uri, t.uri);
                (r.headers, r.body)
            }
            (Parsed::Response(r), rsip::SipMessage::Response(t)) => {
                assert_eq!(r.code, t.status_code.code());
                (r.headers, r.body)
            }
            _ => panic!("a request and a response: {text}"),
        };
        assert_eq!(body.as_bytes(), typed.body(), "{text}");
        for name in names {
            let all: Vec<String> = headers.get_all(name).into_iter().map(str::to_owned).collect();
            assert_eq!(all, sip::header_all(rsip::message::HasHeaders::headers(&typed), name), "{name} in {text}");
            assert_eq!(headers.get(name).map(str::to_owned), sip::header(rsip::message::HasHeaders::headers(&typed), name));
        }
        assert_eq!(headers.tag("From"), sip::from_tag(&typed));
        assert_eq!(headers.tag("To"), sip::to_tag(&typed));
        assert_eq!(headers.call_id().map(str::to_owned), sip::call_id(&typed));
        assert_eq!(headers.address("From").and_then(|a| uri_aor(&a.uri)), sip::from_aor(&typed), "{text}");
    }
}

#[test]
fn prints_what_it_read() {
    for text in corpus() {
        let parsed = plain(&text);
        let printed = match &parsed {
            Parsed::Request(r) => r.to_string(),
            Parsed::Response(r) => r.to_string(),
        };
        assert_eq!(plain(&printed), parsed, "{printed}");
    }
}

#[test]
fn refuses_what_is_not_sip() {
    assert_eq!(parse(""), Err(SipError::Empty));
    assert_eq!(parse("\r\n\r\n"), Err(SipError::Empty));
    let base = "MESSAGE sip:b@rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS a;branch=z9hG4bK1\r\nCall-ID: c\r\n";
    for bad in [
        "GARBAGE\r\n\r\n".to_owned(),
        "MESSAGE sip:b@r\r\n\r\n".to_owned(),
        "MESSAGE sip:b@r SIP/3.0\r\n\r\n".to_owned(),
        "MESSAGE b@r SIP/2.0\r\n\r\n".to_owned(),
        "MESS<AGE sip:b@r SIP/2.0\r\n\r\n".to_owned(),
        "SIP/2.0 20 OK\r\n\r\n".to_owned(),
        "SIP/2.0 2000 OK\r\n\r\n".to_owned(),
        "SIP/2.0 099 Early\r\n\r\n".to_owned(),
        "SIP/2.0 700 Late\r\n\r\n".to_owned(),
        "SIP/2.0\r\n\r\n".to_owned(),
        format!("{base}bad line\r\n\r\n"),
        format!("{base}Content-Length: 10\r\n\r\nabc"),
        format!("{base}Content-Length: x\r\n\r\nabc"),
        format!("{base}Content-Length: 3\r\nl: 4\r\n\r\nabcd"),
    ] {
        assert!(matches!(parse(&bad), Err(SipError::Parse(_))), "{bad:?}: {:?}", parse(&bad));
    }
    // Unknown methods are requests like any other (rsip refuses them).
    assert!(matches!(parse("FOO sip:b@r SIP/2.0\r\nVia: x\r\n\r\n"), Ok(Parsed::Request(r)) if r.method == "FOO"));
    // A body cut inside a character.
    assert_eq!(parse(&format!("{base}Content-Length: 1\r\n\r\né")), Err(SipError::BodyNotUtf8));
    // A response without a reason phrase.
    assert!(matches!(parse("SIP/2.0 200\r\n\r\n"), Ok(Parsed::Response(r)) if r.code == 200 && r.reason.is_empty()));
}

#[test]
fn malformed_input_never_panics() {
    for text in corpus() {
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                let _ = parse(&text[..cut]);
            }
        }
    }
    for text in ["\u{0}", "SIP/2.0 ", " ", "A B", "A B C\r\n:\r\n\r\n", "A B C\r\n \r\n\r\n", "SIP/2.0 é OK\r\n\r\n"] {
        let _ = parse(text);
    }
}

#[test]
fn method_names_are_rsips() {
    for method in rsip::Method::all() {
        assert_eq!(sip::method_name(method), method.to_string());
    }
}

#[test]
fn built_requests_are_rsips() {
    let builder = RequestBuilder::new(rsip::Method::Subscribe, "sip:bob.jones@rollcall.local")
        .via_transport("WSS", "abc.invalid", "z9hG4bK77")
        .from("sip:alice@rollcall.local", Some("Alice \"A\""), "t1")
        .to("sip:bob.jones@rollcall.local", Some("t2"))
        .call_id("c1")
        .cseq(4)
        .contact("sip:alice@abc.invalid;transport=ws")
        .expires(600)
        .header("Event", "presence")
        .header("Proxy-Authorization", "Digest username=\"alice\"")
        .header("Max-Forwards", "5")
        .body("text/plain", "zoë".into());
    let text = builder.clone().build_message().expect("builds").to_string();
    let typed = builder.build().expect("builds");
    assert_eq!(sip::parse(&text).expect("rsip reads it"), rsip::SipMessage::from(typed));
    assert!(text.contains("\r\nContent-Length: 4\r\n\r\nzoë"), "{text}");
    let missing = RequestBuilder::new(rsip::Method::Message, "sip:b@r").via("h", "z9hG4bK1");
    assert_eq!(missing.build_message().unwrap_err(), SipError::MissingHeader("From"));
    let bad_uri = RequestBuilder::new(rsip::Method::Message, "not a uri")
        .via("h", "z9hG4bK1")
        .from("sip:a@r", None, "1")
        .to("sip:b@r", None)
        .call_id("c")
        .cseq(1);
    assert!(matches!(bad_uri.build_message(), Err(SipError::BadUri(_))));
}

#[test]
fn responses_are_rsips() {
    for text in corpus() {
        let Parsed::Request(request) = plain(&text) else { continue };
        let rsip::SipMessage::Request(typed) = sip::parse(&text).unwrap() else { unreachable!() };
        for (code, reason, tag) in [(200, None, Some("x1")), (405, None, None), (481, Some("Gone\r\naway"), Some("t"))] {
            let ours = request.response(code, reason, tag).to_string();
            let theirs = sip::response(&typed, code, reason, tag).to_string();
            assert_eq!(sip::parse(&ours).unwrap(), sip::parse(&theirs).unwrap(), "{ours}\n{theirs}");
            assert!(ours.starts_with(&format!("SIP/2.0 {code} ")), "{ours}");
        }
    }
}

#[test]
fn aors_are_rsips() {
    let cases = [
        "sip:Alice@RollCall.Local:5060;transport=ws",
        "sip:alice.smith@Rollcall.local",
        "sip:alice.smith@rollcall.local:5070;lr",
        "sips:bob@example.org",
        "SIP:bob@Example.org",
        "sip:bob:secret@example.org",
        "sip:rollcall.local",
        "sip:a@b.example?subject=x",
        "sip:+14255550100@10.0.0.1:5060;user=phone",
        "sip:conference@rollcall.local",
        "sip:x7kq2mtc@abc.invalid;transport=ws",
        "sip:Bob@Rollcall.Local;transport=ws",
    ];
    for uri in cases {
        let typed = sip::aor(&rsip::Uri::try_from(uri).unwrap());
        assert_eq!(uri_aor(uri).as_ref(), Ok(&typed), "{uri}");
    }
    assert_eq!(uri_aor("sip:[2001:db8::1]:5060").unwrap(), "sip:[2001:db8::1]");
    for bad in ["", "sip:", "bob@rollcall.local", "tel:+14255550100", "sip:a b@c", "sip:a@", "sip:a@ho st", "sip:a@[::1", "sip:@"]
    {
        assert!(uri_aor(bad).is_err(), "{bad}");
    }
}
