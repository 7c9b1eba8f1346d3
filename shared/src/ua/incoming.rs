//! Requests that reach the user agent, and where each goes: the calls'
//! requests to [`super::call`], NOTIFYs to the subscriptions
//! ([`super::subscriber`]), SUBSCRIBEs to the application as notifier
//! ([`super::notifier`]); MESSAGEs (handed to the application) and OPTIONS
//! probes are answered here. Every MESSAGE gets a 200 OK (RFC 3428: the
//! answer to a MESSAGE carries no body), even when the application ignores
//! it, so the sender never retries it.

use crate::sip::message::{uri_aor, Request, Response};
use crate::sip::{self, SipError};

use super::{Event, Output, Received, UserAgent};

/// Methods we answer (NOTIFY in `subscriber.rs`); the rest get 405 with
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

impl UserAgent {
    /// A request that arrived: a retransmission gets its answer again (not
    /// in the browser, whose WebSocket never retransmits); a new one is
    /// handled, and its answer kept for retransmissions.
    pub(super) fn on_request(&mut self, request: Request, now: u64) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use super::server_transaction::Seen;
            let reliable = self.config.transport.is_reliable();
            match self.server_transactions.seen(&request, reliable, now) {
                Seen::Again(answer) => return self.out.push(Output::Send(answer)),
                Seen::Absorbed => return,
                Seen::New => {}
            }
            let mark = self.out.len();
            self.handle_request(&request, now);
            let answer = self.out[mark..].iter().find_map(|o| match o {
                Output::Send(text) if text.starts_with("SIP/2.0 ") => Some(text.clone()),
                _ => None,
            });
            if let Some(answer) = answer {
                self.server_transactions.answered(&request, &answer, reliable, now);
            }
        }
        #[cfg(target_arch = "wasm32")]
        self.handle_request(&request, now);
    }

    fn handle_request(&mut self, request: &Request, now: u64) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let (calls, mut cx) = self.call_context();
            if calls.on_request(&mut cx, request, now) {
                return;
            }
        }
        if request.method == "NOTIFY" {
            return self.on_notify(request, now);
        }
        let require_asserted = cfg!(not(target_arch = "wasm32")) && self.config.require_asserted;
        #[cfg(not(target_arch = "wasm32"))]
        if request.method == "SUBSCRIBE" && !self.event_packages.is_empty() {
            let asserted = super::notifier::asserted(request);
            if require_asserted && asserted.is_none() {
                let response = request.response(403, Some("No asserted identity"), Some(&sip::new_tag()));
                return self.out.push(Output::Send(response.to_string()));
            }
            let event = super::notifier::NotifierEvent::Subscribe { request: request.clone(), asserted };
            return self.out.push(Output::Event(Event::Notifier(event)));
        }
        if request.method == "MESSAGE" && require_asserted && request.headers.get("P-Asserted-Identity").is_none() {
            let response = request.response(403, Some("No asserted identity"), Some(&sip::new_tag()));
            return self.out.push(Output::Send(response.to_string()));
        }
        if let Some(response) = answer(request) {
            self.out.push(Output::Send(response.to_string()));
        }
        if request.method == "MESSAGE" {
            // One whose sender cannot be read was answered, and is dropped.
            if let Ok(received) = received(request) {
                self.out.push(Output::Event(Event::Received(received)));
            }
        }
    }
}
