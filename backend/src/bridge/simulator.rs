//! The simulated telephone network (PROTOCOL.md §5): the default bridge
//! driver, so that the whole system runs, and is tested, on one machine.
//!
//! It behaves like a telephone network with documented test numbers, in the
//! spirit of Twilio's magic numbers:
//!
//! | number         | events                                                      |
//! |----------------|-------------------------------------------------------------|
//! | `+15005550001` | `Failed(1)` after the ring delay: unallocated, no ringing   |
//! | `+15005550002` | `Ringing`, then `Busy` (17) after the answer delay           |
//! | `+15005550003` | `Ringing`, then `NoAnswer` (19) after the no-answer timeout  |
//! | `+15005550004` | `Ringing`, `Answered`, then `HungUp(16)` after auto-hangup   |
//! | other E.164    | `Ringing`, then `Answered` after the answer delay            |
//!
//! Every leg's behaviour is a [`Script`] of timed steps decided at dial time
//! ([`script`]), played by one tokio task per leg. Hanging up removes the leg
//! from the table, aborts its task and confirms with `HungUp(16)`.
//!
//! Ordering guarantee: a leg's events are sent while holding the leg table's
//! lock, after checking the leg is still in it. So once `hang_up` has removed
//! a leg and sent its confirmation, no scripted event of that leg can follow,
//! even if the task was just about to send one when it was aborted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rollcall_shared::soap::{is_e164, Cause};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::{BridgeDriver, BridgeError, BridgeEvent, BridgeEventKind, EventReceiver, EventSender, LegId};

/// Unallocated number: fails with cause 1, without ringing.
pub const UNALLOCATED: &str = "+15005550001";
/// Rings, then busy (cause 17).
pub const BUSY: &str = "+15005550002";
/// Rings until the no-answer timeout, then no answer (cause 19).
pub const NO_ANSWER: &str = "+15005550003";
/// Answers, then hangs up by itself after the auto-hangup delay (cause 16).
pub const HANGS_UP: &str = "+15005550004";

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
        SimDelays {
            ring: Duration::from_millis(300),
            answer: Duration::from_secs(1),
            no_answer_timeout: Duration::from_secs(30),
            auto_hangup: Duration::from_secs(2),
        }
    }
}

impl SimDelays {
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
/// the module documentation). `number` is assumed to be E.164.
pub fn script(number: &str, delays: &SimDelays) -> Script {
    use BridgeEventKind::*;
    let step = |after, kind| Step { after, kind };
    match number {
        UNALLOCATED => vec![step(delays.ring, Failed(Cause::UNALLOCATED_NUMBER))],
        BUSY => vec![step(delays.ring, Ringing), step(delays.answer, Busy)],
        NO_ANSWER => vec![step(delays.ring, Ringing), step(delays.no_answer_timeout, NoAnswer)],
        HANGS_UP => vec![
            step(delays.ring, Ringing),
            step(delays.answer, Answered),
            step(delays.auto_hangup, HungUp(Cause::NORMAL_CLEARING)),
        ],
        _ => vec![step(delays.ring, Ringing), step(delays.answer, Answered)],
    }
}

/// The simulated telephone network, a [`BridgeDriver`].
///
/// Cheap to clone; clones share the same legs and event channel.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    delays: SimDelays,
    events: EventSender,
    /// Live legs. The value is the leg's task while its script still has
    /// steps to play; a connected leg whose script is done stays here (with
    /// its finished task) until it is hung up.
    legs: Mutex<HashMap<LegId, AbortHandle>>,
}

impl Simulator {
    /// A simulator that reports on `events`.
    pub fn new(delays: SimDelays, events: EventSender) -> Self {
        Simulator { inner: Arc::new(Inner { delays, events, legs: Mutex::new(HashMap::new()) }) }
    }

    /// A simulator and the receiving end of its event channel.
    pub fn channel(delays: SimDelays) -> (Self, EventReceiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Simulator::new(delays, tx), rx)
    }

    /// The delays this simulator plays its scripts with.
    pub fn delays(&self) -> SimDelays {
        self.inner.delays
    }

    /// How many legs are alive (dialling, ringing or connected).
    pub fn live_legs(&self) -> usize {
        self.inner.legs().len()
    }
}

