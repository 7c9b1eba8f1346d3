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
