//! One conference as the roster shows it, kept current by events.
//!
//! docs/protocol.md §2: `c:sequence` grows by one with every event of a
//! conference; a client that sees a gap (or reconnects) asks for a
//! `c:Conference` snapshot and replaces its view. Events are applied as they
//! come even across a gap — the snapshot then corrects whatever was missed.

use rollcall_shared::soap::{
    ConferenceSnapshot, ConferenceState, ConferenceStatus, ParticipantStatus, Party,
    TerminationReason,
};

use super::participant::ParticipantView;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceView {
    pub id: String,
    pub state: ConferenceState,
    pub reason: Option<TerminationReason>,
    /// Highest sequence applied; `None` before the first event or snapshot.
    pub sequence: Option<u64>,
    /// The initiator first (it is participant number one), then the others
    /// in the order we learnt of them.
    pub participants: Vec<ParticipantView>,
    /// A GetConference for this conference is on its way; don't ask twice.
    pub refreshing: bool,
}

/// What an event's sequence number says about our view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sequence {
    /// The next one (or the first we see): apply it.
    Next,
    /// Already applied, or older than a snapshot we have: drop it.
    Old,
    /// Some events were missed: apply it, and fetch a snapshot.
    Gap,
}

impl ConferenceView {
    /// Made from our own CreateConference and its response: we know the
    /// initiator's name and number, not yet its participant id.
    pub fn created(id: String, state: ConferenceState, initiator: &Party) -> Self {
        ConferenceView {
            id,
            state,
            reason: None,
            sequence: None,
            participants: vec![ParticipantView::dialing(None, initiator)],
            refreshing: false,
        }
    }

    /// Learnt of only through an event (another tab started it, or the
    /// response was lost): empty until a snapshot arrives.
    pub fn unknown(id: String) -> Self {
        ConferenceView {
            id,
            state: ConferenceState::Creating,
            reason: None,
            sequence: None,
            participants: Vec::new(),
            refreshing: false,
        }
    }

    pub fn from_snapshot(snapshot: &ConferenceSnapshot) -> Self {
        let mut view = ConferenceView::unknown(snapshot.conference_id.clone());
        view.replace(snapshot);
        view
    }

    pub fn is_over(&self) -> bool {
        self.state == ConferenceState::Terminated
    }

