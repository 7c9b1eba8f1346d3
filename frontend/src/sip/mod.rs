//! The browser's SIP side (RFC 3261 over WebSocket, RFC 7118), over the
//! one user agent of [`rollcall_shared::ua`].
//!
//! - [`ua`]: SOAP requests to the gateway and its replies back, over the
//!   shared user agent — sans-IO, host-tested.
//! - [`transport`]: the `/sip` URL and config (pure); the WebSocket itself
//!   ([`websocket`]) is opened by [`driver`], which runs the loop in the
//!   browser.

pub mod transport;
pub mod ua;

#[cfg(target_arch = "wasm32")]
pub mod driver;
#[cfg(target_arch = "wasm32")]
pub mod websocket;
