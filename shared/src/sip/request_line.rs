//! The request line (RFC 3261 §7.1, §25.1), read strictly:
//! `Method SP Request-URI SP SIP-Version`, one space each, nothing after.
//! RFC 4475 §3.1.2.7–10 allow rejecting every looser form with 400.

use std::str::FromStr;

use super::error::{excerpt, SipError};
use super::parse::is_token;
use super::uri::{is_scheme, sip_uri};

/// A request line that can be acted on.
#[derive(Debug)]
pub(super) struct RequestLine {
    pub(super) method: rsip::Method,
    pub(super) uri: rsip::Uri,
}

/// Reads a request line. The errors, in the order they are looked for:
/// [`SipError::Parse`] for a line that is not three single-space
/// separated parts; [`SipError::VersionNotSupported`] for a well-formed
/// version other than 2.0; [`SipError::UnknownMethod`] for a token method
/// `rsip` does not know; [`SipError::UnsupportedUriScheme`] for a
/// Request-URI neither `sip:` nor `sips:`; [`SipError::BadUri`] for a SIP
/// URI that does not follow its grammar or carries headers (RFC 3261
/// §19.1.1 allows none in a Request-URI; RFC 4475 §3.1.2.11).
pub(super) fn request_line(line: &str) -> Result<RequestLine, SipError> {
    let bad = |what: &str| SipError::Parse(format!("{what} in request line `{}`", excerpt(line)));
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, uri, version] = parts[..] else {
        return Err(bad("not `Method SP Request-URI SP SIP-Version`"));
    };
    if method.is_empty() || uri.is_empty() || version.is_empty() || line.contains(['\t', '\0']) {
        return Err(bad("not `Method SP Request-URI SP SIP-Version`"));
    }
    check_version(version)?;
    if !is_token(method) {
        return Err(bad("bad method"));
    }
    let method = rsip::Method::from_str(method).map_err(|_| SipError::UnknownMethod(excerpt(method)))?;
    let shaped = uri.split_once(':').is_some_and(|(scheme, rest)| is_scheme(scheme) && !rest.is_empty());
    if !shaped || uri.contains(|c: char| c.is_control() || c == '<' || c == '>' || c == '"') {
        return Err(bad("bad Request-URI"));
    }
    let parsed = sip_uri(uri)?;
    if parsed.headers.is_some() {
        return Err(SipError::BadUri(format!("{} (headers in a Request-URI)", excerpt(uri))));
    }
    Ok(RequestLine { method, uri: parsed.to_rsip() })
}

/// `SIP/2.0` (any case); another `SIP/` 1*DIGIT `.` 1*DIGIT is
/// [`SipError::VersionNotSupported`], anything else [`SipError::Parse`].
fn check_version(version: &str) -> Result<(), SipError> {
    let numbers = version.get(..4).filter(|p| p.eq_ignore_ascii_case("SIP/")).map(|_| &version[4..]);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((major, minor)) = numbers.and_then(|n| n.split_once('.')).filter(|(a, b)| digits(a) && digits(b)) else {
        return Err(SipError::Parse(format!("bad SIP version `{}`", excerpt(version))));
    };
    let number = |s: &str| s.trim_start_matches('0').to_owned();
    if number(major) == "2" && number(minor).is_empty() {
        Ok(())
    } else {
        Err(SipError::VersionNotSupported(excerpt(version)))
    }
}

#[cfg(test)]
mod tests;