impl Inner {
    fn legs(&self) -> MutexGuard<'_, HashMap<LegId, AbortHandle>> {
        // The table stays consistent even if a holder panicked: every
        // critical section is a single insert/remove plus a channel send.
        self.legs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Report `kind` on `leg` if the leg is still alive; a final event
    /// removes it. Returns whether the leg is still alive afterwards.
    fn emit(&self, leg: LegId, kind: BridgeEventKind) -> bool {
        let mut legs = self.legs();
        if !legs.contains_key(&leg) {
            return false; // hung up meanwhile: its confirmation was the last event
        }
        if kind.is_final() {
            legs.remove(&leg);
        }
        self.send(BridgeEvent { leg, kind });
        !kind.is_final()
    }

    fn send(&self, event: BridgeEvent) {
        tracing::debug!(leg = %event.leg, kind = ?event.kind, "simulated network event");
        if self.events.send(event).is_err() {
            tracing::debug!(leg = %event.leg, "nobody listens to the simulated network any more");
        }
    }
}

/// Plays one leg's script.
async fn play(inner: Arc<Inner>, leg: LegId, script: Script) {
    for step in script {
        tokio::time::sleep(step.after).await;
        if !inner.emit(leg, step.kind) {
            return;
        }
    }
}

impl BridgeDriver for Simulator {
    fn dial(&self, leg: LegId, number: &str) -> Result<(), BridgeError> {
        if !is_e164(number) {
            return Err(BridgeError::InvalidNumber(number.to_string()));
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| BridgeError::Unavailable("the simulator needs a Tokio runtime".into()))?;
        let script = script(number, &self.inner.delays);
        // Insert and spawn under the lock, so the task cannot report before
        // the leg is in the table.
        let mut legs = self.inner.legs();
        if legs.contains_key(&leg) {
            return Err(BridgeError::LegInUse(leg));
        }
        tracing::debug!(%leg, number, "simulated network dials");
        let task = runtime.spawn(play(Arc::clone(&self.inner), leg, script));
        legs.insert(leg, task.abort_handle());
        Ok(())
    }

    fn hang_up(&self, leg: LegId) {
        let mut legs = self.inner.legs();
        if let Some(task) = legs.remove(&leg) {
            task.abort();
            self.inner.send(BridgeEvent { leg, kind: BridgeEventKind::HungUp(Cause::NORMAL_CLEARING) });
        }
    }

