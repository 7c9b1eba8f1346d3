//! The presence agent (RFC 3856 over RFC 6665 subscriptions): a user
//! subscribes to another user's `presence` and is told, in NOTIFYs carrying
//! a PIDF document (RFC 3863), whether that user is reachable — `open`
//! while the AOR has at least one registration, `closed` otherwise.
//!
//! A NOTIFY goes out when a subscription is accepted or refreshed, on every
//! change of the watched AOR, and when the subscription ends (unsubscribe,
//! expiry). NOTIFYs travel on the connection the SUBSCRIBE came in on;
//! a subscription dies with that connection.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::pidf::{self, Basic};
use rollcall_shared::sip::{self, rsip, RequestBuilder};
use rollcall_shared::sync::LockExt;
use tokio::sync::Notify;
use tracing::{debug, warn};

use super::connection::Connection;
use super::ImServer;

/// Longest subscription granted, and the default when none is asked for.
pub const MAX_EXPIRES: u32 = 3600;
/// How often expired subscriptions and registrations are swept.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(250);
pub const PIDF: &str = pidf::CONTENT_TYPE;

/// A subscription dialog, from the server's (notifier's) side.
struct Subscription {
    connection: Arc<Connection>,
    /// The watched AOR (the presentity).
    presentity: String,
    /// The subscriber's AOR, URI to send NOTIFYs to, and From tag.
    subscriber: String,
    target: String,
    subscriber_tag: String,
    /// Our tag (To tag of the SUBSCRIBE's dialog).
    local_tag: String,
    call_id: String,
    cseq: u32,
    expires_at: Instant,
}

/// Why a subscription ends (`Subscription-State: terminated;reason=…`).
#[derive(Debug, Clone, Copy)]
enum Ending {
    Timeout,
    Unsubscribed,
}

/// Most subscriptions kept at once (all users); past it a new SUBSCRIBE
/// gets `503` with `Retry-After`.
pub const MAX_SUBSCRIPTIONS: usize = 100_000;

/// Subscriptions by dialog id (Call-ID, subscriber tag, our tag), and the
/// AORs whose watchers are still to be told of a change.
#[derive(Default)]
pub struct Presence {
    subscriptions: Mutex<HashMap<(String, String, String), Subscription>>,
    /// AORs that changed since the notifier last ran: a set, so a burst of
    /// changes of one AOR costs one round of NOTIFYs with its latest state.
    changed: Mutex<HashSet<String>>,
    wake: Arc<Notify>,
}

impl Presence {
    fn with_subscriptions<T>(&self, f: impl FnOnce(&mut HashMap<(String, String, String), Subscription>) -> T) -> T {
        f(&mut self.subscriptions.locked())
    }
}

/// Handles an authenticated SUBSCRIBE whose From is the authenticated
/// user: creates, refreshes or ends a subscription, answers, and sends the
/// NOTIFY that follows.
///
/// A SUBSCRIBE with a To tag is in-dialog (a refresh or an unsubscribe,
/// RFC 6665 §4.1.2.2): it is matched to its subscription by dialog id
/// (Call-ID, From tag, To tag) whatever its Request-URI — the 200's
/// `Contact` (RFC 3261 §12.2.1.1) or the watched AOR — and gets `481` when
/// no subscription has that id. Without To tag the Request-URI names the
/// presentity and a new subscription starts.
pub async fn subscribe(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    let event = sip::header(&req.headers, "Event").unwrap_or_default();
    if event.split(';').next().map(str::trim) != Some("presence") {
        let allow_events = sip::make_header("Allow-Events", "presence");
        return super::handler::reply(server, conn, &req, 489, None, vec![allow_events]).await;
    }
    let (Ok(call_id), Some(subscriber_tag), Ok(subscriber)) = (sip::call_id(&req), sip::from_tag(&req), sip::from_aor(&req))
    else {
        return super::handler::reply(server, conn, &req, 400, Some("Bad Request (no From tag)"), Vec::new()).await;
    };
    let contact = sip::header(&req.headers, "Contact").and_then(|c| sip::parse_name_addr(&c).ok()).map(|na| na.uri);
    let expires = sip::expires(&req).unwrap_or(MAX_EXPIRES).min(MAX_EXPIRES);
    let dialog = Dialog { call_id, subscriber_tag, subscriber, contact, expires };
    match sip::to_tag(&req) {
        Some(local_tag) => in_dialog(server, conn, &req, dialog, local_tag).await,
        None => new_subscription(server, conn, &req, dialog).await,
    }
}

/// What a SUBSCRIBE says about its dialog and the lifetime it asks for.
struct Dialog {
    call_id: String,
    subscriber_tag: String,
    subscriber: String,
    /// The subscriber's Contact URI (the remote target), if it sent one.
    contact: Option<String>,
    /// Granted lifetime in seconds (0: unsubscribe or fetch).
    expires: u32,
}

