//! What the simulated network does by itself: its test numbers, its timing,
//! and the script each leg plays (docs/protocol.md §5).

use std::time::Duration;

use rollcall_shared::soap::Cause;

use crate::bridge::BridgeEventKind;

/// Unallocated number: fails with cause 1, without ringing.
pub const UNALLOCATED: &str = "+15005550001";
/// Rings, then busy (cause 17).
pub const BUSY: &str = "+15005550002";
/// Rings until the no-answer timeout, then no answer (cause 19).
pub const NO_ANSWER: &str = "+15005550003";
/// Answers, then hangs up by itself after the auto-hangup delay (cause 16).
pub const HANGS_UP: &str = "+15005550004";
/// An answering machine: answers after the answer delay and never presses a
/// key, so a screened call to it never joins (docs/protocol.md §6).
pub const ANSWERING_MACHINE: &str = "+15005550005";
/// How soon after answering a screened call the simulated phones press 1
/// (at most: the ring delay, when that is shorter).
pub const PRESS_ONE_AFTER: std::time::Duration = std::time::Duration::from_millis(100);
/// The test numbers, whose behaviour is fixed: they cannot be held.
pub const TEST_NUMBERS: [&str; 5] = [UNALLOCATED, BUSY, NO_ANSWER, HANGS_UP, ANSWERING_MACHINE];

/// The simulated network's timing. Human speed by default, so a demo looks
/// like a real call; [`SimDelays::fast`] for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimDelays {
    /// From dialling to the phone ringing (or to failing, for the
    /// unallocated number).
    pub ring: Duration,
    /// From ringing to answering (or to busy, for the busy number).
    pub answer: Duration,
    /// How long an unanswered phone rings before the network gives up.
    pub no_answer_timeout: Duration,
    /// How long [`HANGS_UP`] stays on the call before hanging up.
    pub auto_hangup: Duration,
}

impl Default for SimDelays {
    fn default() -> Self {
        SimDelays::HUMAN
    }
}

impl SimDelays {
    /// Human speed, the default: what a person at a real phone would see.
    pub const HUMAN: SimDelays = SimDelays {
        ring: Duration::from_millis(300),
        answer: Duration::from_secs(1),
        no_answer_timeout: Duration::from_secs(30),
        auto_hangup: Duration::from_secs(2),
    };

    /// Delays of a few milliseconds, for tests. Auto-hangup stays long enough
    /// (200 ms) that a test can see the call connected before it ends.
    pub fn fast() -> Self {
        SimDelays {
            ring: Duration::from_millis(5),
            answer: Duration::from_millis(10),
            no_answer_timeout: Duration::from_millis(40),
            auto_hangup: Duration::from_millis(200),
        }
    }
}

/// One step of a leg's behaviour: wait `after`, then report `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub after: Duration,
    pub kind: BridgeEventKind,
}

/// The whole behaviour of one leg, decided when it is dialled.
pub type Script = Vec<Step>;

/// What the simulated network does when `number` is dialled (see the table in
/// the module documentation). `number` is assumed to be E.164. On a
/// `screened` call every number that answers by itself presses 1 right
/// after answering — all but the answering machine.
pub fn script(number: &str, delays: &SimDelays, screened: bool) -> Script {
    use BridgeEventKind::*;
    let step = |after, kind| Step { after, kind };
    // Right after answering: well within any confirmation timeout.
    let press_one = screened.then(|| step(delays.ring.min(PRESS_ONE_AFTER), Digit('1')));
    match number {
        UNALLOCATED => vec![step(delays.ring, Failed(Cause::UNALLOCATED_NUMBER))],
        BUSY => vec![step(delays.ring, Ringing), step(delays.answer, Busy)],
        NO_ANSWER => vec![step(delays.ring, Ringing), step(delays.no_answer_timeout, NoAnswer)],
        ANSWERING_MACHINE => vec![step(delays.ring, Ringing), step(delays.answer, Answered)],
        HANGS_UP => [step(delays.ring, Ringing), step(delays.answer, Answered)]
            .into_iter()
            .chain(press_one)
            .chain([step(delays.auto_hangup, HungUp(Cause::NORMAL_CLEARING))])
            .collect(),
        _ => [step(delays.ring, Ringing), step(delays.answer, Answered)].into_iter().chain(press_one).collect(),
    }
}

/// What a call to a held phone does by itself: ring, and give up after the
/// no-answer timeout unless the person acts first — or, when the phone
/// already has a live call, `Busy` (17) after the ring delay without ringing.
pub fn held_script(phone_busy: bool, delays: &SimDelays) -> Script {
    use BridgeEventKind::*;
    let step = |after, kind| Step { after, kind };
    if phone_busy {
        vec![step(delays.ring, Busy)]
    } else {
        vec![step(delays.ring, Ringing), step(delays.no_answer_timeout, NoAnswer)]
    }
}
