//! The two state machines of the conference service: one per call leg
//! ([`LegState`]) and one per conference ([`ConfState`]).
//!
//! Both are plain enums with a `next` function that lists every allowed
//! transition explicitly; anything else is an [`InvalidTransition`] error,
//! never a panic, because the inputs come from the outside world (a bridge
//! may report twice, or report on a leg the service already released) and the
//! service must shrug those off.
//!
//! ```text
//! leg:         Pending ──Dial──▶ Dialing ──Ringing──▶ Ringing ──Answered──▶ Connected
//!                 ▲                 │  └──────Answered─────────────▲           │
//!                 │                 │  (Screened ▶ Confirming ─Confirmed─┘)    │
//!                 │                 ├─▶ Busy / NoAnswer / Failed ◀─┤           │
//!                 │                        │ (next number)                     │
//!                 └────────────────────────┘                                   │
//!                 └─Release/Lost─▶ Disconnected ◀── HungUp / Release / Lost ─┘
//! ```
//!
//! A screened leg (`c:confirm`, docs/protocol.md §6) answers into
//! `Confirming`: `Confirmed` (the party pressed 1) connects it; `Declined`
//! (another key) or hanging up ends it `Disconnected(21)`; `NoAnswer` (the
//! confirmation timeout) ends it like a phone nobody picked up. A leg whose
//! number was busy, unanswered or failed goes back to `Pending` when the
//! person has another number to try (`Redial`).
//!
//! ```text
//!
//! conference:  Creating ──InitiatorConnected──▶ Active
//!                 │                               │
//!                 └──▶ Terminated(reason) ◀───────┘
//! ```

use rollcall_shared::soap::{Cause, ConferenceState, ParticipantState, TerminationReason};

use crate::bridge::BridgeEventKind;

/// An input that is not allowed in the machine's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {machine} transition: {input} in state {from}")]
pub struct InvalidTransition {
    /// `"leg"` or `"conference"`.
    pub machine: &'static str,
    /// The state the machine was in (it stays there).
    pub from: String,
    pub input: String,
}

/// State of one call leg. The wire knows the same states
/// ([`ParticipantState`]) plus the cause of final ones; `Pending` is internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    /// Accepted but not dialled yet: a participant of a conference whose
    /// initiator has not answered (participants are only called once the
    /// initiator is there to greet them). Shown as `dialing` on the wire.
    Pending,
    Dialing,
    Ringing,
    /// Answered, hearing the announcement; not in the mix until confirmed.
    Confirming,
    Connected,
    Busy,
    NoAnswer,
    Failed(Cause),
    Disconnected(Cause),
}

/// What can happen to a leg: the bridge's events, and the service's own
/// `Dial` and `Release` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegInput {
    /// The service handed the leg to the bridge.
    Dial,
    Ringing,
    Answered,
    /// Answered, on a leg that must confirm first (it hears the
    /// announcement).
    Screened,
    /// The screened party pressed 1.
    Confirmed,
    /// The screened party pressed another key: call rejected (21).
    Declined,
    /// The person's next number is about to be dialled (from a busy,
    /// unanswered or failed attempt). No event of its own: the next
    /// `Dial` reports the new attempt.
    Redial,
    Busy,
    NoAnswer,
    Failed(Cause),
    /// The far end hung up, or the bridge confirms a release.
    HungUp(Cause),
    /// The leg is gone through a failure of the bridge (or the service
    /// ends it because its conference failed): from any live state, with
    /// the failure's cause.
    Lost(Cause),
    /// The service released the leg (remove, end, initiator gone). It takes
    /// effect at once, with cause 16, without waiting for the bridge's
    /// confirmation: the order of events the client is promised (docs/protocol.md
    /// §4, e.g. "the initiator last") must not depend on a driver's timing.
    Release,
}

