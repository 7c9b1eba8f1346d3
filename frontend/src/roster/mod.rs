//! The roster: every conference this user has going, kept current from the
//! gateway's replies (docs/protocol.md §2). Pure state, no I/O: the caller sends
//! the requests (`Roster::sent` remembers them) and acts on the [`Effect`]s
//! that applying a reply returns.

mod conference;
pub mod draft;
mod participant;

use std::collections::HashMap;

pub use conference::ConferenceView;
pub use participant::ParticipantView;

use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::{Fault, Party};

/// What applying a reply asks of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send `GetConference` for this conference (a gap, or an unknown leg).
    Refresh(String),
    /// Tell the person: a Fault answering something they asked for.
    ShowFault(Fault),
}

/// What a request we sent was for, to make sense of its answer.
#[derive(Debug, Clone)]
enum Pending {
    Create {
        initiator: Party,
    },
    Add {
        party: Party,
    },
    /// GetConference / ListConferences sent by us, not the person: their
    /// Faults are not shown (e.g. NoSuchConference after a server restart).
    Background,
    Other,
}

#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Newest first.
    conferences: Vec<ConferenceView>,
    pending: HashMap<String, Pending>,
}

impl Roster {
    pub fn conferences(&self) -> &[ConferenceView] {
        &self.conferences
    }

    pub fn conference(&self, conference_id: &str) -> Option<&ConferenceView> {
        self.conferences.iter().find(|c| c.id == conference_id)
    }

    /// Remembers a request we are about to send, so that its answer can be
    /// applied (a CreateConferenceResponse carries no names).
    pub fn sent(&mut self, request: &Request) {
        let pending = match request {
            Request::CreateConference(r) => Pending::Create { initiator: r.initiator.clone() },
            Request::AddParticipant(r) => Pending::Add { party: r.participant.clone() },
            Request::GetConference(r) => {
                if let Some(c) = self.find_mut(&r.conference_id) {
                    c.refreshing = true;
                }
                Pending::Background
            }
            Request::ListConferences(_) => Pending::Background,
            _ => Pending::Other,
        };
        self.pending.insert(request.request_id().to_string(), pending);
    }

    /// Conferences to refresh with GetConference after a reconnect (we may
    /// have missed events while the connection was down).
    pub fn to_refresh_after_reconnect(&self) -> Vec<String> {
        self.conferences.iter().filter(|c| !c.is_over()).map(|c| c.id.clone()).collect()
    }

    /// The connection dropped: refreshes under way will get no answer, so
    /// the next gap may ask again. (Other pending requests stay: those the
    /// user agent queued go out after the reconnect.)
    pub fn connection_lost(&mut self) {
        for c in &mut self.conferences {
            c.refreshing = false;
        }
    }

    /// Applies one reply from the gateway.
    pub fn apply(&mut self, reply: Reply) -> Vec<Effect> {
        let mut effects = Vec::new();
        match reply {
            Reply::CreateConferenceResponse { request_id, conference_id, state, .. } => {
                let initiator = match self.pending.remove(&request_id) {
                    Some(Pending::Create { initiator }) => Some(initiator),
                    _ => None,
                };
                if self.find_mut(&conference_id).is_none() {
                    let view = match initiator {
                        Some(initiator) => ConferenceView::created(conference_id, state, &initiator),
                        // Another tab of ours started it: learn it from a snapshot.
                        None => {
                            effects.push(Effect::Refresh(conference_id.clone()));
                            ConferenceView::unknown(conference_id)
                        }
                    };
                    self.conferences.insert(0, view);
                }
            }
            Reply::AddParticipantResponse { request_id, conference_id, participant_id, state } => {
                let party = match self.pending.remove(&request_id) {
                    Some(Pending::Add { party }) => Some(party),
                    _ => None,
                };
                let conference = self.get_or_insert(&conference_id, &mut effects);
                if !conference.participants.iter().any(|p| p.id.as_deref() == Some(&participant_id)) {
                    match party {
                        Some(party) => {
                            let mut view = ParticipantView::dialing(Some(participant_id), &party);
                            view.set_state(state, None);
                            conference.participants.push(view);
                        }
                        None => effects.push(Effect::Refresh(conference_id)),
                    }
                }
            }
            Reply::RemoveParticipantResponse { request_id, .. }
            | Reply::EndConferenceResponse { request_id, .. }
            | Reply::MuteParticipantResponse { request_id, .. }
            | Reply::MuteAllResponse { request_id, .. }
            | Reply::LockConferenceResponse { request_id, .. } => {
                // The events that follow tell what happened.
                self.pending.remove(&request_id);
            }
            Reply::Conference(snapshot) => {
                if let Some(id) = &snapshot.request_id {
                    self.pending.remove(id);
                }
                match self.find_mut(&snapshot.conference_id) {
                    Some(view) => view.replace(&snapshot),
                    None => self.conferences.insert(0, ConferenceView::from_snapshot(&snapshot)),
                }
            }
            Reply::Conferences { request_id, conferences } => {
                self.pending.remove(&request_id);
                // Each new one goes on top, so a list that comes oldest
                // first ends with the newest on top.
                for snapshot in &conferences {
                    match self.find_mut(&snapshot.conference_id) {
                        Some(view) => view.replace(snapshot),
                        None => self.conferences.insert(0, ConferenceView::from_snapshot(snapshot)),
                    }
                }
            }
            Reply::ParticipantStatus(status) => {
                let conference = self.get_or_insert(&status.conference_id, &mut effects);
                if conference.apply_participant(&status) && !conference.refreshing {
                    effects.push(Effect::Refresh(status.conference_id.clone()));
                }
            }
            Reply::ConferenceStatus(status) => {
                let conference = self.get_or_insert(&status.conference_id, &mut effects);
                if conference.apply_conference(&status) && !conference.refreshing {
                    effects.push(Effect::Refresh(status.conference_id.clone()));
                }
            }
            Reply::Fault(fault) => {
                let pending = fault.request_id.as_ref().and_then(|id| self.pending.remove(id));
                match pending {
                    Some(Pending::Background) => {
                        // Our own refresh failed; nothing the person asked for.
                        self.conferences.iter_mut().for_each(|c| c.refreshing = false);
                    }
                    _ => effects.push(Effect::ShowFault(fault)),
                }
            }
        }
        effects.dedup();
        effects
    }

    fn find_mut(&mut self, conference_id: &str) -> Option<&mut ConferenceView> {
        self.conferences.iter_mut().find(|c| c.id == conference_id)
    }

    /// The conference with this id; an empty one (and a Refresh effect to
    /// fill it) when we had never heard of it.
    fn get_or_insert(&mut self, conference_id: &str, effects: &mut Vec<Effect>) -> &mut ConferenceView {
        match self.conferences.iter().position(|c| c.id == conference_id) {
            Some(i) => &mut self.conferences[i],
            None => {
                effects.push(Effect::Refresh(conference_id.to_string()));
                self.conferences.insert(0, ConferenceView::unknown(conference_id.to_string()));
                &mut self.conferences[0]
            }
        }
    }
}

#[cfg(test)]
mod tests;
