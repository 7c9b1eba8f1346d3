use std::convert::TryFrom;

use rsip::headers::UntypedHeader;
use rsip::prelude::*;

use crate::sip;

const HEADERS: &str = "Via: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n\
    Call-ID: q1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";

#[test]
fn a_known_status_code_prints_its_variant_name_and_loses_the_phrase() {
    let text = format!("SIP/2.0 480 Gone Fishing\r\n{HEADERS}");
    let parsed = rsip::SipMessage::try_from(text.as_str()).expect("rsip parses it");
    let rsip::SipMessage::Response(resp) = parsed else { panic!("a response") };
    assert_eq!(resp.status_code.to_string(), "480 TemporarilyUnavailable", "rsip's own printing");
    // Ours: the code, with the received or the standard phrase.
    let ours = sip::parse(&text).expect("parses");
    assert!(ours.to_string().starts_with("SIP/2.0 480 Gone Fishing\r\n"), "{ours}");
    let phraseless = sip::parse(&format!("SIP/2.0 480 \r\n{HEADERS}")).expect("parses");
    assert!(phraseless.to_string().starts_with("SIP/2.0 480 Temporarily Unavailable\r\n"), "{phraseless}");
    let req = sip::parse(&format!("MESSAGE sip:b@x SIP/2.0\r\n{HEADERS}")).expect("request");
    let rsip::SipMessage::Request(req) = req else { panic!("a request") };
    assert!(sip::response(&req, 480, None, None).to_string().starts_with("SIP/2.0 480 Temporarily Unavailable\r\n"));
}

#[test]
fn compact_and_unknown_header_names_arrive_untyped() {
    let text = format!("MESSAGE sip:b@x SIP/2.0\r\ni: compact-call-id\r\n{}", HEADERS.replace("Call-ID: q1\r\n", ""));
    let raw = rsip::SipMessage::try_from(text.as_str()).expect("rsip parses it");
    assert!(raw.headers().iter().any(|h| matches!(h, rsip::Header::Other(n, _) if n == "i")), "rsip keeps `i` untyped");
    assert!(raw.call_id_header().is_err(), "so rsip's own accessor misses it");
    let ours = sip::parse(&text).expect("parses");
    assert_eq!(ours.call_id_header().expect("typed").value(), "compact-call-id");
}

#[test]
fn a_dot_in_the_user_part_becomes_part_of_the_host() {
    let uri = rsip::Uri::try_from("sip:first.last@example.com").expect("rsip parses it");
    assert_eq!(uri.user(), None, "rsip finds no user");
    assert_eq!(sip::aor(&uri), "sip:first.last@example.com");
    let with_headers = rsip::Uri::try_from("sip:bob@example.com?subject=hi").expect("parses");
    assert_eq!(sip::aor(&with_headers), "sip:bob@example.com");
}

#[test]
fn typed_addresses_refuse_quoted_parameter_values() {
    let contact = r#"<sip:x@a.invalid;transport=ws>;+sip.instance="<urn:uuid:1>";expires=60"#;
    assert!(rsip::headers::Contact::new(contact).typed().is_err(), "rsip's typed Contact fails");
    let ours = sip::parse_name_addr(contact).expect("ours parses it");
    assert_eq!(ours.param("+sip.instance"), Some(Some("<urn:uuid:1>")));
}

#[test]
fn an_unknown_method_is_a_parse_error() {
    let text = format!("FROB sip:b@x SIP/2.0\r\n{}", HEADERS.replace("1 MESSAGE", "1 FROB"));
    assert!(rsip::SipMessage::try_from(text.as_str()).is_err(), "rsip: a closed enum of methods");
    assert_eq!(sip::parse(&text), Err(sip::SipError::UnknownMethod("FROB".into())));
    let answer = sip::response_to_unparsed(&text, 405, None, None, &[("Allow", "MESSAGE")]).expect("answerable");
    assert!(answer.starts_with("SIP/2.0 405 Method Not Allowed\r\n") && answer.contains("Allow: MESSAGE\r\n"), "{answer}");
}

#[test]
fn ipv6_references_do_not_parse() {
    assert!(rsip::Uri::try_from("sip:a@[2001:db8::1]:5060").is_err());
}

#[test]
fn method_names_are_the_wire_names() {
    for m in [rsip::Method::Message, rsip::Method::Register, rsip::Method::Subscribe, rsip::Method::PRack] {
        assert_eq!(sip::method_name(m), m.to_string());
    }
}

#[test]
fn a_semicolon_in_the_user_part_is_misread() {
    let uri = rsip::Uri::try_from("sip:user;par=u%40example.net@example.com").expect("rsip parses it");
    assert_eq!(uri.user(), None, "rsip finds no user");
    assert_eq!(uri.host().to_string(), "user", "but a host `user` with parameters");
    let text = format!("OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n{}", HEADERS.replace("MESSAGE", "OPTIONS"));
    assert!(rsip::SipMessage::try_from(text.as_str()).is_err(), "rsip refuses the request line");
    let Ok(rsip::SipMessage::Request(ours)) = sip::parse(&text) else { panic!("ours parses it") };
    assert_eq!(ours.uri.user(), Some("user;par=u%40example.net"));
    assert_eq!(ours.uri.to_string(), "sip:user;par=u%40example.net@example.com");
}

#[test]
fn brackets_unknown_schemes_and_transport_case() {
    let bracketed = rsip::Uri::try_from("<sip:user@example.com>").expect("rsip takes it for a URI");
    assert_eq!(bracketed.user(), Some("<sip"));
    assert!(rsip::Uri::try_from("isbn:2983792873").is_err(), "rsip refuses an unknown scheme");
    let request = |line: &str| sip::parse(&format!("{line}\r\n{}", HEADERS.replace("MESSAGE", "OPTIONS")));
    assert!(matches!(request("OPTIONS <sip:b@x> SIP/2.0"), Err(sip::SipError::Parse(_))), "ours: malformed");
    assert_eq!(request("OPTIONS isbn:2983792873 SIP/2.0"), Err(sip::SipError::UnsupportedUriScheme("isbn".into())));
    let ws = rsip::Uri::try_from("sip:a@b;transport=ws").expect("parses");
    assert_eq!(ws.to_string(), "sip:a@b;transport=WS", "rsip's printing");
    let ours = sip::parse_name_addr("<sip:a@b;transport=ws>").and_then(|na| na.parsed_uri()).expect("parses");
    assert_eq!(ours.to_string(), "sip:a@b;transport=ws");
}
