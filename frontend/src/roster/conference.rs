//! One conference as the roster shows it, kept current by events.
//!
//! docs/protocol.md §2: `c:sequence` grows by one with every event of a
//! conference; a client that sees a gap (or reconnects) asks for a
//! `c:Conference` snapshot and replaces its view. Events are applied as they
//! come even across a gap — the snapshot then corrects whatever was missed.

use rollcall_shared::soap::{
    ConferenceSnapshot, ConferenceState, ConferenceStatus, ParticipantState, ParticipantStatus, Party, TerminationReason,
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
    /// Nobody can be added (`c:locked`).
    pub locked: bool,
    /// What it is about (`c:subject`), when it was started from an e-mail.
    pub subject: Option<String>,
    /// When it was created (RFC 3339), once a snapshot said so.
    pub created: Option<String>,
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
            locked: false,
            subject: None,
            created: None,
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
            locked: false,
            subject: None,
            created: None,
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

    /// What the card is headed with: the subject, or who is called
    /// ("Conference with Bob, Carol and 2 others").
    pub fn title(&self) -> String {
        if let Some(subject) = &self.subject {
            return subject.clone();
        }
        let names: Vec<&str> = self.participants.iter().skip(1).map(|p| p.name.as_str()).filter(|n| !n.is_empty()).collect();
        match names.as_slice() {
            [] => "Conference".to_string(),
            [one] => format!("Conference with {one}"),
            [a, b] => format!("Conference with {a} and {b}"),
            [a, b, rest @ ..] => format!("Conference with {a}, {b} and {} more", rest.len()),
        }
    }

    /// How many are on the call now (connected), the initiator included.
    pub fn on_call(&self) -> usize {
        self.participants.iter().filter(|p| p.state == ParticipantState::Connected).count()
    }

    /// Whether "mute all" would change anything: someone other than the
    /// initiator whose call is not over is not muted.
    pub fn can_mute_all(&self) -> bool {
        self.participants.iter().skip(1).any(|p| p.is_live() && !p.muted)
    }

    /// The id of the participant in row `row` if that leg can be
    /// disconnected: it is live, known to the server, and not the
    /// initiator's (the initiator leaves by ending the conference).
    pub fn removable(&self, row: usize) -> Option<&str> {
        let p = self.participants.get(row)?;
        (row > 0 && !self.is_over() && p.is_live()).then_some(p.id.as_deref()).flatten()
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
        if self.created.is_none() {
            // Our own conference's first event (the initiator dialled) is
            // as good as its creation time until a snapshot says.
            self.created = Some(status.time.clone());
        }
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
                self.participants.push(ParticipantView::unknown(status.participant_id.clone()));
                need_snapshot = true;
                self.participants.len() - 1
            }
        };
        self.participants[row].apply(status);
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
        self.locked = status.locked;
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
        self.locked = snapshot.locked;
        self.subject.clone_from(&snapshot.subject);
        self.created.clone_from(&snapshot.created);
        let mut old = std::mem::take(&mut self.participants);
        // The snapshot lists every leg, the initiator first; if it somehow
        // doesn't, `initiator` still names participant one.
        let mut legs: Vec<_> = snapshot.participants.iter().collect();
        if !legs.iter().any(|p| p.participant_id == snapshot.initiator.participant_id) {
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
mod tests;
