//! Conference state documents of the SIP conference event package
//! (RFC 4575, `application/conference-info+xml`): the bodies of the
//! gateway's NOTIFYs to a conference's subscriber (docs/protocol.md §7).
//!
//! - The model below is the part of RFC 4575's schema Rollcall uses:
//!   the conference's entity, `version` and `state` (`full`, `partial`,
//!   `deleted`), `conference-description` (`subject`), `conference-state`
//!   (`user-count`, `active`, `locked`), and `users`, each `user` with its
//!   `endpoint`s (`status`, `disconnection-method`, `disconnection-info`,
//!   `media`).
//! - [`ConferenceInfo::to_xml`] writes a document in the namespace
//!   [`NAMESPACE`] (the default namespace, no prefix), escaping every value;
//!   [`ConferenceInfo::read`] reads one whatever its prefixes, ignoring
//!   elements of other namespaces (extensions) and the parts of the schema
//!   Rollcall does not model.
//! - [`mapping`]: Rollcall's participants and conferences as documents —
//!   the full one a subscription starts with and the partial ones that
//!   follow each change (RFC 4575 §4.2).
//!
//! Everything is bounded: at most [`MAX_USERS`] users, [`MAX_ENDPOINTS`]
//! endpoints a user and [`MAX_MEDIA`] media an endpoint, texts and entities
//! of at most [`MAX_TEXT_BYTES`]; the reader refuses a document beyond any
//! of these, and the mapping cuts texts to fit.

pub mod mapping;
mod read;
mod write;

use std::fmt;
use std::str::FromStr;

pub use read::ReadError;

/// `Content-Type` of a conference state document.
pub const CONTENT_TYPE: &str = "application/conference-info+xml";
/// The conference-info namespace (RFC 4575 §5).
pub const NAMESPACE: &str = "urn:ietf:params:xml:ns:conference-info";
/// The event package name (`Event: conference`, RFC 4575 §3.1).
pub const EVENT_PACKAGE: &str = "conference";

/// Most users in one document (a conference has far fewer participants).
pub const MAX_USERS: usize = 256;
/// Most endpoints of one user.
pub const MAX_ENDPOINTS: usize = 16;
/// Most media of one endpoint.
pub const MAX_MEDIA: usize = 4;
/// Longest text or entity, in bytes (display texts, subject, reasons, URIs).
pub const MAX_TEXT_BYTES: usize = 512;

/// The `state` attribute of a document or an element (RFC 4575 §4.2):
/// `full` replaces what the subscriber had, `partial` is merged into it,
/// `deleted` removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocState {
    #[default]
    Full,
    Partial,
    Deleted,
}

/// `endpoint/status` (RFC 4575 §5.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointStatus {
    Pending,
    DialingOut,
    DialingIn,
    Alerting,
    OnHold,
    Connected,
    MutedViaFocus,
    Disconnecting,
    Disconnected,
}

/// `endpoint/disconnection-method` (RFC 4575 §5.6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectionMethod {
    /// It hung up (or the conference ended).
    Departed,
    /// Removed by the conference's owner.
    Booted,
    /// The call did not get through.
    Failed,
    Busy,
}

/// `media/status` (RFC 4575 §5.6.9), from the focus's side: `recvonly`
/// is what a participant muted by the focus has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaStatus {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

/// A `conference-info` document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConferenceInfo {
    /// The conference's URI, e.g. `sip:conf-0123…@rollcall.local`.
    pub entity: String,
    /// Rises by one with every document of a subscription (version 1 first).
    pub version: u32,
    pub state: DocState,
    pub description: Option<Description>,
    pub conference_state: Option<ConferenceStateInfo>,
    pub users: Option<Users>,
}

/// `conference-description`: here only its subject and display text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description {
    pub display_text: Option<String>,
    pub subject: Option<String>,
}

/// `conference-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConferenceStateInfo {
    /// How many participants are connected now.
    pub user_count: Option<u32>,
    /// The conference is in session.
    pub active: Option<bool>,
    /// No one new may be added.
    pub locked: Option<bool>,
}

/// `users`, with its own `state` (`partial` in a partial document).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Users {
    pub state: DocState,
    pub users: Vec<User>,
}

/// One `user`, named by its `entity` (`tel:+14255550100`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    pub entity: String,
    pub state: DocState,
    pub display_text: Option<String>,
    pub endpoints: Vec<Endpoint>,
}

/// One `endpoint` of a user: a call leg.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoint {
    pub entity: String,
    pub state: DocState,
    pub status: Option<EndpointStatus>,
    pub disconnection_method: Option<DisconnectionMethod>,
    /// `disconnection-info/reason`, e.g. `Q.850;cause=17`.
    pub disconnection_reason: Option<String>,
    pub media: Vec<Media>,
}

/// One `media` stream of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Media {
    /// The required `id` attribute.
    pub id: String,
    /// `type`, e.g. `audio`.
    pub media_type: Option<String>,
    pub status: Option<MediaStatus>,
}

impl ConferenceInfo {
    /// The document as XML (UTF-8, with an XML declaration).
    pub fn to_xml(&self) -> String {
        write::document(self)
    }

    /// Reads a document; see the module's notes on what is kept.
    pub fn read(xml: &str) -> Result<ConferenceInfo, ReadError> {
        read::document(xml)
    }
}

/// A value read from an attribute or element that is not one of its
/// enumeration's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue(pub String);

/// The text ↔ enum tables, one place for the writer and the reader.
macro_rules! tokens {
    ($ty:ty { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The value as the schema spells it.
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $text),+ }
            }
        }
        impl FromStr for $ty {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s.trim() {
                    $($text => Ok(<$ty>::$variant),)+
                    other => Err(UnknownValue(other.chars().take(40).collect())),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

tokens!(DocState { Full = "full", Partial = "partial", Deleted = "deleted" });
tokens!(EndpointStatus {
    Pending = "pending",
    DialingOut = "dialing-out",
    DialingIn = "dialing-in",
    Alerting = "alerting",
    OnHold = "on-hold",
    Connected = "connected",
    MutedViaFocus = "muted-via-focus",
    Disconnecting = "disconnecting",
    Disconnected = "disconnected",
});
tokens!(DisconnectionMethod { Departed = "departed", Booted = "booted", Failed = "failed", Busy = "busy" });
tokens!(MediaStatus { SendRecv = "sendrecv", SendOnly = "sendonly", RecvOnly = "recvonly", Inactive = "inactive" });

/// `text` cut to at most [`MAX_TEXT_BYTES`], on a character boundary.
pub fn bounded(text: &str) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text.to_string();
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests;
