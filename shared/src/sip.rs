//! Building and reading SIP messages (RFC 3261) on top of `rsip`, for SIP
//! over WebSocket (RFC 7118): transport `WS`, Contact hosts under `.invalid`.
//!
//! `rsip` parses and prints; this module adds what every Rollcall party
//! needs: fresh branch/tag/Call-ID values, responses built from requests,
//! header look-up by name (compact forms included), and AOR handling.
//!
//! Things to know about `rsip` 0.4 (all handled here, but they matter when
//! using `rsip` directly):
//! - Known status codes print their Rust variant name as the reason phrase
//!   (`480 TemporarilyUnavailable`) and lose the received reason phrase on
//!   parse. [`response`] therefore always uses `StatusCode::Other(code,
//!   phrase)`: compare status codes with `.code()`, never with `==` on the enum.
//! - Compact header names (`i:`, `f:`, `v:` …), `Subscription-State` and
//!   every header it does not know arrive as `Header::Other`; [`parse`]
//!   expands compact names and maps known names to their typed variants, so
//!   `rsip`'s own accessors (`from_header()` …) work on its result.
//! - `rsip::Uri` mis-parses a user part containing a dot (`sip:a.b@host`
//!   becomes a host `a.b@host` with no user) and keeps `?headers` in the host;
//!   [`aor`] corrects for both. IPv6 references (`[::1]`) do not parse.
//! - Typed `Contact`/`From`/`To` parsing fails on quoted parameter values
//!   (`+sip.instance="<urn:…>"`, sent by most WebSocket clients); use
//!   [`parse_name_addr`] instead.
//! - Unknown methods are a parse error (`rsip::Method` is a closed enum):
//!   [`parse`] reports them as [`SipError::UnknownMethod`] and
//!   [`response_to_unparsed`] can still answer them (405).

use rsip::headers::UntypedHeader;
use rsip::{Header, Headers};
use std::convert::TryFrom;
use std::fmt::Write as _;
use std::str::FromStr;

/// The `rsip` crate this module builds on, re-exported so that every party
/// uses the same version.
pub use rsip;

pub mod message;

/// Largest SIP message Rollcall accepts (docs/protocol.md §1); larger gets
/// `513 Message Too Large`. [`parse`] does not enforce it, so that a 513 can
/// still be built from an oversized request: check `text.len()` first.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// What can go wrong reading or building a SIP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SipError {
    /// Nothing but whitespace (e.g. a CRLF keep-alive): not an error to
    /// report to the peer, just nothing to do.
    #[error("empty SIP message")]
    Empty,
    /// Not a well-formed SIP message.
    #[error("unparseable SIP message: {0}")]
    Parse(String),
    /// A request with a well-formed start line but a method `rsip` does not
    /// know; answer it with [`response_to_unparsed`] (405).
    #[error("unknown SIP method `{0}`")]
    UnknownMethod(String),
    /// A required header is absent.
    #[error("missing `{0}` header")]
    MissingHeader(&'static str),
    /// A header is present but its value is malformed (or, when building,
    /// a name or value that cannot go on the wire).
    #[error("malformed header: {0}")]
    BadHeader(String),
    /// A URI that does not parse.
    #[error("malformed URI `{0}`")]
    BadUri(String),
    /// The body is not UTF-8.
    #[error("message body is not UTF-8")]
    BodyNotUtf8,
}

/// Longest excerpt of the input quoted in a [`SipError::Parse`] message.
const ERROR_EXCERPT: usize = 200;

fn excerpt(s: &str) -> String {
    if s.len() <= ERROR_EXCERPT {
        return s.to_owned();
    }
    let mut end = ERROR_EXCERPT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

// ---------------------------------------------------------------------------
// Parsing

/// Parse one SIP message (one WebSocket text frame). Never panics.
///
/// On top of `rsip`'s parser this: ignores CRLFs before the start line
/// (RFC 3261 §7.5); accepts bare-LF line ends, folded header lines and
/// whitespace before a header colon; expands compact header names and maps
/// header names to `rsip`'s typed variants; and checks `Content-Length`
/// (RFC 3261 §18.3, message-oriented transport): a body shorter than it is an
/// error, bytes beyond it are discarded. `Content-Length` is optional.
pub fn parse(text: &str) -> Result<rsip::SipMessage, SipError> {
    let split = split_message(text)?;
    if let Some(method) = unknown_method(split.start_line) {
        return Err(SipError::UnknownMethod(method.to_owned()));
    }
    let mut normalized = String::with_capacity(text.len() + 16);
    normalized.push_str(split.start_line);
    normalized.push_str("\r\n");
    for (name, value) in &split.headers {
        normalized.push_str(name);
        normalized.push_str(": ");
        normalized.push_str(value);
        normalized.push_str("\r\n");
    }
    normalized.push_str("\r\n");
    normalized.push_str(split.body);

    let mut msg = rsip::SipMessage::try_from(normalized.as_str())
        .map_err(|e| SipError::Parse(excerpt(&e.to_string())))?;

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
    Ok(msg)
}

/// The body length `Content-Length` gives (RFC 3261 §18.3,
/// message-oriented transport); `None` without the header. An error when
/// copies of it disagree, it is not a number, or the body (`body_len`
/// bytes) is shorter.
fn content_length(headers: &[(&str, String)], body_len: usize) -> Result<Option<usize>, SipError> {
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
    let cl: usize = cl
        .parse()
        .map_err(|_| SipError::Parse(format!("bad Content-Length `{}`", excerpt(cl))))?;
    if body_len < cl {
        return Err(SipError::Parse(format!(
            "body is {body_len} bytes, Content-Length says {cl} (truncated message)"
        )));
    }
    Ok(Some(cl))
}

/// A message cut into start line, unfolded `(name, value)` header lines and
/// body; names and values are trimmed.
struct SplitMessage<'a> {
    start_line: &'a str,
    headers: Vec<(&'a str, String)>,
    body: &'a str,
}

fn split_message(text: &str) -> Result<SplitMessage<'_>, SipError> {
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
    Ok(SplitMessage {
        start_line,
        headers,
        body,
    })
}

