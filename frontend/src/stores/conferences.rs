//! The live conferences this user started, as events and snapshots
//! report them, and the legs the person took off the roster.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::roster::Roster;

#[derive(Debug, Clone, Copy)]
pub struct Conferences {
    pub roster: RwSignal<Roster>,
    /// Legs the person took off the roster (removed, or re-dialled at
    /// another number): no longer shown.
    pub hidden_legs: RwSignal<HashSet<String>>,
}

impl Conferences {
    pub(super) fn new() -> Conferences {
        Conferences { roster: RwSignal::new(Roster::default()), hidden_legs: RwSignal::new(HashSet::new()) }
    }
}