impl LegInput {
    /// The input a bridge event is to a leg; `None` for a report that
    /// changes no state (audio quality).
    pub fn from_bridge(kind: BridgeEventKind) -> Option<LegInput> {
        Some(match kind {
            BridgeEventKind::Ringing => LegInput::Ringing,
            BridgeEventKind::Answered => LegInput::Answered,
            BridgeEventKind::Busy => LegInput::Busy,
            BridgeEventKind::NoAnswer => LegInput::NoAnswer,
            BridgeEventKind::Failed(cause) => LegInput::Failed(cause),
            BridgeEventKind::HungUp(cause) => LegInput::HungUp(cause),
            BridgeEventKind::Lost(cause) => LegInput::Lost(cause),
            BridgeEventKind::Quality(_) | BridgeEventKind::Digit(_) => return None,
        })
    }
}

impl LegState {
    /// The state after `input`, or why there is none.
    ///
    /// Two transitions beyond the happy path are deliberate: `Dialing →
    /// Connected` (networks need not signal alerting before an answer), and
    /// `Dialing/Ringing → Disconnected` on `HungUp` (a call released while
    /// being set up, reported by the network).
    pub fn next(self, input: LegInput) -> Result<LegState, InvalidTransition> {
        use LegInput as I;
        use LegState as S;
        let next = match (self, input) {
            (S::Pending, I::Dial) => S::Dialing,
            (S::Dialing, I::Ringing) => S::Ringing,
            (S::Dialing | S::Ringing, I::Answered) => S::Connected,
            (S::Dialing | S::Ringing, I::Screened) => S::Confirming,
            (S::Confirming, I::Confirmed) => S::Connected,
            (S::Confirming, I::Declined | I::HungUp(_)) => S::Disconnected(Cause::CALL_REJECTED),
            (S::Dialing | S::Ringing, I::Busy) => S::Busy,
            (S::Dialing | S::Ringing | S::Confirming, I::NoAnswer) => S::NoAnswer,
            (S::Dialing | S::Ringing, I::Failed(cause)) => S::Failed(cause),
            (S::Busy | S::NoAnswer | S::Failed(_), I::Redial) => S::Pending,
            (S::Dialing | S::Ringing | S::Connected, I::HungUp(cause)) => S::Disconnected(cause),
            (S::Pending | S::Dialing | S::Ringing | S::Confirming | S::Connected, I::Release) => {
                S::Disconnected(Cause::NORMAL_CLEARING)
            }
            (S::Pending | S::Dialing | S::Ringing | S::Confirming | S::Connected, I::Lost(cause)) => S::Disconnected(cause),
            (from, input) => {
                return Err(InvalidTransition { machine: "leg", from: format!("{from:?}"), input: format!("{input:?}") })
            }
        };
        Ok(next)
    }

    /// The leg is over; nothing will change it again.
    pub fn is_final(self) -> bool {
        self.wire().0.is_final()
    }

    /// Has the leg been handed to the bridge and not ended? Only such legs
    /// need hanging up.
    pub fn on_bridge(self) -> bool {
        matches!(self, LegState::Dialing | LegState::Ringing | LegState::Confirming | LegState::Connected)
    }

    /// An attempt that ended without a call: a next number may follow.
    pub fn unreached(self) -> bool {
        matches!(self, LegState::Busy | LegState::NoAnswer | LegState::Failed(_))
    }

    /// The state a stored snapshot shows (after a restart). `dialing` is
    /// taken as dialled: a leg still waiting for its initiator looks the
    /// same on the wire, and either way it ends now.
    pub fn from_wire(state: ParticipantState, cause: Option<Cause>) -> LegState {
        match state {
            ParticipantState::Dialing => LegState::Dialing,
            ParticipantState::Ringing => LegState::Ringing,
            ParticipantState::Confirming => LegState::Confirming,
            ParticipantState::Connected => LegState::Connected,
            ParticipantState::Busy => LegState::Busy,
            ParticipantState::NoAnswer => LegState::NoAnswer,
            ParticipantState::Failed => LegState::Failed(cause.unwrap_or(Cause::TEMPORARY_FAILURE)),
            ParticipantState::Disconnected => LegState::Disconnected(cause.unwrap_or(Cause::NORMAL_CLEARING)),
        }
    }

