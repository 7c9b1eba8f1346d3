//! The simulated telephone network (docs/protocol.md §5): the default bridge
//! driver, so that the whole system runs, and is tested, on one machine.
//!
//! It behaves like a telephone network with documented test numbers, in the
//! spirit of Twilio's magic numbers:
//!
//! | number           | events                                                      |
//! |------------------|-------------------------------------------------------------|
//! | `+15005550001`   | `Failed(1)` after the ring delay: unallocated, no ringing   |
//! | `+15005550002`   | `Ringing`, then `Busy` (17) after the answer delay           |
//! | `+15005550003`   | `Ringing`, then `NoAnswer` (19) after the no-answer timeout  |
//! | `+15005550004`   | `Ringing`, `Answered`, then `HungUp(16)` after auto-hangup   |
//! | held by a person | `Ringing`, then what the person does ([`super::phones`])     |
//! | other E.164      | `Ringing`, then `Answered` after the answer delay            |
//!
//! Every leg's behaviour is a [`Script`] of timed steps decided at dial time
//! ([`script`], or [`held_script`] for a held phone), played by one tokio
//! task per leg. Hanging up removes the leg from the table, aborts its task
//! and confirms with `HungUp(16)`.
//!
//! Ordering guarantee: a leg's events are sent while holding the table's
//! lock, after checking the leg is still in it. So once `hang_up` has removed
//! a leg and sent its confirmation, no scripted event of that leg can follow,
//! even if the task was just about to send one when it was aborted. The same
//! lock covers the held phones, so a person's answer and the no-answer
//! timeout cannot both happen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use rollcall_shared::soap::{is_e164, Cause};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use super::phones::{CallState, HeldCall};
use super::{BridgeDriver, BridgeError, BridgeEvent, BridgeEventKind, EventReceiver, EventSender, LegId};

/// Unallocated number: fails with cause 1, without ringing.
pub const UNALLOCATED: &str = "+15005550001";
/// Rings, then busy (cause 17).
pub const BUSY: &str = "+15005550002";
/// Rings until the no-answer timeout, then no answer (cause 19).
pub const NO_ANSWER: &str = "+15005550003";
/// Answers, then hangs up by itself after the auto-hangup delay (cause 16).
pub const HANGS_UP: &str = "+15005550004";
/// The test numbers, whose behaviour is fixed: they cannot be held.
pub const TEST_NUMBERS: [&str; 4] = [UNALLOCATED, BUSY, NO_ANSWER, HANGS_UP];

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

/// The simulated telephone network, a [`BridgeDriver`].
///
/// Cheap to clone; clones share the same legs, held phones and event
/// channel. The person's side (holding numbers, answering) is in
/// [`super::phones`].
#[derive(Clone)]
pub struct Simulator {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    delays: SimDelays,
    events: EventSender,
    table: Mutex<Table>,
    /// The panel version after the latest change, for waiters
    /// ([`Simulator::wait_for_change`]).
    pub(super) changes: watch::Sender<u64>,
}

/// Everything behind the simulator's one lock.
#[derive(Default)]
pub(super) struct Table {
    /// Live legs (dialling, ringing or connected).
    pub(super) legs: HashMap<LegId, Leg>,
    /// Held numbers → the user holding each.
    pub(super) phones: HashMap<String, String>,
    /// Counts panel changes; the version of the latest one.
    version: u64,
    /// Per user, the version of the latest change to their panel view, so a
    /// waiter wakes for their own changes and not for everybody's.
    pub(super) seen: HashMap<String, u64>,
}

/// A live leg: its task while its script still has steps to play (a
/// connected leg whose script is done stays with its finished task until it
/// is hung up), and the person's call if it rings a held phone.
pub(super) struct Leg {
    pub(super) task: AbortHandle,
    pub(super) held: Option<HeldCall>,
}

impl Simulator {
    /// A simulator that reports on `events`.
    pub fn new(delays: SimDelays, events: EventSender) -> Self {
        let (changes, _) = watch::channel(0);
        Simulator { inner: Arc::new(Inner { delays, events, table: Mutex::new(Table::default()), changes }) }
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
        self.inner.table().legs.len()
    }
}

