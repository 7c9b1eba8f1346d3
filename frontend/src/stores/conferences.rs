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
    /// The time (ms since the epoch), once a second: the cards' call timers.
    pub clock: RwSignal<f64>,
}

impl Conferences {
    pub(super) fn new() -> Conferences {
        let conferences = Conferences {
            roster: RwSignal::new(Roster::default()),
            hidden_legs: RwSignal::new(HashSet::new()),
            clock: RwSignal::new(crate::time::now_ms()),
        };
        #[cfg(target_arch = "wasm32")]
        leptos::task::spawn_local(async move {
            // Ends with the session, whose signals go with it.
            while conferences.clock.try_set(crate::time::now_ms()).is_none() {
                crate::time::pause(1000).await;
            }
        });
        conferences
    }
}
