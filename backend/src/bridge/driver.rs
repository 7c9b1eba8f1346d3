//! The bridge driver seam: how the conference web service reaches a
//! conference bridge — interfaces 10 (SIP), 12 (Parlay) and 14 (proprietary)
//! of the seed's Figure 1 are each a [`BridgeDriver`].
//!
//! The conference service speaks to a bridge only through [`BridgeDriver`]:
//! it asks for a call leg to be dialled or hung up, and learns what happened
//! from [`BridgeEvent`]s that the driver sends, asynchronously and in the
//! order they happened on each leg, on the channel it was given when it was
//! built. Commands are fire-and-forget because a telephone network is: a
//! dial request returns long before anybody answers.
//!
//! # The driver contract
//!
//! - The service chooses the [`LegId`] of every leg and never reuses one.
//! - `dial` only refuses what it can refuse at once (a malformed number, a
//!   bridge that is down); everything after that is an event.
//! - The events of one leg follow the telephone network's order: optionally
//!   [`Ringing`](BridgeEventKind::Ringing), then either
//!   [`Answered`](BridgeEventKind::Answered) followed later by
//!   [`HungUp`](BridgeEventKind::HungUp), or one of
//!   [`Busy`](BridgeEventKind::Busy), [`NoAnswer`](BridgeEventKind::NoAnswer),
//!   [`Failed`](BridgeEventKind::Failed).
//! - **Every dialled leg ends with exactly one final event**
//!   ([`BridgeEventKind::is_final`]), and nothing follows it. When the
//!   service asks to [`hang_up`](BridgeDriver::hang_up) a leg that is still
//!   alive (dialling, ringing or connected), the bridge confirms with
//!   `HungUp(16 normal clearing)`, as a real bridge reports the release it
//!   was asked for; hanging up a leg that has already ended, or that was
//!   never dialled, does nothing. That one final event per leg lets a service
//!   free what it holds for the leg without timers.
//! - `dial`, `hang_up` and `crash` never block and never call back into the
//!   service: the service may call them while holding its own locks.
//! - A bridge that mixes real audio may report, once, how good an answered
//!   leg's audio was ([`Quality`](BridgeEventKind::Quality)), just before
//!   the leg's final event; it is not a state change.
//! - A leg placed with an announcement ([`Dial::announcement`]) is
//!   *screened* once answered: the bridge plays the announcement to that
//!   party alone, keeps them out of everyone's mix, and reports each key
//!   they press as a [`Digit`](BridgeEventKind::Digit), until the service
//!   [`admit`](BridgeDriver::admit)s the leg into the conference or hangs it
//!   up. Deciding what a key means (and how long to wait) is the service's.
//! - A [`set_muted`](BridgeDriver::set_muted) leg is left out of everyone
//!   else's mix; it still hears the conference.
//! - A bridge that fails under a leg ends it with
//!   [`Lost`](BridgeEventKind::Lost): not a party's doing but the bridge's,
//!   which the service treats as a fatal error of the leg's conference.
//!   [`crash`](BridgeDriver::crash) injects such a failure on purpose (for
//!   operators rehearsing the fatal-error flow of docs/protocol.md §4).
//!
//! Drivers: [`super::pstn::Simulator`], the simulated telephone network of
//! docs/protocol.md §5 (the default, so the whole system runs on one
//! machine), and [`super::sip::SipBridge`], real calls through a SIP trunk
//! with their audio mixed.

use std::fmt;

use rollcall_shared::soap::Cause;
use tokio::sync::mpsc;

/// Identifies one call leg on a bridge. Chosen by the conference service,
/// unique for the lifetime of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(pub u64);

impl fmt::Display for LegId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "leg-{}", self.0)
    }
}

/// How good an answered leg's audio was, both ways (RTCP, RFC 3550 §6.4):
/// what the bridge received from the phone, and what the phone's own
/// reports said of what it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LegQuality {
    /// Of the phone's packets: lost, in 1/1000, and the interarrival
    /// jitter in µs.
    pub rx_loss_permille: u16,
    pub rx_jitter_us: u32,
    /// Of the bridge's packets, from the phone's last receiver report.
    pub tx_loss_permille: Option<u16>,
    pub tx_jitter_us: Option<u32>,
}

/// What happened on a call leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BridgeEventKind {
    /// The called phone is ringing (alerting).
    Ringing,
    /// The called party answered; the leg is connected to the conference.
    Answered,
    /// The called party is busy (Q.850 cause 17). Final.
    Busy,
    /// Nobody answered before the no-answer timeout (cause 19). Final.
    NoAnswer,
    /// The call could not be set up, with the network's cause (e.g. 1
    /// unallocated number, 21 call rejected, 34 no circuit). Final.
    Failed(Cause),
    /// A leg ended after it was set up or while it was being set up: the far
    /// end hung up, or the bridge confirms a release the service asked for
    /// (cause 16 normal clearing). Final.
    HungUp(Cause),
    /// The bridge itself failed under the leg (a crash of the mixer, a lost
    /// trunk): the call is gone and nobody chose to end it. Final. The
    /// simulator uses cause 41 (temporary failure: a new call may succeed at
    /// once); the conference service treats it as fatal for the conference.
    Lost(Cause),
    /// How the leg's audio was (not a state change): sent once, just
    /// before the final event of a leg that was answered, by bridges that
    /// carry real audio.
    Quality(LegQuality),
    /// A screened leg's party pressed a key (`0`–`9`, `*`, `#`, `A`–`D`):
    /// RFC 4733 DTMF or SIP INFO on a real bridge, the keypad of the phone
    /// panel or the simulated network's own "press 1" in the simulator.
    Digit(char),
}