impl Inner {
    pub(super) fn table(&self) -> MutexGuard<'_, Table> {
        // The table stays consistent even if a holder panicked: every
        // critical section is a few inserts/removes plus channel sends.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Report `kind` on `leg` if the leg is still alive; a final event
    /// removes it. Returns whether the leg is still alive afterwards.
    fn emit(&self, leg: LegId, kind: BridgeEventKind) -> bool {
        let mut table = self.table();
        let Some(entry) = table.legs.get_mut(&leg) else {
            return false; // hung up meanwhile: its confirmation was the last event
        };
        if kind.is_final() {
            self.end(&mut table, leg, kind);
            return false;
        }
        let holder = entry.held.as_mut().map(|call| {
            call.state = if kind == BridgeEventKind::Answered { CallState::Connected } else { CallState::Ringing };
            call.since = SystemTime::now();
            call.holder.clone()
        });
        self.send(BridgeEvent { leg, kind });
        if let Some(holder) = holder {
            self.touch(&mut table, &holder);
        }
        true
    }

    /// Ends a live `leg` with the final event `kind`: removes it, stops its
    /// script and reports. Returns `false` (and does nothing) for a leg that
    /// is not alive.
    pub(super) fn end(&self, table: &mut Table, leg: LegId, kind: BridgeEventKind) -> bool {
        let Some(entry) = table.legs.remove(&leg) else { return false };
        entry.task.abort();
        self.send(BridgeEvent { leg, kind });
        if let Some(call) = entry.held {
            self.touch(table, &call.holder);
        }
        true
    }

    /// Records a change to `user`'s panel view and wakes the waiters.
    pub(super) fn touch(&self, table: &mut Table, user: &str) {
        table.version += 1;
        table.seen.insert(user.to_string(), table.version);
        self.changes.send_replace(table.version);
    }

    pub(super) fn send(&self, event: BridgeEvent) {
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
        self.dial_from(leg, number, "")
    }

    fn dial_from(&self, leg: LegId, number: &str, caller: &str) -> Result<(), BridgeError> {
        if !is_e164(number) {
            return Err(BridgeError::InvalidNumber(number.to_string()));
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| BridgeError::Unavailable("the simulator needs a Tokio runtime".into()))?;
        // Decide, insert and spawn under the lock, so the task cannot report
        // before the leg is in the table, and two dials of one held phone
        // cannot both find it idle.
        let mut table = self.inner.table();
        if table.legs.contains_key(&leg) {
            return Err(BridgeError::LegInUse(leg));
        }
        let (script, held) = match table.phones.get(number) {
            Some(holder) => {
                let busy = table.legs.values().any(|l| l.held.as_ref().is_some_and(|c| c.number == number));
                let call = HeldCall {
                    number: number.to_string(),
                    holder: holder.clone(),
                    caller: caller.to_string(),
                    state: CallState::Dialing,
                    since: SystemTime::now(),
                };
                (held_script(busy, &self.inner.delays), (!busy).then_some(call))
            }
            None => (script(number, &self.inner.delays), None),
        };
        tracing::debug!(%leg, number, held = held.is_some(), "simulated network dials");
        let task = runtime.spawn(play(Arc::clone(&self.inner), leg, script)).abort_handle();
        let holder = held.as_ref().map(|call| call.holder.clone());
        table.legs.insert(leg, Leg { task, held });
        if let Some(holder) = holder {
            self.inner.touch(&mut table, &holder);
        }
        Ok(())
    }

    fn hang_up(&self, leg: LegId) {
        let mut table = self.inner.table();
        self.inner.end(&mut table, leg, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING));
    }

    /// Drops every live leg of `legs` with `Lost(41)`, in the order given,
    /// under one lock so no scripted event slips in between.
    fn crash(&self, legs: &[LegId]) -> Result<(), BridgeError> {
        let mut table = self.inner.table();
        for leg in legs {
            if self.inner.end(&mut table, *leg, BridgeEventKind::Lost(Cause::TEMPORARY_FAILURE)) {
                tracing::warn!(%leg, "simulated bridge failure");
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

    const D: SimDelays = SimDelays::HUMAN;

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
