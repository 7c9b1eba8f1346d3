//! What the conference service remembers about one conference: its owner,
//! its state, its call legs and its event counter.
//!
//! Every change goes through [`Conference::apply_leg`] or
//! [`Conference::apply_conf`], which run the state machines of `state.rs`
//! and, on success, number the change with the next `sequence` and return the
//! [`Notification`] that tells the gateway about it. So no state can change
//! without an event, and no two events share a sequence number.

use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::{
    ConferenceSnapshot, ConferenceStatus, Participant, ParticipantStatus, Party,
};
use tokio::time::Instant;

use super::state::{ConfInput, ConfState, InvalidTransition, LegInput, LegState};
use crate::bridge::LegId;

/// One participant's call leg. The initiator is leg 0 of its conference.
#[derive(Debug, Clone)]
pub struct Leg {
    pub participant_id: String,
    pub leg_id: LegId,
    pub party: Party,
    pub state: LegState,
}

impl Leg {
    pub fn new(participant_id: String, leg_id: LegId, party: Party) -> Self {
        Leg { participant_id, leg_id, party, state: LegState::Pending }
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
    /// The sequence number of the last event (0 before the first).
    pub sequence: u64,
    /// Every leg ever created, the initiator first. Legs are never removed,
    /// so an index into this list is a stable handle for the leg.
    pub legs: Vec<Leg>,
    /// Creation order among the service's conferences (for listings).
    pub created: u64,
    /// When it was terminated, to forget it some time later.
    pub ended_at: Option<Instant>,
}

impl Conference {
    /// A conference in state `creating` whose initiator is `initiator`.
    pub fn new(id: String, owner: String, account: String, initiator: Leg, created: u64) -> Self {
        Conference {
            id,
            owner,
            account,
            state: ConfState::Creating,
            sequence: 0,
            legs: vec![initiator],
            created,
            ended_at: None,
        }
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
            return Err(InvalidTransition {
                machine: "leg",
                from: format!("no leg #{index}"),
                input: format!("{input:?}"),
            });
        };
        leg.state = leg.state.next(input)?;
        let (state, cause) = leg.state.wire();
        let participant_id = leg.participant_id.clone();
        self.sequence += 1;
        Ok(Notification::ParticipantStatus {
            owner: self.owner.clone(),
            status: ParticipantStatus {
                conference_id: self.id.clone(),
                participant_id,
                sequence: self.sequence,
                state,
                cause,
                time: now_rfc3339(),
            },
        })
    }

    /// Feeds `input` to the conference; on success the conference event to
    /// report.
    pub fn apply_conf(&mut self, input: ConfInput) -> Result<Notification, InvalidTransition> {
        self.state = self.state.next(input)?;
        if self.state.is_terminated() {
            self.ended_at = Some(Instant::now());
        }
        let (state, reason) = self.state.wire();
        self.sequence += 1;
        Ok(Notification::ConferenceStatus {
            owner: self.owner.clone(),
            status: ConferenceStatus {
                conference_id: self.id.clone(),
                sequence: self.sequence,
                state,
                reason,
                time: now_rfc3339(),
            },
        })
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
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        bytes = (nanos ^ FALLBACK.fetch_add(1, Ordering::Relaxed).rotate_left(48)).to_be_bytes();
    }
    format!("{prefix}-{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_shared::soap::{ConferenceState, ParticipantState, TerminationReason};

    fn conference() -> Conference {
        let party = Party { name: "Ada".into(), phone: "+14255550100".into(), ..Party::default() };
        let leg = Leg::new("p-1".into(), LegId(1), party);
        Conference::new("conf-1".into(), "sip:ada@rollcall.local".into(), "acct".into(), leg, 0)
    }

    #[test]
    fn every_change_is_numbered_and_reported() {
        let mut conf = conference();
        let n = conf.apply_leg(0, LegInput::Dial).expect("dial");
        let Notification::ParticipantStatus { owner, status } = n else { panic!("participant event") };
        assert_eq!(owner, "sip:ada@rollcall.local");
        assert_eq!((status.sequence, status.state, status.participant_id.as_str()), (1, ParticipantState::Dialing, "p-1"));
        assert!(status.time.ends_with('Z'), "{}", status.time);
        conf.apply_leg(0, LegInput::Answered).expect("answer");
        let n = conf.apply_conf(ConfInput::InitiatorConnected).expect("active");
        let Notification::ConferenceStatus { status, .. } = n else { panic!("conference event") };
        assert_eq!((status.sequence, status.state, status.reason), (3, ConferenceState::Active, None));
        assert!(conf.ended_at.is_none());
    }

    #[test]
    fn refused_changes_change_nothing() {
        let mut conf = conference();
        assert!(conf.apply_leg(0, LegInput::Answered).is_err(), "pending legs cannot answer");
        assert!(conf.apply_leg(5, LegInput::Dial).is_err(), "no such leg");
        assert!(conf.apply_conf(ConfInput::InitiatorHungUp).is_err());
        assert_eq!(conf.sequence, 0);
        assert_eq!(conf.legs[0].state, LegState::Pending);
        assert_eq!(conf.state, ConfState::Creating);
    }

    #[test]
    fn snapshot_lists_the_initiator_first() {
        let mut conf = conference();
        conf.legs.push(Leg::new("p-2".into(), LegId(2), Party::default()));
        conf.apply_conf(ConfInput::EndedByInitiator).expect("end");
        let snap = conf.snapshot();
        assert_eq!(snap.sequence, 1);
        assert_eq!(snap.state, ConferenceState::Terminated);
        assert_eq!(snap.reason, Some(TerminationReason::EndedByInitiator));
        assert_eq!(snap.initiator.participant_id, "p-1");
        let ids: Vec<_> = snap.participants.iter().map(|p| p.participant_id.as_str()).collect();
        assert_eq!(ids, ["p-1", "p-2"]);
        assert!(conf.ended_at.is_some());
    }

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_id("conf");
        assert!(a.starts_with("conf-") && a.len() == 5 + 16, "{a}");
        assert_ne!(a, new_id("conf"));
    }
}
