//! Keeping answers ahead of the events they cause.
//!
//! A request's effects can overtake its answer: the conference service
//! posts the callbacks of a change (say, each participant `disconnected`
//! after `EndConference`) while the gateway is still receiving the HTTP
//! response it will turn into `EndConferenceResponse`. docs/protocol.md §4 wants
//! the answer first. So a callback for a conference waits at this gate
//! while a request for that conference is in flight through the gateway,
//! and — for a new conference — until its `CreateConferenceResponse` has
//! been queued. The callbacks of one conference arrive one at a time, so
//! holding one holds all that follow, in order.
//!
//! A conference this gateway has not announced is held only while its
//! owner has a `CreateConference` in flight (it may be that one): the
//! conferences of an earlier run, or of another gateway, pass at once.
//! The wait is bounded all the same: the conference service's HTTP answers
//! never depend on callbacks being delivered, so a gate opens within one
//! HTTP round trip.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rollcall_shared::sync::LockExt;
use tokio::sync::Notify;

#[derive(Default)]
struct Gates {
    /// Conferences whose create response has been queued.
    announced: HashSet<String>,
    /// Requests in flight per conference.
    in_flight: HashMap<String, usize>,
    /// `CreateConference` requests in flight per owner.
    creating: HashMap<String, usize>,
}

#[derive(Default)]
pub struct ConferenceGate {
    gates: Mutex<Gates>,
    changed: Notify,
}

impl ConferenceGate {
    /// The create response of `conference_id` has been queued.
    pub fn announce(&self, conference_id: &str) {
        self.update(|g| {
            g.announced.insert(conference_id.to_string());
        });
    }

    /// The conference is over; nothing more will be held for it.
    pub fn forget(&self, conference_id: &str) {
        self.update(|g| {
            g.announced.remove(conference_id);
        });
    }

    /// Holds the conference's callbacks until the returned guard is dropped
    /// (after the request's answer has been queued).
    pub fn hold(self: &Arc<Self>, conference_id: &str) -> Hold {
        self.update(|g| *g.in_flight.entry(conference_id.to_string()).or_default() += 1);
        Hold { gate: Arc::clone(self), conference_id: conference_id.to_string() }
    }

    /// Holds the callbacks of `owner`'s conferences not announced yet
    /// until the guard is dropped (after the create response is queued).
    pub fn creating(self: &Arc<Self>, owner: &str) -> Creating {
        self.update(|g| *g.creating.entry(owner.to_string()).or_default() += 1);
        Creating { gate: Arc::clone(self), owner: owner.to_string() }
    }

    /// Waits until callbacks of `owner`'s `conference_id` may go, or
    /// `limit` passes.
    pub async fn wait_open(&self, conference_id: &str, owner: &str, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.changed.notified();
            if self.is_open(conference_id, owner) {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return;
            }
        }
    }

    fn is_open(&self, conference_id: &str, owner: &str) -> bool {
        let g = self.gates.locked();
        !g.in_flight.contains_key(conference_id) && (g.announced.contains(conference_id) || !g.creating.contains_key(owner))
    }

    fn update(&self, f: impl FnOnce(&mut Gates)) {
        f(&mut self.gates.locked());
        self.changed.notify_waiters();
    }
}

/// A `CreateConference` in flight for one owner; dropping it releases it.
pub struct Creating {
    gate: Arc<ConferenceGate>,
    owner: String,
}

impl Drop for Creating {
    fn drop(&mut self) {
        let owner = &self.owner;
        self.gate.update(|g| {
            if let Some(n) = g.creating.get_mut(owner) {
                *n -= 1;
                if *n == 0 {
                    g.creating.remove(owner);
                }
            }
        });
    }
}

/// A request in flight for one conference; dropping it releases the hold.
pub struct Hold {
    gate: Arc<ConferenceGate>,
    conference_id: String,
}

impl Drop for Hold {
    fn drop(&mut self) {
        let id = &self.conference_id;
        self.gate.update(|g| {
            if let Some(n) = g.in_flight.get_mut(id) {
                *n -= 1;
                if *n == 0 {
                    g.in_flight.remove(id);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests;
