//! Requests for conferences (docs/protocol.md §7): a Request-URI whose
//! user begins with `conf-` names a conference, and goes to the gateway's
//! registration (its user is [`super::ImConfig::conference_user`]) with
//! the To header kept — MESSAGEs and the SUBSCRIBEs of the conference
//! event package (RFC 4575) alike. The gateway is the notifier; the IM
//! server relays, and remembers each subscription dialog it relayed a 2xx
//! for, so that what follows in that dialog gets through:
//!
//! - the gateway's NOTIFYs go to the subscriber's connection — only from a
//!   connection authenticated as the gateway's user, and only in a dialog
//!   it accepted (else `481`); a NOTIFY with `Subscription-State:
//!   terminated` ends the dialog here once relayed;
//! - the subscriber's in-dialog SUBSCRIBEs (refresh, unsubscribe),
//!   authenticated like any request, go to the gateway (`481` for a dialog
//!   that is not the sender's);
//! - responses go back by the relay's Via branch, both ways.
//!
//! Bounded: [`MAX_PER_USER`] conference subscriptions per subscriber and
//! [`MAX_DIALOGS`] in all (a new one beyond gets `403` or `503`); a dialog
//! is forgotten when it ends, expires, or its subscriber's connection
//! closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::sip::{self, rsip};
use rollcall_shared::sync::LockExt;

use super::connection::Connection;
use super::handler::reply;
use super::{relay, ImServer};

/// Conference subscriptions one user may hold at once (`403` beyond).
pub const MAX_PER_USER: usize = 20;
/// Conference subscriptions kept in all (`503` beyond).
pub const MAX_DIALOGS: usize = 10_000;
/// A dialog is kept this long past the expiry its last 2xx granted, for a
/// final NOTIFY on its way.
pub(super) const GRACE: Duration = Duration::from_secs(32);
/// The longest lifetime believed from a 2xx (its `Expires`).
const MAX_EXPIRES: u64 = 3600;

/// Is `user` (of our domain) a conference?
pub fn is_conference(user: &str) -> bool {
    user.starts_with("conf-")
}

/// Does the request's `Event` name the conference package?
pub fn is_conference_event(req: &rsip::Request) -> bool {
    sip::header(&req.headers, "Event").is_some_and(|e| e.split(';').next().map(str::trim) == Some("conference"))
}

/// Does this SUBSCRIBE go this way (to the gateway) rather than to the
/// presence agent: `Event: conference`, or any new subscription to a
/// conference's URI (the gateway answers `489` for other packages)?
pub fn routes_subscribe(server: &ImServer, req: &rsip::Request) -> bool {
    if is_conference_event(req) {
        return true;
    }
    let target = sip::aor(&req.uri);
    sip::to_tag(req).is_none() && relay::target_user(&target, &server.config.domain).is_some_and(is_conference)
}

/// (Call-ID, subscriber's tag, notifier's tag).
type Key = (String, String, String);

/// One subscription dialog relayed to the gateway.
struct Dialog {
    /// The subscriber's AOR and the connection its SUBSCRIBE came on.
    subscriber: String,
    connection: Arc<Connection>,
    /// The subscriber's Contact (where its NOTIFYs go on a SIP port).
    contact: String,
    /// The notifier's user (the gateway's).
    notifier: String,
    expires_at: Instant,
}

/// The subscription dialogs between subscribers and the gateway.
#[derive(Default)]
pub struct ConferenceDialogs {
    dialogs: Mutex<HashMap<Key, Dialog>>,
}

/// Why a new dialog may not be made.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    User,
    All,
}

impl ConferenceDialogs {
    /// May `subscriber` make one more?
    pub fn room_for(&self, subscriber: &str) -> Result<(), Full> {
        let dialogs = self.dialogs.locked();
        room(dialogs.values().map(|d| d.subscriber.as_str()), subscriber, MAX_PER_USER, MAX_DIALOGS)
    }

    /// Keeps a dialog that a 2xx accepted (within the bounds, checked again).
    fn insert(&self, key: Key, dialog: Dialog) -> Result<(), Full> {
        let mut dialogs = self.dialogs.locked();
        if !dialogs.contains_key(&key) {
            room(dialogs.values().map(|d| d.subscriber.as_str()), &dialog.subscriber, MAX_PER_USER, MAX_DIALOGS)?;
        }
        dialogs.insert(key, dialog);
        Ok(())
    }

    fn refreshed(&self, key: &Key, expires: Duration) {
        if let Some(d) = self.dialogs.locked().get_mut(key) {
            d.expires_at = Instant::now() + expires + GRACE;
        }
    }

    fn remove(&self, key: &Key) {
        self.dialogs.locked().remove(key);
    }

    /// The subscriber's connection closed: its dialogs go.
    pub fn connection_closed(&self, id: u64) {
        self.dialogs.locked().retain(|_, d| d.connection.id != id);
    }

    /// Forgets dialogs past their expiry (and grace).
    pub fn expire(&self) {
        let now = Instant::now();
        self.dialogs.locked().retain(|_, d| d.expires_at > now);
    }

