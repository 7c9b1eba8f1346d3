//! Where a message goes next when nothing but the message says (a UDP
//! socket that talks to many peers, RFC 3261 §18.1.1 and §18.2.2, RFC 3263
//! without DNS records): a request to its first `Route` (loose routing,
//! §16.12) or else its Request-URI; a response back along its top `Via`,
//! to `received`/`rport` when the peer stamped them (RFC 3581), else to the
//! sent-by. The port defaults to 5060 (5061 for `sips:`).

use super::error::SipError;
use super::message::{self, Parsed};
use super::name_addr::{parse_name_addr, split_list};
use super::uri::sip_uri;

/// A host (a name, an IPv4 address or a bracketed IPv6 reference) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub host: String,
    pub port: u16,
}

impl Hop {
    /// `host:port`, as `ToSocketAddrs` and DNS lookups take it.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The next hop of `text` (a whole SIP message).
pub fn next_hop(text: &str) -> Result<Hop, SipError> {
    match message::parse(text)? {
        Parsed::Request(request) => {
            let route = request.headers.get("Route").and_then(|r| split_list(r).first().map(|s| s.to_string()));
            let uri = match route {
                Some(route) => parse_name_addr(&route)?.uri,
                None => request.uri,
            };
            uri_hop(&uri)
        }
        Parsed::Response(response) => {
            let via = response.headers.get("Via").ok_or(SipError::MissingHeader("Via"))?;
            via_hop(split_list(via).first().copied().unwrap_or(via))
        }
    }
}

/// A SIP URI's host and port.
pub fn uri_hop(uri: &str) -> Result<Hop, SipError> {
    let parsed = sip_uri(uri)?;
    let port = parsed.port.unwrap_or(if parsed.sips { 5061 } else { 5060 });
    Ok(Hop { host: parsed.host.to_owned(), port })
}

/// One Via value's return address.
fn via_hop(via: &str) -> Result<Hop, SipError> {
    let bad = || SipError::BadHeader(format!("bad Via `{via}`"));
    let mut parts = via.split(';');
    let head = parts.next().unwrap_or("");
    let sent_by = head.split_whitespace().nth(1).ok_or_else(bad)?;
    let (mut host, mut port) = match sent_by.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && (!h.starts_with('[') || h.ends_with(']')) => {
            (h.to_owned(), p.parse().map_err(|_| bad())?)
        }
        _ => (sent_by.to_owned(), 5060),
    };
    for param in parts {
        match param.trim().split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("received") => host = value.trim().to_owned(),
            Some((name, value)) if name.trim().eq_ignore_ascii_case("rport") => {
                port = value.trim().parse().map_err(|_| bad())?;
            }
            _ => {}
        }
    }
    if host.contains(':') && !host.starts_with('[') {
        host = format!("[{host}]");
    }
    Ok(Hop { host, port })
}

#[cfg(test)]
mod tests;
