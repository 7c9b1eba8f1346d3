//! The data model of Rollcall's SOAP bodies. Plain Rust values; the XML
//! encoding lives in `xml.rs`, `conference.rs` and `bridge.rs`.

use std::fmt;
use std::str::FromStr;

/// Where a person is to be called (`c:location`), after the seed's Figure 3
/// drop-down: work, home, mobile (cell) or other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Location {
    #[default]
    Work,
    Home,
    Mobile,
    Other,
}

/// State of one call leg (`c:state` of a participant). The initiator is
/// participant number one and moves through the same states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantState {
    Dialing,
    Ringing,
    /// Answered and hearing the announcement: not in the conference until
    /// they press 1 (docs/protocol.md §6).
    Confirming,
    Connected,
    Busy,
    NoAnswer,
    Failed,
    Disconnected,
}

/// State of a conference (`c:state` of a conference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConferenceState {
    Creating,
    Active,
    Terminated,
}

/// Why a conference ended (`c:reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerminationReason {
    InitiatorHungUp,
    EndedByInitiator,
    FatalError,
    Inactivity,
}

/// A Q.850 cause code (`c:cause`), e.g. 16 normal clearing, 17 user busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cause(pub u16);

impl Cause {
    pub const UNALLOCATED_NUMBER: Cause = Cause(1);
    pub const NORMAL_CLEARING: Cause = Cause(16);
    pub const USER_BUSY: Cause = Cause(17);
    pub const NO_ANSWER: Cause = Cause(19);
    pub const CALL_REJECTED: Cause = Cause(21);
    pub const TEMPORARY_FAILURE: Cause = Cause(41);

    /// The cause in words, for people.
    pub fn describe(self) -> &'static str {
        match self.0 {
            1 => "number not in service",
            16 => "normal clearing",
            17 => "busy",
            18 => "no response",
            19 => "no answer",
            21 => "call rejected",
            27 => "destination out of order",
            28 => "invalid number format",
            34 => "no circuit available",
            38 => "network out of order",
            41 => "temporary failure",
            _ => "other cause",
        }
    }
}

/// A person to call: `c:initiator` or `c:participant` in requests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Party {
    pub name: String,
    /// E.164, e.g. `+14255550100`.
    pub phone: String,
    pub location: Location,
    pub email: Option<String>,
    /// The person's other numbers (`c:alternatives`), in the order to try
    /// them when `phone` is busy, unanswered or fails (docs/protocol.md §6).
    pub alternatives: Vec<Alternative>,
}

/// Another number for the same person (`c:alternative`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alternative {
    pub phone: String,
    pub location: Location,
}

/// Which of a person's numbers a participant's call is on: `c:phone`,
/// `c:location` and `c:attempt` (1 for the first number) of a
/// `c:ParticipantStatus` whose person has fallback numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub phone: String,
    pub location: Location,
    pub number: u32,
}

/// One participant as the conference service knows it (snapshot entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub participant_id: String,
    pub name: String,
    pub phone: String,
    pub location: Location,
    pub state: ParticipantState,
    pub cause: Option<Cause>,
    /// `c:muted`: left out of everyone's mix (absent on the wire: `false`).
    pub muted: bool,
    /// `c:attempt`, for a person with fallback numbers: which of them
    /// `phone` is (1 for the first).
    pub attempt: Option<u32>,
}

/// `c:Conference`: a full snapshot of one conference. `participants` lists
/// every call leg, the initiator first (it is participant number one);
/// `initiator` repeats that first leg for readers that want it by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceSnapshot {
    /// Echoed when the snapshot answers a `GetConference`.
    pub request_id: Option<String>,
    pub conference_id: String,
    pub sequence: u64,
    pub state: ConferenceState,
    pub reason: Option<TerminationReason>,
    pub initiator: Participant,
    pub participants: Vec<Participant>,
    /// `c:locked`: nobody can be added (absent on the wire: `false`).
    pub locked: bool,
    /// `c:conferenceUri`: the conference's SIP URI, for the RFC 4575
    /// event package (docs/protocol.md §7). Added by the gateway, which
    /// knows the domain.
    pub conference_uri: Option<String>,
    /// `c:subject`: what the conference is about (the e-mail's subject).
    pub subject: Option<String>,
    /// `c:created` (RFC 3339): when it was created, so a reader can tell
    /// how long it has run.
    pub created: Option<String>,
}

