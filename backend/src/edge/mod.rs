//! The public port's edge: what every request from a stranger passes
//! before any box of Figure 1 sees it.
//!
//! - [`origin`]: cross-site requests refused (`Origin` checks).
//! - [`throttle`]: failed password attempts counted per user and per IP,
//!   answered with growing refusals.
//! - [`listener`]: the accept loop (TLS, header and handshake timeouts).
//! - [`tls`]: rustls server and client configurations.
//! - [`rate`]: token buckets (per address, per user).
//!
//! The IM server's per-connection limits live with it
//! ([`crate::im_server::limits`]); [`EdgeOptions`] carries them.

pub mod fd_limit;
pub mod listener;
pub mod origin;
pub mod rate;
pub mod throttle;
pub mod tls;

use axum::middleware::from_fn_with_state;
use axum::Router;

use crate::im_server::limits::ConnectionLimits;
use listener::ListenerOptions;
use origin::OriginPolicy;
use throttle::ThrottleConfig;

/// How the public port treats strangers (flags of `rollcall serve` and
/// `rollcall im-server`; the defaults suit a public host).
#[derive(Debug, Clone, Default)]
pub struct EdgeOptions {
    /// Origins allowed besides the server's own (`--allowed-origin`).
    pub allowed_origins: Vec<String>,
    /// Failed-password allowance and refusals.
    pub throttle: ThrottleConfig,
    /// The IM server's limits on connections and unauthenticated traffic.
    pub connection_limits: ConnectionLimits,
    /// TLS and the timeouts of the public port's accept loop.
    pub listener: ListenerOptions,
    /// The SIP port (UDP, TCP, TLS) besides WebSocket; none by default
    /// (tests), 5060 from the command line.
    pub sip: SipPorts,
    /// Digest challenges offered, in this order (`--digest`).
    pub digest_algorithms: Option<Vec<rollcall_shared::digest::Algorithm>>,
}

/// Where SIP phones reach the IM server (docs/protocol.md §1).
#[derive(Debug, Clone, Default)]
pub struct SipPorts {
    /// UDP and TCP on this address (one port).
    pub plain: Option<SipAddress>,
    /// TLS on this address (with the public port's certificate).
    pub tls: Option<SipAddress>,
    /// The host this server names in its Vias (where UDP answers go);
    /// default: the bound address, or the SIP domain when bound to all.
    pub host: Option<String>,
}

/// One SIP listening address.
#[derive(Debug, Clone, Copy)]
pub struct SipAddress {
    pub addr: std::net::SocketAddr,
    /// An address asked for must be bound; a default one (5060 may be taken
    /// on a developer's machine) only warns.
    pub required: bool,
}

/// `router` (everything served on the public port) behind the edge's guards.
pub fn guard(router: Router, options: &EdgeOptions) -> Router {
    router.layer(from_fn_with_state(OriginPolicy::new(&options.allowed_origins), origin::refuse_cross_site))
}
