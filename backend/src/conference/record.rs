//! What the conference service remembers about one conference: its owner,
//! its state, its call legs and its event counter.
//!
//! Every change goes through [`Conference::apply_leg`] or
//! [`Conference::apply_conf`], which run the state machines of `state.rs`
//! and, on success, number the change with the next `sequence` and return the
//! [`Notification`] that tells the gateway about it. So no state can change
//! without an event, and no two events share a sequence number.

use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::{Alternative, Attempt, ConferenceSnapshot, ConferenceStatus, Participant, ParticipantStatus, Party};
use std::collections::VecDeque;
use std::time::SystemTime;

use tokio::time::Instant;

use super::billing::CallRecord;

use super::state::{ConfInput, ConfState, InvalidTransition, LegInput, LegState};
use crate::bridge::LegId;

/// One participant's call leg. The initiator is leg 0 of its conference.
#[derive(Debug, Clone)]
pub struct Leg {
    pub participant_id: String,
    pub leg_id: LegId,
    pub party: Party,
    pub state: LegState,
    /// When the leg was handed to the bridge (its call record's start).
    pub dialed_at: Option<SystemTime>,
    /// When the called party answered.
    pub answered_at: Option<SystemTime>,
    /// Left out of everyone's mix (`c:muted`).
    pub muted: bool,
    /// The person's numbers not tried yet, in order (`c:alternatives`).
    /// `party.phone` and `party.location` are the one being tried.
    pub fallbacks: VecDeque<Alternative>,
    /// Which of the person's numbers `party.phone` is, from 1.
    pub attempt: u32,
}

impl Leg {
    pub fn new(participant_id: String, leg_id: LegId, mut party: Party) -> Self {
        let fallbacks = std::mem::take(&mut party.alternatives).into();
        Leg {
            participant_id,
            leg_id,
            party,
            state: LegState::Pending,
            dialed_at: None,
            answered_at: None,
            muted: false,
            fallbacks,
            attempt: 1,
        }
    }

    /// Did the person give more than one number? Then every event says
    /// which one is being tried (docs/protocol.md §6).
    pub fn has_fallbacks(&self) -> bool {
        self.attempt > 1 || !self.fallbacks.is_empty()
    }

    /// This attempt ended without a call and another number is left: the
    /// outcome is not final.
    pub fn will_retry(&self) -> bool {
        self.state.unreached() && !self.fallbacks.is_empty()
    }

    /// Moves on to the person's next number, on bridge leg `leg_id`; the
    /// leg must be [`will_retry`](Self::will_retry) (else nothing changes
    /// and `false` is returned).
    pub fn next_number(&mut self, leg_id: LegId) -> bool {
        if !self.will_retry() {
            return false;
        }
        let Some(next) = self.fallbacks.pop_front() else { return false };
        let Ok(state) = self.state.next(LegInput::Redial) else { return false };
        self.state = state;
        self.party.phone = next.phone;
        self.party.location = next.location;
        self.attempt += 1;
        self.leg_id = leg_id;
        self.dialed_at = None;
        self.answered_at = None;
        true
    }

    fn attempt_on_wire(&self) -> Option<Attempt> {
        self.has_fallbacks().then(|| Attempt {
            phone: self.party.phone.clone(),
            location: self.party.location,
            number: self.attempt,
        })
    }

    /// The snapshot entry of this leg.
    pub fn participant(&self) -> Participant {
        let (state, cause) = self.state.wire();
        Participant {
            participant_id: self.participant_id.clone(),
            name: self.party.name.clone(),
            phone: self.party.phone.clone(),
            location: self.party.location,
            state,
            cause,
            muted: self.muted,
            attempt: self.has_fallbacks().then_some(self.attempt),
        }
    }
}

/// One conference.
#[derive(Debug, Clone)]
pub struct Conference {
    pub id: String,
    /// The AOR that created it; the only one allowed to see or change it.
    pub owner: String,
    /// The billing / bridge account named at creation.
    pub account: String,
    pub state: ConfState,
    /// Takes no new participants (`c:locked`).
    pub locked: bool,
    /// What the conference is about (`c:subject`).
    pub subject: Option<String>,
    /// Participants confirm before they join (`c:confirm`).
    pub confirm: bool,
    /// When it was created (`c:created`).
    pub created_at: SystemTime,
    /// The sequence number of the last event (0 before the first).
    pub sequence: u64,
    /// Every leg ever created, the initiator first. Legs are never removed,
    /// so an index into this list is a stable handle for the leg.
    pub legs: Vec<Leg>,
    /// Creation order among the service's conferences (for listings).
    pub created: u64,
    /// When it was terminated, to forget it some time later.
    pub ended_at: Option<Instant>,
    /// Since when the conference has been idle (see [`Conference::is_idle`]),
    /// or `None` while it is not.
    pub idle_since: Option<Instant>,
    /// Counts idle periods, so an inactivity timer armed for an earlier
    /// period recognises that it is stale.
    pub idle_epoch: u64,
}