    /// Why the conference ended, in words, once it has: the person reading
    /// it is the initiator (only the initiator sees a conference), hence
    /// "ended by you". A conference terminated without a reason is one
    /// whose initiator never answered (docs/protocol.md, §4).
    pub fn reason_text(&self) -> Option<&'static str> {
        if !self.is_over() {
            return None;
        }
        Some(match self.reason {
            Some(TerminationReason::InitiatorHungUp) => "the initiator hung up",
            Some(TerminationReason::EndedByInitiator) => "ended by you",
            Some(TerminationReason::FatalError) => "the bridge failed",
            Some(TerminationReason::Inactivity) => "ended after inactivity",
            None => "the initiator could not be reached",
        })
    }

    /// Whether a participant can be added: until the conference is over.
    pub fn can_add(&self) -> bool {
        !self.is_over()
    }

    /// The id of the participant in row `row` if that leg can be
    /// disconnected: it is live, known to the server, and not the
    /// initiator's (the initiator leaves by ending the conference).
    pub fn removable(&self, row: usize) -> Option<&str> {
        let p = self.participants.get(row)?;
        (row > 0 && !self.is_over() && p.is_live())
            .then_some(p.id.as_deref())
            .flatten()
    }

    fn check(&mut self, sequence: u64) -> Sequence {
        let verdict = match self.sequence {
            Some(last) if sequence <= last => Sequence::Old,
            Some(last) if sequence == last + 1 => Sequence::Next,
            Some(_) => Sequence::Gap,
            // First event seen: sequences start at 0 or 1, so anything
            // higher means we missed the beginning.
            None if sequence <= 1 => Sequence::Next,
            None => Sequence::Gap,
        };
        if verdict != Sequence::Old {
            self.sequence = Some(sequence);
        }
        verdict
    }

    /// Applies a ParticipantStatus. Returns true when a snapshot is needed
    /// (a gap, or a participant we can't name).
    pub fn apply_participant(&mut self, status: &ParticipantStatus) -> bool {
        let verdict = self.check(status.sequence);
        if verdict == Sequence::Old {
            return false;
        }
        let mut need_snapshot = verdict == Sequence::Gap;
        let id = Some(status.participant_id.clone());
        let row = match self.participants.iter().position(|p| p.id == id) {
            Some(i) => i,
            // Our initiator row has no id yet: the initiator is dialled first,
            // before anyone else, so the first id we see is the initiator's.
            None if self.participants.first().is_some_and(|p| p.id.is_none()) => {
                self.participants[0].id = id;
                0
            }
            None => {
                self.participants
                    .push(ParticipantView::unknown(status.participant_id.clone()));
                need_snapshot = true;
                self.participants.len() - 1
            }
        };
        self.participants[row].set_state(status.state, status.cause);
        need_snapshot
    }

    /// Applies a ConferenceStatus. Returns true when a snapshot is needed.
    pub fn apply_conference(&mut self, status: &ConferenceStatus) -> bool {
        let verdict = self.check(status.sequence);
        if verdict == Sequence::Old {
            return false;
        }
        self.state = status.state;
        self.reason = status.reason;
        verdict == Sequence::Gap
    }

    /// Replaces the view with a snapshot, unless we already applied events
    /// newer than it. Keeps each known participant's state history.
    pub fn replace(&mut self, snapshot: &ConferenceSnapshot) {
        self.refreshing = false;
        if self.sequence.is_some_and(|seq| seq > snapshot.sequence) {
            return;
        }
        self.sequence = Some(snapshot.sequence);
        self.state = snapshot.state;
        self.reason = snapshot.reason;
        let mut old = std::mem::take(&mut self.participants);
        // The snapshot lists every leg, the initiator first; if it somehow
        // doesn't, `initiator` still names participant one.
        let mut legs: Vec<_> = snapshot.participants.iter().collect();
        if !legs
            .iter()
            .any(|p| p.participant_id == snapshot.initiator.participant_id)
        {
            legs.insert(0, &snapshot.initiator);
        }
        for leg in legs {
            let known = old
                .iter()
                .position(|p| p.id.as_deref() == Some(&leg.participant_id))
                // Our id-less initiator row is the snapshot's initiator.
                .or_else(|| {
                    (leg.participant_id == snapshot.initiator.participant_id)
                        .then(|| old.iter().position(|p| p.id.is_none()))
                        .flatten()
                });
            let view = match known {
                Some(i) => {
                    let mut view = old.swap_remove(i);
                    view.merge_snapshot(leg);
                    view
                }
                None => ParticipantView::from_snapshot(leg),
            };
            self.participants.push(view);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_shared::soap::{Cause, Location, Participant, ParticipantState};

    fn alice() -> Party {
        Party {
            name: "alice".into(),
            phone: "+14255550100".into(),
            ..Party::default()
        }
    }

    fn leg(id: &str, seq: u64, state: ParticipantState) -> ParticipantStatus {
        ParticipantStatus {
            conference_id: "c1".into(),
            participant_id: id.into(),
            sequence: seq,
            state,
            cause: None,
            time: "2026-11-26T12:00:00Z".into(),
        }
    }

    fn conf(seq: u64, state: ConferenceState) -> ConferenceStatus {
        ConferenceStatus {
            conference_id: "c1".into(),
            sequence: seq,
            state,
            reason: None,
            time: "2026-11-26T12:00:00Z".into(),
        }
    }

    fn snapshot_leg(id: &str, name: &str, state: ParticipantState) -> Participant {
        Participant {
            participant_id: id.into(),
            name: name.into(),
            phone: "+14255550199".into(),
            location: Location::Home,
            state,
            cause: None,
        }
    }

    #[test]
    fn create_flow_in_order() {
        let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
        assert!(!c.apply_participant(&leg("p1", 1, ParticipantState::Dialing)));
        assert!(!c.apply_participant(&leg("p1", 2, ParticipantState::Ringing)));
        assert!(!c.apply_participant(&leg("p1", 3, ParticipantState::Connected)));
        assert!(!c.apply_conference(&conf(4, ConferenceState::Active)));
        assert_eq!(c.participants.len(), 1);
        let p = &c.participants[0];
        assert_eq!(p.id.as_deref(), Some("p1"));
        assert_eq!(p.name, "alice");
        assert_eq!(p.history_text(), "dialing → ringing → connected");
        assert_eq!(c.state, ConferenceState::Active);
    }

    #[test]
    fn gap_asks_for_snapshot_and_duplicates_are_dropped() {
        let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
        assert!(!c.apply_participant(&leg("p1", 1, ParticipantState::Ringing)));
        assert!(
            c.apply_participant(&leg("p1", 3, ParticipantState::Connected)),
            "gap 1 → 3"
        );
        assert!(
            !c.apply_participant(&leg("p1", 2, ParticipantState::Ringing)),
            "old event"
        );
        assert_eq!(c.participants[0].state, ParticipantState::Connected);
    }

    #[test]
    fn first_event_late_in_the_sequence_is_a_gap() {
        let mut c = ConferenceView::unknown("c1".into());
        assert!(c.apply_conference(&conf(7, ConferenceState::Active)));
    }

    #[test]
    fn unknown_participant_asks_for_snapshot_which_names_it() {
        let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
        c.apply_participant(&leg("p1", 1, ParticipantState::Connected));
        assert!(c.apply_participant(&leg("p2", 2, ParticipantState::Ringing)));
        let snapshot = ConferenceSnapshot {
            request_id: Some("r".into()),
            conference_id: "c1".into(),
            sequence: 3,
            state: ConferenceState::Active,
            reason: None,
            initiator: snapshot_leg("p1", "alice", ParticipantState::Connected),
            participants: vec![
                snapshot_leg("p1", "alice", ParticipantState::Connected),
                Participant {
                    cause: Some(Cause::USER_BUSY),
                    ..snapshot_leg("p2", "bob", ParticipantState::Busy)
                },
            ],
        };
        c.replace(&snapshot);
        assert_eq!(c.sequence, Some(3));
        assert_eq!(c.participants[1].name, "bob");
        assert_eq!(c.participants[1].history_text(), "ringing → busy");
        assert_eq!(c.participants[0].history_text(), "dialing → connected");
        // An older snapshot than what we applied is ignored.
        c.apply_participant(&leg("p2", 4, ParticipantState::Disconnected));
        c.replace(&ConferenceSnapshot {
            sequence: 2,
            ..snapshot
        });
        assert_eq!(c.participants[1].state, ParticipantState::Disconnected);
    }

    #[test]
    fn snapshot_names_our_initiator_row() {
        let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
        let initiator = snapshot_leg("p1", "alice", ParticipantState::Ringing);
        c.replace(&ConferenceSnapshot {
            request_id: None,
            conference_id: "c1".into(),
            sequence: 2,
            state: ConferenceState::Creating,
            reason: None,
            initiator: initiator.clone(),
            participants: vec![initiator],
        });
        assert_eq!(c.participants.len(), 1);
        assert_eq!(c.participants[0].id.as_deref(), Some("p1"));
        assert_eq!(c.participants[0].history_text(), "dialing → ringing");
    }

    #[test]
    fn reason_in_words_only_once_terminated() {
        let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
        assert_eq!(c.reason_text(), None);
        assert!(c.can_add());
        let cases = [
            (
                Some(TerminationReason::InitiatorHungUp),
                "the initiator hung up",
            ),
            (Some(TerminationReason::EndedByInitiator), "ended by you"),
            (Some(TerminationReason::FatalError), "the bridge failed"),
            (
                Some(TerminationReason::Inactivity),
                "ended after inactivity",
            ),
            (None, "the initiator could not be reached"),
        ];
        for (seq, (reason, words)) in (1..).zip(cases) {
            c.apply_conference(&ConferenceStatus {
                reason,
                ..conf(seq, ConferenceState::Terminated)
            });
            assert_eq!(c.reason_text(), Some(words));
            assert!(!c.can_add());
        }
    }

    #[test]
    fn only_live_legs_other_than_the_initiator_can_be_removed() {
        let mut c = ConferenceView::created("c1".into(), ConferenceState::Creating, &alice());
        c.apply_participant(&leg("p1", 1, ParticipantState::Connected));
        c.apply_conference(&conf(2, ConferenceState::Active));
        c.participants
            .push(ParticipantView::dialing(Some("p2".into()), &alice()));
        c.participants.push(ParticipantView::unknown("p3".into()));
        assert_eq!(
            c.removable(0),
            None,
            "the initiator ends the conference instead"
        );
        assert_eq!(c.removable(1), Some("p2"), "dialing");
        c.apply_participant(&leg("p2", 3, ParticipantState::Ringing));
        assert_eq!(c.removable(1), Some("p2"), "ringing");
        c.apply_participant(&leg("p2", 4, ParticipantState::Connected));
        assert_eq!(c.removable(1), Some("p2"), "connected");
        assert_eq!(c.removable(2), Some("p3"));
        assert_eq!(c.removable(3), None, "no such row");
        c.apply_participant(&ParticipantStatus {
            cause: Some(Cause::NORMAL_CLEARING),
            ..leg("p2", 5, ParticipantState::Disconnected)
        });
        assert_eq!(c.removable(1), None, "over");
        assert_eq!(c.participants[1].cause_text(), Some("normal clearing"));
        c.apply_conference(&conf(6, ConferenceState::Terminated));
        assert_eq!(c.removable(2), None, "the conference is over");
    }
}
