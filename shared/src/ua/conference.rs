//! Following conferences: the subscriber side of RFC 4575's conference
//! event package (docs/protocol.md §7), against the gateway as notifier
//! through the IM server. Not in the browser's build: the browser follows
//! its conferences over the gateway's SOAP replies.
//!
//! The subscriptions themselves are [`Subscriber`]'s, as for presence; what
//! is particular to conferences is here and in [`Package::Conference`]:
//!
//! - The application follows a conference's URI (`sip:conf-…@<domain>`)
//!   until it unfollows it, or until its subscription ends for good:
//!   `terminated;reason=noresource` (the conference ended), `rejected`, or
//!   a refused SUBSCRIBE (`403` not the owner, `404` no such conference,
//!   `489`). Those are never subscribed again, not even after the next
//!   registration: the conference is over or not ours.
//! - Each NOTIFY's `application/conference-info+xml` body is reported as
//!   it came ([`Step::Conference`]), in order; reading it (and applying a
//!   partial document to the full one) is the application's business,
//!   with [`crate::conference_info::ConferenceInfo::read`].
//! - At most [`MAX_CONFERENCES`] are followed at once, the IM server's
//!   limit per user: one more is reported ended at once (reason
//!   [`TOO_MANY`]) rather than sent to be refused.

use super::subscriber::{normalize_aor, sip_aor, Package, Step, Subscriber};

/// Conferences followed at once, as many as the IM server lets one user
/// subscribe to (`im_server::conference_route::MAX_PER_USER`).
pub const MAX_CONFERENCES: usize = 20;
/// The reason reported for a conference not followed because
/// [`MAX_CONFERENCES`] are already.
pub const TOO_MANY: &str = "too-many";
/// The reason reported for a conference URI that is no SIP URI with a
/// user part, which nobody can subscribe to.
pub const INVALID: &str = "invalid-uri";

impl Subscriber {
    /// Follow conference `uri` (subscribing when `registered`, else after
    /// the next registration). Following it again changes nothing.
    pub fn follow(&mut self, uri: &str, registered: bool) -> Vec<Step> {
        let given = uri.trim();
        let key = (Package::Conference, normalize_aor(given));
        if self.watched.contains_key(&key) {
            return self.take();
        }
        let refused = if sip_aor(given).is_none() {
            Some(INVALID)
        } else if self.following() >= MAX_CONFERENCES {
            Some(TOO_MANY)
        } else {
            None
        };
        if let Some(reason) = refused {
            let terminated = Some(reason.to_string());
            self.steps.push(Step::Conference { uri: given.to_string(), body: String::new(), terminated });
            return self.take();
        }
        self.watched.insert(key, given.to_string());
        if registered {
            self.fill();
        }
        self.take()
    }

    /// Stop following conference `uri`: its subscription is ended
    /// (`Expires: 0`), and nothing more of it is reported.
    pub fn unfollow(&mut self, uri: &str, now: u64) -> Vec<Step> {
        self.unfollow_key(&(Package::Conference, normalize_aor(uri.trim())), now);
        self.take()
    }

    /// How many conferences are followed now.
    pub fn following(&self) -> usize {
        self.watched.keys().filter(|k| k.0 == Package::Conference).count()
    }
}
