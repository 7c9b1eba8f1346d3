//! Phones a person holds on the simulated telephone network: the phone panel
//! of docs/protocol.md §5 ("unless a person holds that phone in the phone panel").
//!
//! The simulator answers every ordinary number by itself after a delay. A
//! person can instead *hold* a number: from then on a call to it rings until
//! that person acts, as a real phone would. This is how participants of the
//! hosted demo pick up. The rules, decided here and documented in
//! `docs/protocol.md`:
//!
//! - Only E.164 numbers can be held, and not the test numbers of §5, whose
//!   behaviour is fixed. A number has at most one holder; holding it again
//!   is a no-op for its holder and refused for anybody else.
//! - Whether a call is for a person is decided when it is dialled: holding
//!   or releasing a number changes later calls, not one already under way
//!   (except that releasing hangs up the calls on it, see below).
//! - A held phone takes one call at a time. A call to a held phone that
//!   already has a live call is `Busy` (17) after the ring delay, like a
//!   phone without call waiting.
//! - A held phone rings until its person answers (`Answered`), declines
//!   (`Failed(21)`, call rejected) or the network's no-answer timeout runs
//!   out (`NoAnswer`, 19) — a person away from the panel is a phone nobody
//!   picks up. A connected call lasts until the person hangs up
//!   (`HungUp(16)`) or the conference releases it.
//! - Releasing a number hangs up its live call, ringing or connected, with
//!   `HungUp(16)`: the phone left the network, and normal clearing is what
//!   the far end of a real line would report.
//!
//! The types here are what the simulator keeps and what it shows; the
//! simulator ([`super::Simulator`]) owns the table and every change, under
//! its one lock.

use std::time::SystemTime;

use crate::bridge::LegId;

/// How far a call to a held phone has got. Calls leave the table when they
/// end, so there is no final state here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Dialled; the phone is not ringing yet (the network's ring delay).
    Dialing,
    /// Ringing, waiting for the person.
    Ringing,
    /// Answered by the person, who hears the announcement of a screened
    /// call and has not been let in yet.
    Confirming,
    /// Answered by the person (and, when screened, let in).
    Connected,
}

impl CallState {
    /// Wire name in the panel's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Dialing => "dialing",
            CallState::Ringing => "ringing",
            CallState::Confirming => "confirming",
            CallState::Connected => "connected",
        }
    }
}

/// A live call on a held phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCall {
    pub number: String,
    /// Who held the number when the call was dialled: the only user who may
    /// act on the call.
    pub holder: String,
    /// Who is calling, as the bridge presented it (the conference account).
    pub caller: String,
    pub state: CallState,
    /// When the call entered `state`.
    pub since: SystemTime,
    /// What the person hears on answering a screened call.
    pub announcement: Option<String>,
    /// The conference muted it.
    pub muted: bool,
}

/// One user's view of the panel: the numbers they hold, each with its live
/// call if any, and a version that changes whenever this view changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelView {
    pub version: u64,
    /// Sorted by number.
    pub phones: Vec<PhoneView>,
}

/// A held number and its live call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneView {
    pub number: String,
    /// The live call; `None` when idle. A call still in [`CallState::Dialing`]
    /// is shown too, so the view is exactly what the simulator holds.
    pub call: Option<CallView>,
}

/// A live call as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    pub id: LegId,
    pub state: CallState,
    pub since: SystemTime,
    pub caller: String,
    pub announcement: Option<String>,
    pub muted: bool,
}

/// Why a panel operation was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("`{0}` is not an E.164 number")]
    InvalidNumber(String),
    #[error("{0} is a test number of the simulated network and cannot be held")]
    TestNumber(String),
    #[error("{0} is held by someone else")]
    HeldByOther(String),
    #[error("{0} is not one of your numbers (the directory lists yours)")]
    NotYours(String),
    #[error("you hold {0} phones, the most one person may")]
    TooMany(usize),
    #[error("{0} is not held")]
    NotHeld(String),
    /// No such live call on a phone this user holds (it may have ended, or
    /// belong to someone else: the two are not told apart).
    #[error("no call {0} on your phones")]
    NoSuchCall(String),
    /// The call is not in a state where this action makes sense (answering
    /// a connected call, hanging up one that is still ringing, …).
    #[error("call {id} is {state}; cannot {action} it")]
    WrongState { id: String, state: &'static str, action: &'static str },
    /// Not a key of a telephone keypad.
    #[error("`{0}` is not a key of a phone's keypad (0-9, *, #)")]
    NoSuchKey(String),
}

/// Most phones one person may hold at once.
pub const MAX_HELD_PER_USER: usize = 10;