/// `Some(method)` when the start line is a well-formed request line whose
/// method `rsip` does not know.
fn unknown_method(start_line: &str) -> Option<&str> {
    let mut parts = start_line.split(' ');
    let (method, uri, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !is_token(method)
        || method.starts_with("SIP/")
        || uri.is_empty()
        || !version.starts_with("SIP/")
    {
        return None;
    }
    rsip::Method::from_str(method).is_err().then_some(method)
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
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

// ---------------------------------------------------------------------------
// Randomness

/// `bytes` random bytes as lower-case hex (`2 * bytes` characters), from the
/// OS (or, in the browser, `crypto.getRandomValues`).
///
/// Panics only if the platform has no random source at all.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).expect("no random number source available");
    let mut out = String::with_capacity(bytes * 2);
    for b in buf {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A fresh Via `branch`: the RFC 3261 magic cookie `z9hG4bK` and 96 random bits.
pub fn new_branch() -> String {
    format!("z9hG4bK{}", random_hex(12))
}

/// A fresh From/To `tag` (64 random bits, hex).
pub fn new_tag() -> String {
    random_hex(8)
}

/// A fresh Call-ID (128 random bits, hex).
pub fn new_call_id() -> String {
    random_hex(16)
}

// ---------------------------------------------------------------------------
// Headers by name

/// The full name for a compact header name (RFC 3261 §7.3.3 and
/// extensions); other names are returned unchanged.
pub fn canonical_header_name(name: &str) -> &str {
    if name.len() != 1 {
        return name;
    }
    match name.as_bytes()[0].to_ascii_lowercase() {
        b'a' => "Accept-Contact",
        b'b' => "Referred-By",
        b'c' => "Content-Type",
        b'd' => "Request-Disposition",
        b'e' => "Content-Encoding",
        b'f' => "From",
        b'i' => "Call-ID",
        b'j' => "Reject-Contact",
        b'k' => "Supported",
        b'l' => "Content-Length",
        b'm' => "Contact",
        b'n' => "Identity-Info",
        b'o' => "Event",
        b'r' => "Refer-To",
        b's' => "Subject",
        b't' => "To",
        b'u' => "Allow-Events",
        b'v' => "Via",
        b'x' => "Session-Expires",
        b'y' => "Identity",
        _ => name,
    }
}

macro_rules! known_headers {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// `rsip`'s typed variant for a (full) header name, if it has one.
        fn known_header(name: &str, value: String) -> Option<Header> {
            $(
                if name.eq_ignore_ascii_case($name) {
                    return Some(Header::$variant(rsip::headers::$variant::new(value)));
                }
            )*
            None
        }

        /// The name and raw value of any header.
        pub fn header_name_value(header: &Header) -> (&str, &str) {
            match header {
                $( Header::$variant(h) => ($name, h.value()), )*
                Header::Other(name, value) => (canonical_header_name(name), value.as_str()),
            }
        }
    };
}

known_headers! {
    Accept => "Accept",
    AcceptEncoding => "Accept-Encoding",
    AcceptLanguage => "Accept-Language",
    AlertInfo => "Alert-Info",
    Allow => "Allow",
    AuthenticationInfo => "Authentication-Info",
    Authorization => "Authorization",
    CSeq => "CSeq",
    CallId => "Call-ID",
    CallInfo => "Call-Info",
    Contact => "Contact",
    ContentDisposition => "Content-Disposition",
    ContentEncoding => "Content-Encoding",
    ContentLanguage => "Content-Language",
    ContentLength => "Content-Length",
    ContentType => "Content-Type",
    Date => "Date",
    ErrorInfo => "Error-Info",
    Event => "Event",
    Expires => "Expires",
    From => "From",
    InReplyTo => "In-Reply-To",
    MaxForwards => "Max-Forwards",
    MimeVersion => "MIME-Version",
    MinExpires => "Min-Expires",
    Organization => "Organization",
    Priority => "Priority",
    ProxyAuthenticate => "Proxy-Authenticate",
    ProxyAuthorization => "Proxy-Authorization",
    ProxyRequire => "Proxy-Require",
    RecordRoute => "Record-Route",
    ReplyTo => "Reply-To",
    Require => "Require",
    RetryAfter => "Retry-After",
    Route => "Route",
    Server => "Server",
    Subject => "Subject",
    SubscriptionState => "Subscription-State",
    Supported => "Supported",
    Timestamp => "Timestamp",
    To => "To",
    Unsupported => "Unsupported",
    UserAgent => "User-Agent",
    Via => "Via",
    Warning => "Warning",
    WwwAuthenticate => "WWW-Authenticate",
}

/// A header from a name and value: `rsip`'s typed variant when it has one
/// (so `rsip` accessors find it), `Header::Other` otherwise. Compact names
/// are expanded. The value is taken as is (see [`RequestBuilder::build`] for
/// validation).
pub fn make_header(name: &str, value: impl Into<String>) -> Header {
    let name = canonical_header_name(name);
    let value = value.into();
    match known_header(name, value.clone()) {
        Some(h) => h,
        None => Header::Other(name.to_owned(), value),
    }
}

fn name_matches(header: &Header, wanted: &str) -> bool {
    header_name_value(header)
        .0
        .eq_ignore_ascii_case(canonical_header_name(wanted))
}

/// First value (trimmed) of the header called `name`: case-insensitive,
/// compact forms understood both in `name` and in the headers. A header line
/// holding a comma-separated list is returned whole.
pub fn header(headers: &Headers, name: &str) -> Option<String> {
    headers
        .iter()
        .find(|h| name_matches(h, name))
        .map(|h| header_name_value(h).1.trim().to_owned())
}

/// Every value (trimmed, in order) of the header called `name`; one entry per
/// header line (comma-separated lists are not split).
pub fn header_all(headers: &Headers, name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|h| name_matches(h, name))
        .map(|h| header_name_value(h).1.trim().to_owned())
        .collect()
}

/// Remove every header called `name` (case-insensitive, compact forms
/// understood).
pub fn without_header(headers: &mut Headers, name: &str) {
    headers.retain(|h| !name_matches(h, name));
}

/// Put `header` before all others (e.g. a proxy's own `Via`).
pub fn prepend_header(headers: &mut Headers, header: Header) {
    let mut all: Vec<Header> = std::mem::take(headers).into();
    all.insert(0, header);
    *headers = all.into();
}

// ---------------------------------------------------------------------------
// Messages in general

/// A SIP request, response or either: headers and a body.
pub trait Message: rsip::message::HasHeaders {
    /// The raw body.
    fn body_bytes(&self) -> &[u8];
}

impl Message for rsip::Request {
    fn body_bytes(&self) -> &[u8] {
        &self.body
    }
}

impl Message for rsip::Response {
    fn body_bytes(&self) -> &[u8] {
        &self.body
    }
}

impl Message for rsip::SipMessage {
    fn body_bytes(&self) -> &[u8] {
        self.body()
    }
}

/// The body as UTF-8 text.
pub fn body_text<M: Message>(msg: &M) -> Result<&str, SipError> {
    std::str::from_utf8(msg.body_bytes()).map_err(|_| SipError::BodyNotUtf8)
}

// ---------------------------------------------------------------------------
// Addresses

/// A `name-addr` or `addr-spec` with header parameters, as in From, To,
/// Contact, P-Asserted-Identity (RFC 3261 §20.10 / §25.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name, unquoted.
    pub display_name: Option<String>,
    /// The URI text (for `<…>` what is inside the brackets).
    pub uri: String,
    /// Header parameters in order: lower-cased name, unquoted value.
    pub params: Vec<(String, Option<String>)>,
}