/// The 200 OK to a SUBSCRIBE: our tag, the granted `Expires`, our Contact
/// (the remote target of in-dialog requests, which reach [`subscribe`]).
async fn accept(server: &ImServer, conn: &Connection, req: &rsip::Request, local_tag: &str, expires: u32) {
    let mut resp = sip::response(req, 200, None, Some(local_tag));
    resp.headers.push(sip::make_header("Expires", expires.to_string()));
    resp.headers.push(sip::make_header("Contact", contact(server)));
    conn.send(server, resp.to_string()).await;
}

/// Our Contact, in 200 OKs to SUBSCRIBE and in NOTIFYs.
fn contact(server: &ImServer) -> String {
    format!("<sip:{};transport=ws>", server.config.domain)
}

/// A SUBSCRIBE without To tag: the Request-URI names the presentity.
async fn new_subscription(server: &Arc<ImServer>, conn: &Arc<Connection>, req: &rsip::Request, dialog: Dialog) {
    let presentity = sip::aor(&req.uri);
    let known = match presentity.strip_prefix("sip:").and_then(|r| r.split_once('@')) {
        Some((name, host)) if host.eq_ignore_ascii_case(&server.config.domain) => {
            server.store.users().get(name).await.ok().flatten().is_some()
        }
        _ => false,
    };
    if !known {
        return super::handler::reply(server, conn, req, 404, None, Vec::new()).await;
    }
    let (mine, all) =
        server.presence.with_subscriptions(|s| (s.values().filter(|sub| sub.subscriber == dialog.subscriber).count(), s.len()));
    let most = server.config.limits.max_subscriptions_per_user;
    if mine >= most {
        let reason = format!("Too Many Subscriptions (at most {most})");
        return super::handler::reply(server, conn, req, 403, Some(&reason), Vec::new()).await;
    }
    if all >= MAX_SUBSCRIPTIONS {
        let retry = vec![sip::make_header("Retry-After", "60")];
        return super::handler::reply(server, conn, req, 503, None, retry).await;
    }
    let local_tag = sip::new_tag();
    accept(server, conn, req, &local_tag, dialog.expires).await;

    let key = (dialog.call_id.clone(), dialog.subscriber_tag.clone(), local_tag.clone());
    let mut sub = Subscription {
        connection: Arc::clone(conn),
        presentity,
        target: dialog.contact.unwrap_or_else(|| dialog.subscriber.clone()),
        subscriber: dialog.subscriber,
        subscriber_tag: dialog.subscriber_tag,
        local_tag,
        call_id: dialog.call_id,
        cseq: 0,
        expires_at: Instant::now() + Duration::from_secs(u64::from(dialog.expires)),
    };
    if dialog.expires == 0 {
        // A fetch (RFC 6665 §4.4.3): one NOTIFY, nothing kept.
        return notify(server, &mut sub, Some(Ending::Unsubscribed)).await;
    }
    sub.cseq += 1;
    let snapshot = clone_for_notify(&sub);
    server.presence.with_subscriptions(|s| s.insert(key, sub));
    send_notify(server, &snapshot, None).await;
}

/// What an in-dialog SUBSCRIBE did to its subscription.
enum InDialog {
    Refreshed(Subscription),
    Ended(Subscription),
}

/// A SUBSCRIBE with our tag: refresh or end the subscription of that
/// dialog, whatever the Request-URI; `481` when there is none.
async fn in_dialog(server: &Arc<ImServer>, conn: &Arc<Connection>, req: &rsip::Request, dialog: Dialog, local_tag: String) {
    let key = (dialog.call_id, dialog.subscriber_tag, local_tag.clone());
    let expires_at = Instant::now() + Duration::from_secs(u64::from(dialog.expires));
    let outcome = server.presence.with_subscriptions(|s| {
        // The From is the authenticated user (checked by the handler);
        // another user's dialog is no dialog of theirs.
        let sub = s.get_mut(&key).filter(|sub| sub.subscriber == dialog.subscriber)?;
        // SUBSCRIBE is a target refresh request (RFC 6665 §4.1.2.2).
        if let Some(contact) = dialog.contact {
            sub.target = contact;
        }
        if dialog.expires == 0 {
            return s.remove(&key).map(InDialog::Ended);
        }
        sub.expires_at = expires_at;
        sub.cseq += 1;
        Some(InDialog::Refreshed(clone_for_notify(sub)))
    });
    let Some(outcome) = outcome else {
        return super::handler::reply(server, conn, req, 481, None, Vec::new()).await;
    };
    accept(server, conn, req, &local_tag, dialog.expires).await;
    match outcome {
        InDialog::Refreshed(sub) => send_notify(server, &sub, None).await,
        InDialog::Ended(mut sub) => notify(server, &mut sub, Some(Ending::Unsubscribed)).await,
    }
}

/// The presence of `aor` may have changed: tell its watchers.
/// `aor` went online or offline: its watchers are told by the notifier
/// task ([`spawn_sweeper`]), off the path of the connection whose REGISTER
/// or close caused it — a popular user's registration does not wait for
/// hundreds of NOTIFYs to be logged and queued.
pub fn changed_soon(server: &ImServer, aor: &str) {
    server.presence.changed.locked().insert(aor.to_string());
    server.presence.wake.notify_one();
}

