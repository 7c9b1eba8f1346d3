//! What a server writes into the Via of a request it received (RFC 3261
//! §18.2.1, RFC 3581 §4): where the request really came from, so that the
//! answer finds its way back through NATs.

use std::net::IpAddr;

use super::name_addr::split_list;

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
