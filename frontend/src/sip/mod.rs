//! The browser's SIP user agent (RFC 3261 over WebSocket, RFC 7118).
//!
//! - [`ua`]: the user agent's logic, sans-IO, host-tested.
//!   - [`registration`]: REGISTER and its refresh timing.
//!   - [`auth`]: digest answers, HA1 cache, nonce reuse.
//!   - [`transaction`]: our requests awaiting answers; when a challenge
//!     means "wrong password".
//!   - [`incoming`]: answering MESSAGE/OPTIONS; the gateway's SOAP replies.
//!   - [`presence`]: watching other users' presence (SUBSCRIBE/NOTIFY,
//!     PIDF).
//! - [`transport`]: the `/sip` URL and config (pure); the WebSocket itself
//!   ([`websocket`]) is opened by [`driver`], which runs the loop in the
//!   browser.

pub mod auth;
pub mod incoming;
pub mod presence;
pub mod registration;
pub mod transaction;
pub mod transport;
pub mod ua;

#[cfg(target_arch = "wasm32")]
pub mod driver;
#[cfg(target_arch = "wasm32")]
pub mod websocket;

#[cfg(test)]
mod presence_tests;
#[cfg(test)]
mod ua_tests;
