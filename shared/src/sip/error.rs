//! What can go wrong reading or building a SIP message.

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
    /// A request line whose SIP-Version is well formed but not `SIP/2.0`
    /// (RFC 3261 §8.2.1 has no check for it; §21.5.6 names 505).
    #[error("unsupported version `{0}`")]
    VersionNotSupported(String),
    /// A Request-URI whose scheme is neither `sip` nor `sips` (RFC 3261
    /// §8.2.2.1: 416).
    #[error("unsupported URI scheme `{0}`")]
    UnsupportedUriScheme(String),
    /// A header that may appear once appears more than once (RFC 3261
    /// §7.3.1: only comma-separated lists may be split over several lines).
    #[error("duplicate {0}")]
    DuplicateHeader(&'static str),
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

impl SipError {
    /// The status code of the answer to a request refused for this error:
    /// `505` and `416` as the variants say, `405` for an unknown method
    /// (Rollcall answers every method it does not handle so, with `Allow`:
    /// docs/protocol.md §1), `400 Bad Request` for everything else; `None`
    /// for [`SipError::Empty`], which is not answered.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            SipError::Empty => None,
            SipError::UnknownMethod(_) => Some(405),
            SipError::VersionNotSupported(_) => Some(505),
            SipError::UnsupportedUriScheme(_) => Some(416),
            _ => Some(400),
        }
    }

    /// The reason phrase for that answer: the standard phrase, then what
    /// was wrong in brackets, e.g. `Bad Request (duplicate Call-ID)`. One
    /// line of printable text, at most [`REASON_DETAIL`] characters of
    /// detail. The standard phrase alone for a 405.
    pub fn reason(&self) -> String {
        let code = self.status_code().unwrap_or(400);
        let phrase = super::response::reason_phrase(code);
        if matches!(self, SipError::UnknownMethod(_)) {
            return phrase.to_owned();
        }
        let detail: String = self.to_string().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let mut end = detail.len().min(REASON_DETAIL);
        while !detail.is_char_boundary(end) {
            end -= 1;
        }
        let more = if end < detail.len() { "…" } else { "" };
        format!("{phrase} ({}{more})", &detail[..end])
    }
}

/// Longest detail (bytes) a reason phrase carries ([`SipError::reason`]).
pub const REASON_DETAIL: usize = 120;

/// Longest excerpt of the input quoted in a [`SipError::Parse`] message.
const ERROR_EXCERPT: usize = 200;

pub(super) fn excerpt(s: &str) -> String {
    if s.len() <= ERROR_EXCERPT {
        return s.to_owned();
    }
    let mut end = ERROR_EXCERPT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
