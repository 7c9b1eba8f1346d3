//! SOAP 1.2 bodies of both Rollcall protocols.
//!
//! - [`conference`]: what the browser and the gateway exchange inside SIP
//!   MESSAGE (`urn:rollcall:conference:1`, docs/protocol.md §2).
//! - [`bridge`]: what the gateway and the conference web service exchange over
//!   HTTP, requests and signed status callbacks (`urn:rollcall:bridge:1`, §3).
//!
//! Decoding is namespace-aware and prefix-agnostic (any prefix bound to the
//! right namespace URI is accepted); encoding always uses `env:` and `c:`/`b:`.

pub mod bridge;
mod codec;
pub mod conference;
pub mod model;
/// The namespace-aware tree reader, also used by [`crate::pidf`].
pub(crate) mod xml;

pub use model::*;

/// SOAP 1.2 envelope namespace.
pub const ENVELOPE_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Namespace of the client protocol (prefix `c`).
pub const CONFERENCE_NS: &str = "urn:rollcall:conference:1";
/// Namespace of the conference web service protocol (prefix `b`).
pub const BRIDGE_NS: &str = "urn:rollcall:bridge:1";
/// Content type of every SOAP body, in SIP and in HTTP.
pub const CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

/// Why a SOAP document could not be decoded. Maps to Fault `c:InvalidRequest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DecodeError {
    /// For people: what was wrong, e.g. "missing c:conferenceId in c:AddParticipant".
    pub reason: String,
    /// The `requestId` when it could still be read, so the Fault can echo it.
    pub request_id: Option<String>,
}

impl DecodeError {
    /// The Fault that answers this error (`c:InvalidRequest`, echoing the requestId).
    pub fn to_fault(&self) -> Fault {
        Fault::new(FaultKind::InvalidRequest, self.reason.clone()).with_request_id(self.request_id.clone())
    }
}

#[cfg(test)]
mod tests;