    /// How many there are (all users).
    pub fn len(&self) -> usize {
        self.dialogs.locked().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// May `subscriber` hold one more dialog, beside those of `holders` (one
/// subscriber per dialog), with at most `per_user` each and `all` in all?
fn room<'a>(holders: impl Iterator<Item = &'a str>, subscriber: &str, per_user: usize, all: usize) -> Result<(), Full> {
    let (mut mine, mut total) = (0, 0);
    for holder in holders {
        total += 1;
        mine += usize::from(holder == subscriber);
    }
    if mine >= per_user {
        return Err(Full::User);
    }
    if total >= all {
        return Err(Full::All);
    }
    Ok(())
}

/// An authenticated `SUBSCRIBE` (`Event: conference`) of `user`: a new one
/// goes to the gateway if the Request-URI is a conference; one in a dialog
/// to the gateway of that dialog.
pub async fn subscribe(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request, user: &str) {
    let (Ok(call_id), Some(from_tag)) = (sip::call_id(&req), sip::from_tag(&req)) else {
        return reply(server, conn, &req, 400, Some("Bad Request (no From tag)"), Vec::new()).await;
    };
    let subscriber = server.config.aor(user);
    let notifier = server.config.conference_user.clone();
    let contact = sip::header(&req.headers, "Contact")
        .and_then(|c| sip::parse_name_addr(&c).ok())
        .map(|na| na.uri)
        .unwrap_or_else(|| subscriber.clone());
    if let Some(to_tag) = sip::to_tag(&req) {
        let key = (call_id, from_tag, to_tag);
        let known = server.dialogs.dialogs.locked().get(&key).is_some_and(|d| d.subscriber == subscriber);
        if !known {
            return reply(server, conn, &req, 481, None, Vec::new()).await;
        }
        let targets = relay::gateway_for(server, user);
        let dialogs = Arc::clone(server);
        let after: relay::AfterAnswer = Arc::new(move |response: &rsip::Response| {
            if (200..300).contains(&response.status_code.code()) {
                dialogs.dialogs.refreshed(&key, granted(response));
            }
        });
        return relay::forward_to(server, conn, req, user, targets, Some(after)).await;
    }
    let target = sip::aor(&req.uri);
    let is_ours = relay::target_user(&target, &server.config.domain).is_some_and(is_conference);
    if !is_ours {
        let allow_events = sip::make_header("Allow-Events", "presence");
        return reply(server, conn, &req, 489, None, vec![allow_events]).await;
    }
    match server.dialogs.room_for(&subscriber) {
        Ok(()) => {}
        Err(Full::User) => {
            let reason = format!("Too Many Subscriptions (at most {MAX_PER_USER} conferences)");
            return reply(server, conn, &req, 403, Some(&reason), Vec::new()).await;
        }
        Err(Full::All) => {
            let retry = vec![sip::make_header("Retry-After", "60")];
            return reply(server, conn, &req, 503, None, retry).await;
        }
    }
    let targets = relay::gateway_for(server, user);
    let im = Arc::clone(server);
    let connection = Arc::clone(conn);
    let after: relay::AfterAnswer = Arc::new(move |response: &rsip::Response| {
        let Some(to_tag) = sip::to_tag(response) else { return };
        if !(200..300).contains(&response.status_code.code()) {
            return;
        }
        let expires_at = Instant::now() + granted(response) + GRACE;
        let dialog = Dialog {
            subscriber: subscriber.clone(),
            connection: Arc::clone(&connection),
            contact: contact.clone(),
            notifier: notifier.clone(),
            expires_at,
        };
        if im.dialogs.insert((call_id.clone(), from_tag.clone(), to_tag), dialog).is_err() {
            tracing::warn!("conference subscription accepted by the gateway past the IM server's bound; not kept");
        }
    });
    relay::forward_to(server, conn, req, user, targets, Some(after)).await
}

/// The lifetime a 2xx to SUBSCRIBE granted (`Expires`), at most an hour.
pub(super) fn granted(response: &rsip::Response) -> Duration {
    let seconds = sip::header(&response.headers, "Expires").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(MAX_EXPIRES);
    Duration::from_secs(seconds.min(MAX_EXPIRES))
}

/// A `NOTIFY`: relayed to the subscriber when it comes from the gateway's
/// user in a dialog relayed for it; `481` otherwise.
pub async fn notify(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    let key = match (sip::call_id(&req), sip::to_tag(&req), sip::from_tag(&req)) {
        (Ok(call_id), Some(to_tag), Some(from_tag)) => (call_id, to_tag, from_tag),
        _ => return reply(server, conn, &req, 481, None, Vec::new()).await,
    };
    let sender = conn.user();
    let found = server
        .dialogs
        .dialogs
        .locked()
        .get(&key)
        .filter(|d| sender.as_deref() == Some(d.notifier.as_str()))
        .map(|d| (Arc::clone(&d.connection), d.contact.clone(), d.notifier.clone()));
    let Some((target, contact, notifier)) = found else {
        // A dialog another node of the cluster keeps (its subscriber is
        // there; the gateway, here): the NOTIFY goes there.
        let from_notifier = sender.as_deref() == Some(server.config.conference_user.as_str());
        if from_notifier && server.cluster().is_some_and(|c| c.carry_notify(conn, &key, &req, super::connection::acting_on())) {
            return;
        }
        return reply(server, conn, &req, 481, None, Vec::new()).await;
    };
    let terminated = sip::header(&req.headers, "Subscription-State")
        .is_some_and(|s| s.split(';').next().map(str::trim).is_some_and(|v| v.eq_ignore_ascii_case("terminated")));
    if terminated {
        server.dialogs.remove(&key);
    }
    relay::forward_to(server, conn, req, &notifier, vec![(target, contact)], None).await
}

#[cfg(test)]
mod tests;
