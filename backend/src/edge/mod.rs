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
}

/// `router` (everything served on the public port) behind the edge's guards.
pub fn guard(router: Router, options: &EdgeOptions) -> Router {
    router.layer(from_fn_with_state(
        OriginPolicy::new(&options.allowed_origins),
        origin::refuse_cross_site,
    ))
}
