//! SIP messages as plain parts — start line, header lines, text body —
//! parsed and printed without `rsip`. The browser's user agent works on
//! these: `rsip`'s parser, printer and typed headers would be a good part
//! of its `.wasm` (docs/frontend-size.md). The server keeps `rsip`'s typed
//! messages ([`super::parse`]); both read a message with the same rules
//! (CRLFs before the start line, bare LF, folding, compact names,
//! `Content-Length`), and the tests hold the two to the same answers.

use std::fmt;

use super::{
    canonical_header_name, content_length, excerpt, is_token, parse_name_addr, reason_phrase, split_message, with_tag, NameAddr,
    SipError,
};

/// Header lines in order: the name as received (or given) and the value,
/// trimmed. Look-ups understand compact names on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, String)>);

fn same_header(a: &str, b: &str) -> bool {
    canonical_header_name(a).eq_ignore_ascii_case(canonical_header_name(b))
}

impl Headers {
    /// First value of the header called `name`; a header line holding a
    /// comma-separated list is returned whole.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| same_header(n, name)).map(|(_, v)| v.as_str())
    }

    /// Every value of the header called `name`, one per header line.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| same_header(n, name)).map(|(_, v)| v.as_str()).collect()
    }

    /// Adds a header line (a compact `name` is written out in full).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((canonical_header_name(name).to_owned(), value.into()));
    }

    /// The `From`/`To`/… header called `name`, parsed.
    pub fn address(&self, name: &'static str) -> Result<NameAddr, SipError> {
        parse_name_addr(self.get(name).ok_or(SipError::MissingHeader(name))?)
    }

    /// The `tag` parameter of the `From` or `To` header (`None` when absent
    /// or when the header does not parse).
    pub fn tag(&self, name: &'static str) -> Option<String> {
        self.address(name).ok()?.param("tag").flatten().map(str::to_owned)
    }

    /// The `Call-ID`.
    pub fn call_id(&self) -> Result<&str, SipError> {
        self.get("Call-ID").filter(|v| !v.is_empty()).ok_or(SipError::MissingHeader("Call-ID"))
    }

    fn write(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.0 {
            out.write_str(name)?;
            out.write_str(": ")?;
            out.write_str(value)?;
            out.write_str("\r\n")?;
        }
        out.write_str("\r\n")
    }
}

/// A request: `method` as sent (upper case by convention), the Request-URI
/// as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub uri: String,
    pub headers: Headers,
    pub body: String,
}

/// A response with its status code and reason phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub code: u16,
    pub reason: String,
    pub headers: Headers,
    pub body: String,
}

/// What [`parse`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Request(Request),
    Response(Response),
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.method)?;
        f.write_str(" ")?;
        f.write_str(&self.uri)?;
        f.write_str(" SIP/2.0\r\n")?;
        self.headers.write(f)?;
        f.write_str(&self.body)
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0 {} {}\r\n", self.code, self.reason)?;
        self.headers.write(f)?;
        f.write_str(&self.body)
    }
}

