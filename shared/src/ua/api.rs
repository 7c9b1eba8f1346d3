//! What the application and the driver exchange with the user agent:
//! who it is ([`Config`]), what it is asked to send ([`Message`]), what it
//! reports ([`Event`]) and what it asks the driver to do ([`Output`]).

#[cfg(not(target_arch = "wasm32"))]
use super::call;
use crate::sip::Transport;

/// Who this user agent is and how it reaches the IM server.
#[derive(Debug, Clone)]
pub struct Config {
    pub user: String,
    /// SIP domain, e.g. `rollcall.local`.
    pub domain: String,
    /// The transport the driver speaks.
    pub transport: Transport,
    /// Where this UA can be reached (`host:port`) for its Via and Contact.
    /// `None` over WebSocket: a random `.invalid` name (RFC 7118 §5.2), the
    /// server routes by connection anyway.
    pub local: Option<String>,
    /// Only take MESSAGEs whose sender the IM server asserted
    /// (P-Asserted-Identity, RFC 3325): others get `403`. For a UA that
    /// acts on who sent a request (the gateway).
    pub require_asserted: bool,
}

/// A MESSAGE the application wants sent. `id` is the application's, and
/// comes back in [`Event::Delivered`] or [`Event::Undelivered`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u64,
    /// Request-URI and To, e.g. `sip:conference@rollcall.local`.
    pub to: String,
    pub content_type: String,
    pub body: String,
}

/// A MESSAGE that reached us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The sender's AOR as the IM server asserted it (P-Asserted-Identity,
    /// else From): the only identity to trust.
    pub from: String,
    pub content_type: String,
    pub body: String,
}

/// Why a MESSAGE was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// A final response other than 2xx, with its reason phrase.
    Status(u16, String),
    /// No final response within Timer F.
    Timeout,
    /// The connection dropped before it was answered: it may have arrived.
    ConnectionLost,
    /// It could not be written as SIP (a bad URI or header).
    Invalid(String),
}

impl std::fmt::Display for Undelivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undelivered::Status(code, reason) => write!(f, "{code} {reason}"),
            Undelivered::Timeout => f.write_str("no answer from the server"),
            Undelivered::ConnectionLost => f.write_str("the connection dropped before it was confirmed"),
            Undelivered::Invalid(why) => f.write_str(why),
        }
    }
}

/// What the application is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Bound at the registrar; `again` after a reconnect.
    Registered {
        again: bool,
    },
    Lost,
    /// Sign-in refused, with why (for the sign-in form). Final.
    Refused(String),
    Received(Received),
    Delivered {
        id: u64,
    },
    Undelivered {
        id: u64,
        why: Undelivered,
    },
    /// A watched AOR (as given to [`UserAgent::watch`](super::UserAgent::watch)) came online or went
    /// offline. Only changes are reported, the first state too; a
    /// subscription that ends or fails reports `online: false`.
    Presence {
        aor: String,
        online: bool,
    },
    /// What became of call `id` ([`UserAgent::invite`](super::UserAgent::invite); not in the browser,
    /// which places no calls).
    #[cfg(not(target_arch = "wasm32"))]
    Call {
        id: u64,
        event: call::CallEvent,
    },
    /// A SUBSCRIBE to answer, or what became of a NOTIFY
    /// ([`notifier`](super::notifier); not in the browser).
    #[cfg(not(target_arch = "wasm32"))]
    Notifier(super::notifier::NotifierEvent),
    /// A NOTIFY of a conference followed with
    /// [`UserAgent::follow_conference`](super::UserAgent::follow_conference)
    /// (not in the browser): `uri` as it was given, the
    /// `application/conference-info+xml` `body` as it came (empty when the
    /// NOTIFY had none; read it with
    /// [`ConferenceInfo::read`](crate::conference_info::ConferenceInfo::read)).
    /// `terminated` says the subscription ended, and why: the
    /// `Subscription-State` reason (`noresource` when the conference ended;
    /// empty when none was given), or the status code of a refused
    /// SUBSCRIBE (`403`, `404`…), or [`conference::TOO_MANY`](super::conference::TOO_MANY) /
    /// [`conference::INVALID`](super::conference::INVALID). After
    /// `noresource`, `rejected`, `invariant`, a refusal or those two the
    /// conference is no longer followed; after any other end (`timeout`, a
    /// 408 or 5xx…) it is subscribed to again, the next document full.
    #[cfg(not(target_arch = "wasm32"))]
    ConferenceInfo {
        uri: String,
        body: String,
        terminated: Option<String>,
    },
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send this message.
    Send(String),
    Event(Event),
    /// The connection is no good (no answer in time, registrar trouble):
    /// close it and reconnect with backoff.
    Reconnect,
}
