use super::*;
use rsip::prelude::*;
use rsip::{Header, Headers};

/// A REGISTER as JsSIP / SIP.js send it over a WebSocket.
const REGISTER: &str = "REGISTER sip:rollcall.local SIP/2.0\r\n\
    Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK5812547\r\n\
    Max-Forwards: 69\r\n\
    To: <sip:alice@rollcall.local>\r\n\
    From: \"Alice Smith\" <sip:alice@rollcall.local>;tag=r5nh2ckp6o\r\n\
    Call-ID: 3ccrpkqg0k8d5rhuh6pj\r\n\
    CSeq: 1 REGISTER\r\n\
    Contact: <sip:x7kq2mtc@abc.invalid;transport=ws>;+sip.ice;reg-id=1;\
    +sip.instance=\"<urn:uuid:4a2fd0a6-b9a6-4b0e-8e4c-6a2f0b0c1d2e>\";expires=600\r\n\
    Expires: 600\r\n\
    Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY\r\n\
    Supported: path,gruu,outbound\r\n\
    User-Agent: JsSIP 3.10.0\r\n\
    Content-Length: 0\r\n\
    \r\n";

const SOAP: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
    <env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" \
    xmlns:c=\"urn:rollcall:conference:1\"><env:Body><c:CreateConference>\
    <c:requestId>r1</c:requestId><c:initiator><c:name>Zoë Ünal</c:name>\
    <c:phone>+14255550100</c:phone><c:location>work</c:location></c:initiator>\
    </c:CreateConference></env:Body></env:Envelope>";

fn message_request() -> String {
    format!(
        "MESSAGE sip:conference@rollcall.local SIP/2.0\r\n\
         Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK8277063\r\n\
         Max-Forwards: 69\r\n\
         To: <sip:conference@rollcall.local>\r\n\
         From: <sip:alice@rollcall.local>;tag=h5lqnrrfu7\r\n\
         Call-ID: 7m4k2ng0uq8a0bo2hk6t\r\n\
         CSeq: 5 MESSAGE\r\n\
         Proxy-Authorization: Digest algorithm=SHA-256, username=\"alice\", realm=\"rollcall.local\", \
         nonce=\"abc\", uri=\"sip:conference@rollcall.local\", response=\"00ff\", qop=auth, \
         cnonce=\"q1w2\", nc=00000001\r\n\
         Content-Type: application/soap+xml; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         \r\n{SOAP}",
        SOAP.len()
    )
}

fn request(text: &str) -> rsip::Request {
    match parse(text).unwrap() {
        rsip::SipMessage::Request(r) => r,
        other => panic!("not a request: {other:?}"),
    }
}

#[test]
fn websocket_register() {
    let req = request(REGISTER);
    assert_eq!(req.method, rsip::Method::Register);
    assert_eq!(req.uri.to_string(), "sip:rollcall.local");
    assert_eq!(from_aor(&req).unwrap(), "sip:alice@rollcall.local");
    assert_eq!(to_aor(&req).unwrap(), "sip:alice@rollcall.local");
    assert_eq!(from_tag(&req).as_deref(), Some("r5nh2ckp6o"));
    assert_eq!(to_tag(&req), None);
    assert_eq!(call_id(&req).unwrap(), "3ccrpkqg0k8d5rhuh6pj");
    assert_eq!(cseq(&req).unwrap(), (1, rsip::Method::Register));
    assert_eq!(expires(&req), Some(600));
    let via = req.via_header().unwrap().typed().unwrap();
    assert_eq!(via.transport, rsip::Transport::Wss);
    assert_eq!(via.branch().unwrap().to_string(), "z9hG4bK5812547");
    let contact = parse_name_addr(&header(&req.headers, "m").unwrap()).unwrap();
    assert_eq!(contact.uri, "sip:x7kq2mtc@abc.invalid;transport=ws");
    assert_eq!(contact.param("+sip.instance"), Some(Some("<urn:uuid:4a2fd0a6-b9a6-4b0e-8e4c-6a2f0b0c1d2e>")));
    assert_eq!(contact.param("+sip.ice"), Some(None));
    assert_eq!(aor(&contact.parsed_uri().unwrap()), "sip:x7kq2mtc@abc.invalid");
    assert_eq!(body_text(&req).unwrap(), "");
    // Printing gives back the same text.
    assert_eq!(req.to_string(), REGISTER);
}