/// Tells every watcher of `aor` its present state, now.
pub async fn changed(server: &ImServer, aor: &str) {
    let watchers: Vec<Subscription> = server.presence.with_subscriptions(|s| {
        s.values_mut()
            .filter(|sub| sub.presentity == aor)
            .map(|sub| {
                sub.cseq += 1;
                clone_for_notify(sub)
            })
            .collect()
    });
    for sub in watchers {
        send_notify(server, &sub, None).await;
    }
}

/// A subscriber answered a NOTIFY: an error (481 and the like) ends its
/// subscription (RFC 6665 §4.2.2); a 2xx needs nothing.
pub fn on_notify_response(server: &ImServer, resp: &rsip::Response) {
    if resp.status_code.code() < 300 {
        return;
    }
    let (Ok(call_id), Some(local_tag)) = (sip::call_id(resp), sip::from_tag(resp)) else { return };
    server.presence.with_subscriptions(|s| s.retain(|(c, _, tag), _| !(*c == call_id && *tag == local_tag)));
}

/// A connection closed: its subscriptions end with it (no one to notify).
pub fn connection_closed(server: &ImServer, connection_id: u64) {
    server.presence.with_subscriptions(|s| s.retain(|_, sub| sub.connection.id != connection_id));
}

/// Ends expired subscriptions (with a final NOTIFY) and reports
/// registrations that expired; run every [`SWEEP_INTERVAL`].
pub async fn sweep(server: &ImServer) {
    let now = Instant::now();
    let expired: Vec<Subscription> = server.presence.with_subscriptions(|s| {
        let keys: Vec<_> = s.iter().filter(|(_, sub)| sub.expires_at <= now).map(|(k, _)| k.clone()).collect();
        keys.into_iter().filter_map(|k| s.remove(&k)).collect()
    });
    for mut sub in expired {
        notify(server, &mut sub, Some(Ending::Timeout)).await;
    }
    for aor in server.registrar.expire() {
        changed(server, &aor).await;
    }
    server.dialogs.expire();
}

/// Runs [`sweep`] every [`SWEEP_INTERVAL`], and the NOTIFYs of
/// [`changed_soon`] as they come, until the server is dropped.
pub fn spawn_sweeper(server: &Arc<ImServer>) {
    let weak = Arc::downgrade(server);
    // Waited on without holding the server, so that dropping it ends this.
    let wake = Arc::clone(&server.presence.wake);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            let wake = tokio::select! {
                _ = tick.tick() => false,
                () = wake.notified() => true,
            };
            let Some(server) = weak.upgrade() else { return };
            if wake {
                let aors: Vec<String> = server.presence.changed.locked().drain().collect();
                for aor in aors {
                    changed(&server, &aor).await;
                }
            } else {
                sweep(&server).await;
            }
        }
    });
}

/// A copy of what a NOTIFY needs, taken under the lock.
fn clone_for_notify(sub: &Subscription) -> Subscription {
    Subscription {
        connection: Arc::clone(&sub.connection),
        presentity: sub.presentity.clone(),
        subscriber: sub.subscriber.clone(),
        target: sub.target.clone(),
        subscriber_tag: sub.subscriber_tag.clone(),
        local_tag: sub.local_tag.clone(),
        call_id: sub.call_id.clone(),
        cseq: sub.cseq,
        expires_at: sub.expires_at,
    }
}

/// Counts and sends a NOTIFY for a subscription no longer in the table.
async fn notify(server: &ImServer, sub: &mut Subscription, ending: Option<Ending>) {
    sub.cseq += 1;
    send_notify(server, sub, ending).await
}

/// Sends the NOTIFY numbered `sub.cseq` (the caller has counted it).
async fn send_notify(server: &ImServer, sub: &Subscription, ending: Option<Ending>) {
    let state = match ending {
        None => {
            let left = sub.expires_at.saturating_duration_since(Instant::now());
            format!("active;expires={}", (left.as_millis() as u64 + 500) / 1000)
        }
        Some(Ending::Timeout) => "terminated;reason=timeout".to_string(),
        // RFC 6665 §4.2.2: the subscriber ended it; no reason to give.
        Some(Ending::Unsubscribed) => "terminated".to_string(),
    };
    let basic = if server.registrar.is_online(&sub.presentity) { Basic::Open } else { Basic::Closed };
    let request = RequestBuilder::new(rsip::Method::Notify, &sub.target)
        .via(&server.config.domain, &sip::new_branch())
        .from(&sub.presentity, None, &sub.local_tag)
        .to(&sub.subscriber, Some(&sub.subscriber_tag))
        .call_id(&sub.call_id)
        .cseq(sub.cseq)
        .contact(&contact(server))
        .header("Event", "presence")
        .header("Subscription-State", &state)
        .body(PIDF, pidf::document(&sub.presentity, basic))
        .build();
    match request {
        Ok(request) => sub.connection.send(server, request.to_string()).await,
        Err(e) => warn!(error = %e, subscriber = %sub.subscriber, "cannot build NOTIFY"),
    }
    debug!(presentity = %sub.presentity, subscriber = %sub.subscriber, basic = basic.as_str(), %state, "NOTIFY");
}
