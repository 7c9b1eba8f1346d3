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
            Request::CreateConference(r) => Pending::Create {
                initiator: r.initiator.clone(),
            },
            Request::AddParticipant(r) => Pending::Add {
                party: r.participant.clone(),
            },
            Request::GetConference(r) => {
                if let Some(c) = self.find_mut(&r.conference_id) {
                    c.refreshing = true;
                }
                Pending::Background
            }
            Request::ListConferences(_) => Pending::Background,
            _ => Pending::Other,
        };
        self.pending
            .insert(request.request_id().to_string(), pending);
    }

    /// Conferences to refresh with GetConference after a reconnect (we may
    /// have missed events while the connection was down).
    pub fn to_refresh_after_reconnect(&self) -> Vec<String> {
        self.conferences
            .iter()
            .filter(|c| !c.is_over())
            .map(|c| c.id.clone())
            .collect()
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
            Reply::CreateConferenceResponse {
                request_id,
                conference_id,
                state,
            } => {
                let initiator = match self.pending.remove(&request_id) {
                    Some(Pending::Create { initiator }) => Some(initiator),
                    _ => None,
                };
                if self.find_mut(&conference_id).is_none() {
                    let view = match initiator {
                        Some(initiator) => {
                            ConferenceView::created(conference_id, state, &initiator)
                        }
                        // Another tab of ours started it: learn it from a snapshot.
                        None => {
                            effects.push(Effect::Refresh(conference_id.clone()));
                            ConferenceView::unknown(conference_id)
                        }
                    };
                    self.conferences.insert(0, view);
                }
            }
            Reply::AddParticipantResponse {
                request_id,
                conference_id,
                participant_id,
                state,
            } => {
                let party = match self.pending.remove(&request_id) {
                    Some(Pending::Add { party }) => Some(party),
                    _ => None,
                };
                let conference = self.get_or_insert(&conference_id, &mut effects);
                if !conference
                    .participants
                    .iter()
                    .any(|p| p.id.as_deref() == Some(&participant_id))
                {
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
            | Reply::EndConferenceResponse { request_id, .. } => {
                // The events that follow tell what happened.
                self.pending.remove(&request_id);
            }
            Reply::Conference(snapshot) => {
                if let Some(id) = &snapshot.request_id {
                    self.pending.remove(id);
                }
                match self.find_mut(&snapshot.conference_id) {
                    Some(view) => view.replace(&snapshot),
                    None => self
                        .conferences
                        .insert(0, ConferenceView::from_snapshot(&snapshot)),
                }
            }
            Reply::Conferences {
                request_id,
                conferences,
            } => {
                self.pending.remove(&request_id);
                // Each new one goes on top, so a list that comes oldest
                // first ends with the newest on top.
                for snapshot in &conferences {
                    match self.find_mut(&snapshot.conference_id) {
                        Some(view) => view.replace(snapshot),
                        None => self
                            .conferences
                            .insert(0, ConferenceView::from_snapshot(snapshot)),
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
                let pending = fault
                    .request_id
                    .as_ref()
                    .and_then(|id| self.pending.remove(id));
                match pending {
                    Some(Pending::Background) => {
                        // Our own refresh failed; nothing the person asked for.
                        self.conferences
                            .iter_mut()
                            .for_each(|c| c.refreshing = false);
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
    fn get_or_insert(
        &mut self,
        conference_id: &str,
        effects: &mut Vec<Effect>,
    ) -> &mut ConferenceView {
        match self.conferences.iter().position(|c| c.id == conference_id) {
            Some(i) => &mut self.conferences[i],
            None => {
                effects.push(Effect::Refresh(conference_id.to_string()));
                self.conferences
                    .insert(0, ConferenceView::unknown(conference_id.to_string()));
                &mut self.conferences[0]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_shared::soap::conference::{AddParticipant, CreateConference, GetConference};
    use rollcall_shared::soap::{
        Cause, ConferenceSnapshot, ConferenceState, ConferenceStatus, FaultKind, Location,
        Participant, ParticipantState, ParticipantStatus,
    };

    fn create(request_id: &str) -> Request {
        Request::CreateConference(CreateConference {
            request_id: request_id.into(),
            account: "alice".into(),
            initiator: Party {
                name: "alice".into(),
                phone: "+14255550100".into(),
                location: Location::Mobile,
                email: None,
            },
            participants: vec![],
        })
    }

    #[test]
    fn response_then_events_build_the_view() {
        let mut roster = Roster::default();
        roster.sent(&create("r1"));
        let effects = roster.apply(Reply::CreateConferenceResponse {
            request_id: "r1".into(),
            conference_id: "c1".into(),
            state: ConferenceState::Creating,
        });
        assert!(effects.is_empty());
        roster.apply(Reply::ParticipantStatus(ParticipantStatus {
            conference_id: "c1".into(),
            participant_id: "p1".into(),
            sequence: 1,
            state: ParticipantState::Ringing,
            cause: None,
            time: String::new(),
        }));
        let c = &roster.conferences()[0];
        assert_eq!(c.participants[0].name, "alice");
        assert_eq!(c.participants[0].location, Location::Mobile);
        assert_eq!(c.participants[0].state, ParticipantState::Ringing);
    }

    #[test]
    fn event_for_unknown_conference_asks_once_for_a_snapshot() {
        let mut roster = Roster::default();
        let status = ConferenceStatus {
            conference_id: "c9".into(),
            sequence: 5,
            state: ConferenceState::Active,
            reason: None,
            time: String::new(),
        };
        let effects = roster.apply(Reply::ConferenceStatus(status.clone()));
        assert_eq!(effects, vec![Effect::Refresh("c9".into())]);
        roster.sent(&Request::GetConference(GetConference {
            request_id: "g1".into(),
            conference_id: "c9".into(),
        }));
        let effects = roster.apply(Reply::ConferenceStatus(ConferenceStatus {
            sequence: 7,
            ..status
        }));
        assert!(
            effects.is_empty(),
            "a refresh is already on its way: {effects:?}"
        );
    }

    #[test]
    fn faults_show_unless_they_answer_our_own_refresh() {
        let mut roster = Roster::default();
        roster.sent(&create("r1"));
        let fault =
            Fault::new(FaultKind::InvalidNumber, "not E.164").with_request_id(Some("r1".into()));
        assert_eq!(
            roster.apply(Reply::Fault(fault.clone())),
            vec![Effect::ShowFault(fault)]
        );

        roster.sent(&Request::GetConference(GetConference {
            request_id: "g1".into(),
            conference_id: "gone".into(),
        }));
        let fault =
            Fault::new(FaultKind::NoSuchConference, "no").with_request_id(Some("g1".into()));
        assert!(roster.apply(Reply::Fault(fault)).is_empty());
    }

    /// A roster that asked for a conference and was told it is `c1`.
    fn created_c1() -> Roster {
        let mut roster = Roster::default();
        roster.sent(&create("r1"));
        roster.apply(Reply::CreateConferenceResponse {
            request_id: "r1".into(),
            conference_id: "c1".into(),
            state: ConferenceState::Creating,
        });
        roster
    }

    fn status(
        conference: &str,
        participant: &str,
        sequence: u64,
        state: ParticipantState,
    ) -> Reply {
        Reply::ParticipantStatus(ParticipantStatus {
            conference_id: conference.into(),
            participant_id: participant.into(),
            sequence,
            state,
            cause: None,
            time: String::new(),
        })
    }

    fn snapshot_leg(
        id: &str,
        name: &str,
        state: ParticipantState,
        cause: Option<Cause>,
    ) -> Participant {
        Participant {
            participant_id: id.into(),
            name: name.into(),
            phone: "+14255550101".into(),
            location: Location::Work,
            state,
            cause,
        }
    }

    /// Issue 3: after a reconnect the client asks for a snapshot of every
    /// live conference, and the snapshot replaces what went stale while the
    /// connection was down (a leg that ended, a leg added from another tab).
    #[test]
    fn snapshot_after_reconnect_replaces_the_stale_view() {
        let mut roster = created_c1();
        roster.apply(status("c1", "p1", 1, ParticipantState::Connected));
        roster.sent(&Request::AddParticipant(AddParticipant {
            request_id: "a1".into(),
            conference_id: "c1".into(),
            participant: Party {
                name: "bob".into(),
                phone: "+15005550004".into(),
                location: Location::Home,
                email: None,
            },
        }));
        roster.apply(Reply::AddParticipantResponse {
            request_id: "a1".into(),
            conference_id: "c1".into(),
            participant_id: "p2".into(),
            state: ParticipantState::Dialing,
        });
        roster.apply(status("c1", "p2", 2, ParticipantState::Dialing));
        roster.apply(status("c1", "p2", 3, ParticipantState::Connected));

        // The connection drops; events 4.. are lost. On re-registering the
        // client refreshes every conference that is not over.
        roster.connection_lost();
        assert_eq!(roster.to_refresh_after_reconnect(), vec!["c1".to_string()]);
        roster.sent(&Request::GetConference(GetConference {
            request_id: "g1".into(),
            conference_id: "c1".into(),
        }));
        assert!(roster.conference("c1").unwrap().refreshing);

        let initiator = snapshot_leg("p1", "alice", ParticipantState::Connected, None);
        let effects = roster.apply(Reply::Conference(ConferenceSnapshot {
            request_id: Some("g1".into()),
            conference_id: "c1".into(),
            sequence: 6,
            state: ConferenceState::Active,
            reason: None,
            initiator: initiator.clone(),
            participants: vec![
                initiator,
                snapshot_leg(
                    "p2",
                    "bob",
                    ParticipantState::Disconnected,
                    Some(Cause::NORMAL_CLEARING),
                ),
                snapshot_leg("p3", "carol", ParticipantState::Connected, None),
            ],
        }));
        assert!(effects.is_empty());
        let c = roster.conference("c1").unwrap();
        assert!(!c.refreshing);
        assert_eq!(c.sequence, Some(6));
        let names: Vec<_> = c.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "carol"]);
        let bob = &c.participants[1];
        assert_eq!(bob.history_text(), "dialing → connected → disconnected");
        assert_eq!(bob.cause_text(), Some("normal clearing"));
        assert_eq!(bob.location, Location::Work, "the snapshot's word wins");
        assert_eq!(c.removable(1), None);
        assert_eq!(c.removable(2), Some("p3"));

        // Events carry on from the snapshot's sequence without a gap.
        let effects = roster.apply(status("c1", "p3", 7, ParticipantState::Disconnected));
        assert!(effects.is_empty(), "{effects:?}");
    }

    #[test]
    fn fault_answering_add_participant_is_shown_and_adds_nobody() {
        let mut roster = created_c1();
        roster.sent(&Request::AddParticipant(AddParticipant {
            request_id: "a1".into(),
            conference_id: "c1".into(),
            participant: Party {
                name: "bob".into(),
                phone: "12345".into(),
                ..Party::default()
            },
        }));
        let fault = Fault::new(FaultKind::InvalidNumber, "`12345` is not an E.164 number")
            .with_request_id(Some("a1".into()));
        assert_eq!(
            roster.apply(Reply::Fault(fault.clone())),
            vec![Effect::ShowFault(fault)]
        );
        assert_eq!(roster.conference("c1").unwrap().participants.len(), 1);
    }
}
