//! The `Via` header (RFC 3261 §20.42, §25.1): its syntax —
//! `sent-protocol LWS sent-by *( SEMI via-params )`, comma-separated, with
//! LWS allowed around `/`, `;`, `=` and `,` (RFC 4475 §3.1.1.1) — and what
//! a server writes into the Via of a request it received (RFC 3261
//! §18.2.1, RFC 3581 §4): where the request really came from, so that the
//! answer finds its way back through NATs.

use std::net::IpAddr;

use super::error::{excerpt, SipError};
use super::name_addr::split_list;
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

/// The top Via value `via` (the first of a comma-separated list) stamped
/// with the request's source: `received=<ip>` when its sent-by host is not
/// that address, or when it asks for `rport`, and `rport=<port>` filled in
/// when it asks for it. Other values of a list are kept as they are.
pub fn stamp_received(via: &str, ip: IpAddr, port: u16) -> String {
    let values = split_list(via);
    let Some(top) = values.first() else { return via.to_owned() };
    let (head, params) = match top.split_once(';') {
        Some((head, params)) => (head.trim_end(), params),
        None => (*top, ""),
    };
    let host = sent_by_host(head);
    let mut kept: Vec<String> = Vec::new();
    let mut wants_rport = false;
    for param in params.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let name = param.split('=').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("received") {
            continue; // ours replaces it
        }
        if name.eq_ignore_ascii_case("rport") {
            wants_rport = true;
            continue;
        }
        kept.push(param.to_owned());
    }
    let ip_text = ip.to_string();
    let mut out = head.to_owned();
    for param in kept {
        out.push(';');
        out.push_str(&param);
    }
    if wants_rport || !host.eq_ignore_ascii_case(&ip_text) {
        out.push_str(";received=");
        out.push_str(&ip_text);
    }
    if wants_rport {
        out.push_str(";rport=");
        out.push_str(&port.to_string());
    }
    for rest in &values[1..] {
        out.push_str(", ");
        out.push_str(rest);
    }
    out
}

/// The host of a Via's `SIP/2.0/UDP host[:port]` (brackets of an IPv6
/// reference removed).
fn sent_by_host(head: &str) -> &str {
    let sent_by = head.split_whitespace().last().unwrap_or("");
    let sent_by = match sent_by.rsplit_once('/') {
        Some((_, rest)) if !rest.is_empty() => rest,
        _ => sent_by,
    };
    if let Some(v6) = sent_by.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    sent_by.split(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests;
