//! Rollcall's server side, one module per box of the seed's Figure 1.
//!
//! - [`im_server`]: the IM server — SIP registrar, digest auth, MESSAGE relay
//!   and message log, over WebSocket (`/sip`), UDP, TCP and TLS.
//! - [`sip_client`]: the tokio driver of the one SIP user agent
//!   (`rollcall_shared::ua`), which the gateway runs on.
//! - [`gateway`]: a registered SIP user that turns SOAP requests into calls on
//!   the conference web service, and hosts the conference reporting web
//!   service that turns callbacks back into SIP MESSAGEs.
//! - [`conference`]: the conference web service (SOAP over HTTP) and the
//!   conference state machines.
//! - [`bridge`]: the bridge driver seam, and the simulated telephone network.
//! - [`store`]: SQLite through sqlx: users (HA1 only) and the message log.
//! - [`digest_auth`]: digest authentication (nonces, checks) for SIP and HTTP;
//!   [`http_digest`] makes it an axum middleware for the JSON APIs.
//! - [`edge`]: what strangers meet on the public port first — cross-site
//!   refusals and the password-guessing throttle.
//! - [`pim`]: the personal information manager of seed Figure 3 — address
//!   books, inbox, vCard and .eml import, "conference everyone" rosters,
//!   and their JSON API (`/api/`).
//! - [`signup`]: self-service accounts for a hosted demo (`--signup`).
//! - [`operator_file`]: how `rollcall bridge crash` finds `serve`'s private
//!   conference web service.
//!
//! The boxes talk only over real sockets, even inside `rollcall serve`.

pub mod bridge;
pub mod conference;
pub mod digest_auth;
pub mod edge;
pub mod gateway;
pub mod http_digest;
pub mod im_server;
pub mod metrics;
pub mod operator_file;
pub mod pim;
pub mod serve;
pub mod shutdown;
pub mod signing;
pub mod signup;
pub mod sip_client;
pub mod sip_link;
pub mod store;
pub mod web;
