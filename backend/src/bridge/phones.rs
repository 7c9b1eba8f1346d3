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
//! simulator ([`super::simulator`]) owns the table and every change.

use std::time::{Duration, SystemTime};

use rollcall_shared::soap::{is_e164, Cause};

use super::simulator::{Leg, Simulator, Table, TEST_NUMBERS};
use super::{BridgeEvent, BridgeEventKind, LegId};

/// How far a call to a held phone has got. Calls leave the table when they
/// end, so there is no final state here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Dialled; the phone is not ringing yet (the network's ring delay).
    Dialing,
    /// Ringing, waiting for the person.
    Ringing,
    /// Answered by the person.
    Connected,
}

impl CallState {
    /// Wire name in the panel's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Dialing => "dialing",
            CallState::Ringing => "ringing",
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
}

/// Most phones one person may hold at once.
pub const MAX_HELD_PER_USER: usize = 10;

impl Simulator {
    /// `user` holds `number`: calls to it ring until `user` acts. Holding a
    /// number one already holds changes nothing.
    pub fn hold(&self, user: &str, number: &str) -> Result<(), PhoneError> {
        if !is_e164(number) {
            return Err(PhoneError::InvalidNumber(number.to_string()));
        }
        if TEST_NUMBERS.contains(&number) {
            return Err(PhoneError::TestNumber(number.to_string()));
        }
        let mut table = self.inner.table();
        match table.phones.get(number) {
            Some(holder) if holder == user => Ok(()),
            Some(_) => Err(PhoneError::HeldByOther(number.to_string())),
            None if table.phones.values().filter(|holder| *holder == user).count() >= MAX_HELD_PER_USER => {
                Err(PhoneError::TooMany(MAX_HELD_PER_USER))
            }
            None => {
                table.phones.insert(number.to_string(), user.to_string());
                tracing::info!(user, number, "phone held");
                self.inner.touch(&mut table, user);
                Ok(())
            }
        }
    }

    /// `user` gives `number` back to the network; its live call, ringing
    /// or connected, is hung up with `HungUp(16)`.
    pub fn release(&self, user: &str, number: &str) -> Result<(), PhoneError> {
        let mut table = self.inner.table();
        match table.phones.get(number) {
            None => return Err(PhoneError::NotHeld(number.to_string())),
            Some(holder) if holder != user => return Err(PhoneError::HeldByOther(number.to_string())),
            Some(_) => {}
        }
        table.phones.remove(number);
        let calls: Vec<LegId> = table
            .legs
            .iter()
            .filter(|(_, leg)| leg.held.as_ref().is_some_and(|c| c.number == number))
            .map(|(id, _)| *id)
            .collect();
        for leg in calls {
            self.inner.end(&mut table, leg, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING));
        }
        tracing::info!(user, number, "phone released");
        self.inner.touch(&mut table, user);
        Ok(())
    }

    /// The person answers a ringing call: `Answered`, and the no-answer
    /// timeout no longer applies.
    pub fn answer(&self, user: &str, call: LegId) -> Result<(), PhoneError> {
        let mut table = self.inner.table();
        let entry = held_leg(&mut table, user, call, CallState::Ringing, "answer")?;
        entry.task.abort();
        if let Some(held) = entry.held.as_mut() {
            held.state = CallState::Connected;
            held.since = SystemTime::now();
        }
        self.inner.send(BridgeEvent { leg: call, kind: BridgeEventKind::Answered });
        self.inner.touch(&mut table, user);
        Ok(())
    }

    /// The person declines a ringing call: `Failed(21)`, call rejected.
    pub fn decline(&self, user: &str, call: LegId) -> Result<(), PhoneError> {
        let mut table = self.inner.table();
        held_leg(&mut table, user, call, CallState::Ringing, "decline")?;
        self.inner.end(&mut table, call, BridgeEventKind::Failed(Cause::CALL_REJECTED));
        Ok(())
    }

    /// The person hangs up a connected call: `HungUp(16)`.
    pub fn hang_up_phone(&self, user: &str, call: LegId) -> Result<(), PhoneError> {
        let mut table = self.inner.table();
        held_leg(&mut table, user, call, CallState::Connected, "hang up")?;
        self.inner.end(&mut table, call, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING));
        Ok(())
    }

    /// What `user` sees: the numbers they hold, each with its live call.
    pub fn panel(&self, user: &str) -> PanelView {
        view(&self.inner.table(), user)
    }

    /// `user`'s view as soon as its version differs from `after`, or after
    /// `limit` if it does not change (the long-poll of `GET /pstn/events`).
    /// A client that is behind (or ahead, after a restart) gets the view at
    /// once.
    pub async fn wait_for_change(&self, user: &str, after: u64, limit: Duration) -> PanelView {
        // Subscribe before looking, so a change between the look and the
        // wait still wakes us.
        let mut changes = self.inner.changes.subscribe();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let current = self.panel(user);
            if current.version != after {
                return current;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                // Timed out, or the simulator is gone: the view as it is.
                Ok(Err(_)) | Err(_) => return current,
            }
        }
    }
}

