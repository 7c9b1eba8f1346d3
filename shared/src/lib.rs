//! Rollcall's wire types, defined once for the browser (wasm32) and the
//! server (host). `docs/protocol.md` is the wire contract they implement,
//! with what Rollcall adds to the reference marked in it.
//!
//! - [`soap`]: the SOAP 1.2 bodies — the client protocol carried in SIP
//!   MESSAGE (`urn:rollcall:conference:1`, docs/protocol.md §2) and the
//!   gateway ↔ conference web service protocol (`urn:rollcall:bridge:1`, §3).
//! - [`digest`]: SIP digest authentication (RFC 2617 / RFC 3261 / RFC 8760).
//! - [`sip`]: building and reading SIP messages on top of `rsip`.
//! - [`directory`]: address book entries, name folding, resolution and
//!   merging of the people on an e-mail into one roster (seed Figure 3).
//! - [`vcard`]: a vCard 3.0/4.0 reader for address book import.
//! - [`conference_info`]: conference state documents (RFC 4575), written by
//!   the gateway for SIP clients subscribed to a conference, and read back.
//! - [`pidf`]: reading PIDF presence documents (RFC 3863) from NOTIFYs.
//! - [`api`]: the JSON of the HTTP APIs (`/pstn/` phone panel, `/api/`).
//! - [`json`]: the browser's JSON reader for those answers (no serde there).
//! - [`sync`]: the one policy for std locks ([`sync::LockExt`]).

pub mod api;
/// Not in the browser's build: the browser does not subscribe to conferences.
#[cfg(not(target_arch = "wasm32"))]
pub mod conference_info;
pub mod digest;
pub mod directory;
pub mod json;
pub mod pidf;
pub mod random;
pub mod sip;
pub mod soap;
pub mod sync;
pub mod ua;
pub mod vcard;

/// The largest message any box of Rollcall accepts, in bytes, and the one
/// such limit: a SIP message (larger gets `513 Message Too Large`,
/// docs/protocol.md §1), a SOAP body posted to the conference web service
/// or to the gateway's reporting service (larger gets `413`). The SOAP
/// bodies are the ones SIP MESSAGEs carry, so one size fits both. Limits
/// that are deliberately different (WebSocket frames, uploads) are named
/// where they apply.
///
/// [`sip::parse`] does not enforce it, so that a 513 can still be built
/// from an oversized request: check `text.len()` first.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