impl NameAddr {
    /// The value of parameter `name` (case-insensitive); `Some(None)` for a
    /// parameter without value.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// The URI parsed by `rsip` (without any `?headers` part).
    pub fn parsed_uri(&self) -> Result<rsip::Uri, SipError> {
        let text = self.uri.split('?').next().unwrap_or("");
        rsip::Uri::try_from(text).map_err(|_| SipError::BadUri(excerpt(&self.uri)))
    }
}

/// Parse one `name-addr` / `addr-spec` with parameters (a From, To,
/// P-Asserted-Identity value, or one element of a Contact list). Quoted
/// display names and quoted parameter values (with backslash escapes) are
/// understood; without `<…>`, everything after the first `;` is a header
/// parameter.
pub fn parse_name_addr(value: &str) -> Result<NameAddr, SipError> {
    let bad = || SipError::BadHeader(format!("bad address `{}`", excerpt(value)));
    let s = value.trim();
    let mut display_name = None;
    let (uri, rest) = if let Some(after) = s.strip_prefix('"') {
        let (name, after) = read_quoted(after).ok_or_else(bad)?;
        display_name = Some(name);
        let after = after.trim_start().strip_prefix('<').ok_or_else(bad)?;
        after.split_once('>').ok_or_else(bad)?
    } else {
        let lt = s.find('<');
        let semi = s.find(';');
        match lt {
            Some(lt) if semi.is_none_or(|semi| lt < semi) => {
                let name = s[..lt].trim();
                if !name.is_empty() {
                    display_name = Some(name.to_owned());
                }
                s[lt + 1..].split_once('>').ok_or_else(bad)?
            }
            _ => match semi {
                Some(semi) => (&s[..semi], &s[semi..]),
                None => (s, ""),
            },
        }
    };
    let uri = uri.trim();
    if uri.is_empty() || uri.contains(|c: char| c.is_whitespace() || c == '<' || c == '"') {
        return Err(bad());
    }
    let mut params = Vec::new();
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        rest = rest.strip_prefix(';').ok_or_else(bad)?.trim_start();
        let name_end = rest
            .find(|c: char| c == '=' || c == ';' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        if name.is_empty() {
            return Err(bad());
        }
        rest = rest[name_end..].trim_start();
        let mut val = None;
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            if let Some(q) = after.strip_prefix('"') {
                let (v, after) = read_quoted(q).ok_or_else(bad)?;
                val = Some(v);
                rest = after.trim_start();
            } else {
                let end = after
                    .find(|c: char| c == ';' || c.is_whitespace())
                    .unwrap_or(after.len());
                val = Some(after[..end].to_owned());
                rest = after[end..].trim_start();
            }
        }
        params.push((name.to_ascii_lowercase(), val));
    }
    Ok(NameAddr {
        display_name,
        uri: uri.to_owned(),
        params,
    })
}

