//! One call leg as the roster shows it: who, which number, the states it
//! has been through (the history lets a person — and the e2e test — see that
//! a phone rang before it was answered, however briefly) and, once it
//! ended, why.

use rollcall_shared::soap::{Cause, Location, Participant, ParticipantState, ParticipantStatus, Party};

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
    /// Left out of everyone's mix by the initiator.
    pub muted: bool,
    /// Which of the person's numbers is being tried (1 for the first), for
    /// a person with fallback numbers.
    pub attempt: Option<u32>,
    /// How the previous number's attempt ended, and where that number was:
    /// "busy at work — trying mobile" while the next is tried.
    pub previous: Option<(ParticipantState, Location)>,
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
            muted: false,
            attempt: None,
            previous: None,
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
            muted: false,
            attempt: None,
            previous: None,
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
            muted: p.muted,
            attempt: p.attempt,
            previous: None,
        }
    }

    /// Applies a `c:ParticipantStatus`: its state, mute, and which number
    /// it is on. An outcome that is not final (`c:final` = false) is kept
    /// as `previous`, to say why the next number is being tried.
    pub fn apply(&mut self, status: &ParticipantStatus) {
        self.muted = status.muted;
        if let Some(attempt) = &status.attempt {
            if status.final_outcome == Some(false) {
                self.previous = Some((status.state, attempt.location));
            }
            self.phone = attempt.phone.clone();
            self.location = attempt.location;
            self.attempt = Some(attempt.number);
        }
        if status.final_outcome == Some(false) {
            // The next number is dialled at once: stay "dialing" rather
            // than flash a final state.
            self.cause = status.cause;
            return;
        }
        self.set_state(status.state, status.cause);
    }

    /// "busy at work — trying mobile", while a fallback number is being
    /// tried (not once it answered, nor once it too has ended).
    pub fn fallback_text(&self) -> Option<String> {
        let (state, location) = self.previous?;
        let trying = matches!(self.state, ParticipantState::Dialing | ParticipantState::Ringing);
        trying.then(|| format!("{state} at {location} — trying {}", self.location))
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
        let previous = self.previous.take();
        *self = ParticipantView { history, previous, ..ParticipantView::from_snapshot(p) };
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
