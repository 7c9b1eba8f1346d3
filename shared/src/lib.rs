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
//! - [`pidf`]: reading PIDF presence documents (RFC 3863) from NOTIFYs.
//! - [`api`]: the JSON of the HTTP APIs (`/pstn/` phone panel, `/api/`).
//! - [`json`]: the browser's JSON reader for those answers (no serde there).
//! - [`sync`]: the one policy for std locks ([`sync::LockExt`]).

pub mod api;
pub mod digest;
pub mod directory;
pub mod json;
pub mod pidf;
pub mod random;
pub mod sip;
pub mod soap;
pub mod sync;
pub mod vcard;