/// Parses one SIP message (one WebSocket text frame). Never panics.
///
/// Reads like [`super::parse`] (see there), except that any method that is
/// a token is accepted (the caller answers what it does not support), and
/// that the start line is only checked for its shape: `METHOD uri SIP/2.0`
/// with a `scheme:` URI, or `SIP/2.0 code reason` with a code from 100 to
/// 699. A body cut by `Content-Length` inside a character is an error
/// ([`SipError::BodyNotUtf8`]).
pub fn parse(text: &str) -> Result<Parsed, SipError> {
    let split = split_message(text)?;
    let bad_start = || SipError::Parse(format!("bad start line `{}`", excerpt(split.start_line)));
    let headers = Headers(split.headers.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect());
    let mut body = split.body;
    if let Some(length) = content_length(&split.headers, body.len())? {
        body = body.get(..length).ok_or(SipError::BodyNotUtf8)?;
    }
    let body = body.to_owned();
    let mut parts = split.start_line.splitn(3, ' ');
    let (first, second) = (parts.next().unwrap_or(""), parts.next().ok_or_else(bad_start)?);
    let third = parts.next().unwrap_or("");
    if first.eq_ignore_ascii_case("SIP/2.0") {
        let code: u16 = match second.parse() {
            Ok(code) if second.len() == 3 && (100..700).contains(&code) => code,
            _ => return Err(bad_start()),
        };
        if third.contains(|c: char| c.is_control()) {
            return Err(bad_start());
        }
        return Ok(Parsed::Response(Response { code, reason: third.to_owned(), headers, body }));
    }
    let uri_ok = second.split_once(':').is_some_and(|(scheme, rest)| is_token(scheme) && !rest.is_empty())
        && !second.contains(|c: char| c.is_control());
    if !is_token(first) || !uri_ok || !third.eq_ignore_ascii_case("SIP/2.0") {
        return Err(bad_start());
    }
    Ok(Parsed::Request(Request { method: first.to_owned(), uri: second.to_owned(), headers, body }))
}

impl Request {
    /// A response to this request (RFC 3261 §8.2.6), like
    /// [`super::response`]: every `Via` in order, `From`, `To` (with
    /// `;tag=to_tag` added when given and the To has none), `Call-ID`,
    /// `CSeq`, `Content-Length: 0`; `reason` replaces the standard phrase.
    pub fn response(&self, code: u16, reason: Option<&str>, to_tag: Option<&str>) -> Response {
        let mut headers = Headers::default();
        for (name, value) in &self.headers.0 {
            if same_header(name, "Via") {
                headers.push("Via", value.clone());
            }
        }
        for name in ["From", "To", "Call-ID", "CSeq"] {
            if let Some(value) = self.headers.get(name) {
                let value = match (name, to_tag) {
                    ("To", Some(tag)) => with_tag(value, tag),
                    _ => value.to_owned(),
                };
                headers.push(name, value);
            }
        }
        headers.push("Content-Length", "0");
        let reason = match reason {
            Some(r) => r.replace(['\r', '\n'], " "),
            None => reason_phrase(code).to_owned(),
        };
        Response { code, reason, headers, body: String::new() }
    }
}

/// The address-of-record of a `sip:`/`sips:` URI, as [`super::aor`] makes
/// it of `rsip`'s parse: scheme, user and host only (no password, port,
/// parameters or headers), the host lower-cased, `sip:host` without a
/// user. An error for anything that is not such a URI.
pub fn uri_aor(uri: &str) -> Result<String, SipError> {
    let bad = || SipError::BadUri(excerpt(uri));
    let (scheme, rest) = uri.trim().split_once(':').ok_or_else(bad)?;
    let scheme = if scheme.eq_ignore_ascii_case("sip") {
        "sip"
    } else if scheme.eq_ignore_ascii_case("sips") {
        "sips"
    } else {
        return Err(bad());
    };
    let (user, rest) = match rest.split_once('@') {
        Some((userinfo, rest)) => (userinfo.split(':').next().unwrap_or(""), rest),
        None => ("", rest),
    };
    let host_port = rest.split([';', '?']).next().unwrap_or("");
    let host = match host_port.strip_prefix('[') {
        Some(v6) => {
            let (address, _) = v6.split_once(']').ok_or_else(bad)?;
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
                return Err(bad());
            }
            &host_port[..address.len() + 2]
        }
        None => host_port.split(':').next().unwrap_or(""),
    };
    let host_ok = |h: &str| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    if !(host.starts_with('[') || host_ok(host))
        || user.contains(|c: char| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == '"')
    {
        return Err(bad());
    }
    let host = host.to_ascii_lowercase();
    Ok(if user.is_empty() { [scheme, ":", &host].concat() } else { [scheme, ":", user, "@", &host].concat() })
}

#[cfg(test)]
mod tests;
