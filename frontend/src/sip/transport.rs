//! Where the SIP WebSocket is and what the server tells us at start-up.
//! docs/protocol.md §1: `GET /sip` on the page's own host and port, `ws://` or
//! `wss://` like the page, subprotocol `sip` (the server refuses the
//! upgrade without it).

use rollcall_shared::from_json_fields;

/// The WebSocket subprotocol (RFC 7118 §4).
pub const SUBPROTOCOL: &str = "sip";

/// `GET /config.json`: the SIP domain and the gateway's AOR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub domain: String,
    pub gateway: String,
}

from_json_fields!(ServerConfig { domain, gateway });

/// The `/sip` URL for a page loaded with `protocol` (`http:`/`https:`)
/// from `host` (`host[:port]`).
pub fn sip_url(protocol: &str, host: &str) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}/sip")
}

/// Reconnect delays: 1 s doubling to 30 s, with ±20 % jitter (`jitter`
/// in 0..1) so that many tabs don't come back at the same instant.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u64 {
    let base = 1_000u64.saturating_mul(1 << attempt.min(5)).min(30_000) as f64;
    (base * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))) as u64
}

#[cfg(test)]
mod tests;
