//! Requests that reach us: the gateway's MESSAGEs (SOAP replies and events,
//! PROTOCOL.md §2) and the server's OPTIONS probes. Every MESSAGE gets a
//! 200 OK (RFC 3428: the answer to a MESSAGE carries no body), even when its
//! body is not for us, so the sender never retries it.

use rollcall_shared::sip::{self, rsip};
use rollcall_shared::soap::conference::Reply;

/// Methods we answer (NOTIFY in `presence.rs`); the rest get 405 with
/// this list.
pub const ALLOW: &str = "MESSAGE, NOTIFY, OPTIONS";

/// The response to send for `request`; `None` for ACK (never answered).
pub fn answer(request: &rsip::Request) -> Option<rsip::Response> {
    let to_tag = sip::new_tag();
    match request.method {
        rsip::Method::Ack => None,
        rsip::Method::Message | rsip::Method::Options => {
            Some(sip::response(request, 200, None, Some(&to_tag)))
        }
        _ => {
            let mut response = sip::response(request, 405, None, Some(&to_tag));
            response.headers.push(sip::make_header("Allow", ALLOW));
            Some(response)
        }
    }
}

/// The SOAP reply a MESSAGE carries, when it comes from the gateway.
///
/// "From the gateway" is the IM server's word for it: it replaces any
/// P-Asserted-Identity a sender put in with the authenticated AOR, and
/// refuses a From that isn't the sender's (PROTOCOL.md §1). So anyone may
/// MESSAGE us, but only the gateway's MESSAGEs change the roster.
pub fn gateway_reply(request: &rsip::Request, gateway_aor: &str) -> Result<Reply, String> {
    let sender = match sip::header(&request.headers, "P-Asserted-Identity") {
        Some(pai) => sip::parse_name_addr(&pai)
            .and_then(|a| a.parsed_uri())
            .map(|uri| sip::aor(&uri))
            .map_err(|e| e.to_string())?,
        None => sip::from_aor(request).map_err(|e| e.to_string())?,
    };
    if sender != gateway_aor {
        return Err(format!("MESSAGE from {sender}, not the gateway"));
    }
    let content_type = sip::header(&request.headers, "Content-Type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/soap+xml")
    {
        return Err(format!("MESSAGE with Content-Type `{content_type}`"));
    }
    let body = sip::body_text(request).map_err(|e| e.to_string())?;
    Reply::decode(body).map_err(|e| format!("undecodable SOAP reply: {e}"))
}
