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
//! | `+15005550005`   | `Ringing`, `Answered`: an answering machine, never a key     |
//! | held by a person | `Ringing`, then what the person does ([`super::phones`])     |
//! | other E.164      | `Ringing`, then `Answered` after the answer delay            |
//!
//! On a screened call ([`Dial::announcement`]) every number that answers by
//! itself but the answering machine then presses 1 (`Digit('1')`, one ring
//! delay later); a person at a held phone hears the announcement in the
//! panel and presses a key there ([`Simulator::press`]).
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
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rollcall_shared::soap::{is_e164, Cause};
use rollcall_shared::sync::LockExt;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use super::phones::{CallState, CallView, HeldCall, PanelView, PhoneError, PhoneView, MAX_HELD_PER_USER};
use super::scripts::{held_script, script, Script, SimDelays, TEST_NUMBERS};
use crate::bridge::{BridgeDriver, BridgeError, BridgeEvent, BridgeEventKind, Dial, EventReceiver, EventSender, LegId};

/// The simulated telephone network, a [`BridgeDriver`].
///
/// Cheap to clone; clones share the same legs, held phones and event
/// channel. Every change — a leg's script, a person holding, answering or
/// releasing a phone — happens here, under the one lock; [`super::phones`]
/// has the types of the person's side and its rules.
#[derive(Clone)]
pub struct Simulator {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    delays: SimDelays,
    events: EventSender,
    /// Every leg and held phone. It stays consistent even if a holder
    /// panicked: every critical section is a few inserts/removes plus
    /// channel sends.
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
        self.inner.table.locked().legs.len()
    }
}

impl Inner {
    /// Report `kind` on `leg` if the leg is still alive; a final event
    /// removes it. Returns whether the leg is still alive afterwards.
    fn emit(&self, leg: LegId, kind: BridgeEventKind) -> bool {
        let mut table = self.table.locked();
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
        // (A held phone's script only rings and gives up: its answer and
        // keys are the person's, through `answer` and `press`.)
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
    fn place(&self, call: &Dial<'_>) -> Result<(), BridgeError> {
        let Dial { leg, number, caller, announcement, .. } = *call;
        if !is_e164(number) {
            return Err(BridgeError::InvalidNumber(number.to_string()));
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| BridgeError::Unavailable("the simulator needs a Tokio runtime".into()))?;
        // Decide, insert and spawn under the lock, so the task cannot report
        // before the leg is in the table, and two dials of one held phone
        // cannot both find it idle.
        let mut table = self.inner.table.locked();
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
                    announcement: announcement.map(str::to_string),
                    muted: false,
                };
                (held_script(busy, &self.inner.delays), (!busy).then_some(call))
            }
            None => (script(number, &self.inner.delays, announcement.is_some()), None),
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
        let mut table = self.inner.table.locked();
        self.inner.end(&mut table, leg, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING));
    }

    /// A screened person at a held phone is let in: their panel shows the
    /// call connected.
    fn admit(&self, leg: LegId) {
        self.change_held(leg, |call| {
            if call.state == CallState::Confirming {
                call.state = CallState::Connected;
                call.since = SystemTime::now();
            }
        });
    }

    /// The simulated network carries no audio; a held phone's panel shows
    /// that it is muted.
    fn set_muted(&self, leg: LegId, muted: bool) {
        self.change_held(leg, |call| call.muted = muted);
    }

    /// Drops every live leg of `legs` with `Lost(41)`, in the order given,
    /// under one lock so no scripted event slips in between.
    fn crash(&self, legs: &[LegId]) -> Result<(), BridgeError> {
        let mut table = self.inner.table.locked();
        for leg in legs {
            if self.inner.end(&mut table, *leg, BridgeEventKind::Lost(Cause::TEMPORARY_FAILURE)) {
                tracing::warn!(%leg, "simulated bridge failure");
            }
        }
        Ok(())
    }
}

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
        let mut table = self.inner.table.locked();
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
        let mut table = self.inner.table.locked();
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

    /// Changes the held call on `leg`, if there is one, and tells its holder.
    fn change_held(&self, leg: LegId, change: impl FnOnce(&mut HeldCall)) {
        let mut table = self.inner.table.locked();
        let Some(call) = table.legs.get_mut(&leg).and_then(|l| l.held.as_mut()) else { return };
        change(call);
        let holder = call.holder.clone();
        self.inner.touch(&mut table, &holder);
    }

    /// The person answers a ringing call: `Answered`, and the no-answer
    /// timeout no longer applies. A screened call is `confirming` until the
    /// conference lets the person in.
    pub fn answer(&self, user: &str, call: LegId) -> Result<(), PhoneError> {
        let mut table = self.inner.table.locked();
        let entry = held_leg(&mut table, user, call, CallState::Ringing, "answer")?;
        entry.task.abort();
        if let Some(held) = entry.held.as_mut() {
            held.state = if held.announcement.is_some() { CallState::Confirming } else { CallState::Connected };
            held.since = SystemTime::now();
        }
        self.inner.send(BridgeEvent { leg: call, kind: BridgeEventKind::Answered });
        self.inner.touch(&mut table, user);
        Ok(())
    }

    /// The person declines a ringing call: `Failed(21)`, call rejected.
    pub fn decline(&self, user: &str, call: LegId) -> Result<(), PhoneError> {
        let mut table = self.inner.table.locked();
        held_leg(&mut table, user, call, CallState::Ringing, "decline")?;
        self.inner.end(&mut table, call, BridgeEventKind::Failed(Cause::CALL_REJECTED));
        Ok(())
    }

    /// The person hangs up an answered call: `HungUp(16)`.
    pub fn hang_up_phone(&self, user: &str, call: LegId) -> Result<(), PhoneError> {
        let mut table = self.inner.table.locked();
        answered_leg(&mut table, user, call, "hang up")?;
        self.inner.end(&mut table, call, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING));
        Ok(())
    }

    /// The person presses `key` on an answered call: `Digit(key)`.
    pub fn press(&self, user: &str, call: LegId, key: &str) -> Result<(), PhoneError> {
        let digit = match key.as_bytes() {
            [b] if b.is_ascii_digit() || *b == b'*' || *b == b'#' => char::from(*b),
            _ => return Err(PhoneError::NoSuchKey(key.chars().take(8).collect())),
        };
        let mut table = self.inner.table.locked();
        answered_leg(&mut table, user, call, "press a key on")?;
        self.inner.send(BridgeEvent { leg: call, kind: BridgeEventKind::Digit(digit) });
        Ok(())
    }

    /// What `user` sees: the numbers they hold, each with its live call.
    pub fn panel(&self, user: &str) -> PanelView {
        view(&self.inner.table.locked(), user)
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

/// The answered call `call` (confirming or connected) on one of `user`'s
/// phones.
fn answered_leg(table: &mut Table, user: &str, call: LegId, action: &'static str) -> Result<(), PhoneError> {
    match held_leg(table, user, call, CallState::Connected, action) {
        Err(PhoneError::WrongState { .. }) => held_leg(table, user, call, CallState::Confirming, action).map(drop),
        other => other.map(drop),
    }
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
            phone.call = Some(CallView {
                id: *id,
                state: call.state,
                since: call.since,
                caller: call.caller.clone(),
                announcement: call.announcement.clone(),
                muted: call.muted,
            });
        }
    }
    PanelView { version: table.seen.get(user).copied().unwrap_or(0), phones }
}

#[cfg(test)]
mod phone_tests;
#[cfg(test)]
mod tests;
