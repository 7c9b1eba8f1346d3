//! The roster being assembled for the next conference (seed Figure 3),
//! and the CreateConference it was sent as, until that is answered.

use leptos::prelude::*;
use rollcall_shared::soap::conference::Reply;

use crate::roster::draft::Draft;

#[derive(Debug, Clone, Copy)]
pub struct DraftRoster {
    pub members: RwSignal<Draft>,
    /// The request id of the CreateConference the draft was sent as, until
    /// it is answered: the Start button waits, and the draft is cleared
    /// only once the conference exists.
    pub starting: RwSignal<Option<String>>,
    /// The subject of the e-mail the roster came from: what the call is
    /// about, told to each person who answers.
    pub subject: RwSignal<Option<String>>,
    /// Ask each person who answers to press 1 before they join (on by
    /// default; the start form's setting).
    pub confirm: RwSignal<bool>,
}

impl DraftRoster {
    pub(super) fn new() -> DraftRoster {
        DraftRoster {
            members: RwSignal::new(Draft::default()),
            starting: RwSignal::new(None),
            subject: RwSignal::new(None),
            confirm: RwSignal::new(true),
        }
    }

    /// Whether `reply` answers the Start being waited for (which then no
    /// longer waits).
    pub(super) fn answered(self, reply: &Reply) -> bool {
        let answers = reply.request_id().is_some() && self.starting.with_untracked(|s| s.as_deref() == reply.request_id());
        if answers {
            self.starting.set(None);
        }
        answers
    }
}