    /// Drops every live leg of `legs` with `Lost(41)`, in the order given,
    /// under one lock so no scripted event slips in between.
    fn crash(&self, legs: &[LegId]) -> Result<(), BridgeError> {
        let mut table = self.inner.legs();
        for leg in legs {
            if let Some(task) = table.remove(leg) {
                task.abort();
                tracing::warn!(%leg, "simulated bridge failure");
                self.inner.send(BridgeEvent { leg: *leg, kind: BridgeEventKind::Lost(Cause::TEMPORARY_FAILURE) });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;
    use BridgeEventKind::*;

    const D: SimDelays = SimDelays {
        ring: Duration::from_millis(300),
        answer: Duration::from_secs(1),
        no_answer_timeout: Duration::from_secs(30),
        auto_hangup: Duration::from_secs(2),
    };

    /// Dials `number` on leg 1 and collects `(kind, virtual time since dial)`
    /// until the leg's final event or until `stop_after` non-final events.
    async fn run(number: &str, stop_after: usize) -> Vec<(BridgeEventKind, Duration)> {
        let (sim, mut rx) = Simulator::channel(D);
        let start = Instant::now();
        sim.dial(LegId(1), number).expect("dial");
        let mut seen = Vec::new();
        while let Some(event) = rx.recv().await {
            assert_eq!(event.leg, LegId(1));
            seen.push((event.kind, start.elapsed()));
            if event.kind.is_final() || seen.len() == stop_after {
                break;
            }
        }
        seen
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn default_delays_are_human() {
        assert_eq!(SimDelays::default(), D);
        assert!(SimDelays::fast().auto_hangup > SimDelays::fast().answer);
    }

    #[tokio::test(start_paused = true)]
    async fn unallocated_fails_with_cause_1_without_ringing() {
        assert_eq!(run(UNALLOCATED, 9).await, vec![(Failed(Cause(1)), ms(300))]);
    }

    #[tokio::test(start_paused = true)]
    async fn busy_rings_then_busy() {
        assert_eq!(run(BUSY, 9).await, vec![(Ringing, ms(300)), (Busy, ms(1300))]);
        assert_eq!(Busy.cause(), Some(Cause(17)));
    }

    #[tokio::test(start_paused = true)]
    async fn no_answer_rings_until_the_timeout() {
        assert_eq!(run(NO_ANSWER, 9).await, vec![(Ringing, ms(300)), (NoAnswer, ms(30_300))]);
    }

    #[tokio::test(start_paused = true)]
    async fn hangs_up_by_itself_after_answering() {
        assert_eq!(
            run(HANGS_UP, 9).await,
            vec![(Ringing, ms(300)), (Answered, ms(1300)), (HungUp(Cause(16)), ms(3300))]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn any_other_number_rings_then_answers_and_stays() {
        let (sim, mut rx) = Simulator::channel(D);
        sim.dial(LegId(1), "+14255550100").expect("dial");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Answered));
        // Connected calls last until someone hangs up: an hour later, nothing.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(rx.try_recv().is_err());
        assert_eq!(sim.live_legs(), 1);
        sim.hang_up(LegId(1));
        assert_eq!(rx.recv().await, Some(BridgeEvent { leg: LegId(1), kind: HungUp(Cause(16)) }));
        assert_eq!(sim.live_legs(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn hang_up_while_ringing_confirms_and_silences_the_script() {
        let (sim, mut rx) = Simulator::channel(D);
        sim.dial(LegId(1), BUSY).expect("dial");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
        sim.hang_up(LegId(1));
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(rx.try_recv().is_err(), "no busy after the hang-up");
    }

    #[tokio::test(start_paused = true)]
    async fn hang_up_of_an_ended_or_unknown_leg_does_nothing() {
        let (sim, mut rx) = Simulator::channel(D);
        sim.dial(LegId(1), UNALLOCATED).expect("dial");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Failed(Cause(1))));
        sim.hang_up(LegId(1));
        sim.hang_up(LegId(2));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn legs_are_independent_and_run_in_parallel() {
        let (sim, mut rx) = Simulator::channel(D);
        sim.dial(LegId(1), "+14255550100").expect("dial");
        sim.dial(LegId(2), BUSY).expect("dial");
        let mut events = Vec::new();
        for _ in 0..4 {
            events.push(rx.recv().await.expect("event"));
        }
        let of = |leg| events.iter().filter(|e| e.leg == LegId(leg)).map(|e| e.kind).collect::<Vec<_>>();
        assert_eq!(of(1), vec![Ringing, Answered]);
        assert_eq!(of(2), vec![Ringing, Busy]);
    }

    #[tokio::test(start_paused = true)]
    async fn dial_refuses_bad_numbers_and_reused_legs() {
        let (sim, _rx) = Simulator::channel(D);
        assert_eq!(sim.dial(LegId(1), "4255550100"), Err(BridgeError::InvalidNumber("4255550100".into())));
        sim.dial(LegId(1), "+14255550100").expect("dial");
        assert_eq!(sim.dial(LegId(1), "+14255550101"), Err(BridgeError::LegInUse(LegId(1))));
    }

    #[tokio::test(start_paused = true)]
    async fn crash_loses_live_legs_and_ignores_the_rest() {
        let (sim, mut rx) = Simulator::channel(D);
        sim.dial(LegId(1), "+14255550100").expect("dial");
        sim.dial(LegId(2), UNALLOCATED).expect("dial");
        sim.dial(LegId(3), BUSY).expect("dial");
        for _ in 0..3 {
            rx.recv().await.expect("ringing / failed");
        }
        sim.crash(&[LegId(1), LegId(2), LegId(3), LegId(9)]).expect("the simulator can crash");
        assert_eq!(rx.recv().await, Some(BridgeEvent { leg: LegId(1), kind: Lost(Cause(41)) }));
        assert_eq!(rx.recv().await, Some(BridgeEvent { leg: LegId(3), kind: Lost(Cause(41)) }));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(rx.try_recv().is_err(), "no busy, nothing for the ended or unknown legs");
        assert_eq!(sim.live_legs(), 0);
    }

    #[test]
    fn dial_outside_a_runtime_is_unavailable_not_a_panic() {
        let (sim, _rx) = Simulator::channel(D);
        assert!(matches!(sim.dial(LegId(1), "+14255550100"), Err(BridgeError::Unavailable(_))));
    }
}