/// The live call `call` on one of `user`'s phones, if it is in `expected`.
fn held_leg<'t>(
    table: &'t mut Table,
    user: &str,
    call: LegId,
    expected: CallState,
    action: &'static str,
) -> Result<&'t mut Leg, PhoneError> {
    let no_such_call = || PhoneError::NoSuchCall(call.to_string());
    let entry = table.legs.get_mut(&call).ok_or_else(no_such_call)?;
    let state = match &entry.held {
        Some(held) if held.holder == user => held.state,
        _ => return Err(no_such_call()),
    };
    if state != expected {
        return Err(PhoneError::WrongState { id: call.to_string(), state: state.as_str(), action });
    }
    Ok(entry)
}

fn view(table: &Table, user: &str) -> PanelView {
    let mut phones: Vec<PhoneView> = table
        .phones
        .iter()
        .filter(|(_, holder)| holder.as_str() == user)
        .map(|(number, _)| PhoneView { number: number.clone(), call: None })
        .collect();
    phones.sort_by(|a, b| a.number.cmp(&b.number));
    for (id, leg) in &table.legs {
        let Some(call) = leg.held.as_ref().filter(|c| c.holder == user) else { continue };
        if let Some(phone) = phones.iter_mut().find(|p| p.number == call.number) {
            phone.call = Some(CallView { id: *id, state: call.state, since: call.since, caller: call.caller.clone() });
        }
    }
    PanelView { version: table.seen.get(user).copied().unwrap_or(0), phones }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::simulator::{SimDelays, BUSY};
    use crate::bridge::{BridgeDriver, EventReceiver};
    use tokio::time::Instant;
    use BridgeEventKind::*;

    const D: SimDelays = SimDelays::HUMAN;
    const BOB: &str = "bob";
    const PHONE: &str = "+14255550199";

    /// A simulator where bob holds [`PHONE`], and leg 1 dialled to it by
    /// "acct", already ringing.
    async fn ringing() -> (Simulator, EventReceiver) {
        let (sim, mut rx) = Simulator::channel(D);
        sim.hold(BOB, PHONE).expect("hold");
        sim.dial_from(LegId(1), PHONE, "acct").expect("dial");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
        (sim, rx)
    }

    fn call_of(view: &PanelView) -> Option<(LegId, CallState, String)> {
        view.phones.iter().find_map(|p| p.call.as_ref()).map(|c| (c.id, c.state, c.caller.clone()))
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_phone_rings_until_answered_then_stays_connected() {
        let (sim, mut rx) = ringing().await;
        assert_eq!(call_of(&sim.panel(BOB)), Some((LegId(1), CallState::Ringing, "acct".into())));
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert!(rx.try_recv().is_err(), "no answer by itself");
        sim.answer(BOB, LegId(1)).expect("answer");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Answered));
        // The no-answer timeout no longer applies, nor anything else.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(rx.try_recv().is_err());
        assert_eq!(call_of(&sim.panel(BOB)).map(|c| c.1), Some(CallState::Connected));
        sim.hang_up_phone(BOB, LegId(1)).expect("hang up");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
        assert_eq!(call_of(&sim.panel(BOB)), None);
        assert_eq!(sim.live_legs(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn decline_is_call_rejected() {
        let (sim, mut rx) = ringing().await;
        sim.decline(BOB, LegId(1)).expect("decline");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Failed(Cause(21))));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(rx.try_recv().is_err(), "no no-answer after the decline");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unattended_held_phone_times_out_with_no_answer() {
        let start = Instant::now();
        let (sim, mut rx) = ringing().await;
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(NoAnswer));
        assert_eq!(start.elapsed(), Duration::from_millis(30_300));
        assert_eq!(sim.answer(BOB, LegId(1)), Err(PhoneError::NoSuchCall("leg-1".into())));
    }

    #[tokio::test(start_paused = true)]
    async fn only_the_holder_acts_and_only_in_the_right_state() {
        let (sim, _rx) = ringing().await;
        assert_eq!(sim.answer("carol", LegId(1)), Err(PhoneError::NoSuchCall("leg-1".into())));
        assert_eq!(sim.decline("carol", LegId(1)), Err(PhoneError::NoSuchCall("leg-1".into())));
        assert_eq!(sim.answer(BOB, LegId(9)), Err(PhoneError::NoSuchCall("leg-9".into())));
        assert!(matches!(sim.hang_up_phone(BOB, LegId(1)), Err(PhoneError::WrongState { state: "ringing", .. })));
        sim.answer(BOB, LegId(1)).expect("answer");
        assert!(matches!(sim.answer(BOB, LegId(1)), Err(PhoneError::WrongState { state: "connected", .. })));
        assert!(matches!(sim.decline(BOB, LegId(1)), Err(PhoneError::WrongState { .. })));
        assert!(call_of(&sim.panel("carol")).is_none(), "carol sees nothing of bob's");
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_held_phone_gives_busy_to_a_second_call() {
        let (sim, mut rx) = ringing().await;
        sim.dial_from(LegId(2), PHONE, "other").expect("dial");
        let event = rx.recv().await.expect("event");
        assert_eq!((event.leg, event.kind), (LegId(2), Busy));
        assert_eq!(call_of(&sim.panel(BOB)).map(|c| c.0), Some(LegId(1)), "the first call still rings");
    }

    #[tokio::test(start_paused = true)]
    async fn releasing_hangs_up_the_live_call_and_later_calls_answer_by_themselves() {
        let (sim, mut rx) = ringing().await;
        sim.release(BOB, PHONE).expect("release");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
        assert!(sim.panel(BOB).phones.is_empty());
        sim.dial(LegId(2), PHONE).expect("dial");
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(Answered));
    }

    #[tokio::test(start_paused = true)]
    async fn the_conference_hanging_up_clears_the_panel() {
        let (sim, mut rx) = ringing().await;
        sim.hang_up(LegId(1));
        assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
        assert_eq!(call_of(&sim.panel(BOB)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn holding_rules() {
        let (sim, _rx) = Simulator::channel(D);
        assert_eq!(sim.hold(BOB, "4255550199"), Err(PhoneError::InvalidNumber("4255550199".into())));
        assert_eq!(sim.hold(BOB, BUSY), Err(PhoneError::TestNumber(BUSY.into())));
        sim.hold(BOB, PHONE).expect("hold");
        sim.hold(BOB, PHONE).expect("holding again is fine");
        assert_eq!(sim.hold("carol", PHONE), Err(PhoneError::HeldByOther(PHONE.into())));
        assert_eq!(sim.release("carol", PHONE), Err(PhoneError::HeldByOther(PHONE.into())));
        assert_eq!(sim.release(BOB, "+14255550100"), Err(PhoneError::NotHeld("+14255550100".into())));
        assert_eq!(sim.panel(BOB).phones, vec![PhoneView { number: PHONE.into(), call: None }]);
        assert!(sim.panel("carol").phones.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_wakes_for_own_changes_only() {
        let (sim, _rx) = Simulator::channel(D);
        let before = sim.panel(BOB).version;
        // Nothing changes: the wait runs its full course.
        let start = Instant::now();
        assert_eq!(sim.wait_for_change(BOB, before, Duration::from_secs(25)).await.version, before);
        assert_eq!(start.elapsed(), Duration::from_secs(25));
        // Carol's change does not wake bob; bob's own does.
        let waiter = {
            let sim = sim.clone();
            tokio::spawn(async move { sim.wait_for_change(BOB, before, Duration::from_secs(25)).await })
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        sim.hold("carol", "+14255550111").expect("hold");
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!waiter.is_finished());
        sim.hold(BOB, PHONE).expect("hold");
        let view = waiter.await.expect("waiter");
        assert_ne!(view.version, before);
        assert_eq!(view.phones.len(), 1);
        // A client with an unknown version gets the view at once.
        assert_eq!(sim.wait_for_change(BOB, 12345, Duration::from_secs(25)).await, view);
    }
}
