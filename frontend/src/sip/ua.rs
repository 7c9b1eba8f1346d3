//! The browser's side of the conversation with the gateway, over the one
//! SIP user agent every party uses ([`rollcall_shared::ua`]): each SOAP
//! request goes to the gateway as a MESSAGE, and the gateway's MESSAGEs —
//! replies and events (docs/protocol.md §2) — come back as [`Reply`]s.
//! Registration, digest, transactions and presence are the shared user
//! agent's; this layer only speaks SOAP and words for the UI. Sans-IO and
//! host-tested like it; the driver (`driver.rs`) touches the browser.

use rollcall_shared::sip::Transport;
use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::CONTENT_TYPE;
use rollcall_shared::ua::{self, normalize_aor, Message, Received, Undelivered};

/// Where to register and whom to talk to (from `GET /config.json`).
#[derive(Debug, Clone)]
pub struct Config {
    pub user: String,
    /// SIP domain, e.g. `rollcall.local`.
    pub domain: String,
    /// The gateway's AOR, e.g. `sip:conference@rollcall.local`.
    pub gateway: String,
    /// The page came over https: Via transport `WSS`.
    pub secure: bool,
}

/// What the UI is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Connecting,
    /// Bound at the registrar; `again` after a reconnect.
    Registered {
        again: bool,
    },
    Lost,
    /// Sign-in refused, with why (for the sign-in form). Final.
    Refused(String),
    /// Boxed: a conference snapshot is far larger than the other events.
    Reply(Box<Reply>),
    /// A request could not be delivered, in words.
    Undeliverable(String),
    /// A watched AOR came online or went offline ([`ua::Event::Presence`]).
    Presence {
        aor: String,
        online: bool,
    },
}

/// What the driver must do: the shared user agent's outputs, whose events
/// go through [`UserAgent::ui_event`].
pub use ua::Output;

pub struct UserAgent {
    ua: ua::UserAgent,
    /// The gateway's AOR as the UI gave it (Request-URI and To)…
    gateway: String,
    /// …and normalized, to recognise its MESSAGEs.
    gateway_aor: String,
    /// Numbers the MESSAGEs we send.
    next_id: u64,
    /// Requests lost with this connection were reported (once is enough).
    lost_reported: bool,
}

impl UserAgent {
    pub fn new(config: Config, password: String) -> Self {
        let transport = if config.secure { Transport::Wss } else { Transport::Ws };
        let shared = ua::Config { user: config.user, domain: config.domain, transport, local: None, require_asserted: false };
        UserAgent {
            ua: ua::UserAgent::new(shared, password),
            gateway_aor: normalize_aor(&config.gateway),
            gateway: config.gateway,
            next_id: 0,
            lost_reported: false,
        }
    }

    pub fn is_refused(&self) -> bool {
        self.ua.is_refused()
    }

    /// The WebSocket is open: register.
    pub fn connected(&mut self, now: u64) -> Vec<Output> {
        self.lost_reported = false;
        self.ua.connected(now)
    }

    /// The WebSocket closed; requests in flight may not have arrived.
    pub fn disconnected(&mut self) -> Vec<Output> {
        self.ua.disconnected()
    }

    /// Unregister (Expires: 0) before the driver closes the connection.
    pub fn unregister(&mut self, now: u64) -> Vec<Output> {
        self.ua.unregister(now)
    }

    /// The clock moved on.
    pub fn tick(&mut self, now: u64) -> Vec<Output> {
        self.ua.tick(now)
    }

    /// The UI wants `request` sent to the gateway (once registered).
    pub fn send(&mut self, request: Request, now: u64) -> Vec<Output> {
        self.next_id += 1;
        let message =
            Message { id: self.next_id, to: self.gateway.clone(), content_type: CONTENT_TYPE.into(), body: request.encode() };
        self.ua.send(message, now)
    }

    /// Watch exactly these AORs from now on ([`ua::UserAgent::watch`]).
    pub fn watch(&mut self, aors: Vec<String>, now: u64) -> Vec<Output> {
        self.ua.watch(aors, now)
    }

    /// One text frame from the WebSocket.
    pub fn received(&mut self, frame: &str, now: u64) -> Vec<Output> {
        self.ua.received(frame, now)
    }

    /// What the UI is told of `event`, if anything.
    pub fn ui_event(&mut self, event: ua::Event) -> Option<Event> {
        Some(match event {
            ua::Event::Registered { again } => Event::Registered { again },
            ua::Event::Lost => Event::Lost,
            ua::Event::Refused(why) => Event::Refused(why),
            ua::Event::Presence { aor, online } => Event::Presence { aor, online },
            ua::Event::Delivered { .. } => return None,
            #[cfg(not(target_arch = "wasm32"))]
            ua::Event::Call { .. } => return None, // the browser places no calls
            #[cfg(not(target_arch = "wasm32"))]
            ua::Event::Notifier(_) => return None, // nor serves event packages
            #[cfg(not(target_arch = "wasm32"))]
            ua::Event::ConferenceInfo { .. } => return None, // nor follows conferences by SUBSCRIBE
            ua::Event::Received(received) => match gateway_reply(&received, &self.gateway_aor) {
                Ok(reply) => Event::Reply(Box::new(reply)),
                Err(why) => {
                    log(&format!("ignored a MESSAGE: {why}"));
                    return None;
                }
            },
            ua::Event::Undelivered { why: Undelivered::ConnectionLost, .. } => {
                if std::mem::replace(&mut self.lost_reported, true) {
                    return None;
                }
                Event::Undeliverable("The connection dropped before a request was confirmed; it may not have arrived.".into())
            }
            ua::Event::Undelivered { why, .. } => {
                Event::Undeliverable(format!("Could not reach the conference service ({why})."))
            }
        })
    }
}

/// The SOAP reply a MESSAGE carries, when it comes from the gateway. The
/// sender is the IM server's assertion ([`Received::from`]): anyone may
/// MESSAGE us, but only the gateway's MESSAGEs change the roster.
pub fn gateway_reply(received: &Received, gateway_aor: &str) -> Result<Reply, String> {
    if received.from != gateway_aor {
        return Err(format!("MESSAGE from {}, not the gateway", received.from));
    }
    if !received.content_type.to_ascii_lowercase().starts_with("application/soap+xml") {
        return Err(format!("MESSAGE with Content-Type `{}`", received.content_type));
    }
    Reply::decode(&received.body).map_err(|e| format!("undecodable SOAP reply: {e}"))
}

fn log(text: &str) {
    #[cfg(target_arch = "wasm32")]
    leptos::logging::warn!("sip: {text}");
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}

#[cfg(test)]
mod tests;