impl BridgeEventKind {
    /// Does this event end the leg? Nothing follows a final event.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            BridgeEventKind::Ringing | BridgeEventKind::Answered | BridgeEventKind::Quality(_) | BridgeEventKind::Digit(_)
        )
    }

    /// The Q.850 cause this event carries, explicitly or by definition.
    pub fn cause(self) -> Option<Cause> {
        match self {
            BridgeEventKind::Ringing | BridgeEventKind::Answered | BridgeEventKind::Quality(_) | BridgeEventKind::Digit(_) => {
                None
            }
            BridgeEventKind::Busy => Some(Cause::USER_BUSY),
            BridgeEventKind::NoAnswer => Some(Cause::NO_ANSWER),
            BridgeEventKind::Failed(cause) | BridgeEventKind::HungUp(cause) | BridgeEventKind::Lost(cause) => Some(cause),
        }
    }
}

/// One event on one leg, as a driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeEvent {
    pub leg: LegId,
    pub kind: BridgeEventKind,
}

/// Why a driver refused a command at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    /// The number is not one the network can dial (not E.164).
    #[error("`{0}` is not an E.164 number")]
    InvalidNumber(String),
    /// The service used a leg id twice; a bug in the caller.
    #[error("{0} is already in use")]
    LegInUse(LegId),
    /// The bridge cannot take calls now (down, overloaded, not running).
    #[error("bridge unavailable: {0}")]
    Unavailable(String),
    /// The driver does not offer this command (e.g. fault injection on a
    /// production trunk).
    #[error("this bridge driver does not support {0}")]
    Unsupported(&'static str),
}

/// One call the conference service asks a bridge to place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dial<'a> {
    /// The conference the leg joins: a bridge that mixes (the SIP bridge)
    /// puts every leg of one room in one mix. Drivers without rooms ignore it.
    pub room: &'a str,
    /// Chosen by the service, never reused.
    pub leg: LegId,
    /// E.164.
    pub number: &'a str,
    /// Presented to the called party — what a caller-ID display shows (the
    /// conference service passes the conference's account). Drivers that
    /// cannot present it ignore it.
    pub caller: &'a str,
    /// Screen the answering party with this announcement (see the module
    /// documentation): `None` joins them to the mix as soon as they answer.
    pub announcement: Option<&'a str>,
}

/// The conference service's interface to a conference bridge. See the
/// module documentation for the contract every driver keeps.
pub trait BridgeDriver: Send + Sync {
    /// Start calling `call.number` on the new leg `call.leg`. Progress
    /// arrives as [`BridgeEvent`]s for that leg.
    fn place(&self, call: &Dial<'_>) -> Result<(), BridgeError>;

    /// [`place`](BridgeDriver::place) a plain call: no room, no caller, no
    /// announcement.
    fn dial(&self, leg: LegId, number: &str) -> Result<(), BridgeError> {
        self.dial_from(leg, number, "")
    }

    /// [`place`](BridgeDriver::place) a call presenting `caller`, in a room
    /// of its own.
    fn dial_from(&self, leg: LegId, number: &str, caller: &str) -> Result<(), BridgeError> {
        self.dial_into(&leg.to_string(), leg, number, caller)
    }

    /// [`place`](BridgeDriver::place) a call joining `room`, unscreened.
    fn dial_into(&self, room: &str, leg: LegId, number: &str, caller: &str) -> Result<(), BridgeError> {
        self.place(&Dial { room, leg, number, caller, announcement: None })
    }

    /// A screened leg's party confirmed: it joins its room's mix. Ignored
    /// for a leg that is not screened, has ended or is unknown.
    fn admit(&self, leg: LegId) {
        let _ = leg;
    }

    /// Leave `leg` out of everyone else's mix (`true`) or put it back.
    /// Drivers that mix nothing have nothing to do; the default does that.
    fn set_muted(&self, leg: LegId, muted: bool) {
        let _ = (leg, muted);
    }

    /// Release `leg`, whatever its state. A live leg is confirmed with
    /// `HungUp(16)`; an ended or unknown leg is ignored.
    fn hang_up(&self, leg: LegId);

    /// Fault injection: fail under `legs` as if the bridge had crashed, so
    /// that each of them that is alive ends with [`BridgeEventKind::Lost`].
    /// Legs that have ended or are unknown are ignored. Drivers of real
    /// networks need not offer it; the default refuses.
    fn crash(&self, legs: &[LegId]) -> Result<(), BridgeError> {
        let _ = legs;
        Err(BridgeError::Unsupported("fault injection"))
    }

    /// Calls this bridge holds up on a real network, which a stopping
    /// server hangs up before it goes (a simulated network holds none;
    /// the default).
    fn live_calls(&self) -> usize {
        0
    }
}

/// The sending half drivers report on; the conference service owns the
/// receiving half.
pub type EventSender = mpsc::UnboundedSender<BridgeEvent>;
/// The receiving half of a driver's event channel.
pub type EventReceiver = mpsc::UnboundedReceiver<BridgeEvent>;

#[cfg(test)]
mod tests;
