//! Rollcall's conferences as conference-info documents (docs/protocol.md
//! §7): each participant is a `user` (entity `tel:<phone>`, display text
//! its name) with one `endpoint` (entity its `participantId`); two
//! participants with the same phone are one user with two endpoints.
//!
//! | participant state | endpoint `status` | `disconnection-method` |
//! |---|---|---|
//! | `dialing` | `dialing-out` | |
//! | `ringing`, `confirming` | `alerting` | |
//! | `connected` | `connected`, with `media` `sendrecv` (muted: `recvonly`) | |
//! | `busy`, `no-answer`, `failed` | `disconnected` | `failed` |
//! | `disconnected` | `disconnected` | `booted` when removed by `c:RemoveParticipant`, else `departed` |
//!
//! with `disconnection-info/reason` `Q.850;cause=N` when there is a cause.
//! `conference-state` has `user-count` (participants now connected),
//! `active` (the conference is `active`) and `locked`.
//!
//! [`Conference`] and [`Leg`] are this module's own model of what a
//! document shows; the `from_*`/`apply_*` functions take the wire model's
//! snapshots and events in (state, cause, `c:muted`, `c:locked`, the
//! subject, and the number now tried for a person with fallback numbers).

use crate::soap::{ConferenceSnapshot, ConferenceState, ConferenceStatus, Participant, ParticipantState, ParticipantStatus};

use super::{
    bounded, ConferenceInfo, ConferenceStateInfo, Description, DisconnectionMethod, DocState, Endpoint, EndpointStatus, Media,
    MediaStatus, User, Users, MAX_ENDPOINTS, MAX_USERS,
};

/// One participant (call leg) of a conference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    pub participant_id: String,
    pub name: String,
    /// E.164.
    pub phone: String,
    pub state: ParticipantState,
    /// Q.850 cause of the last change, if any.
    pub cause: Option<u16>,
    pub muted: bool,
    /// Removed by the owner (`c:RemoveParticipant`): its disconnection
    /// was a boot, not a departure.
    pub removed: bool,
}

impl Leg {
    pub fn from_participant(p: &Participant) -> Leg {
        Leg {
            participant_id: p.participant_id.clone(),
            name: p.name.clone(),
            phone: p.phone.clone(),
            state: p.state,
            cause: p.cause.map(|c| c.0),
            muted: p.muted,
            removed: false,
        }
    }

    /// The user's entity: `tel:<phone>`.
    pub fn user_entity(&self) -> String {
        bounded(&format!("tel:{}", self.phone))
    }

    /// This leg as an `endpoint` (always `state="full"`: it replaces the
    /// subscriber's copy whole, media and disconnection info included).
    pub fn endpoint(&self) -> Endpoint {
        let (status, method) = match self.state {
            ParticipantState::Dialing => (EndpointStatus::DialingOut, None),
            ParticipantState::Ringing | ParticipantState::Confirming => (EndpointStatus::Alerting, None),
            ParticipantState::Connected => (EndpointStatus::Connected, None),
            ParticipantState::Busy | ParticipantState::NoAnswer | ParticipantState::Failed => {
                (EndpointStatus::Disconnected, Some(DisconnectionMethod::Failed))
            }
            ParticipantState::Disconnected if self.removed => (EndpointStatus::Disconnected, Some(DisconnectionMethod::Booted)),
            ParticipantState::Disconnected => (EndpointStatus::Disconnected, Some(DisconnectionMethod::Departed)),
        };
        let media = match self.state {
            ParticipantState::Connected => vec![Media {
                id: "1".into(),
                media_type: Some("audio".into()),
                status: Some(if self.muted { MediaStatus::RecvOnly } else { MediaStatus::SendRecv }),
            }],
            _ => Vec::new(),
        };
        Endpoint {
            entity: bounded(&self.participant_id),
            state: DocState::Full,
            status: Some(status),
            disconnection_method: method,
            disconnection_reason: method.and(self.cause).map(|cause| format!("Q.850;cause={cause}")),
            media,
        }
    }
}

/// A conference as its subscribers see it, kept up to date by its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conference {
    /// The conference URI (`sip:conf-…@<domain>`).
    pub entity: String,
    pub subject: Option<String>,
    pub active: bool,
    pub locked: bool,
    /// In the conference's order, the initiator first; at most [`MAX_USERS`].
    pub legs: Vec<Leg>,
}

/// `sip:<conferenceId>@<domain>` (docs/protocol.md §7).
pub fn conference_uri(conference_id: &str, domain: &str) -> String {
    format!("sip:{conference_id}@{domain}")
}

