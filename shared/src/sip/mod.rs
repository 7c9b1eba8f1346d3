//! Building and reading SIP messages (RFC 3261) on top of `rsip`, for SIP
//! over WebSocket (RFC 7118): transport `WS`, Contact hosts under `.invalid`.
//!
//! `rsip` parses and prints; this module adds what every Rollcall party
//! needs, a file per concern:
//!
//! | module | what |
//! |---|---|
//! | `parse` | one message off the wire: start line, header lines, body |
//! | `request_line` | the request line, strictly; 505, 405, 416 material |
//! | `uri` | SIP and SIPS URIs by their grammar, as `rsip` URIs |
//! | `headers` | header look-up by name (compact forms), typed headers |
//! | `name_addr` | addresses with parameters, lists of them, AORs |
//! | `via` | the syntax of a Via value |
//! | `fields` | From/To, tags, Call-ID, CSeq, Max-Forwards, expiry |
//! | `check` | the §8.2 checks before acting on a request; `Require` |
//! | `response` | responses to requests, parsed or not; reason phrases |
//! | `builder` | new requests |
//! | `ids` | fresh branch, tag and Call-ID values |
//! | `hop` | where a message goes next: Route or Request-URI, back along the Via |
//! | `via` | `received` and `rport` (RFC 3581) on a received request's Via |
//! | `transport` | UDP, TCP, TLS, WS, WSS: Via names, reliability |
//! | `message` | the same reading rules without `rsip`, for the browser |
//! | `rsip_quirks` | where `rsip` 0.4 surprises, each with a test |
//!
//! Everything is re-exported here: callers write `sip::parse`,
//! `sip::header`, `sip::RequestBuilder`.
//!
//! Things to know about `rsip` 0.4, and how this module copes with each:
//! [`rsip_quirks`].

/// The `rsip` crate this module builds on, re-exported so that every party
/// uses the same version.
pub use rsip;

mod builder;
mod check;
mod error;
mod fields;
mod headers;
mod hop;
mod ids;
pub mod message;
mod name_addr;
mod parse;
mod request_line;
mod response;
pub mod rsip_quirks;
mod transport;
mod uri;
mod via;

pub use builder::RequestBuilder;
pub use check::{check_request, unsupported_options, SINGLE_VALUE_HEADERS};
pub use error::{SipError, REASON_DETAIL};
pub use fields::{body_text, call_id, cseq, expires, from_aor, from_tag, max_forwards, to_aor, to_tag, Message};
pub use headers::{canonical_header_name, header, header_all, header_name_value, make_header, prepend_header, without_header};
pub use hop::{next_hop, uri_hop, Hop};
pub use ids::{new_branch, new_call_id, new_tag};
pub use name_addr::{aor, parse_name_addr, split_list, NameAddr};
pub use parse::{method_name, parse};
pub use response::{quote, reason_phrase, response, response_to_unparsed, with_body};
pub use transport::Transport;
pub use via::stamp_received;

// For the sibling modules (`message` reads with the same rules).
use error::excerpt;
use parse::{content_length, is_token, split_message};
use response::with_tag;

#[cfg(test)]
mod tests;
