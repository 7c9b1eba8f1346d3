//! Reading one SIP message off the wire (RFC 3261 §7): the start line,
//! header lines (folded, compact, bare LF) and a body bounded by
//! `Content-Length`, then `rsip`'s typed message.

use std::convert::TryFrom;

use rsip::Header;

use super::error::{excerpt, SipError};
use super::headers::{canonical_header_name, make_header};
use super::request_line::{request_line, RequestLine};

/// Parse one SIP message (one WebSocket text frame). Never panics.
///
/// On top of `rsip`'s parser this: ignores CRLFs before the start line
/// (RFC 3261 §7.5); accepts bare-LF line ends, folded header lines and
/// whitespace before a header colon; expands compact header names and maps
/// header names to `rsip`'s typed variants; and checks `Content-Length`
/// (RFC 3261 §18.3, message-oriented transport): a body shorter than it is an
/// error, bytes beyond it are discarded. `Content-Length` is optional.
///
/// A request line is read by [`request_line`]'s strict rules (its errors
/// are this function's: 505, 416 and 405 material among them), and its
/// Request-URI by the SIP-URI grammar rather than `rsip`'s
/// ([`rsip_quirks`](super::rsip_quirks)). A request of a method `rsip`
/// does not know is [`SipError::UnknownMethod`] only when its `CSeq` names
/// the same method (RFC 4475 §3.1.2.18); otherwise it is malformed.
pub fn parse(text: &str) -> Result<rsip::SipMessage, SipError> {
    let split = split_message(text)?;
    let request = if split.start_line.starts_with("SIP/") {
        None
    } else {
        match request_line(split.start_line) {
            Err(SipError::UnknownMethod(method)) => return Err(unknown_method(method, &split.headers)),
            line => Some(line?),
        }
    };
    let mut normalized = String::with_capacity(text.len() + 16);
    match &request {
        // rsip reads a stand-in; the Request-URI read above replaces it.
        Some(line) => {
            normalized.push_str(method_name(line.method));
            normalized.push_str(" sip:request-uri.invalid SIP/2.0");
        }
        None => normalized.push_str(split.start_line),
    }
    normalized.push_str("\r\n");
    for (name, value) in &split.headers {
        normalized.push_str(name);
        normalized.push_str(": ");
        normalized.push_str(value);
        normalized.push_str("\r\n");
    }
    normalized.push_str("\r\n");
    normalized.push_str(split.body);

    let mut msg = rsip::SipMessage::try_from(normalized.as_str()).map_err(|e| SipError::Parse(excerpt(&e.to_string())))?;

    // Typed variants for compact and unrecognised-but-known names.
    let headers = std::mem::take(rsip::message::HasHeaders::headers_mut(&mut msg));
    let headers: Vec<Header> = headers
        .into_iter()
        .map(|h| match h {
            Header::Other(name, value) => make_header(&name, value),
            h => h,
        })
        .collect();
    *rsip::message::HasHeaders::headers_mut(&mut msg) = headers.into();

    let body = msg.body_mut();
    if let Some(cl) = content_length(&split.headers, body.len())? {
        body.truncate(cl);
    }
    if let rsip::SipMessage::Response(resp) = &mut msg {
        // rsip drops the received reason phrase (rsip_quirks): keep it, so
        // that a relayed response says what its sender said.
        let phrase = split.start_line.splitn(3, ' ').nth(2).unwrap_or("").trim();
        let code = resp.status_code.code();
        resp.status_code = rsip::StatusCode::Other(
            code,
            if phrase.is_empty() { super::reason_phrase(code).to_owned() } else { phrase.to_owned() },
        );
    }
    if let (rsip::SipMessage::Request(req), Some(RequestLine { uri, .. })) = (&mut msg, request) {
        req.uri = uri;
    }
    Ok(msg)
}

