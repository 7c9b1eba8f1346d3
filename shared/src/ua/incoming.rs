//! Requests that reach the user agent: MESSAGEs (handed to the
//! application) and OPTIONS probes. Every MESSAGE gets a 200 OK (RFC 3428:
//! the answer to a MESSAGE carries no body), even when the application
//! ignores it, so the sender never retries it.

use crate::sip::message::{uri_aor, Request, Response};
use crate::sip::{self, SipError};

use super::Received;

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

/// A MESSAGE as the application sees it. The sender is the IM server's
/// word for it: it replaces any P-Asserted-Identity a sender put in with
/// the authenticated AOR, and refuses a From that isn't the sender's
/// (docs/protocol.md §1); without the header (a MESSAGE not relayed by the
/// IM server) the From is all there is.
pub fn received(request: &Request) -> Result<Received, String> {
    let identity = match request.headers.get("P-Asserted-Identity") {
        Some(_) => "P-Asserted-Identity",
        None => "From",
    };
    let from = request.headers.address(identity).and_then(|a| uri_aor(&a.uri)).map_err(|e: SipError| e.to_string())?;
    Ok(Received {
        from,
        content_type: request.headers.get("Content-Type").unwrap_or_default().to_owned(),
        body: request.body.clone(),
    })
}
