//! Digest authentication of SIP requests (RFC 3261 §22 with RFC 8760).
//!
//! The authenticator itself lives in [`crate::digest_auth`], shared with the
//! phone panel's HTTP digest (RFC 7616); the IM server builds its own
//! instance from [`ImConfig`](super::ImConfig) (realm = SIP domain, nonce
//! lifetime, algorithm order).

pub use crate::digest_auth::{Authenticator, Verdict};
