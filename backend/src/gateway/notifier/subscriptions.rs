//! The notifier's table of subscriptions: each dialog with the conference
//! document it keeps up to date and the version of the last one sent.
//! Bounded: [`MAX_SUBSCRIPTIONS`] in all, [`MAX_PER_OWNER`] per owner.

use std::collections::HashMap;
use std::time::Instant;

use rollcall_shared::conference_info::mapping::Conference;

/// Subscriptions kept in all (`503` beyond).
pub const MAX_SUBSCRIPTIONS: usize = 10_000;
/// Subscriptions one owner may hold (`403` beyond); as many as the IM
/// server lets one user relay.
pub const MAX_PER_OWNER: usize = crate::im_server::conference_route::MAX_PER_USER;

/// (Call-ID, the subscriber's tag, our tag).
pub type Key = (String, String, String);

/// One subscription dialog (the notifier's side).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub conference_id: String,
    /// The subscriber's AOR, asserted by the IM server: the conference's owner.
    pub owner: String,
    /// The subscriber's URI (To of our NOTIFYs) and Contact (their Request-URI).
    pub subscriber_uri: String,
    pub target: String,
    /// What the subscriber has been told, kept up to date.
    pub conference: Conference,
    /// The conference's `c:sequence` the document is as of: older events
    /// (queued before the snapshot was read) are not applied.
    pub sequence: u64,
    /// Version of the last document sent (1 for the first).
    pub version: u32,
    /// CSeq of the last NOTIFY.
    pub cseq: u32,
    pub expires_at: Instant,
}

/// Why a subscription may not be added.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    Owner,
    All,
}

/// Subscriptions by dialog.
#[derive(Default)]
pub struct Subscriptions {
    by_dialog: HashMap<Key, Subscription>,
}

impl Subscriptions {
    /// May `owner` add one?
    pub fn room_for(&self, owner: &str) -> Result<(), Full> {
        if self.by_dialog.values().filter(|s| s.owner == owner).count() >= MAX_PER_OWNER {
            return Err(Full::Owner);
        }
        if self.by_dialog.len() >= MAX_SUBSCRIPTIONS {
            return Err(Full::All);
        }
        Ok(())
    }

    /// Adds a subscription, within the bounds.
    pub fn insert(&mut self, key: Key, subscription: Subscription) -> Result<(), Full> {
        self.room_for(&subscription.owner)?;
        self.by_dialog.insert(key, subscription);
        Ok(())
    }

    /// The subscription of `owner` that expires first (the one least
    /// recently made or refreshed, for subscriptions of one length).
    pub fn oldest_of(&self, owner: &str) -> Option<Key> {
        self.by_dialog.iter().filter(|(_, s)| s.owner == owner).min_by_key(|(_, s)| s.expires_at).map(|(k, _)| k.clone())
    }

    pub fn get_mut(&mut self, key: &Key) -> Option<&mut Subscription> {
        self.by_dialog.get_mut(key)
    }

    pub fn remove(&mut self, key: &Key) -> Option<Subscription> {
        self.by_dialog.remove(key)
    }

    /// The dialogs of conference `id`.
    pub fn of_conference(&self, id: &str) -> Vec<Key> {
        self.by_dialog.iter().filter(|(_, s)| s.conference_id == id).map(|(k, _)| k.clone()).collect()
    }

    /// Is anyone subscribed to conference `id`?
    pub fn watches(&self, id: &str) -> bool {
        self.by_dialog.values().any(|s| s.conference_id == id)
    }

    /// Takes out the subscriptions expired at `now`.
    pub fn take_expired(&mut self, now: Instant) -> Vec<(Key, Subscription)> {
        let keys: Vec<Key> = self.by_dialog.iter().filter(|(_, s)| s.expires_at <= now).map(|(k, _)| k.clone()).collect();
        keys.into_iter().filter_map(|k| self.by_dialog.remove(&k).map(|s| (k, s))).collect()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_dialog.len()
    }
}

#[cfg(test)]
mod tests;
