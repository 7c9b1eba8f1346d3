//! Where `rsip` 0.4 surprises, and where this module copes with it. Each
//! quirk has a test below that shows `rsip`'s own behaviour: when an
//! upgrade fixes one, its test fails and the workaround can go.
//!
//! - Known status codes print their Rust variant name as the reason phrase
//!   (`480 TemporarilyUnavailable`) and lose the received reason phrase on
//!   parse. [`parse`](super::parse) and [`response`](super::response)
//!   therefore always give `StatusCode::Other(code, phrase)` (the phrase
//!   received, or the standard one): compare status codes with `.code()`,
//!   never with `==` on the enum.
//! - Compact header names (`i:`, `f:`, `v:` …), `Subscription-State` and
//!   every header it does not know arrive as `Header::Other`; [`parse`](super::parse)
//!   expands compact names and maps known names to their typed variants, so
//!   `rsip`'s own accessors (`from_header()` …) work on its result.
//! - `rsip::Uri` mis-parses a user part containing a dot (`sip:a.b@host`
//!   becomes a host `a.b@host` with no user) and keeps `?headers` in the host;
//!   [`aor`](super::aor) corrects for both. IPv6 references (`[::1]`) do not parse.
//! - `rsip::Uri` mis-reads a `;` in the user part (`sip:user;par=x@host`,
//!   valid: RFC 4475 §3.1.1.9) as a host `user` with parameters, and
//!   `rsip` refuses a request line holding such a URI. It takes `<sip:a@b>`
//!   for a URI (with a user `<sip`), refuses a URI of an unknown scheme
//!   such as `isbn:2983792873`, and prints `transport=ws` as
//!   `transport=WS`. So [`parse`](super::parse) reads the Request-URI, and
//!   [`NameAddr::parsed_uri`](super::NameAddr::parsed_uri) and
//!   [`RequestBuilder`](super::RequestBuilder) their URIs, by the SIP-URI
//!   grammar (the `uri` module), building `rsip`'s `Uri` themselves.
//! - Typed `Contact`/`From`/`To` parsing fails on quoted parameter values
//!   (`+sip.instance="<urn:…>"`, sent by most WebSocket clients); use
//!   [`parse_name_addr`](super::parse_name_addr) instead.
//! - Unknown methods are a parse error (`rsip::Method` is a closed enum):
//!   [`parse`](super::parse) reports them as [`SipError::UnknownMethod`](super::SipError::UnknownMethod) and
//!   [`response_to_unparsed`](super::response_to_unparsed) can still answer them (405).
//! - Printing a `Method` goes through Unicode case tables that weigh on the
//!   browser's `.wasm`; [`method_name`](super::method_name) is the plain table.

#[cfg(test)]
mod tests;