impl Conference {
    /// A conference in state `creating` whose initiator is `initiator`.
    pub fn new(id: String, owner: String, account: String, initiator: Leg, created: u64) -> Self {
        Conference {
            id,
            owner,
            account,
            state: ConfState::Creating,
            locked: false,
            subject: None,
            confirm: false,
            created_at: SystemTime::now(),
            sequence: 0,
            legs: vec![initiator],
            created,
            ended_at: None,
            idle_since: None,
            idle_epoch: 0,
        }
    }

    /// A conference as a stored `snapshot` describes it (after a restart):
    /// the legs in their states, none on the bridge (their calls are gone),
    /// the sequence where it stopped. `leg_id` numbers the legs.
    pub fn restored(
        id: String,
        owner: String,
        account: String,
        created: u64,
        snapshot: &ConferenceSnapshot,
        mut leg_id: impl FnMut() -> LegId,
    ) -> Self {
        let legs = snapshot
            .participants
            .iter()
            .map(|p| {
                let party = Party { name: p.name.clone(), phone: p.phone.clone(), location: p.location, ..Party::default() };
                let mut leg = Leg::new(p.participant_id.clone(), leg_id(), party);
                leg.state = LegState::from_wire(p.state, p.cause);
                leg.muted = p.muted;
                leg.attempt = p.attempt.unwrap_or(1);
                leg
            })
            .collect();
        let ended = matches!(snapshot.state, rollcall_shared::soap::ConferenceState::Terminated);
        Conference {
            id,
            owner,
            account,
            state: ConfState::from_wire(snapshot.state, snapshot.reason),
            locked: snapshot.locked,
            subject: snapshot.subject.clone(),
            confirm: false,
            created_at: snapshot
                .created
                .as_deref()
                .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
                .unwrap_or_else(SystemTime::now),
            sequence: snapshot.sequence,
            legs,
            created,
            ended_at: ended.then(Instant::now),
            idle_since: None,
            idle_epoch: 0,
        }
    }

    /// Idle: not terminated, and nobody but the initiator on the call or on
    /// the way to it — every other leg has ended (or there is none). A
    /// participant waiting to be dialled, dialling, ringing or connected
    /// makes the conference busy, so inactivity never ends a call between
    /// two people, however long and quiet.
    pub fn is_idle(&self) -> bool {
        !self.state.is_terminated() && self.legs.iter().skip(1).all(|leg| leg.state.is_final())
    }

    /// Brings `idle_since` up to date after a change. Returns the new idle
    /// period's epoch when one has just begun (the caller arms a timer for
    /// it); leaving an idle period bumps the epoch, so its timer goes stale.
    pub fn update_idle(&mut self) -> Option<u64> {
        match (self.is_idle(), self.idle_since) {
            (true, None) => {
                self.idle_since = Some(Instant::now());
                self.idle_epoch += 1;
                Some(self.idle_epoch)
            }
            (false, Some(_)) => {
                self.idle_since = None;
                self.idle_epoch += 1;
                None
            }
            _ => None,
        }
    }

    /// Has the idle period `epoch` lasted, unbroken, until now?
    pub fn still_idle_since(&self, epoch: u64) -> bool {
        self.idle_since.is_some() && self.idle_epoch == epoch && self.is_idle()
    }

    /// The call record of leg `index`, once it has ended — `None` while it
    /// is live, and for a leg that was never dialled (no call, no record).
    pub fn call_record(&self, index: usize) -> Option<CallRecord> {
        let leg = self.legs.get(index)?;
        if !leg.state.is_final() {
            return None;
        }
        let (state, cause) = leg.state.wire();
        Some(CallRecord {
            answered_at: leg.answered_at.map(|t| humantime::format_rfc3339_millis(t).to_string()),
            ended_at: Some(now_rfc3339()),
            final_state: state.as_str().to_string(),
            cause: cause.map(|c| c.0),
            ..self.dial_record(index)?
        })
    }

    /// The record of leg `index` as it is dialled: its start, no end yet.
    pub fn dial_record(&self, index: usize) -> Option<CallRecord> {
        let leg = self.legs.get(index)?;
        let started = leg.dialed_at?;
        Some(CallRecord {
            account: self.account.clone(),
            owner: self.owner.clone(),
            conference_id: self.id.clone(),
            participant_id: leg.participant_id.clone(),
            number: leg.party.phone.clone(),
            started_at: humantime::format_rfc3339_millis(started).to_string(),
            answered_at: None,
            ended_at: None,
            final_state: rollcall_shared::soap::ParticipantState::Dialing.as_str().to_string(),
            cause: None,
        })
    }

    /// The index of participant `participant_id`.
    pub fn leg_index(&self, participant_id: &str) -> Option<usize> {
        self.legs.iter().position(|leg| leg.participant_id == participant_id)
    }