/// `c:ParticipantStatus` (also the payload of the bridge's
/// `notifyParticipantStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantStatus {
    pub conference_id: String,
    pub participant_id: String,
    pub sequence: u64,
    pub state: ParticipantState,
    pub cause: Option<Cause>,
    /// RFC 3339.
    pub time: String,
    /// `c:muted` (absent on the wire: `false`).
    pub muted: bool,
    /// The number being tried, for a person with fallback numbers.
    pub attempt: Option<Attempt>,
    /// `c:final`: `Some(false)` on the outcome of an attempt that another
    /// will follow; `None` (or `true`) when this outcome is the last word.
    pub final_outcome: Option<bool>,
}

/// `c:ConferenceStatus` (also the payload of `notifyConferenceStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceStatus {
    pub conference_id: String,
    pub sequence: u64,
    pub state: ConferenceState,
    pub reason: Option<TerminationReason>,
    /// RFC 3339.
    pub time: String,
    /// `c:locked` (absent on the wire: `false`).
    pub locked: bool,
}

/// SOAP 1.2 `env:Code/env:Value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    Sender,
    Receiver,
}

/// `env:Subcode/env:Value`, in the `c:` namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    NotAuthorized,
    NoSuchConference,
    NoSuchParticipant,
    InvalidNumber,
    InvalidRequest,
    ConferenceFull,
    BridgeUnavailable,
    /// docs/protocol.md §6: `c:AddParticipant` to a locked conference.
    ConferenceLocked,
    /// docs/protocol.md §6: too many requests from this user; `retry_after` says
    /// when to try again.
    RateLimited,
}

impl FaultKind {
    /// Whose fault it is: the bridge being down is the receiver's, every
    /// other kind is the sender's.
    pub fn code(self) -> FaultCode {
        match self {
            FaultKind::BridgeUnavailable => FaultCode::Receiver,
            _ => FaultCode::Sender,
        }
    }
}

/// A SOAP 1.2 `env:Fault`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: FaultCode,
    pub kind: FaultKind,
    /// `env:Reason/env:Text`, for people.
    pub reason: String,
    /// `c:requestId` in `env:Detail`, when the request had one.
    pub request_id: Option<String>,
    /// `c:retryAfter` (seconds) in `env:Detail`, with `c:RateLimited`.
    pub retry_after: Option<u64>,
}

impl Fault {
    pub fn new(kind: FaultKind, reason: impl Into<String>) -> Self {
        Fault { code: kind.code(), kind, reason: reason.into(), request_id: None, retry_after: None }
    }

    /// With `c:retryAfter` in seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.reason)
    }
}

/// Error for a token that is not one of an enumeration's wire names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`")]
pub struct UnknownToken {
    pub what: &'static str,
    pub value: String,
}

/// Wire names of the enumerations, in one table each.
macro_rules! wire_names {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name used on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl FromStr for $ty {
            type Err = UnknownToken;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($name => Ok($ty::$variant),)+
                    other => Err(UnknownToken { what: $what, value: other.to_string() }),
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

wire_names!(Location, "location", {
    Work => "work", Home => "home", Mobile => "mobile", Other => "other",
});
/// JSON (the address book API) uses the same names as the SOAP wire.
impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

wire_names!(ParticipantState, "participant state", {
    Dialing => "dialing", Ringing => "ringing", Confirming => "confirming", Connected => "connected",
    Busy => "busy", NoAnswer => "no-answer", Failed => "failed",
    Disconnected => "disconnected",
});
wire_names!(ConferenceState, "conference state", {
    Creating => "creating", Active => "active", Terminated => "terminated",
});
wire_names!(TerminationReason, "reason", {
    InitiatorHungUp => "initiator-hung-up", EndedByInitiator => "ended-by-initiator",
    FatalError => "fatal-error", Inactivity => "inactivity",
});
wire_names!(FaultKind, "fault subcode", {
    NotAuthorized => "NotAuthorized", NoSuchConference => "NoSuchConference",
    NoSuchParticipant => "NoSuchParticipant", InvalidNumber => "InvalidNumber",
    InvalidRequest => "InvalidRequest", ConferenceFull => "ConferenceFull",
    BridgeUnavailable => "BridgeUnavailable", ConferenceLocked => "ConferenceLocked",
    RateLimited => "RateLimited",
});

impl ParticipantState {
    /// A final state: the leg is over and will not change again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ParticipantState::Busy | ParticipantState::NoAnswer | ParticipantState::Failed | ParticipantState::Disconnected
        )
    }
}

/// Is `phone` an E.164 number: `+`, then 2 to 15 digits, the first not 0?
pub fn is_e164(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else { return false };
    (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

#[cfg(test)]
mod tests;