/// Reads a quoted string's contents (after the opening quote); returns the
/// unescaped text and what follows the closing quote.
fn read_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, &s[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

/// Split a header value at top-level commas (not inside quotes or `<…>`),
/// e.g. a Contact list.
pub fn split_list(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut in_quotes, mut in_angle, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '<' if !in_quotes => in_angle = true,
            '>' if !in_quotes => in_angle = false,
            ',' if !in_quotes && !in_angle => {
                parts.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// Address-of-record `sip:user@host` of a URI: scheme (`sip` or `sips`),
/// user and host only: no port, password, parameters or headers. The user's
/// case is kept, the host is lower-cased. `sip:host` when there is no user.
pub fn aor(uri: &rsip::Uri) -> String {
    let scheme = match uri.scheme {
        Some(rsip::Scheme::Sips) => "sips",
        _ => "sip",
    };
    let mut user = uri.user().map(str::to_owned);
    let mut host = match uri.host() {
        rsip::Host::Domain(d) => d.to_string(),
        rsip::Host::IpAddr(ip) => ip.to_string(),
    };
    // rsip quirks: `sip:a.b@host` parses as host `a.b@host`; `?headers`
    // stay in the host.
    if let Some(q) = host.find('?') {
        host.truncate(q);
    }
    if let Some(at) = host.rfind('@') {
        if user.is_none() {
            user = Some(host[..at].split(':').next().unwrap_or("").to_owned());
        }
        host = host[at + 1..].to_owned();
    }
    let host = host.to_ascii_lowercase();
    match user.filter(|u| !u.is_empty()) {
        Some(user) => format!("{scheme}:{user}@{host}"),
        None => format!("{scheme}:{host}"),
    }
}

fn address_header<M: Message>(msg: &M, name: &'static str) -> Result<NameAddr, SipError> {
    let value = header(msg.headers(), name).ok_or(SipError::MissingHeader(name))?;
    parse_name_addr(&value)
}

/// AOR of the `From` header.
pub fn from_aor<M: Message>(msg: &M) -> Result<String, SipError> {
    Ok(aor(&address_header(msg, "From")?.parsed_uri()?))
}

/// AOR of the `To` header.
pub fn to_aor<M: Message>(msg: &M) -> Result<String, SipError> {
    Ok(aor(&address_header(msg, "To")?.parsed_uri()?))
}

/// The `tag` of the `From` header, if any (and if From parses).
pub fn from_tag<M: Message>(msg: &M) -> Option<String> {
    address_header(msg, "From")
        .ok()?
        .param("tag")
        .flatten()
        .map(str::to_owned)
}

/// The `tag` of the `To` header, if any (and if To parses).
pub fn to_tag<M: Message>(msg: &M) -> Option<String> {
    address_header(msg, "To")
        .ok()?
        .param("tag")
        .flatten()
        .map(str::to_owned)
}

/// The `Call-ID`.
pub fn call_id<M: Message>(msg: &M) -> Result<String, SipError> {
    header(msg.headers(), "Call-ID")
        .filter(|v| !v.is_empty())
        .ok_or(SipError::MissingHeader("Call-ID"))
}

/// `CSeq` number and method.
pub fn cseq<M: Message>(msg: &M) -> Result<(u32, rsip::Method), SipError> {
    let value = header(msg.headers(), "CSeq").ok_or(SipError::MissingHeader("CSeq"))?;
    let bad = || SipError::BadHeader(format!("bad CSeq `{}`", excerpt(&value)));
    let mut parts = value.split_whitespace();
    let (Some(seq), Some(method), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let seq: u32 = seq.parse().map_err(|_| bad())?;
    let method = rsip::Method::from_str(method).map_err(|_| bad())?;
    Ok((seq, method))
}

/// RFC 3261 §8.2 sanity checks a server makes before acting on a request
/// (answer `400 Bad Request` on error): at least one `Via`; `From` and `To`
/// that parse, with a SIP URI; a `Call-ID`; a `CSeq` whose method is the
/// request's; a numeric `Max-Forwards` if present.
pub fn check_request(req: &rsip::Request) -> Result<(), SipError> {
    if header(&req.headers, "Via").is_none_or(|v| v.is_empty()) {
        return Err(SipError::MissingHeader("Via"));
    }
    address_header(req, "From")?.parsed_uri()?;
    address_header(req, "To")?.parsed_uri()?;
    call_id(req)?;
    let (_, method) = cseq(req)?;
    if method != req.method {
        return Err(SipError::BadHeader(format!(
            "CSeq method {method} differs from request method {}",
            req.method
        )));
    }
    if let Some(mf) = header(&req.headers, "Max-Forwards") {
        if mf.is_empty() || !mf.bytes().all(|b| b.is_ascii_digit()) || mf.len() > 3 {
            return Err(SipError::BadHeader(format!("bad Max-Forwards `{}`", excerpt(&mf))));
        }
    }
    Ok(())
}

/// Requested expiry in seconds: the first Contact's `expires` parameter,
/// else the `Expires` header (RFC 3261 §10.3 step 6 precedence); `None`
/// when neither is present and valid. Values beyond `u32` saturate.
pub fn expires<M: Message>(msg: &M) -> Option<u32> {
    let parse_secs = |s: &str| -> Option<u32> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(s.parse::<u64>().map_or(u32::MAX, |v| v.min(u32::MAX as u64) as u32))
    };
    let from_contact = header(msg.headers(), "Contact").and_then(|c| {
        let first = split_list(&c).first().map(|s| s.to_string())?;
        let na = parse_name_addr(&first).ok()?;
        parse_secs(na.param("expires")??)
    });
    from_contact.or_else(|| header(msg.headers(), "Expires").and_then(|e| parse_secs(&e)))
}

// ---------------------------------------------------------------------------
// Responses

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
    let reason = reason
        .map(|r| r.replace(['\r', '\n'], " "))
        .unwrap_or_else(|| reason_phrase(code).to_owned());
    rsip::StatusCode::Other(code, reason)
}

/// Appends `;tag=…` to a From/To value that has no tag.
fn with_tag(value: &str, tag: &str) -> String {
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

fn quote(s: &str) -> String {
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
    rsip::Response {
        status_code: status(code, reason),
        version: rsip::Version::V2,
        headers: headers.into(),
        body: Vec::new(),
    }
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
        split
            .headers
            .iter()
            .find(|(n, _)| canonical_header_name(n).eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

// ---------------------------------------------------------------------------
// Requests

/// Builds a new request (a UAC request outside or inside a dialog).
///
/// ```
/// use rollcall_shared::sip::{self, RequestBuilder};
/// let req = RequestBuilder::new(sip::rsip::Method::Message, "sip:bob@rollcall.local")
///     .via("abc.invalid", &sip::new_branch())
///     .from("sip:alice@rollcall.local", Some("Alice"), &sip::new_tag())
///     .to("sip:bob@rollcall.local", None)
///     .call_id(&sip::new_call_id())
///     .cseq(1)
///     .body("text/plain", "hi".into())
///     .build()
///     .unwrap();
/// assert_eq!(sip::parse(&req.to_string()).unwrap(), req.into());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequestBuilder {
    method: rsip::Method,
    uri: String,
    via: Option<String>,
    from: Option<String>,
    to: Option<String>,
    call_id: Option<String>,
    cseq: Option<u32>,
    contact: Option<String>,
    expires: Option<u32>,
    extra: Vec<(String, String)>,
    body: Option<(String, String)>,
}

impl RequestBuilder {
    /// A request for `method` to Request-URI `uri`.
    pub fn new(method: rsip::Method, uri: &str) -> RequestBuilder {
        RequestBuilder {
            method,
            uri: uri.trim().to_owned(),
            via: None,
            from: None,
            to: None,
            call_id: None,
            cseq: None,
            contact: None,
            expires: None,
            extra: Vec::new(),
            body: None,
        }
    }

    /// `Via: SIP/2.0/WS host;branch=branch` (replaces an earlier `via`).
    pub fn via(self, host: &str, branch: &str) -> Self {
        self.via_transport("WS", host, branch)
    }

    /// `Via: SIP/2.0/<transport> host;branch=branch`, e.g. transport `WSS`.
    pub fn via_transport(mut self, transport: &str, host: &str, branch: &str) -> Self {
        self.via = Some(format!("SIP/2.0/{transport} {host};branch={branch}"));
        self
    }

    /// `From: "display" <aor>;tag=tag`.
    pub fn from(mut self, aor: &str, display: Option<&str>, tag: &str) -> Self {
        let mut v = match display {
            Some(d) => format!("{} <{aor}>", quote(d)),
            None => format!("<{aor}>"),
        };
        let _ = write!(v, ";tag={tag}");
        self.from = Some(v);
        self
    }

    /// `To: <aor>` (with `;tag=` inside a dialog).
    pub fn to(mut self, aor: &str, tag: Option<&str>) -> Self {
        let mut v = format!("<{aor}>");
        if let Some(tag) = tag {
            let _ = write!(v, ";tag={tag}");
        }
        self.to = Some(v);
        self
    }

    /// `Call-ID`.
    pub fn call_id(mut self, call_id: &str) -> Self {
        self.call_id = Some(call_id.to_owned());
        self
    }

    /// `CSeq: n METHOD`.
    pub fn cseq(mut self, n: u32) -> Self {
        self.cseq = Some(n);
        self
    }

    /// `Contact`: a full value (`<sip:x@abc.invalid;transport=ws>;expires=60`)
    /// is used as is, a bare URI is put in `<…>`.
    pub fn contact(mut self, contact: &str) -> Self {
        let c = contact.trim();
        self.contact = Some(if c.contains('<') || c == "*" {
            c.to_owned()
        } else {
            format!("<{c}>")
        });
        self
    }

    /// `Expires` header.
    pub fn expires(mut self, seconds: u32) -> Self {
        self.expires = Some(seconds);
        self
    }

    /// Any further header (several with the same name are kept in order).
    /// `Content-Length` is ignored (always computed); a `Max-Forwards` given
    /// here replaces the default 70.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Body and its `Content-Type`.
    pub fn body(mut self, content_type: &str, body: String) -> Self {
        self.body = Some((content_type.to_owned(), body));
        self
    }

    /// The request: `Via`, `Max-Forwards: 70`, `From`, `To`, `Call-ID`,
    /// `CSeq`, `Contact`, `Expires`, extra headers, `Content-Type`,
    /// `Content-Length` (body bytes). Errors when `Via`, `From`, `To`,
    /// `Call-ID` or `CSeq` is missing, the URI does not parse, or a header
    /// name or value could not go on the wire (CR/LF, bad name).
    pub fn build(self) -> Result<rsip::Request, SipError> {
        let (method, uri_text) = (self.method.clone(), self.uri.clone());
        let plain = self.build_message()?;
        let uri = rsip::Uri::try_from(uri_text.as_str()).map_err(|_| SipError::BadUri(excerpt(&uri_text)))?;
        if !uri.to_string().eq_ignore_ascii_case(&uri_text) {
            // rsip would print something else than what was asked for
            // (e.g. a parameter value it cannot tokenize).
            return Err(SipError::BadUri(excerpt(&uri_text)));
        }
        let headers: Vec<Header> = plain.headers.0.iter().map(|(name, value)| make_header(name, value.as_str())).collect();
        Ok(rsip::Request {
            method,
            uri,
            version: rsip::Version::V2,
            headers: headers.into(),
            body: plain.body.into_bytes(),
        })
    }

    /// The request as [`message::Request`], without `rsip` (the browser's
    /// build): what [`RequestBuilder::build`] makes, checked the same way
    /// except that the Request-URI only needs the shape `scheme:rest`.
    pub fn build_message(self) -> Result<message::Request, SipError> {
        let via = self.via.ok_or(SipError::MissingHeader("Via"))?;
        let from = self.from.ok_or(SipError::MissingHeader("From"))?;
        let to = self.to.ok_or(SipError::MissingHeader("To"))?;
        let call_id = self.call_id.ok_or(SipError::MissingHeader("Call-ID"))?;
        let cseq = self.cseq.ok_or(SipError::MissingHeader("CSeq"))?;
        let shaped = self.uri.split_once(':').is_some_and(|(scheme, rest)| is_token(scheme) && !rest.is_empty());
        if !shaped || self.uri.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(SipError::BadUri(excerpt(&self.uri)));
        }
        let method = method_name(self.method).to_owned();
        let mut lines: Vec<(String, String)> = vec![("Via".into(), via)];
        let max_forwards = self
            .extra
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Max-Forwards"))
            .map_or_else(|| "70".to_owned(), |(_, v)| v.clone());
        lines.push(("Max-Forwards".into(), max_forwards));
        lines.push(("From".into(), from));
        lines.push(("To".into(), to));
        lines.push(("Call-ID".into(), call_id));
        lines.push(("CSeq".into(), format!("{cseq} {method}")));
        if let Some(contact) = self.contact {
            lines.push(("Contact".into(), contact));
        }
        if let Some(expires) = self.expires {
            lines.push(("Expires".into(), expires.to_string()));
        }
        for (name, value) in self.extra {
            let full = canonical_header_name(&name);
            if !["Max-Forwards", "Content-Length"].iter().any(|n| n.eq_ignore_ascii_case(full)) {
                lines.push((name, value));
            }
        }
        let body = match self.body {
            Some((content_type, body)) => {
                lines.push(("Content-Type".into(), content_type));
                body
            }
            None => String::new(),
        };
        lines.push(("Content-Length".into(), body.len().to_string()));
        let mut headers = message::Headers::default();
        for (name, value) in lines {
            if !is_token(&name) {
                return Err(SipError::BadHeader(format!("bad header name `{}`", excerpt(&name))));
            }
            let value = value.trim();
            if value.contains(['\r', '\n']) {
                return Err(SipError::BadHeader(format!("line break in `{name}` value")));
            }
            headers.push(&name, value);
        }
        Ok(message::Request { method, uri: self.uri, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsip::prelude::*;

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
        assert_eq!(
            contact.param("+sip.instance"),
            Some(Some("<urn:uuid:4a2fd0a6-b9a6-4b0e-8e4c-6a2f0b0c1d2e>"))
        );
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
        assert_eq!(
            header(&req.headers, "content-type").as_deref(),
            Some("application/soap+xml; charset=utf-8")
        );
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
        assert!(response(&req, 407, None, None)
            .to_string()
            .starts_with("SIP/2.0 407 Proxy Authentication Required\r\n"));
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
        let base = || {
            RequestBuilder::new(rsip::Method::Options, "sip:rollcall.local")
                .via("a.invalid", "z9hG4bK1")
                .from("sip:a@rollcall.local", None, "t")
                .to("sip:a@rollcall.local", None)
                .call_id("c")
                .cseq(1)
        };
        assert!(base().build().is_ok());
        let no_from = RequestBuilder::new(rsip::Method::Options, "sip:rollcall.local")
            .via("a.invalid", "z9hG4bK1")
            .to("sip:a@rollcall.local", None)
            .call_id("c")
            .cseq(1);
        assert_eq!(no_from.build(), Err(SipError::MissingHeader("From")));
        for uri in ["", "sip:a b@c", "sip:a@b\r\nX: y", "sip:a@b;x=\"q\""] {
            let r = RequestBuilder { uri: uri.into(), ..base() }.build();
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
        // rsip re-prints the Request-URI from its parsed form: `transport=WS`.
        assert_eq!(printed, text.replacen("transport=ws", "transport=WS", 1));
        for line in lines {
            assert!(printed.contains(&format!("{line}\r\n")), "{line}");
        }
        let again = parse(&printed).unwrap();
        assert_eq!(again, msg);
        let h = again.headers();
        assert_eq!(header_all(h, "www-authenticate").len(), 2);
        let challenges: Vec<_> = header_all(h, "WWW-Authenticate")
            .iter()
            .map(|v| crate::digest::Challenge::parse(v).unwrap())
            .collect();
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
        for bad in ["", "<>", "\"unterminated <sip:a@b>", "<sip:a@b", "<sip:a@b>garbage", "\"x\" sip:a@b", "<sip:a@b>;", "<sip:a@b>;=x", "<sip:a@b>;p=\"q"] {
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
        let with = |extra: &str| request(&format!(
            "REGISTER sip:rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS a;branch=z9hG4bK1\r\n\
             From: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:a@rollcall.local>\r\nCall-ID: c\r\n{extra}\r\n"
        ));
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
        for bad in ["CSeq: x REGISTER", "CSeq: 1", "CSeq: 1 REGISTER extra", "CSeq: 99999999999 REGISTER", "CSeq: 1 FOO", "CSeq: -1 REGISTER", "CSeq: +1 REGISTER"] {
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
        assert_eq!(
            parse("FOO sip:rollcall.local SIP/2.0\r\nVia: x\r\n\r\n"),
            Err(SipError::UnknownMethod("FOO".into()))
        );
        // Content-Length: body bytes beyond it are dropped, fewer is an error.
        let base = "MESSAGE sip:b@rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS a;branch=z9hG4bK1\r\n\
            From: <sip:a@rollcall.local>;tag=1\r\nTo: <sip:b@rollcall.local>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n";
        let m = request(&format!("{base}Content-Length: 3\r\n\r\nabcdef"));
        assert_eq!(body_text(&m).unwrap(), "abc");
        assert!(matches!(parse(&format!("{base}Content-Length: 10\r\n\r\nabc")), Err(SipError::Parse(_))));
        assert!(matches!(parse(&format!("{base}Content-Length: x\r\n\r\nabc")), Err(SipError::Parse(_))));
        assert!(matches!(parse(&format!("{base}Content-Length: -1\r\n\r\n")), Err(SipError::Parse(_))));
        assert!(matches!(
            parse(&format!("{base}Content-Length: 3\r\nl: 4\r\n\r\nabcd")),
            Err(SipError::Parse(_))
        ));
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
        assert_eq!(random_hex(0), "");
        let h = random_hex(5);
        assert!(h.len() == 10 && h.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
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
            "", " ", "\r", "\n", "\r\n", "\0", "SIP/2.0", "SIP/2.0 ", "SIP/2.0 200", "SIP/2.0 2000 OK\r\n\r\n",
            "SIP/2.0 abc OK\r\n\r\n", "SIP/2.0 9 OK\r\n\r\n", "SIP/9.9 200 OK\r\n\r\n", "SIP/2.0 200 OK",
            "INVITE", "INVITE ", "INVITE  SIP/2.0\r\n\r\n", "INVITE sip: SIP/2.0\r\n\r\n",
            "INVITE sip:@ SIP/2.0\r\n\r\n", "INVITE sip:a@b:99999 SIP/2.0\r\n\r\n", "INVITE sip:a@b:x SIP/2.0\r\n\r\n",
            "INVITE sip:a@[::1]:5060 SIP/2.0\r\n\r\n", "INVITE sip:a@b;transport=carrier-pigeon SIP/2.0\r\n\r\n",
            "INVITE sip:a@b;method=FOO SIP/2.0\r\n\r\n", "INVITE sip:a@b SIP/2\r\n\r\n", "INVITE sip:a@b HTTP/1.1\r\n\r\n",
            "GET /sip HTTP/1.1\r\nHost: x\r\n\r\n", "MESSAGE sip:a@b SIP/2.0\r\n: novalue\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nno colon\r\n\r\n", "MESSAGE sip:a@b SIP/2.0\r\n continuation\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nVia:\r\nFrom:\r\nTo:\r\nCall-ID:\r\nCSeq:\r\nContact:\r\nExpires:\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nFrom: <\r\nTo: \"\r\nContact: <sip:a@b>;expires=\"\r\nCSeq: 1\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nFrom: \"\\\r\nTo: <sip:a.b@>\r\nContact: ,,,\r\nCSeq:  MESSAGE\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\nx",
            "MESSAGE sip:a@b SIP/2.0\r\nX\r\tY: z\r\n\r\n", "MESSAGE sip:a@b SIP/2.0\r\r\n\r\n",
            "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS \u{1F600};branch=\u{e9}\r\n\r\n\u{1F600}",
            "\u{feff}OPTIONS sip:a@b SIP/2.0\r\n\r\n", "OPTIONS sip:a@b SIP/2.0\r\n\r\n\r\n\r\n",
        ];
        for text in handcrafted {
            exercise(text);
        }
        let message = message_request();
        let samples = [REGISTER, message.as_str(), "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/WSS abc.invalid;branch=z9hG4bK5\r\n\
            From: \"A\" <sip:alice@rollcall.local>;tag=1\r\nTo: <sip:alice@rollcall.local>;tag=2\r\nCall-ID: c\r\n\
            CSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"rollcall.local\", nonce=\"n\", qop=\"auth\"\r\n\
            Content-Length: 0\r\n\r\n"];
        // Every truncation and every suffix.
        for s in samples {
            for (i, _) in s.char_indices() {
                exercise(&s[..i]);
                exercise(&s[i..]);
            }
        }
        // Deterministic random mutations.
        let pieces = [
            " ", "\r\n", "\n", "\r", "\t", ":", ";", ",", "<", ">", "@", "\"", "\\", "=", "/", "?", "[", "]",
            "SIP/2.0", "sip:", "é", "\u{1F600}", "\0", "0", "9", "z9hG4bK", "tag=", "\r\n\r\n", "Content-Length: 5",
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
}
