//! The syntax of a `Via` header value (RFC 3261 §20.42, §25.1):
//! `sent-protocol LWS sent-by *( SEMI via-params )`, comma-separated,
//! with LWS allowed around `/`, `;`, `=` and `,` (RFC 4475 §3.1.1.1).

use super::error::{excerpt, SipError};
use super::parse::is_token;

/// Checks one `Via` header value (one header line, perhaps a list). An
/// empty list element or parameter is an error (RFC 4475 §3.1.2.1).
pub(super) fn check_via(value: &str) -> Result<(), SipError> {
    let bad = |what: &str| SipError::BadHeader(format!("bad Via `{}`: {what}", excerpt(value)));
    for element in split_unquoted(value, ',') {
        let element = element.trim();
        if element.is_empty() {
            return Err(bad("empty value"));
        }
        let mut params = split_unquoted(element, ';').into_iter();
        let sent = params.next().unwrap_or("").trim();
        let (protocol, sent_by) = sent_protocol(sent).ok_or_else(|| bad("bad sent-protocol"))?;
        if protocol.iter().any(|part| !is_token(part)) {
            return Err(bad("bad sent-protocol"));
        }
        let host_ok = |b: u8| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b);
        if sent_by.is_empty() || !sent_by.bytes().all(host_ok) {
            return Err(bad("bad sent-by"));
        }
        for param in params {
            let (name, value) = match param.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (param.trim(), None),
            };
            if name.is_empty() {
                return Err(bad("empty parameter"));
            }
            if !is_token(name) {
                return Err(bad("bad parameter name"));
            }
            let value_ok = |v: &str| {
                let quoted = v.len() >= 2 && v.starts_with('"') && v.ends_with('"');
                quoted || (!v.is_empty() && v.bytes().all(host_ok)) || is_token(v)
            };
            if value.is_some_and(|v| !value_ok(v)) {
                return Err(bad("bad parameter value"));
            }
        }
    }
    Ok(())
}

/// `protocol-name SLASH protocol-version SLASH transport` (SLASH may have
/// LWS around it), then LWS; the three parts and what follows, trimmed.
fn sent_protocol(text: &str) -> Option<([&str; 3], &str)> {
    let (name, rest) = text.split_once('/')?;
    let (version, rest) = rest.split_once('/')?;
    let rest = rest.trim_start();
    let end = rest.find(char::is_whitespace)?;
    let (transport, sent_by) = rest.split_at(end);
    Some(([name.trim(), version.trim(), transport], sent_by.trim()))
}

/// `text` split at every `sep` outside a quoted string; empty pieces kept.
fn split_unquoted(text: &str, sep: char) -> Vec<&str> {
    let (mut pieces, mut start) = (Vec::new(), 0);
    let (mut in_quotes, mut escaped) = (false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            c if c == sep && !in_quotes => {
                pieces.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_values() {
        for good in [
            "SIP/2.0/WSS abc.invalid;branch=z9hG4bK5812547",
            "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw",
            "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239",
            "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport",
            "SIP/2.0/UDP iftgw.example.com",
            "SIP/2.0/TCP [2001:db8::1]:5061;received=2001:db8::9;branch=z9hG4bK1;x=\"a;b, c\"",
            "SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en",
        ] {
            assert_eq!(check_via(good), Ok(()), "{good:?}");
        }
        for bad in [
            "", "SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP/2.0/UDP a,", "SIP/2.0/UDP", "SIP/2.0 a", "SIP/2.0/UDP a b", "SIP//UDP a",
            "SIP/2.0/UDP a;=x", "SIP/2.0/UDP a;branch=", "SIP/2.0/UDP a;x=\"open", "SIP/2.0/UDP a;b r=1",
        ] {
            assert!(check_via(bad).is_err(), "{bad:?}");
        }
    }
}
