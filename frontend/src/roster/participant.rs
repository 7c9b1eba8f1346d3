//! One call leg as the roster shows it: who, which number, the states it
//! has been through (the history lets a person — and the e2e test — see that
//! a phone rang before it was answered, however briefly) and, once it
//! ended, why.

use rollcall_shared::soap::{Cause, Location, Participant, ParticipantState, Party};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantView {
    /// `None` only for the initiator row made from our own CreateConference,
    /// until the first event names it.
    pub id: Option<String>,
    pub name: String,
    pub phone: String,
    pub location: Location,
    pub state: ParticipantState,
    pub cause: Option<Cause>,
    /// Every distinct state seen, in order (repeats collapsed).
    pub history: Vec<ParticipantState>,
}

impl ParticipantView {
    /// A leg we asked for and the bridge is dialling.
    pub fn dialing(id: Option<String>, party: &Party) -> Self {
        ParticipantView {
            id,
            name: party.name.clone(),
            phone: party.phone.clone(),
            location: party.location,
            state: ParticipantState::Dialing,
            cause: None,
            history: vec![ParticipantState::Dialing],
        }
    }

    /// A leg we learnt of from an event before knowing who it is; a snapshot
    /// fills in the name and number.
    pub fn unknown(id: String) -> Self {
        ParticipantView {
            id: Some(id),
            name: String::new(),
            phone: String::new(),
            location: Location::Other,
            state: ParticipantState::Dialing,
            cause: None,
            history: Vec::new(),
        }
    }

    pub fn from_snapshot(p: &Participant) -> Self {
        ParticipantView {
            id: Some(p.participant_id.clone()),
            name: p.name.clone(),
            phone: p.phone.clone(),
            location: p.location,
            state: p.state,
            cause: p.cause,
            history: vec![p.state],
        }
    }

    /// Move to `state`, keeping the history.
    pub fn set_state(&mut self, state: ParticipantState, cause: Option<Cause>) {
        self.state = state;
        self.cause = cause;
        if self.history.last() != Some(&state) {
            self.history.push(state);
        }
    }

    /// Take a snapshot's view of this leg, keeping the history we saw.
    pub fn merge_snapshot(&mut self, p: &Participant) {
        let history = std::mem::take(&mut self.history);
        *self = ParticipantView { history, ..ParticipantView::from_snapshot(p) };
        if self.history.last() != Some(&p.state) {
            self.history.push(p.state);
        }
    }

    /// The leg is still live (dialing, ringing or connected): it can be
    /// disconnected, and it may still change.
    pub fn is_live(&self) -> bool {
        !self.state.is_final()
    }

    /// Why the leg ended, in words ("busy", "number not in service",
    /// "normal clearing"): only for a final state that came with a cause.
    pub fn cause_text(&self) -> Option<&'static str> {
        self.cause.filter(|_| self.state.is_final()).map(|c| c.describe())
    }

    /// "dialing → ringing → connected".
    pub fn history_text(&self) -> String {
        self.history.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" → ")
    }
}

#[cfg(test)]
mod tests;