impl Conference {
    pub fn from_snapshot(snapshot: &ConferenceSnapshot, entity: &str) -> Conference {
        Conference {
            entity: bounded(entity),
            subject: snapshot.subject.as_deref().map(bounded),
            active: snapshot.state == ConferenceState::Active,
            locked: snapshot.locked,
            legs: snapshot.participants.iter().take(MAX_USERS).map(Leg::from_participant).collect(),
        }
    }

    /// Takes a `c:ParticipantStatus` in. Returns `false` (and changes
    /// nothing) for a participant it does not know: the caller reads a new
    /// snapshot to learn its name and phone ([`Conference::merge_snapshot`]).
    pub fn apply_participant(&mut self, status: &ParticipantStatus) -> bool {
        let Some(leg) = self.legs.iter_mut().find(|l| l.participant_id == status.participant_id) else { return false };
        leg.state = status.state;
        leg.cause = status.cause.map(|c| c.0);
        leg.muted = status.muted;
        if let Some(attempt) = &status.attempt {
            leg.phone.clone_from(&attempt.phone);
        }
        true
    }

    /// Takes a `c:ConferenceStatus` in.
    pub fn apply_conference(&mut self, status: &ConferenceStatus) {
        self.active = status.state == ConferenceState::Active;
        self.locked = status.locked;
    }

    /// Participant `participant_id` is being removed by the owner: its
    /// coming disconnection is a boot.
    pub fn mark_removed(&mut self, participant_id: &str) {
        if let Some(leg) = self.legs.iter_mut().find(|l| l.participant_id == participant_id) {
            leg.removed = true;
        }
    }

    /// Takes a newer snapshot in (participants added since), keeping what
    /// only this model knows (who was removed).
    pub fn merge_snapshot(&mut self, snapshot: &ConferenceSnapshot) {
        let mut newer = Conference::from_snapshot(snapshot, &self.entity);
        for leg in &mut newer.legs {
            leg.removed = self.legs.iter().any(|old| old.participant_id == leg.participant_id && old.removed);
        }
        newer.subject = self.subject.take().or(newer.subject);
        *self = newer;
    }

    /// How many participants are connected now.
    pub fn user_count(&self) -> u32 {
        self.legs.iter().filter(|l| l.state == ParticipantState::Connected).count() as u32
    }

    fn conference_state(&self) -> ConferenceStateInfo {
        ConferenceStateInfo { user_count: Some(self.user_count()), active: Some(self.active), locked: Some(self.locked) }
    }

    /// The full document (`state="full"`): every participant.
    pub fn full(&self, version: u32) -> ConferenceInfo {
        let description = Description { display_text: None, subject: self.subject.as_deref().map(bounded) };
        ConferenceInfo {
            entity: self.entity.clone(),
            version,
            state: DocState::Full,
            description: Some(description),
            conference_state: Some(self.conference_state()),
            users: Some(Users { state: DocState::Full, users: self.users(|_| true, DocState::Full) }),
        }
    }

    /// A partial document (RFC 4575 §4.2): the conference state, and the
    /// users of the participants in `changed` (each `state="partial"`, with
    /// the changed endpoints whole). No `users` when `changed` is empty.
    pub fn partial(&self, version: u32, changed: &[&str]) -> ConferenceInfo {
        let users = self.users(|leg| changed.contains(&leg.participant_id.as_str()), DocState::Partial);
        ConferenceInfo {
            entity: self.entity.clone(),
            version,
            state: DocState::Partial,
            description: None,
            conference_state: Some(self.conference_state()),
            users: (!users.is_empty()).then_some(Users { state: DocState::Partial, users }),
        }
    }

    /// The legs `pick` chooses as users, grouped by phone in order of
    /// first appearance.
    fn users(&self, pick: impl Fn(&Leg) -> bool, state: DocState) -> Vec<User> {
        let mut users: Vec<User> = Vec::new();
        for leg in self.legs.iter().filter(|l| pick(l)) {
            let entity = leg.user_entity();
            match users.iter_mut().find(|u| u.entity == entity) {
                Some(user) if user.endpoints.len() < MAX_ENDPOINTS => user.endpoints.push(leg.endpoint()),
                Some(_) => {} // the same phone more than MAX_ENDPOINTS times

                None => users.push(User {
                    entity,
                    state,
                    display_text: (!leg.name.is_empty()).then(|| bounded(&leg.name)),
                    endpoints: vec![leg.endpoint()],
                }),
            }
        }
        users
    }
}
