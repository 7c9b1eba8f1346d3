//! The gateway's outgoing MESSAGEs waiting to be sent: one queue per
//! recipient, so that taking the next sendable message, counting a
//! recipient's backlog and dropping it cost the same with 20,000 waiting
//! as with one. Recipients take turns; one that is busy (its window of
//! MESSAGEs in flight is full, it is offline, …) is set aside until
//! [`Outbox::wake`] says it may be tried again.

use std::collections::{HashMap, HashSet, VecDeque};

use tracing::warn;

use super::delivery::Outgoing;

/// Most MESSAGEs waiting for one recipient (a frozen tab, a user whose
/// events pile up): past it new ones are dropped and logged. A client that
/// then sees a gap in `c:sequence` resyncs by snapshot (docs/protocol.md §2).
pub const MAX_QUEUED_PER_RECIPIENT: usize = 1000;
/// Most MESSAGEs waiting in all.
pub const MAX_QUEUED: usize = 20_000;

#[derive(Default)]
pub struct Outbox {
    queues: HashMap<String, VecDeque<Outgoing>>,
    /// Recipients whose turn may come, each at most once (`in_turn`).
    turns: VecDeque<String>,
    in_turn: HashSet<String>,
    len: usize,
}

impl Outbox {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues `message` unless its recipient, or the outbox, is full.
    pub fn push_back(&mut self, message: Outgoing) -> bool {
        let theirs = self.queues.get(&message.to).map_or(0, VecDeque::len);
        if self.len >= MAX_QUEUED || theirs >= MAX_QUEUED_PER_RECIPIENT {
            warn!(to = %message.to, queued = self.len, "MESSAGE dropped: too many waiting");
            return false;
        }
        let to = message.to.clone();
        self.queues.entry(to.clone()).or_default().push_back(message);
        self.len += 1;
        self.wake(&to);
        true
    }

    /// Puts back a message that was sent (or held) before those queued
    /// for its recipient: it goes first, whatever the limits.
    pub fn push_front(&mut self, message: Outgoing) {
        let to = message.to.clone();
        self.queues.entry(to.clone()).or_default().push_front(message);
        self.len += 1;
        self.wake(&to);
    }

    /// The oldest message of the next recipient in turn that is not
    /// `busy`. Busy recipients are set aside until woken.
    pub fn next(&mut self, busy: impl Fn(&str) -> bool) -> Option<Outgoing> {
        while let Some(to) = self.turns.pop_front() {
            if busy(&to) {
                self.in_turn.remove(&to);
                continue;
            }
            let Some(queue) = self.queues.get_mut(&to) else {
                self.in_turn.remove(&to);
                continue;
            };
            let message = queue.pop_front();
            if queue.is_empty() {
                self.queues.remove(&to);
                self.in_turn.remove(&to);
            } else {
                self.turns.push_back(to);
            }
            if message.is_some() {
                self.len -= 1;
                return message;
            }
        }
        None
    }

    /// `to` may be sendable again: its turn comes back if it has messages.
    pub fn wake(&mut self, to: &str) {
        if self.queues.contains_key(to) && !self.in_turn.contains(to) {
            self.in_turn.insert(to.to_string());
            self.turns.push_back(to.to_string());
        }
    }

    /// Drops everything waiting for `to`; how many.
    pub fn remove_recipient(&mut self, to: &str) -> usize {
        let dropped = self.queues.remove(to).map_or(0, |q| q.len());
        self.len -= dropped;
        dropped
    }
}

#[cfg(test)]
mod tests;
