//! Requests that reach us: the gateway's MESSAGEs (SOAP replies and events,
//! docs/protocol.md §2) and the server's OPTIONS probes. Every MESSAGE gets a
//! 200 OK (RFC 3428: the answer to a MESSAGE carries no body), even when its
//! body is not for us, so the sender never retries it.

use rollcall_shared::sip::message::{uri_aor, Request, Response};
use rollcall_shared::sip::{self, SipError};
use rollcall_shared::soap::conference::Reply;

/// Methods we answer (NOTIFY in `presence.rs`); the rest get 405 with
/// this list.
pub const ALLOW: &str = "MESSAGE, NOTIFY, OPTIONS";

/// The response to send for `request`; `None` for ACK (never answered).
pub fn answer(request: &Request) -> Option<Response> {
    let to_tag = sip::new_tag();
    match request.method.as_str() {
        "ACK" => None,
        "MESSAGE" | "OPTIONS" => Some(request.response(200, None, Some(&to_tag))),
        _ => {
            let mut response = request.response(405, None, Some(&to_tag));
            response.headers.push("Allow", ALLOW);
            Some(response)
        }
    }
}

/// The SOAP reply a MESSAGE carries, when it comes from the gateway.
///
/// "From the gateway" is the IM server's word for it: it replaces any
/// P-Asserted-Identity a sender put in with the authenticated AOR, and
/// refuses a From that isn't the sender's (docs/protocol.md §1). So anyone may
/// MESSAGE us, but only the gateway's MESSAGEs change the roster.
pub fn gateway_reply(request: &Request, gateway_aor: &str) -> Result<Reply, String> {
    let identity = match request.headers.get("P-Asserted-Identity") {
        Some(_) => "P-Asserted-Identity",
        None => "From",
    };
    let sender = request
        .headers
        .address(identity)
        .and_then(|a| uri_aor(&a.uri))
        .map_err(|e: SipError| e.to_string())?;
    if sender != gateway_aor {
        return Err(format!("MESSAGE from {sender}, not the gateway"));
    }
    let content_type = request.headers.get("Content-Type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/soap+xml")
    {
        return Err(format!("MESSAGE with Content-Type `{content_type}`"));
    }
    Reply::decode(&request.body).map_err(|e| format!("undecodable SOAP reply: {e}"))
}
