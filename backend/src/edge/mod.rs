//! The public port's edge: what every request from a stranger passes
//! before any box of Figure 1 sees it.
//!
//! - [`origin`]: cross-site requests refused (`Origin` checks).
//! - [`throttle`]: failed password attempts counted per user and per IP,
//!   answered with growing refusals.

pub mod origin;
pub mod throttle;

use axum::middleware::from_fn_with_state;
use axum::Router;

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
}

/// `router` (everything served on the public port) behind the edge's guards.
pub fn guard(router: Router, options: &EdgeOptions) -> Router {
    router.layer(from_fn_with_state(
        OriginPolicy::new(&options.allowed_origins),
        origin::refuse_cross_site,
    ))
}
