//! What a stranger may cost the IM server before and after authenticating:
//! connections per address, time to authenticate, unauthenticated messages
//! per address, how much of them is logged, the send queue per connection,
//! and how long a silent WebSocket is kept. Every number is a flag of
//! `rollcall serve` / `rollcall im-server` (docs/hosting.md).
//!
//! Limits go by peer *address*, not only by connection: reconnecting does
//! not refill an address's allowance, because [`Peers`] remembers an
//! address for a while after its last connection closed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::sync::LockExt;

use crate::edge::rate::{address_key, Bucket};

/// The IM server's limits on connections and unauthenticated traffic.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// WebSocket connections open at once from one IP address…
    pub max_connections_per_ip: usize,
    /// …and in all.
    pub max_connections: usize,
    /// A connection that has not authenticated a request within this time
    /// is closed.
    pub auth_timeout: Duration,
    /// Unauthenticated messages per second from one IP address (a token
    /// bucket refilled at this rate)…
    pub unauthenticated_per_second: f64,
    /// …holding at most this many (the burst).
    pub unauthenticated_burst: f64,
    /// Messages per second one authenticated connection may send, on
    /// average (the log keeps them whole, so this bounds how fast one user
    /// can fill it)…
    pub authenticated_per_second: f64,
    /// …with bursts of this many; beyond, they are dropped unlogged.
    pub authenticated_burst: f64,
    /// Unauthenticated messages are logged up to this many bytes (and their
    /// length); so are messages over the SIP size limit.
    pub log_truncate_bytes: usize,
    /// Messages queued for one connection's peer; a peer that does not read
    /// them is closed.
    pub send_queue: usize,
    /// A WebSocket ping goes out after this long without a frame from the
    /// peer (keeps NAT bindings and proxy tunnels open, finds dead peers).
    pub ping_interval: Duration,
    /// A connection silent for this long (no frame, no pong) is closed.
    pub idle_timeout: Duration,
    /// Most addresses remembered at once.
    pub max_tracked_addresses: usize,
    /// Presence subscriptions one user may hold at once (`403` beyond).
    pub max_subscriptions_per_user: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections_per_ip: 50,
            max_connections: 20_000,
            auth_timeout: Duration::from_secs(30),
            unauthenticated_per_second: 20.0,
            unauthenticated_burst: 100.0,
            authenticated_per_second: 20.0,
            // Above the most presence subscriptions a client makes at once.
            authenticated_burst: 600.0,
            log_truncate_bytes: 2048,
            send_queue: 1024,
            ping_interval: Duration::from_secs(25),
            idle_timeout: Duration::from_secs(90),
            max_tracked_addresses: 100_000,
            max_subscriptions_per_user: 500,
        }
    }
}

/// How long an address with no connection is remembered (its bucket kept).
const FORGET_AFTER: Duration = Duration::from_secs(120);

struct Peer {
    connections: usize,
    /// Unauthenticated messages.
    bucket: Bucket,
    /// Last time a connection came or a token was taken.
    seen: Instant,
}

/// The per-address state, shared by every connection.
pub struct Peers {
    limits: ConnectionLimits,
    table: Mutex<HashMap<IpAddr, Peer>>,
    /// WebSockets open now.
    open: std::sync::atomic::AtomicUsize,
}

/// Why a new connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("too many connections from this address")]
    TooManyFromAddress,
    #[error("too many addresses connected")]
    TooManyAddresses,
    #[error("too many connections")]
    TooMany,
}

/// One admitted connection; dropping it gives the slot back.
pub struct Admission {
    peers: Arc<Peers>,
    ip: IpAddr,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut table = self.peers.table.locked();
        if let Some(peer) = table.get_mut(&self.ip) {
            peer.connections = peer.connections.saturating_sub(1);
        }
        self.peers.open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Peers {
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Peers { limits, table: Mutex::new(HashMap::new()), open: Default::default() })
    }

    /// WebSockets open now.
    pub fn open(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn limits(&self) -> &ConnectionLimits {
        &self.limits
    }

    /// Admits one more connection from `ip`, or says why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admission, Refused> {
        let ip = address_key(ip);
        let now = Instant::now();
        let mut table = self.table.locked();
        if !table.contains_key(&ip) && table.len() >= self.limits.max_tracked_addresses {
            table.retain(|_, p| p.connections > 0 || now.duration_since(p.seen) < FORGET_AFTER);
            if table.len() >= self.limits.max_tracked_addresses {
                return Err(Refused::TooManyAddresses);
            }
        }
        let burst = self.limits.unauthenticated_burst;
        let peer = table.entry(ip).or_insert(Peer { connections: 0, bucket: Bucket::full(burst, now), seen: now });
        peer.seen = now;
        if peer.connections >= self.limits.max_connections_per_ip {
            return Err(Refused::TooManyFromAddress);
        }
        if self.open.load(std::sync::atomic::Ordering::Relaxed) >= self.limits.max_connections {
            return Err(Refused::TooMany);
        }
        peer.connections += 1;
        self.open.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Admission { peers: Arc::clone(self), ip })
    }

    /// May `ip` send one more unauthenticated message now? Takes a token.
    pub fn take_unauthenticated(&self, ip: IpAddr) -> bool {
        let ip = address_key(ip);
        let now = Instant::now();
        let mut table = self.table.locked();
        let Some(peer) = table.get_mut(&ip) else { return false };
        peer.seen = now;
        peer.bucket.take(now, self.limits.unauthenticated_per_second, self.limits.unauthenticated_burst).is_ok()
    }
}

/// What the message log keeps of `text` when it must not keep it whole:
/// its first `max` bytes (cut at a character boundary) and its length.
pub fn truncated_for_log(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}\n[… truncated: {} bytes in all]", &text[..end], text.len()))
}

#[cfg(test)]
mod tests;
