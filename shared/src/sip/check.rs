//! What a server checks in a parsed request before acting on it (RFC 3261
//! §8.2, §16.3): its shape, answered `400`, and the extensions it
//! requires, answered `420`.

use super::error::SipError;
use super::fields::{address_header, call_id, cseq, max_forwards};
use super::headers::{header, header_all};
use super::name_addr::{parse_name_addr, split_list};
use super::via::check_via;

/// Headers a request may carry once (RFC 3261 §7.3.1: only a
/// comma-separated list may be split over several header lines;
/// RFC 4475 §3.3.8–9).
pub const SINGLE_VALUE_HEADERS: [&str; 8] =
    ["From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type", "Expires"];

/// RFC 3261 §8.2 sanity checks a server makes before acting on a request
/// (the error's [`SipError::status_code`] is the answer, `400` for all of
/// these): none of [`SINGLE_VALUE_HEADERS`] twice; at least one `Via`,
/// each well formed (`via` module); `To` and `From` well formed
/// ([`parse_name_addr`]), with a SIP or SIPS URI (Rollcall's addresses
/// are; a registrar's To must be, RFC 4475 §3.3.4); a `Call-ID`; a `CSeq`
/// whose method is the request's; `Max-Forwards`, if present, digits;
/// every `Contact` well formed (or `*`).
///
/// What the request line holds (version, method, Request-URI) was checked
/// by [`parse`](super::parse) already.
pub fn check_request(req: &rsip::Request) -> Result<(), SipError> {
    for name in SINGLE_VALUE_HEADERS {
        if header_all(&req.headers, name).len() > 1 {
            return Err(SipError::DuplicateHeader(name));
        }
    }
    if header(&req.headers, "Via").is_none_or(|v| v.is_empty()) {
        return Err(SipError::MissingHeader("Via"));
    }
    for via in header_all(&req.headers, "Via") {
        check_via(&via)?;
    }
    for name in ["To", "From"] {
        address_header(req, name)?.parsed_uri().map_err(|e| match e {
            SipError::UnsupportedUriScheme(_) => SipError::BadHeader(format!("{name} is not a SIP or SIPS URI")),
            e => e,
        })?;
    }
    call_id(req)?;
    let (_, method) = cseq(req)?;
    if method != req.method {
        return Err(SipError::BadHeader(format!("CSeq method {method} differs from request method {}", req.method)));
    }
    max_forwards(req)?;
    for contact in header_all(&req.headers, "Contact") {
        if contact == "*" {
            continue;
        }
        let elements = split_list(&contact);
        if elements.is_empty() {
            return Err(SipError::BadHeader("empty Contact".into()));
        }
        for element in elements {
            parse_name_addr(element)?;
        }
    }
    Ok(())
}

/// The option tags in the request's `name` header (`Require`, or
/// `Proxy-Require` for a proxy) that are not in `supported`, compared
/// case-insensitively, in order (RFC 3261 §8.2.2.3, §16.3 step 5): what a
/// `420 Bad Extension` lists in `Unsupported`. Empty when all are
/// supported.
pub fn unsupported_options(headers: &rsip::Headers, name: &str, supported: &[&str]) -> Vec<String> {
    header_all(headers, name)
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty() && !supported.iter().any(|s| s.eq_ignore_ascii_case(tag)))
        .map(str::to_owned)
        .collect()
}