#[test]
fn websocket_message_and_its_response() {
    let text = message_request();
    let req = request(&text);
    assert_eq!(req.method, rsip::Method::Message);
    assert_eq!(body_text(&req).unwrap(), SOAP);
    assert_eq!(header(&req.headers, "content-type").as_deref(), Some("application/soap+xml; charset=utf-8"));
    assert_eq!(to_aor(&req).unwrap(), "sip:conference@rollcall.local");
    assert_eq!(cseq(&req).unwrap(), (5, rsip::Method::Message));
    assert_eq!(expires(&req), None);

    let resp = response(&req, 200, None, Some("srvtag1"));
    let printed = resp.to_string();
    assert_eq!(
        printed,
        "SIP/2.0 200 OK\r\n\
         Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK8277063\r\n\
         From: <sip:alice@rollcall.local>;tag=h5lqnrrfu7\r\n\
         To: <sip:conference@rollcall.local>;tag=srvtag1\r\n\
         Call-ID: 7m4k2ng0uq8a0bo2hk6t\r\n\
         CSeq: 5 MESSAGE\r\n\
         Content-Length: 0\r\n\
         \r\n"
    );
    let back = match parse(&printed).unwrap() {
        rsip::SipMessage::Response(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(back.status_code.code(), 200);
    assert_eq!(to_tag(&back).as_deref(), Some("srvtag1"));
    assert_eq!(call_id(&back).unwrap(), "7m4k2ng0uq8a0bo2hk6t");
    assert_eq!(cseq(&back).unwrap(), (5, rsip::Method::Message));
    assert!(header(&back.headers, "Proxy-Authorization").is_none());

    // Multi-word reason phrases print properly; custom reasons too.
    assert!(response(&req, 480, None, None).to_string().starts_with("SIP/2.0 480 Temporarily Unavailable\r\n"));
    assert!(response(&req, 407, None, None).to_string().starts_with("SIP/2.0 407 Proxy Authentication Required\r\n"));
    let r = response(&req, 403, Some("From Does Not Match"), Some("t"));
    assert!(r.to_string().starts_with("SIP/2.0 403 From Does Not Match\r\n"));
    assert_eq!(r.status_code.code(), 403);
    // No To tag requested: none added.
    assert_eq!(to_tag(&response(&req, 100, None, None)), None);
}

#[test]
fn response_copies_every_via_and_keeps_existing_to_tag() {
    let text = "OPTIONS sip:rollcall.local SIP/2.0\r\n\
        Via: SIP/2.0/WS proxy.invalid;branch=z9hG4bKp1\r\n\
        v: SIP/2.0/WSS abc.invalid;branch=z9hG4bKc1;received=10.0.0.1\r\n\
        Via: SIP/2.0/WSS def.invalid;branch=z9hG4bKc0, SIP/2.0/WSS ghi.invalid;branch=z9hG4bKc00\r\n\
        t: sip:rollcall.local;tag=already\r\n\
        f: Bob <sip:bob@rollcall.local>;tag=b1\r\n\
        i: cid-1\r\n\
        CSeq: 2 OPTIONS\r\n\
        \r\n";
    let req = request(text);
    let resp = response(&req, 200, None, Some("new"));
    assert_eq!(
        header_all(&resp.headers, "Via"),
        vec![
            "SIP/2.0/WS proxy.invalid;branch=z9hG4bKp1",
            "SIP/2.0/WSS abc.invalid;branch=z9hG4bKc1;received=10.0.0.1",
            "SIP/2.0/WSS def.invalid;branch=z9hG4bKc0, SIP/2.0/WSS ghi.invalid;branch=z9hG4bKc00",
        ]
    );
    assert_eq!(header(&resp.headers, "To").as_deref(), Some("sip:rollcall.local;tag=already"));
    assert_eq!(header(&resp.headers, "From").as_deref(), Some("Bob <sip:bob@rollcall.local>;tag=b1"));
    // addr-spec To without a tag gets brackets and the tag.
    let mut req2 = req.clone();
    without_header(&mut req2.headers, "To");
    req2.headers.push(make_header("t", "sip:rollcall.local;foo=bar"));
    let resp2 = response(&req2, 200, None, Some("new"));
    assert_eq!(header(&resp2.headers, "To").as_deref(), Some("<sip:rollcall.local>;foo=bar;tag=new"));
    assert_eq!(to_tag(&resp2).as_deref(), Some("new"));
}

#[test]
fn built_request_round_trips() {
    let body = "<x>Zoë — ünïcode</x>".to_owned();
    let req = RequestBuilder::new(rsip::Method::Message, "sip:bob.jones@rollcall.local")
        .via("k2j4h5.invalid", "z9hG4bKabc123")
        .from("sip:alice@rollcall.local", Some("Alice \"A\" Smith"), "ftag")
        .to("sip:bob.jones@rollcall.local", None)
        .call_id("callid-1")
        .cseq(7)
        .contact("sip:k2j4h5@k2j4h5.invalid;transport=ws")
        .header("P-Asserted-Identity", "<sip:alice@rollcall.local>")
        .header("Content-Length", "999")
        .body("application/soap+xml; charset=utf-8", body.clone())
        .build()
        .unwrap();
    let text = req.to_string();
    // CRLF line ends only, blank line before the body.
    let (head, tail) = text.split_once("\r\n\r\n").unwrap();
    assert_eq!(tail, body);
    assert!(!head.replace("\r\n", "").contains(['\r', '\n']), "{head:?}");
    assert_eq!(
        head,
        "MESSAGE sip:bob.jones@rollcall.local SIP/2.0\r\n\
         Via: SIP/2.0/WS k2j4h5.invalid;branch=z9hG4bKabc123\r\n\
         Max-Forwards: 70\r\n\
         From: \"Alice \\\"A\\\" Smith\" <sip:alice@rollcall.local>;tag=ftag\r\n\
         To: <sip:bob.jones@rollcall.local>\r\n\
         Call-ID: callid-1\r\n\
         CSeq: 7 MESSAGE\r\n\
         Contact: <sip:k2j4h5@k2j4h5.invalid;transport=ws>\r\n\
         P-Asserted-Identity: <sip:alice@rollcall.local>\r\n\
         Content-Type: application/soap+xml; charset=utf-8\r\n\
         Content-Length: 25"
    );
    assert_eq!(body.len(), 25);
    let back = request(&text);
    assert_eq!(back.method, req.method);
    assert_eq!(back.uri, req.uri);
    assert_eq!(back.headers, req.headers);
    assert_eq!(back.body, req.body);
    assert_eq!(back, req);
    assert_eq!(to_aor(&back).unwrap(), "sip:bob.jones@rollcall.local");
    assert_eq!(aor(&back.uri), "sip:bob.jones@rollcall.local");
    let pai = parse_name_addr(&header(&back.headers, "p-asserted-identity").unwrap()).unwrap();
    assert_eq!(aor(&pai.parsed_uri().unwrap()), "sip:alice@rollcall.local");
    let from = parse_name_addr(&header(&back.headers, "From").unwrap()).unwrap();
    assert_eq!(from.display_name.as_deref(), Some("Alice \"A\" Smith"));
    // rsip's typed accessors find the builder's headers.
    assert_eq!(back.call_id_header().unwrap().value(), "callid-1");
    assert_eq!(back.cseq_header().unwrap().typed().unwrap().seq, 7);

    // A REGISTER with Expires and an explicit Contact value.
    let reg = RequestBuilder::new(rsip::Method::Register, "sip:rollcall.local")
        .via("abc.invalid", &new_branch())
        .from("sip:alice@rollcall.local", None, &new_tag())
        .to("sip:alice@rollcall.local", None)
        .call_id(&new_call_id())
        .cseq(2)
        .contact("<sip:abc@abc.invalid;transport=ws>;expires=0")
        .expires(300)
        .header("Max-Forwards", "10")
        .build()
        .unwrap();
    let back = request(&reg.to_string());
    assert_eq!(back, reg);
    assert_eq!(expires(&back), Some(0));
    assert_eq!(header(&back.headers, "Max-Forwards").as_deref(), Some("10"));
    assert_eq!(header_all(&back.headers, "Max-Forwards").len(), 1);
    assert_eq!(header(&back.headers, "Content-Length").as_deref(), Some("0"));
    assert_eq!(header(&back.headers, "Expires").as_deref(), Some("300"));
}

#[test]
fn builder_errors() {
    let to_uri = |uri: &str| {
        RequestBuilder::new(rsip::Method::Options, uri)
            .via("a.invalid", "z9hG4bK1")
            .from("sip:a@rollcall.local", None, "t")
            .to("sip:a@rollcall.local", None)
            .call_id("c")
            .cseq(1)
    };
    let base = || to_uri("sip:rollcall.local");
    assert!(base().build().is_ok());
    let no_from = RequestBuilder::new(rsip::Method::Options, "sip:rollcall.local")
        .via("a.invalid", "z9hG4bK1")
        .to("sip:a@rollcall.local", None)
        .call_id("c")
        .cseq(1);
    assert_eq!(no_from.build(), Err(SipError::MissingHeader("From")));
    for uri in ["", "sip:a b@c", "sip:a@b\r\nX: y", "sip:a@b;x=\"q\""] {
        let r = to_uri(uri).build();
        assert!(matches!(r, Err(SipError::BadUri(_))), "{uri:?}: {r:?}");
    }
    assert!(matches!(base().header("X-Evil", "a\r\nVia: b").build(), Err(SipError::BadHeader(_))));
    assert!(matches!(base().header("Bad Name", "a").build(), Err(SipError::BadHeader(_))));
    assert!(matches!(base().call_id("a\nb").build(), Err(SipError::BadHeader(_))));
}

#[test]
fn auth_and_presence_headers_survive() {
    let lines = [
        "P-Asserted-Identity: \"Alice\" <sip:alice@rollcall.local>",
        "Proxy-Authorization: Digest username=\"alice\", realm=\"rollcall.local\", nonce=\"n\", \
         uri=\"sip:bob@rollcall.local\", response=\"abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c\"",
        "Authorization: Digest username=\"alice\", realm=\"rollcall.local\", nonce=\"n2\", \
         uri=\"sip:rollcall.local\", response=\"0123\", algorithm=SHA-256",
        "WWW-Authenticate: Digest realm=\"rollcall.local\", nonce=\"x/y+z=\", opaque=\"o\", \
         algorithm=SHA-256, qop=\"auth\"",
        "WWW-Authenticate: Digest realm=\"rollcall.local\", nonce=\"x/y+z=\", opaque=\"o\", \
         algorithm=MD5, qop=\"auth\", stale=true",
        "Proxy-Authenticate: Digest realm=\"rollcall.local\", nonce=\"p\", algorithm=SHA-256, qop=\"auth\"",
        "Event: presence;id=7",
        "Subscription-State: active;expires=3600",
        "Allow: REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS",
        "Allow-Events: presence",
    ];
    let text = format!(
        "NOTIFY sip:alice@abc.invalid;transport=ws SIP/2.0\r\n\
         Via: SIP/2.0/WS rollcall.local;branch=z9hG4bKn1\r\n\
         From: <sip:bob@rollcall.local>;tag=1\r\nTo: <sip:alice@rollcall.local>;tag=2\r\n\
         Call-ID: c\r\nCSeq: 3 NOTIFY\r\n{}\r\nContent-Length: 0\r\n\r\n",
        lines.join("\r\n")
    );
    let msg = parse(&text).unwrap();
    let printed = msg.to_string();
    // The Request-URI prints as received: read by the SIP-URI grammar, not
    // rsip's (which would print `transport=WS`).
    assert_eq!(printed, text);
    for line in lines {
        assert!(printed.contains(&format!("{line}\r\n")), "{line}");
    }
    let again = parse(&printed).unwrap();
    assert_eq!(again, msg);
    let h = again.headers();
    assert_eq!(header_all(h, "www-authenticate").len(), 2);
    let challenges: Vec<_> =
        header_all(h, "WWW-Authenticate").iter().map(|v| crate::digest::Challenge::parse(v).unwrap()).collect();
    assert_eq!(challenges[0].algorithm, crate::digest::Algorithm::Sha256);
    assert!(challenges[1].stale);
    let creds = crate::digest::Credentials::parse(&header(h, "Proxy-Authorization").unwrap()).unwrap();
    assert_eq!(creds.nc, Some(1));
    assert_eq!(header(h, "event").as_deref(), Some("presence;id=7"));
    assert_eq!(header(h, "o").as_deref(), Some("presence;id=7"));
    assert_eq!(header(h, "u").as_deref(), Some("presence"));
    assert_eq!(header(h, "subscription-state").as_deref(), Some("active;expires=3600"));
    // Digest values built by the digest module go on the wire unchanged.
    let challenge = crate::digest::Challenge {
        realm: "rollcall.local".into(),
        nonce: "a\"b".into(),
        opaque: None,
        algorithm: crate::digest::Algorithm::Sha256,
        qop_auth: true,
        stale: true,
    };
    let req = request(&text);
    let mut resp = response(&req, 401, None, Some("t"));
    resp.headers.push(make_header("WWW-Authenticate", challenge.to_header_value()));
    let back = parse(&resp.to_string()).unwrap();
    let v = header(back.headers(), "WWW-Authenticate").unwrap();
    assert_eq!(crate::digest::Challenge::parse(&v).unwrap(), challenge);
}

#[test]
fn compact_forms() {
    let text = "MESSAGE sip:bob@rollcall.local SIP/2.0\r\n\
        v: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\n\
        f: <sip:alice@rollcall.local>;tag=1\r\n\
        t: <sip:bob@rollcall.local>\r\n\
        i: compact-call\r\n\
        CSeq: 1 MESSAGE\r\n\
        m: <sip:a@a.invalid;transport=ws>\r\n\
        k: path\r\n\
        c: text/plain\r\n\
        l: 2\r\n\
        \r\nhi";
    let req = request(text);
    assert_eq!(call_id(&req).unwrap(), "compact-call");
    assert_eq!(header(&req.headers, "I").as_deref(), Some("compact-call"));
    assert_eq!(header(&req.headers, "call-id").as_deref(), Some("compact-call"));
    assert_eq!(header(&req.headers, "Supported").as_deref(), Some("path"));
    assert_eq!(from_aor(&req).unwrap(), "sip:alice@rollcall.local");
    assert_eq!(to_aor(&req).unwrap(), "sip:bob@rollcall.local");
    assert_eq!(body_text(&req).unwrap(), "hi");
    // Expanded to rsip's typed variants.
    assert_eq!(req.call_id_header().unwrap().value(), "compact-call");
    assert!(req.via_header().is_ok());
    let printed = req.to_string();
    assert!(printed.contains("\r\nCall-ID: compact-call\r\n"), "{printed}");
    assert!(printed.contains("\r\nContent-Length: 2\r\n"), "{printed}");

    // Look-ups on raw rsip headers with compact names.
    let mut headers: Headers = vec![
        Header::Other("i".into(), " raw ".into()),
        Header::Other("V".into(), "SIP/2.0/WS x;branch=z9hG4bK1".into()),
        make_header("Via", "SIP/2.0/WS y;branch=z9hG4bK2"),
        Header::Other("X-Custom".into(), "1".into()),
        Header::Other("x-custom".into(), "2".into()),
    ]
    .into();
    assert_eq!(header(&headers, "Call-ID").as_deref(), Some("raw"));
    assert_eq!(header_all(&headers, "v"), vec!["SIP/2.0/WS x;branch=z9hG4bK1", "SIP/2.0/WS y;branch=z9hG4bK2"]);
    assert_eq!(header_all(&headers, "X-CUSTOM"), vec!["1", "2"]);
    assert_eq!(header(&headers, "Missing"), None);
    without_header(&mut headers, "via");
    assert!(header_all(&headers, "Via").is_empty());
    without_header(&mut headers, "x-custom");
    assert_eq!(headers.iter().count(), 1);
    prepend_header(&mut headers, make_header("Via", "SIP/2.0/WS top;branch=z9hG4bK0"));
    assert_eq!(header_name_value(headers.iter().next().unwrap()).0, "Via");
}

#[test]
fn aors() {
    let cases = [
        ("sip:Alice@RollCall.Local:5060;transport=ws", "sip:Alice@rollcall.local"),
        ("sip:alice.smith@Rollcall.local", "sip:alice.smith@rollcall.local"),
        ("sip:alice.smith@rollcall.local:5070;lr", "sip:alice.smith@rollcall.local"),
        ("sips:bob@example.org", "sips:bob@example.org"),
        ("SIP:bob@Example.org", "sip:bob@example.org"),
        ("sip:bob:secret@example.org", "sip:bob@example.org"),
        ("sip:rollcall.local", "sip:rollcall.local"),
        ("sip:a@b.example?subject=x", "sip:a@b.example"),
        ("sip:+14255550100@10.0.0.1:5060;user=phone", "sip:+14255550100@10.0.0.1"),
        ("sip:conference@rollcall.local", "sip:conference@rollcall.local"),
    ];
    for (uri, want) in cases {
        let parsed = rsip::Uri::try_from(uri).unwrap();
        assert_eq!(aor(&parsed), want, "{uri}");
    }
}

#[test]
fn name_addrs() {
    let na = parse_name_addr("\"Doe, John <x>\" <sip:jd@h>;tag=1").unwrap();
    assert_eq!(na.display_name.as_deref(), Some("Doe, John <x>"));
    assert_eq!(na.uri, "sip:jd@h");
    assert_eq!(na.param("TAG"), Some(Some("1")));
    let na = parse_name_addr("John Doe <sip:jd@h;transport=ws> ; tag = 2 ;lr").unwrap();
    assert_eq!(na.display_name.as_deref(), Some("John Doe"));
    assert_eq!(na.uri, "sip:jd@h;transport=ws");
    assert_eq!(na.params, vec![("tag".into(), Some("2".into())), ("lr".into(), None)]);
    let na = parse_name_addr("sip:jd@h;tag=3;+sip.instance=\"<urn:x;y>\"").unwrap();
    assert_eq!(na.display_name, None);
    assert_eq!(na.uri, "sip:jd@h");
    assert_eq!(na.param("+sip.instance"), Some(Some("<urn:x;y>")));
    assert_eq!(na.param("tag"), Some(Some("3")));
    for bad in [
        "",
        "<>",
        "\"unterminated <sip:a@b>",
        "<sip:a@b",
        "<sip:a@b>garbage",
        "\"x\" sip:a@b",
        "<sip:a@b>;",
        "<sip:a@b>;=x",
        "<sip:a@b>;p=\"q",
    ] {
        assert!(parse_name_addr(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        split_list("<sip:a@b;x=1,2>;q=1, \"B, b\" <sip:b@c>,sip:c@d, ,"),
        vec!["<sip:a@b;x=1,2>;q=1", "\"B, b\" <sip:b@c>", "sip:c@d"]
    );
    assert_eq!(split_list("*"), vec!["*"]);
}

#[test]
fn expiry_and_cseq() {
    let with = |extra: &str| {
        request(&format!(
            "REGISTER sip:rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS a;branch=z9hG4bK1\r\n\
         From: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:a@rollcall.local>\r\nCall-ID: c\r\n{extra}\r\n"
        ))
    };
    let r = with("CSeq: 9 REGISTER\r\nExpires: 120\r\n");
    assert_eq!(expires(&r), Some(120));
    let r = with("CSeq: 9 REGISTER\r\nContact: <sip:a@a.invalid>;expires=30\r\nExpires: 120\r\n");
    assert_eq!(expires(&r), Some(30));
    let r = with("CSeq: 9 REGISTER\r\nContact: <sip:a@a.invalid>\r\nExpires: 0\r\n");
    assert_eq!(expires(&r), Some(0));
    let r = with("CSeq: 9 REGISTER\r\nContact: <sip:a@a.invalid>;expires=x\r\nExpires: 99999999999\r\n");
    assert_eq!(expires(&r), Some(u32::MAX));
    let r = with("CSeq: 9 REGISTER\r\nContact: *\r\nExpires: -1\r\n");
    assert_eq!(expires(&r), None);
    assert_eq!(cseq(&r).unwrap(), (9, rsip::Method::Register));
    for bad in [
        "CSeq: x REGISTER",
        "CSeq: 1",
        "CSeq: 1 REGISTER extra",
        "CSeq: 99999999999 REGISTER",
        "CSeq: 1 FOO",
        "CSeq: -1 REGISTER",
        "CSeq: +1 REGISTER",
    ] {
        let r = with(&format!("{bad}\r\n"));
        assert!(matches!(cseq(&r), Err(SipError::BadHeader(_))), "{bad}");
    }
    let r = with("");
    assert_eq!(cseq(&r), Err(SipError::MissingHeader("CSeq")));
    assert_eq!(check_request(&r), Err(SipError::MissingHeader("CSeq")));
    assert_eq!(check_request(&with("CSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n")), Ok(()));
    for bad in ["CSeq: 1 MESSAGE\r\n", "CSeq: 1 REGISTER\r\nMax-Forwards: x\r\n"] {
        assert!(matches!(check_request(&with(bad)), Err(SipError::BadHeader(_))), "{bad}");
    }
    // Max-Forwards is 1*DIGIT: leading zeros, and values past u32 saturate.
    let r = with("CSeq: 1 REGISTER\r\nMax-Forwards: 0068\r\n");
    assert_eq!((check_request(&r), max_forwards(&r)), (Ok(()), Ok(Some(68))));
    let r = with("CSeq: 1 REGISTER\r\nMax-Forwards: 99999999999\r\n");
    assert_eq!((check_request(&r), max_forwards(&r)), (Ok(()), Ok(Some(u32::MAX))));
    assert_eq!(max_forwards(&with("CSeq: 1 REGISTER\r\n")), Ok(None));
    // A single-value header twice, even the same value, even compact.
    for (twice, name) in
        [("Call-ID: c\r\n", "Call-ID"), ("i: c\r\n", "Call-ID"), ("Max-Forwards: 70\r\nMax-Forwards: 70\r\n", "Max-Forwards")]
    {
        let r = with(&format!("CSeq: 1 REGISTER\r\n{twice}"));
        assert_eq!(check_request(&r), Err(SipError::DuplicateHeader(name)), "{twice}");
    }
    // An empty Via parameter, an empty Contact parameter.
    let r = with("CSeq: 1 REGISTER\r\nContact: <sip:a@a.invalid>;;expires=1\r\n");
    assert!(matches!(check_request(&r), Err(SipError::BadHeader(_))));
    let mut r = with("CSeq: 1 REGISTER\r\nContact: *\r\n");
    assert_eq!(check_request(&r), Ok(()));
    r.headers.push(make_header("Via", "SIP/2.0/WS b;;branch=z9hG4bK2"));
    assert!(matches!(check_request(&r), Err(SipError::BadHeader(_))));
    let mut r = with("CSeq: 1 REGISTER\r\n");
    without_header(&mut r.headers, "To");
    r.headers.push(make_header("To", "<sip:a@b"));
    assert!(matches!(check_request(&r), Err(SipError::BadHeader(_))));
    without_header(&mut r.headers, "Via");
    assert_eq!(check_request(&r), Err(SipError::MissingHeader("Via")));
    let mut r = with("CSeq: 1 REGISTER\r\n");
    without_header(&mut r.headers, "Call-ID");
    without_header(&mut r.headers, "From");
    assert_eq!(call_id(&r), Err(SipError::MissingHeader("Call-ID")));
    assert_eq!(from_aor(&r), Err(SipError::MissingHeader("From")));
    assert_eq!(from_tag(&r), None);
}

#[test]
fn lenient_and_strict_parsing() {
    // CRLFs before the start line, bare LF, folding, space before colon.
    let text = "\r\n\r\nOPTIONS sip:rollcall.local SIP/2.0\n\
        Via : SIP/2.0/WS a.invalid;branch=z9hG4bK1\n\
        From: <sip:a@rollcall.local>\n  ;tag=1\n\
        To:<sip:rollcall.local>   \n\
        Call-ID: c\nCSeq: 1 OPTIONS\n\n";
    let req = request(text);
    assert_eq!(from_tag(&req).as_deref(), Some("1"));
    assert_eq!(header(&req.headers, "To").as_deref(), Some("<sip:rollcall.local>"));
    assert_eq!(header(&req.headers, "Via").as_deref(), Some("SIP/2.0/WS a.invalid;branch=z9hG4bK1"));
    assert_eq!(parse(""), Err(SipError::Empty));
    assert_eq!(parse("\r\n\r\n"), Err(SipError::Empty));
    assert_eq!(parse("FOO sip:rollcall.local SIP/2.0\r\nVia: x\r\n\r\n"), Err(SipError::UnknownMethod("FOO".into())));
    // Content-Length: body bytes beyond it are dropped, fewer is an error.
    let base = "MESSAGE sip:b@rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS a;branch=z9hG4bK1\r\n\
        From: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:b@rollcall.local>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n";
    let m = request(&format!("{base}Content-Length: 3\r\n\r\nabcdef"));
    assert_eq!(body_text(&m).unwrap(), "abc");
    assert!(matches!(parse(&format!("{base}Content-Length: 10\r\n\r\nabc")), Err(SipError::Parse(_))));
    assert!(matches!(parse(&format!("{base}Content-Length: x\r\n\r\nabc")), Err(SipError::Parse(_))));
    assert!(matches!(parse(&format!("{base}Content-Length: -1\r\n\r\n")), Err(SipError::Parse(_))));
    assert!(matches!(parse(&format!("{base}Content-Length: 3\r\nl: 4\r\n\r\nabcd")), Err(SipError::Parse(_))));
    let m = request(&format!("{base}Content-Length: 3\r\nl: 3\r\n\r\nabc"));
    assert_eq!(body_text(&m).unwrap(), "abc");
    let m = request(&format!("{base}\r\nno length"));
    assert_eq!(body_text(&m).unwrap(), "no length");
    // Cutting a multi-byte character leaves a non-UTF-8 body.
    let m = request(&format!("{base}Content-Length: 1\r\n\r\né"));
    assert_eq!(body_text(&m), Err(SipError::BodyNotUtf8));
    // Error messages stay short.
    let long = format!("GARBAGE {}", "x".repeat(100_000));
    match parse(&long) {
        Err(SipError::Parse(m)) => assert!(m.len() < 1000, "{}", m.len()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unparsed_requests_can_be_answered() {
    let text = "FOO sip:rollcall.local SIP/2.0\r\n\
        Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\nv: SIP/2.0/WSS b.invalid;branch=z9hG4bK2\r\n\
        f: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:rollcall.local>\r\ni: c1\r\nCSeq: 4 FOO\r\n\r\n";
    assert_eq!(parse(text), Err(SipError::UnknownMethod("FOO".into())));
    let resp = response_to_unparsed(text, 405, None, Some("x"), &[("Allow", "REGISTER, MESSAGE")]).unwrap();
    assert_eq!(
        resp,
        "SIP/2.0 405 Method Not Allowed\r\n\
         Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bK2\r\n\
         From: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:rollcall.local>;tag=x\r\nCall-ID: c1\r\n\
         CSeq: 4 FOO\r\nAllow: REGISTER, MESSAGE\r\nContent-Length: 0\r\n\r\n"
    );
    // The answer itself is parseable.
    let back = parse(&resp).unwrap();
    assert_eq!(back.headers().iter().count(), 8);
    // A broken request line but usable headers: 400.
    let broken = "MESSAGE sip:a@b SIP/2.0 extra\r\nVia: SIP/2.0/WS a;branch=z9hG4bK1\r\n\
        From: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n\r\n";
    assert!(matches!(parse(broken), Err(SipError::Parse(_))));
    assert!(response_to_unparsed(broken, 400, None, None, &[]).unwrap().starts_with("SIP/2.0 400 Bad Request\r\n"));
    // No response possible.
    assert_eq!(response_to_unparsed("garbage", 400, None, None, &[]), None);
    assert_eq!(response_to_unparsed("", 400, None, None, &[]), None);
    assert_eq!(response_to_unparsed("SIP/2.0 200 OK\r\nVia: x\r\n\r\n", 400, None, None, &[]), None);
    let ack = broken.replace("CSeq: 1 MESSAGE", "CSeq: 1 ACK");
    assert_eq!(response_to_unparsed(&ack, 400, None, None, &[]), None);
    let no_via = broken.replace("Via: SIP/2.0/WS a;branch=z9hG4bK1\r\n", "");
    assert_eq!(response_to_unparsed(&no_via, 400, None, None, &[]), None);
}

#[test]
fn with_body_sets_length() {
    let req = request(&message_request());
    let resp = with_body(response(&req, 200, None, Some("t")), "text/plain; charset=utf-8", "héllo".into());
    assert_eq!(header(&resp.headers, "Content-Length").as_deref(), Some("6"));
    assert_eq!(header_all(&resp.headers, "Content-Length").len(), 1);
    let back = parse(&resp.to_string()).unwrap();
    assert_eq!(body_text(&back).unwrap(), "héllo");
    assert_eq!(header(back.headers(), "c").as_deref(), Some("text/plain; charset=utf-8"));
}

#[test]
fn random_values() {
    let b = new_branch();
    assert!(b.starts_with("z9hG4bK") && b.len() == 7 + 24, "{b}");
    assert_eq!(new_tag().len(), 16);
    assert_eq!(new_call_id().len(), 32);
    assert_ne!(new_call_id(), new_call_id());
    assert_ne!(new_branch(), new_branch());
}

/// Runs every helper on whatever `parse` makes of `text`; none may panic.
fn exercise(text: &str) {
    let _ = response_to_unparsed(text, 400, None, Some("t"), &[("Allow", "MESSAGE")]);
    let Ok(msg) = parse(text) else { return };
    let _ = msg.to_string();
    let _ = (from_aor(&msg), to_aor(&msg), from_tag(&msg), to_tag(&msg), call_id(&msg));
    let _ = (cseq(&msg), expires(&msg), body_text(&msg));
    for h in msg.headers().iter() {
        let (_, v) = header_name_value(h);
        let _ = parse_name_addr(v);
        let _ = split_list(v);
        let _ = crate::digest::Challenge::parse(v);
        let _ = crate::digest::Credentials::parse(v);
    }
    if let rsip::SipMessage::Request(req) = &msg {
        let _ = aor(&req.uri);
        let _ = check_request(req);
        let resp = response(req, 200, None, Some("t"));
        let _ = parse(&resp.to_string());
    }
}

#[test]
fn malformed_input_never_panics() {
    let handcrafted = [
        "",
        " ",
        "\r",
        "\n",
        "\r\n",
        "\0",
        "SIP/2.0",
        "SIP/2.0 ",
        "SIP/2.0 200",
        "SIP/2.0 2000 OK\r\n\r\n",
        "SIP/2.0 abc OK\r\n\r\n",
        "SIP/2.0 9 OK\r\n\r\n",
        "SIP/9.9 200 OK\r\n\r\n",
        "SIP/2.0 200 OK",
        "INVITE",
        "INVITE ",
        "INVITE  SIP/2.0\r\n\r\n",
        "INVITE sip: SIP/2.0\r\n\r\n",
        "INVITE sip:@ SIP/2.0\r\n\r\n",
        "INVITE sip:a@b:99999 SIP/2.0\r\n\r\n",
        "INVITE sip:a@b:x SIP/2.0\r\n\r\n",
        "INVITE sip:a@[::1]:5060 SIP/2.0\r\n\r\n",
        "INVITE sip:a@b;transport=carrier-pigeon SIP/2.0\r\n\r\n",
        "INVITE sip:a@b;method=FOO SIP/2.0\r\n\r\n",
        "INVITE sip:a@b SIP/2\r\n\r\n",
        "INVITE sip:a@b HTTP/1.1\r\n\r\n",
        "GET /sip HTTP/1.1\r\nHost: x\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\n: novalue\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nno colon\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\n continuation\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nVia:\r\nFrom:\r\nTo:\r\nCall-ID:\r\nCSeq:\r\nContact:\r\nExpires:\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nFrom: <\r\nTo: \"\r\nContact: <sip:a@b>;expires=\"\r\nCSeq: 1\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nFrom: \"\\\r\nTo: <sip:a.b@>\r\nContact: ,,,\r\nCSeq:  MESSAGE\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\nx",
        "MESSAGE sip:a@b SIP/2.0\r\nX\r\tY: z\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\r\n\r\n",
        "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS \u{1F600};branch=\u{e9}\r\n\r\n\u{1F600}",
        "\u{feff}OPTIONS sip:a@b SIP/2.0\r\n\r\n",
        "OPTIONS sip:a@b SIP/2.0\r\n\r\n\r\n\r\n",
    ];
    for text in handcrafted {
        exercise(text);
    }
    let message = message_request();
    let samples = [
        REGISTER,
        message.as_str(),
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/WSS abc.invalid;branch=z9hG4bK5\r\n\
        From: \"A\" <sip:alice@rollcall.local>;tag=1\r\nTo: <sip:alice@rollcall.local>;tag=2\r\nCall-ID: c\r\n\
        CSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"rollcall.local\", nonce=\"n\", qop=\"auth\"\r\n\
        Content-Length: 0\r\n\r\n",
    ];
    // Every truncation and every suffix.
    for s in samples {
        for (i, _) in s.char_indices() {
            exercise(&s[..i]);
            exercise(&s[i..]);
        }
    }
    // Deterministic random mutations.
    let pieces = [
        " ",
        "\r\n",
        "\n",
        "\r",
        "\t",
        ":",
        ";",
        ",",
        "<",
        ">",
        "@",
        "\"",
        "\\",
        "=",
        "/",
        "?",
        "[",
        "]",
        "SIP/2.0",
        "sip:",
        "é",
        "\u{1F600}",
        "\0",
        "0",
        "9",
        "z9hG4bK",
        "tag=",
        "\r\n\r\n",
        "Content-Length: 5",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    for round in 0..6000 {
        let mut s = samples[round % samples.len()].to_owned();
        for _ in 0..1 + next() % 4 {
            let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            let at = bounds[next() % bounds.len()];
            match next() % 3 {
                0 => {
                    if at < s.len() {
                        s.remove(at);
                    }
                }
                1 => s.insert_str(at, pieces[next() % pieces.len()]),
                _ => {
                    let to = bounds[next() % bounds.len()].max(at);
                    s.replace_range(at..to, "");
                }
            }
        }
        exercise(&s);
    }
}
