//! SIP and SIPS URIs read by their grammar (RFC 3261 §19.1.1, §25.1), not
//! by `rsip`'s, which mis-reads some valid ones (a `;` or a `.` in the user
//! part: [`rsip_quirks`](super::rsip_quirks)); then made into `rsip`'s
//! [`rsip::Uri`] so that the rest of the stack can use it.

use std::net::Ipv4Addr;

use super::error::{excerpt, SipError};

/// A SIP or SIPS URI taken apart, every part as written (escapes kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SipUri<'a> {
    pub(super) sips: bool,
    pub(super) user: Option<&'a str>,
    pub(super) password: Option<&'a str>,
    pub(super) host: &'a str,
    pub(super) port: Option<u16>,
    pub(super) params: Vec<(&'a str, Option<&'a str>)>,
    /// What follows `?`, if anything (`hname=hvalue&…`).
    pub(super) headers: Option<&'a str>,
}

/// Reads `text` as a SIP or SIPS URI. [`SipError::UnsupportedUriScheme`]
/// for a URI of another scheme, [`SipError::BadUri`] for anything that is
/// not a URI by that grammar.
pub(super) fn sip_uri(text: &str) -> Result<SipUri<'_>, SipError> {
    let bad = || SipError::BadUri(excerpt(text));
    let (scheme, rest) = text.split_once(':').ok_or_else(bad)?;
    let sips = if scheme.eq_ignore_ascii_case("sip") {
        false
    } else if scheme.eq_ignore_ascii_case("sips") {
        true
    } else if is_scheme(scheme) {
        return Err(SipError::UnsupportedUriScheme(excerpt(scheme)));
    } else {
        return Err(bad());
    };
    // `@` belongs to no part but the end of userinfo (escaped as %40 elsewhere).
    let (userinfo, rest) = match rest.split_once('@') {
        Some((userinfo, rest)) => (Some(userinfo), rest),
        None => (None, rest),
    };
    let (mut user, mut password) = (None, None);
    if let Some(userinfo) = userinfo {
        let (u, p) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if u.is_empty() || !all_of(u, b"&=+$,;?/") || !p.is_none_or(|p| all_of(p, b"&=+$,")) {
            return Err(bad());
        }
        (user, password) = (Some(u), p);
    }
    let (rest, headers) = match rest.split_once('?') {
        Some((rest, headers)) => (rest, Some(headers)),
        None => (rest, None),
    };
    let mut params_text = rest.split(';');
    let (host, port) = host_port(params_text.next().unwrap_or("")).ok_or_else(bad)?;
    let mut params = Vec::new();
    for param in params_text {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (param, None),
        };
        if name.is_empty() || !all_of(name, b"[]/:&+$") || value.is_some_and(|v| v.is_empty() || !all_of(v, b"[]/:&+$")) {
            return Err(bad());
        }
        params.push((name, value));
    }
    if let Some(headers) = headers {
        let header_ok =
            |h: &str| h.split_once('=').is_some_and(|(n, v)| !n.is_empty() && all_of(n, b"[]/?:+$") && all_of(v, b"[]/?:+$"));
        if !headers.split('&').all(header_ok) {
            return Err(bad());
        }
    }
    Ok(SipUri { sips, user, password, host, port, params, headers })
}

impl SipUri<'_> {
    /// `rsip`'s URI of it, without the headers (`rsip` keeps none). Every
    /// parameter is an `rsip` "other" parameter, which prints the same.
    pub(super) fn to_rsip(&self) -> rsip::Uri {
        use rsip::param::{OtherParam, OtherParamValue};
        let host = match self.host.parse::<Ipv4Addr>() {
            Ok(ip) => rsip::Host::IpAddr(ip.into()),
            // An IPv6 reference stays a "domain" so that it prints in brackets.
            Err(_) => rsip::Host::Domain(self.host.to_owned().into()),
        };
        rsip::Uri {
            scheme: Some(if self.sips { rsip::Scheme::Sips } else { rsip::Scheme::Sip }),
            auth: self.user.map(|user| rsip::Auth { user: user.to_owned(), password: self.password.map(str::to_owned) }),
            host_with_port: rsip::HostWithPort { host, port: self.port.map(Into::into) },
            params: self
                .params
                .iter()
                .map(|(n, v)| rsip::Param::Other(OtherParam::new(*n), v.map(OtherParamValue::new)))
                .collect(),
            headers: Vec::new(),
        }
    }
}

/// `host [":" port]`: a hostname, an IPv4 address or an IPv6 reference.
fn host_port(text: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match text.strip_prefix('[') {
        Some(v6) => {
            let end = v6.find(']')?;
            let address = &v6[..end];
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
                return None;
            }
            (&text[..end + 2], &v6[end + 1..])
        }
        None => {
            let end = text.find(':').unwrap_or(text.len());
            let host = &text[..end];
            if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
                return None;
            }
            (host, &text[end..])
        }
    };
    let port = match port {
        "" => None,
        p => {
            let digits = p.strip_prefix(':')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse().ok()?)
        }
    };
    Some((host, port))
}

/// Every character unreserved, escaped (`%` HEX HEX) or in `extra`.
fn all_of(text: &str, extra: &[u8]) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            if !(i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) || extra.contains(&b)) {
            return false;
        }
        i += 1;
    }
    true
}

/// RFC 3986 `scheme`: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
pub(super) fn is_scheme(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

#[cfg(test)]
mod tests;