    /// The state and cause as the wire shows them (`c:state`, `c:cause`).
    pub fn wire(self) -> (ParticipantState, Option<Cause>) {
        match self {
            LegState::Pending | LegState::Dialing => (ParticipantState::Dialing, None),
            LegState::Ringing => (ParticipantState::Ringing, None),
            LegState::Confirming => (ParticipantState::Confirming, None),
            LegState::Connected => (ParticipantState::Connected, None),
            LegState::Busy => (ParticipantState::Busy, Some(Cause::USER_BUSY)),
            LegState::NoAnswer => (ParticipantState::NoAnswer, Some(Cause::NO_ANSWER)),
            LegState::Failed(cause) => (ParticipantState::Failed, Some(cause)),
            LegState::Disconnected(cause) => (ParticipantState::Disconnected, Some(cause)),
        }
    }
}

/// State of a conference.
///
/// `Terminated(None)` — no `c:reason` — is how a conference ends whose
/// initiator never answered (busy, no answer, failed). None of the protocol's
/// reasons fits: `initiator-hung-up` and `ended-by-initiator` would claim the
/// initiator was there, `fatal-error` would blame the system for an ordinary
/// busy signal, and `inactivity` is a timeout. The reason is optional on the
/// wire, and the initiator's own status event, sent just before, already
/// says what happened (e.g. `no-answer`, cause 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfState {
    /// Calling the initiator.
    Creating,
    /// The initiator answered; participants are being called.
    Active,
    Terminated(Option<TerminationReason>),
}

/// What can happen to a conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfInput {
    /// The initiator's leg connected.
    InitiatorConnected,
    /// The initiator's leg ended before it connected (busy, no answer,
    /// failed).
    InitiatorUnreachable,
    /// The connected initiator hung up.
    InitiatorHungUp,
    /// The initiator asked to end the conference (`EndConference`).
    EndedByInitiator,
    /// The bridge failed under the conference.
    FatalError,
    /// Nothing happened for too long.
    Inactivity,
}

impl ConfState {
    /// The state after `input`, or why there is none.
    pub fn next(self, input: ConfInput) -> Result<ConfState, InvalidTransition> {
        use ConfInput as I;
        use ConfState as S;
        let next = match (self, input) {
            (S::Creating, I::InitiatorConnected) => S::Active,
            (S::Creating, I::InitiatorUnreachable) => S::Terminated(None),
            (S::Active, I::InitiatorHungUp) => S::Terminated(Some(TerminationReason::InitiatorHungUp)),
            (S::Creating | S::Active, I::EndedByInitiator) => S::Terminated(Some(TerminationReason::EndedByInitiator)),
            (S::Creating | S::Active, I::FatalError) => S::Terminated(Some(TerminationReason::FatalError)),
            (S::Creating | S::Active, I::Inactivity) => S::Terminated(Some(TerminationReason::Inactivity)),
            (from, input) => {
                return Err(InvalidTransition { machine: "conference", from: format!("{from:?}"), input: format!("{input:?}") })
            }
        };
        Ok(next)
    }

    pub fn is_terminated(self) -> bool {
        matches!(self, ConfState::Terminated(_))
    }

    /// The state a stored snapshot shows (after a restart).
    pub fn from_wire(state: ConferenceState, reason: Option<TerminationReason>) -> ConfState {
        match state {
            ConferenceState::Creating => ConfState::Creating,
            ConferenceState::Active => ConfState::Active,
            ConferenceState::Terminated => ConfState::Terminated(reason),
        }
    }

    /// The state and reason as the wire shows them (`c:state`, `c:reason`).
    pub fn wire(self) -> (ConferenceState, Option<TerminationReason>) {
        match self {
            ConfState::Creating => (ConferenceState::Creating, None),
            ConfState::Active => (ConferenceState::Active, None),
            ConfState::Terminated(reason) => (ConferenceState::Terminated, reason),
        }
    }
}

#[cfg(test)]
mod tests;
