//! The bridge's RTP ports (`--rtp-ports LOW-HIGH`): each leg takes an even
//! port for RTP and the odd one above it for RTCP (RFC 3550 §11), bound on
//! the media address; both go back to the pool when the leg is dropped.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use rollcall_shared::sync::LockExt;
use tokio::net::UdpSocket;

/// The free even ports of the range.
#[derive(Debug)]
pub struct PortPool {
    free: Mutex<BTreeSet<u16>>,
    bind: IpAddr,
}

/// A leg's two sockets; their ports return to the pool on drop.
#[derive(Debug)]
pub struct PortPair {
    pub rtp: UdpSocket,
    pub rtcp: UdpSocket,
    pub port: u16,
    pool: Arc<PortPool>,
}

impl Drop for PortPair {
    fn drop(&mut self) {
        self.pool.free.locked().insert(self.port);
    }
}

impl PortPool {
    /// The even ports from `low` to `high` (inclusive, `high` odd or not),
    /// bound on `bind`.
    pub fn new(low: u16, high: u16, bind: IpAddr) -> Arc<PortPool> {
        let first = low + low % 2;
        let free = (first..high).step_by(2).collect();
        Arc::new(PortPool { free: Mutex::new(free), bind })
    }

    /// Free pairs now.
    pub fn available(&self) -> usize {
        self.free.locked().len()
    }

    /// Takes a pair whose two ports can be bound (one held by another
    /// program is skipped and stays out of the pool); `None` when the
    /// range is used up.
    pub fn take(self: &Arc<Self>) -> Option<PortPair> {
        loop {
            let port = self.free.locked().pop_first()?;
            let bind = |p: u16| {
                std::net::UdpSocket::bind(SocketAddr::new(self.bind, p)).and_then(|s| {
                    s.set_nonblocking(true)?;
                    UdpSocket::from_std(s)
                })
            };
            match (bind(port), bind(port + 1)) {
                (Ok(rtp), Ok(rtcp)) => return Some(PortPair { rtp, rtcp, port, pool: Arc::clone(self) }),
                _ => tracing::warn!(port, "RTP port pair taken by another program; skipped"),
            }
        }
    }
}

#[cfg(test)]
mod tests;
