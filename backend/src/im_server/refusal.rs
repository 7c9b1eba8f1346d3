//! What a request the IM server will not act on is answered, in the order
//! of RFC 3261 §8.2 (and §16.3 for what it proxies): malformed → `400`
//! (or `505`, `416`, as the parser says), a method it does not handle →
//! `405` with `Allow`, an extension it does not support → `420` with
//! `Unsupported`. docs/protocol.md §1 ("Bad input").

use rollcall_shared::sip::{self, rsip, SipError};

/// Methods answered here; anything else gets 405 with this list.
pub const ALLOW: &str = "REGISTER, MESSAGE, SUBSCRIBE, OPTIONS";

/// Option tags (RFC 3261 §19.2) of the extensions Rollcall supports: none
/// that a request may require. It binds registrations to their connection
/// (RFC 5626's flows, in effect) without claiming `outbound`, keeps no
/// `Path`, and offers no GRUU.
pub const SUPPORTED_OPTIONS: &[&str] = &[];

/// The answer (as text) to input that [`sip::parse`] refused: the status
/// code and reason its error names (`405` with [`ALLOW`] for an unknown
/// method). A `416` for a method not in [`ALLOW`] becomes that method's
/// `405`: RFC 3261 §8.2.1 inspects the method before §8.2.2.1 the
/// Request-URI. `None` when no answer can be formed (not a request, one
/// of the headers a response copies missing, an ACK): the input is
/// garbage.
pub fn to_unparsed(text: &str, error: &SipError) -> Option<String> {
    let code = error.status_code()?;
    let raw_method = text.trim_start_matches(['\r', '\n']).split(' ').next().unwrap_or("");
    let not_allowed = !ALLOW.split(", ").any(|m| m == raw_method);
    if code == 405 || (code == 416 && not_allowed) {
        return sip::response_to_unparsed(text, 405, None, None, &[("Allow", ALLOW)]);
    }
    sip::response_to_unparsed(text, code, Some(&error.reason()), None, &[])
}

/// Why a well-formed request (one that passed [`sip::check_request`]) is
/// not acted on, as a status code and the headers its answer adds: `405`
/// for a method not in [`ALLOW`]; `420` when it requires an extension
/// Rollcall does not support — for a request it answers itself (REGISTER,
/// SUBSCRIBE, OPTIONS) the tags of `Require` (§8.2.2.3), for a MESSAGE,
/// which it proxies, those of `Proxy-Require` (§16.3 step 5; the
/// recipient judges `Require`). `None` to go on. Never call it for an ACK,
/// which is never answered.
pub fn refusal(req: &rsip::Request) -> Option<(u16, Vec<rsip::Header>)> {
    let method = sip::method_name(req.method);
    if !ALLOW.split(", ").any(|m| m == method) {
        return Some((405, vec![sip::make_header("Allow", ALLOW)]));
    }
    let requirements = if req.method == rsip::Method::Message { "Proxy-Require" } else { "Require" };
    let unsupported = sip::unsupported_options(&req.headers, requirements, SUPPORTED_OPTIONS);
    if unsupported.is_empty() {
        return None;
    }
    Some((420, vec![sip::make_header("Unsupported", unsupported.join(", "))]))
}

#[cfg(test)]
mod tests {
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
        assert!(invite.starts_with("SIP/2.0 405 Method Not Allowed\r\n") && invite.contains(&format!("Allow: {ALLOW}\r\n")), "{invite}");
        assert!(answer("FOO sip:a@b SIP/2.0").starts_with("SIP/2.0 405 Method Not Allowed\r\n"));
        assert!(answer("OPTIONS sip:a@b SIP/3.0").starts_with("SIP/2.0 505 Version Not Supported"));
        assert!(answer("OPTIONS  sip:a@b SIP/2.0").starts_with("SIP/2.0 400 Bad Request (unparseable SIP message: "));
        assert_eq!(to_unparsed("garbage", &sip::parse("garbage").expect_err("refused")), None);
    }
}
