//! Addresses: `name-addr` / `addr-spec` with parameters (RFC 3261 §20.10,
//! §25.1), comma-separated lists of them, and the address-of-record of a URI.

use super::error::{excerpt, SipError};
use super::parse::is_token;
use super::uri::sip_uri;

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
        self.params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_deref())
    }

    /// The URI as `rsip`'s, read by the SIP-URI grammar (without any
    /// `?headers` part): an error for a URI that is not `sip:` or `sips:`
    /// ([`SipError::UnsupportedUriScheme`]) or does not follow it
    /// ([`SipError::BadUri`]).
    pub fn parsed_uri(&self) -> Result<rsip::Uri, SipError> {
        Ok(sip_uri(&self.uri)?.to_rsip())
    }
}

/// Parse one `name-addr` / `addr-spec` with parameters (a From, To,
/// P-Asserted-Identity value, or one element of a Contact list). Quoted
/// display names and quoted parameter values (with backslash escapes) are
/// understood; without `<…>`, everything after the first `;` is a header
/// parameter.
///
/// As RFC 3261 §25.1 has it (RFC 4475 §3.1.2.13–15): an unquoted display
/// name is tokens separated by whitespace (no LWS is needed before `<`,
/// RFC 4475 §3.1.1.6); nothing but the URI between `<` and `>`; a URI with
/// `?` or `,` in it is in `<…>`; every parameter has a name, and a value
/// after `=`.
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
                if !name.split_whitespace().all(is_token) {
                    return Err(bad());
                }
                if !name.is_empty() {
                    display_name = Some(name.to_owned());
                }
                s[lt + 1..].split_once('>').ok_or_else(bad)?
            }
            _ => {
                let (uri, rest) = match semi {
                    Some(semi) => (&s[..semi], &s[semi..]),
                    None => (s, ""),
                };
                if uri.contains(['?', ',']) {
                    return Err(bad());
                }
                (uri.trim_end(), rest)
            }
        }
    };
    if uri.is_empty() || uri.contains(|c: char| c.is_whitespace() || c == '<' || c == '"') {
        return Err(bad());
    }
    let mut params = Vec::new();
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        rest = rest.strip_prefix(';').ok_or_else(bad)?.trim_start();
        let name_end = rest.find(|c: char| c == '=' || c == ';' || c.is_whitespace()).unwrap_or(rest.len());
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
                let end = after.find(|c: char| c == ';' || c.is_whitespace()).unwrap_or(after.len());
                if end == 0 {
                    return Err(bad());
                }
                val = Some(after[..end].to_owned());
                rest = after[end..].trim_start();
            }
        }
        params.push((name.to_ascii_lowercase(), val));
    }
    Ok(NameAddr { display_name, uri: uri.to_owned(), params })
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
