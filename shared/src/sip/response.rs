//! Responses (RFC 3261 §8.2.6): built from a parsed request, or from the
//! raw header lines of one that did not parse; the standard reason phrases.

use std::fmt::Write as _;

use rsip::Header;

use super::headers::{canonical_header_name, header_name_value, make_header, name_matches, without_header};
use super::name_addr::parse_name_addr;
use super::parse::{is_token, split_message};

/// The RFC 3261 (and extensions') reason phrase for a status code.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Conditional Request Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        429 => "Provide Referrer Identity",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => match code / 100 {
            1 => "Provisional",
            2 => "Success",
            3 => "Redirection",
            4 => "Request Failure",
            5 => "Server Failure",
            _ => "Global Failure",
        },
    }
}

/// A status line that prints the right reason phrase (see module docs).
fn status(code: u16, reason: Option<&str>) -> rsip::StatusCode {
    let reason = reason.map(|r| r.replace(['\r', '\n'], " ")).unwrap_or_else(|| reason_phrase(code).to_owned());
    rsip::StatusCode::Other(code, reason)
}

/// Appends `;tag=…` to a From/To value that has no tag.
pub(super) fn with_tag(value: &str, tag: &str) -> String {
    match parse_name_addr(value) {
        Ok(na) if na.param("tag").is_some() => value.to_owned(),
        Ok(na) if !value.contains('<') => {
            // addr-spec form: put it in brackets so the tag is unambiguous.
            let mut out = format!("<{}>", na.uri);
            for (name, v) in &na.params {
                let _ = match v {
                    Some(v) => write!(out, ";{name}={}", quote_param(v)),
                    None => write!(out, ";{name}"),
                };
            }
            let _ = write!(out, ";tag={tag}");
            out
        }
        _ => format!("{value};tag={tag}"),
    }
}

fn quote_param(v: &str) -> String {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~:[]/".contains(&b)) {
        v.to_owned()
    } else {
        quote(v)
    }
}

/// `s` as an RFC 3261 quoted-string (`"` and `\` escaped): display names,
/// parameter values, digest parameters.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A response to `req` (RFC 3261 §8.2.6): every `Via` (in order), `From`,
/// `To` (with `;tag=to_tag` added when given and the To has no tag),
/// `Call-ID`, `CSeq`, and `Content-Length: 0`. `reason` replaces the
/// standard reason phrase. Add further headers (`WWW-Authenticate`, `Allow`,
/// …) with `resp.headers.push(make_header(…))`, a body with [`with_body`].
///
/// Never answer an ACK; that is the caller's business.
pub fn response(req: &rsip::Request, code: u16, reason: Option<&str>, to_tag: Option<&str>) -> rsip::Response {
    let mut headers: Vec<Header> = req.headers.iter().filter(|h| name_matches(h, "Via")).cloned().collect();
    for name in ["From", "To", "Call-ID", "CSeq"] {
        if let Some(h) = req.headers.iter().find(|h| name_matches(h, name)) {
            let h = match (name, to_tag) {
                ("To", Some(tag)) => make_header("To", with_tag(header_name_value(h).1.trim(), tag)),
                _ => make_header(name, header_name_value(h).1.trim()),
            };
            headers.push(h);
        }
    }
    headers.push(make_header("Content-Length", "0"));
    rsip::Response { status_code: status(code, reason), version: rsip::Version::V2, headers: headers.into(), body: Vec::new() }
}

/// Gives `resp` a body: sets `Content-Type` and `Content-Length` (bytes).
pub fn with_body(mut resp: rsip::Response, content_type: &str, body: String) -> rsip::Response {
    without_header(&mut resp.headers, "Content-Type");
    without_header(&mut resp.headers, "Content-Length");
    resp.headers.push(make_header("Content-Type", content_type));
    resp.headers.push(make_header("Content-Length", body.len().to_string()));
    resp.body = body.into_bytes();
    resp
}

/// A response (as text) to a request that [`parse`] refused, built from its
/// raw `Via`, `From`, `To`, `Call-ID` and `CSeq` lines: `400 Bad Request`
/// for garbage, `405` for [`SipError::UnknownMethod`] (add `Allow` to the
/// returned text's headers yourself, or pass it in `extra_headers`).
/// `None` when no response can be formed: not a request, one of those
/// headers missing, or an ACK.
pub fn response_to_unparsed(
    text: &str,
    code: u16,
    reason: Option<&str>,
    to_tag: Option<&str>,
    extra_headers: &[(&str, &str)],
) -> Option<String> {
    let split = split_message(text).ok()?;
    if split.start_line.starts_with("SIP/") {
        return None;
    }
    let find = |name: &str| -> Option<&str> {
        split.headers.iter().find(|(n, _)| canonical_header_name(n).eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    };
    let vias: Vec<&str> = split
        .headers
        .iter()
        .filter(|(n, _)| canonical_header_name(n).eq_ignore_ascii_case("Via"))
        .map(|(_, v)| v.as_str())
        .collect();
    let (from, to, call_id, cseq) = (find("From")?, find("To")?, find("Call-ID")?, find("CSeq")?);
    if vias.is_empty() || cseq.split_whitespace().nth(1).is_some_and(|m| m.eq_ignore_ascii_case("ACK")) {
        return None;
    }
    let reason = reason.map(|r| r.replace(['\r', '\n'], " "));
    let mut out = format!("SIP/2.0 {code} {}\r\n", reason.as_deref().unwrap_or(reason_phrase(code)));
    for via in vias {
        let _ = write!(out, "Via: {via}\r\n");
    }
    let to = match to_tag {
        Some(tag) => with_tag(to, tag),
        None => to.to_owned(),
    };
    let _ = write!(out, "From: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n");
    for (name, value) in extra_headers {
        if is_token(name) && !value.contains(['\r', '\n']) {
            let _ = write!(out, "{name}: {value}\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    Some(out)
}
