//! Idempotent requests (issue "Nothing lost", point 3): a request repeated
//! with the same `c:requestId` by the same user — a retry after a lost
//! answer — gets the first one's answer again and changes nothing twice. A
//! retried `CreateConference` never dials twice.
//!
//! The first request of a (user, requestId) pair runs; a repeat that comes
//! while it runs waits for its answer; a repeat after it gets the answer
//! remembered for [`REMEMBER_FOR`]. A *different* request under a
//! requestId already used is a client's mistake, refused with
//! `c:InvalidRequest` rather than answered as if it were the first. Answers that invite a retry
//! (`c:BridgeUnavailable`, `c:RateLimited`) are not remembered. At most
//! [`MAX_REMEMBERED`] pairs are kept, the oldest forgotten first. An empty
//! `requestId` is never matched.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::FaultKind;
use rollcall_shared::sync::LockExt;
use tokio::sync::watch;

/// How long an answer is given again to a repeat.
pub const REMEMBER_FOR: Duration = Duration::from_secs(10 * 60);
/// Most (user, requestId) pairs remembered at once.
pub const MAX_REMEMBERED: usize = 20_000;

type Key = (String, String);

/// The entries, and their keys in the order they came (oldest first).
type Table = Mutex<(HashMap<Key, Entry>, VecDeque<Key>)>;

enum Entry {
    /// The first request is running; repeats wait on this.
    Running { body: u64, answer: watch::Receiver<Option<Reply>> },
    Answered {
        body: u64,
        /// Boxed: a snapshot is large, and most entries are.
        reply: Box<Reply>,
        at: Instant,
    },
}

impl Entry {
    fn body(&self) -> u64 {
        match self {
            Entry::Running { body, .. } | Entry::Answered { body, .. } => *body,
        }
    }
}

/// What to do with a request.
pub enum Begin {
    /// The first of its pair: run it, then [`Ticket::finish`].
    First(Ticket),
    /// A repeat of one that was answered: send this again.
    Repeat(Reply),
    /// A repeat of one still running: its answer, when it comes.
    Running(watch::Receiver<Option<Reply>>),
    /// Another request under a requestId already used.
    Reused,
}

/// The first request's duty: give its answer to the repeats. Dropped
/// without [`Replies::finish`] (its task ended early), it takes its entry
/// away, so a repeat runs anew instead of waiting for ever.
pub struct Ticket {
    key: Option<Key>,
    body: u64,
    tx: watch::Sender<Option<Reply>>,
    /// Where to take the entry away from, when dropped unfinished.
    replies: Option<std::sync::Weak<Table>>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let (Some(key), Some(inner)) = (self.key.take(), self.replies.take().and_then(|w| w.upgrade())) {
            let mut guard = inner.locked();
            if matches!(guard.0.get(&key), Some(Entry::Running { .. })) {
                guard.0.remove(&key);
            }
        }
    }
}

#[derive(Default)]
pub struct Replies {
    inner: std::sync::Arc<Table>,
}

impl Replies {
    /// A request of `user` with `request_id` arrives; `body` tells one
    /// request from another (a hash of what it asks).
    pub fn begin(&self, user: &str, request_id: &str, body: u64) -> Begin {
        let (tx, rx) = watch::channel(None);
        if request_id.is_empty() {
            return Begin::First(Ticket { key: None, body, tx, replies: None });
        }
        let key = (user.to_string(), request_id.to_string());
        let mut guard = self.inner.locked();
        let (entries, order) = &mut *guard;
        let now = Instant::now();
        while let Some(oldest) = order.front() {
            let stale = match entries.get(oldest) {
                Some(Entry::Answered { at, .. }) => now.duration_since(*at) >= REMEMBER_FOR,
                Some(Entry::Running { .. }) => false,
                None => true,
            };
            if !stale && entries.len() < MAX_REMEMBERED {
                break;
            }
            if let Some(oldest) = order.pop_front() {
                entries.remove(&oldest);
            }
        }
        match entries.get(&key) {
            Some(entry) if entry.body() != body => return Begin::Reused,
            Some(Entry::Answered { reply, .. }) => return Begin::Repeat((**reply).clone()),
            Some(Entry::Running { answer, .. }) => return Begin::Running(answer.clone()),
            None => {}
        }
        entries.insert(key.clone(), Entry::Running { body, answer: rx });
        order.push_back(key.clone());
        Begin::First(Ticket { key: Some(key), body, tx, replies: Some(std::sync::Arc::downgrade(&self.inner)) })
    }

    /// The first request's answer: remembered (unless it invites a retry)
    /// and given to the repeats waiting for it.
    pub fn finish(&self, mut ticket: Ticket, reply: &Reply) {
        if let Some(key) = ticket.key.take() {
            let retry =
                matches!(reply, Reply::Fault(f) if matches!(f.kind, FaultKind::BridgeUnavailable | FaultKind::RateLimited));
            let mut guard = self.inner.locked();
            // Only while its entry is still there: evicted, it stays out
            // (it is no longer in the eviction order either).
            if let Some(entry) = guard.0.get_mut(&key) {
                if retry {
                    guard.0.remove(&key);
                } else {
                    *entry = Entry::Answered { body: ticket.body, reply: Box::new(reply.clone()), at: Instant::now() };
                }
            }
        }
        let _ = ticket.tx.send(Some(reply.clone()));
    }
}

#[cfg(test)]
mod tests;