    /// Legs that are not over yet: they count against the participant limit.
    pub fn live_legs(&self) -> usize {
        self.legs.iter().filter(|leg| !leg.state.is_final()).count()
    }

    /// Feeds `input` to leg `index`; on success the participant event to
    /// report. An out-of-range index is an invalid transition too.
    pub fn apply_leg(&mut self, index: usize, input: LegInput) -> Result<Notification, InvalidTransition> {
        let Some(leg) = self.legs.get_mut(index) else {
            return Err(InvalidTransition { machine: "leg", from: format!("no leg #{index}"), input: format!("{input:?}") });
        };
        leg.state = leg.state.next(input)?;
        match leg.state {
            LegState::Dialing => leg.dialed_at = Some(SystemTime::now()),
            // A screened call was answered when the phone picked up, not
            // when its party pressed 1: that is what the network bills.
            LegState::Confirming | LegState::Connected if leg.answered_at.is_none() => leg.answered_at = Some(SystemTime::now()),
            _ => {}
        }
        Ok(self.participant_event(index))
    }

    /// Mutes or unmutes leg `index`; the participant event to report, or
    /// `None` when nothing changed.
    pub fn apply_mute(&mut self, index: usize, muted: bool) -> Option<Notification> {
        let leg = self.legs.get_mut(index)?;
        if leg.muted == muted {
            return None;
        }
        leg.muted = muted;
        Some(self.participant_event(index))
    }

    /// Locks or unlocks the conference; the conference event to report, or
    /// `None` when nothing changed.
    pub fn apply_lock(&mut self, locked: bool) -> Option<Notification> {
        if self.locked == locked {
            return None;
        }
        self.locked = locked;
        Some(self.conference_event())
    }

    /// The next event of leg `index` as it is now (the index is valid).
    fn participant_event(&mut self, index: usize) -> Notification {
        let leg = &self.legs[index];
        let (state, cause) = leg.state.wire();
        let status = ParticipantStatus {
            conference_id: self.id.clone(),
            participant_id: leg.participant_id.clone(),
            sequence: self.sequence + 1,
            state,
            cause,
            time: now_rfc3339(),
            muted: leg.muted,
            attempt: leg.attempt_on_wire(),
            final_outcome: leg.will_retry().then_some(false),
        };
        self.sequence += 1;
        Notification::ParticipantStatus { owner: self.owner.clone(), status }
    }

    /// The next event of the conference as it is now.
    fn conference_event(&mut self) -> Notification {
        let (state, reason) = self.state.wire();
        self.sequence += 1;
        Notification::ConferenceStatus {
            owner: self.owner.clone(),
            status: ConferenceStatus {
                conference_id: self.id.clone(),
                sequence: self.sequence,
                state,
                reason,
                time: now_rfc3339(),
                locked: self.locked,
            },
        }
    }

    /// Feeds `input` to the conference; on success the conference event to
    /// report.
    pub fn apply_conf(&mut self, input: ConfInput) -> Result<Notification, InvalidTransition> {
        self.state = self.state.next(input)?;
        if self.state.is_terminated() {
            self.ended_at = Some(Instant::now());
        }
        Ok(self.conference_event())
    }

    /// A full snapshot (`c:Conference`), at the current sequence number.
    pub fn snapshot(&self) -> ConferenceSnapshot {
        let participants: Vec<Participant> = self.legs.iter().map(Leg::participant).collect();
        let (state, reason) = self.state.wire();
        ConferenceSnapshot {
            request_id: None,
            conference_id: self.id.clone(),
            sequence: self.sequence,
            state,
            reason,
            // `legs` is never empty: `new` puts the initiator first.
            initiator: participants[0].clone(),
            participants,
            locked: self.locked,
            conference_uri: None,
            subject: self.subject.clone(),
            created: Some(humantime::format_rfc3339_millis(self.created_at).to_string()),
        }
    }
}

/// The current time as RFC 3339 with milliseconds, in UTC (`c:time`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// An opaque, unguessable identifier such as `conf-1f2e3d4c5b6a7988`.
///
/// Random rather than counted so that identifiers do not reveal how many
/// conferences a server has run and are not reused after a restart.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    if let Err(error) = getrandom::getrandom(&mut bytes) {
        // Identifiers are not secrets (every request is authorized by owner),
        // so a clock-and-counter fallback keeps the service up.
        use std::sync::atomic::{AtomicU64, Ordering};
        static FALLBACK: AtomicU64 = AtomicU64::new(0);
        tracing::warn!(%error, "no OS randomness; using a clock-based identifier");
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or_default();
        bytes = (nanos ^ FALLBACK.fetch_add(1, Ordering::Relaxed).rotate_left(48)).to_be_bytes();
    }
    format!("{prefix}-{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests;