/// A request of unknown `method`: [`SipError::UnknownMethod`] when its
/// `CSeq` method is the same, a malformed `CSeq` otherwise.
fn unknown_method(method: String, headers: &[(&str, String)]) -> SipError {
    let cseq = headers.iter().find(|(name, _)| canonical_header_name(name).eq_ignore_ascii_case("CSeq"));
    match cseq.and_then(|(_, value)| value.split_whitespace().nth(1)) {
        Some(other) if other != method => {
            SipError::BadHeader(format!("CSeq method {} differs from request method {method}", excerpt(other)))
        }
        _ => SipError::UnknownMethod(method),
    }
}

/// The body length `Content-Length` gives (RFC 3261 §18.3,
/// message-oriented transport); `None` without the header. An error when
/// copies of it disagree, it is not a number, or the body (`body_len`
/// bytes) is shorter.
pub(super) fn content_length(headers: &[(&str, String)], body_len: usize) -> Result<Option<usize>, SipError> {
    let mut lengths = headers
        .iter()
        .filter(|(name, _)| canonical_header_name(name).eq_ignore_ascii_case("Content-Length"))
        .map(|(_, value)| value.as_str());
    let Some(cl) = lengths.next() else {
        return Ok(None);
    };
    if lengths.any(|l| l != cl) {
        return Err(SipError::Parse("conflicting Content-Length headers".into()));
    }
    let cl: usize = cl.parse().map_err(|_| SipError::Parse(format!("bad Content-Length `{}`", excerpt(cl))))?;
    if body_len < cl {
        return Err(SipError::Parse(format!("body is {body_len} bytes, Content-Length says {cl} (truncated message)")));
    }
    Ok(Some(cl))
}

/// A message cut into start line, unfolded `(name, value)` header lines and
/// body; names and values are trimmed.
pub(super) struct SplitMessage<'a> {
    pub(super) start_line: &'a str,
    pub(super) headers: Vec<(&'a str, String)>,
    pub(super) body: &'a str,
}

pub(super) fn split_message(text: &str) -> Result<SplitMessage<'_>, SipError> {
    let text = text.trim_start_matches(['\r', '\n']);
    if text.trim().is_empty() {
        return Err(SipError::Empty);
    }
    // The header section ends at the first empty line (CRLF or bare LF).
    let crlf = text.find("\r\n\r\n").map(|i| (i, 4));
    let lf = text.find("\n\n").map(|i| (i, 2));
    let (head, body) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            let (i, n) = if a.0 <= b.0 { a } else { b };
            (&text[..i], &text[i + n..])
        }
        (Some((i, n)), None) | (None, Some((i, n))) => (&text[..i], &text[i + n..]),
        (None, None) => (text, ""),
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start_line = lines.next().unwrap_or("");
    if start_line.trim().is_empty() || start_line.contains('\r') {
        return Err(SipError::Parse(format!("bad start line `{}`", excerpt(start_line))));
    }
    let mut headers: Vec<(&str, String)> = Vec::new();
    for line in lines {
        if line.contains('\r') {
            return Err(SipError::Parse(format!("stray CR in header line `{}`", excerpt(line))));
        }
        if line.starts_with([' ', '\t']) {
            // Folded continuation (RFC 3261 §7.3.1).
            let Some((_, value)) = headers.last_mut() else {
                return Err(SipError::Parse("continuation line before any header".into()));
            };
            let more = line.trim();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(SipError::Parse(format!("header line without colon `{}`", excerpt(line))));
        };
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return Err(SipError::Parse(format!("bad header name `{}`", excerpt(name))));
        }
        headers.push((name, value.trim().to_owned()));
    }
    Ok(SplitMessage { start_line, headers, body })
}

/// The name of `method` on the wire (what `rsip` prints, without the
/// Unicode case tables its printing needs).
pub fn method_name(method: rsip::Method) -> &'static str {
    use rsip::Method::*;
    match method {
        Ack => "ACK",
        Bye => "BYE",
        Cancel => "CANCEL",
        Info => "INFO",
        Invite => "INVITE",
        Message => "MESSAGE",
        Notify => "NOTIFY",
        Options => "OPTIONS",
        PRack => "PRACK",
        Publish => "PUBLISH",
        Refer => "REFER",
        Register => "REGISTER",
        Subscribe => "SUBSCRIBE",
        Update => "UPDATE",
    }
}

/// RFC 3261 `token`.
pub(super) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}
