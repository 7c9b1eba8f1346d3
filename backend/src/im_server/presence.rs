//! The presence agent (RFC 3856 over RFC 6665 subscriptions): a user
//! subscribes to another user's `presence` and is told, in NOTIFYs carrying
//! a PIDF document (RFC 3863), whether that user is reachable — `open`
//! while the AOR has at least one registration, `closed` otherwise.
//!
//! A NOTIFY goes out when a subscription is accepted or refreshed, on every
//! change of the watched AOR, and when the subscription ends (unsubscribe,
//! expiry). NOTIFYs travel on the connection the SUBSCRIBE came in on;
//! a subscription dies with that connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::pidf::{self, Basic};
use rollcall_shared::sip::{self, rsip, RequestBuilder};
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

/// Subscriptions by dialog id (Call-ID, subscriber tag, our tag).
#[derive(Default)]
pub struct Presence {
    subscriptions: Mutex<HashMap<(String, String, String), Subscription>>,
}

impl Presence {
    fn with_subscriptions<T>(&self, f: impl FnOnce(&mut HashMap<(String, String, String), Subscription>) -> T) -> Option<T> {
        self.subscriptions.lock().ok().map(|mut s| f(&mut s))
    }
}

/// Handles an authenticated SUBSCRIBE of `user`: creates, refreshes or
/// ends a subscription, answers, and sends the NOTIFY that follows.
pub async fn subscribe(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    let event = sip::header(&req.headers, "Event").unwrap_or_default();
    if event.split(';').next().map(str::trim) != Some("presence") {
        let allow_events = sip::make_header("Allow-Events", "presence");
        return super::handler::reply(server, conn, &req, 489, None, vec![allow_events]).await;
    }
    let presentity = sip::aor(&req.uri);
    let known = match presentity.strip_prefix("sip:").and_then(|r| r.split_once('@')) {
        Some((name, host)) if host.eq_ignore_ascii_case(&server.config.domain) => {
            server.store.users().get(name).await.ok().flatten().is_some()
        }
        _ => false,
    };
    if !known {
        return super::handler::reply(server, conn, &req, 404, None, Vec::new()).await;
    }
    let (Ok(call_id), Some(subscriber_tag), Ok(subscriber)) = (sip::call_id(&req), sip::from_tag(&req), sip::from_aor(&req))
    else {
        return super::handler::reply(server, conn, &req, 400, Some("Bad Request (no From tag)"), Vec::new()).await;
    };
    let target = sip::header(&req.headers, "Contact")
        .and_then(|c| sip::parse_name_addr(&c).ok())
        .map(|na| na.uri)
        .unwrap_or_else(|| subscriber.clone());
    let expires = sip::expires(&req).unwrap_or(MAX_EXPIRES).min(MAX_EXPIRES);

    // A refresh names our tag; a new subscription gets a fresh one.
    let existing_tag = sip::to_tag(&req);
    let local_tag = existing_tag.clone().unwrap_or_else(sip::new_tag);
    let key = (call_id.clone(), subscriber_tag.clone(), local_tag.clone());
    let exists = server.presence.with_subscriptions(|s| s.contains_key(&key)).unwrap_or(false);
    if existing_tag.is_some() && !exists {
        return super::handler::reply(server, conn, &req, 481, None, Vec::new()).await;
    }

    let mut resp = sip::response(&req, 200, None, Some(&local_tag));
    resp.headers.push(sip::make_header("Expires", expires.to_string()));
    resp.headers.push(sip::make_header("Contact", format!("<sip:{};transport=ws>", server.config.domain)));
    conn.send(server, resp.to_string()).await;

    let expires_at = Instant::now() + Duration::from_secs(u64::from(expires));
    // What a new subscription would be; a refresh keeps its dialog's own.
    let fresh = Subscription {
        connection: Arc::clone(conn),
        presentity,
        subscriber,
        target,
        subscriber_tag,
        local_tag,
        call_id,
        cseq: 0,
        expires_at,
    };
    if expires == 0 {
        let ended = server.presence.with_subscriptions(|s| s.remove(&key)).flatten();
        let mut sub = ended.unwrap_or(fresh);
        notify(server, &mut sub, Some(Ending::Unsubscribed)).await;
        return;
    }
    let snapshot = server.presence.with_subscriptions(|s| {
        let sub = s.entry(key).or_insert(fresh);
        sub.expires_at = expires_at;
        sub.cseq += 1;
        clone_for_notify(sub)
    });
    if let Some(sub) = snapshot {
        send_notify(server, &sub, None).await;
    }
}

/// The presence of `aor` may have changed: tell its watchers.
pub async fn changed(server: &ImServer, aor: &str) {
    let watchers: Vec<Subscription> = server
        .presence
        .with_subscriptions(|s| {
            s.values_mut()
                .filter(|sub| sub.presentity == aor)
                .map(|sub| {
                    sub.cseq += 1;
                    clone_for_notify(sub)
                })
                .collect()
        })
        .unwrap_or_default();
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
    let expired: Vec<Subscription> = server
        .presence
        .with_subscriptions(|s| {
            let keys: Vec<_> = s.iter().filter(|(_, sub)| sub.expires_at <= now).map(|(k, _)| k.clone()).collect();
            keys.into_iter().filter_map(|k| s.remove(&k)).collect()
        })
        .unwrap_or_default();
    for mut sub in expired {
        notify(server, &mut sub, Some(Ending::Timeout)).await;
    }
    for aor in server.registrar.expire() {
        changed(server, &aor).await;
    }
}

/// Runs [`sweep`] until the server is dropped.
pub fn spawn_sweeper(server: &Arc<ImServer>) {
    let weak = Arc::downgrade(server);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            tick.tick().await;
            let Some(server) = weak.upgrade() else { return };
            sweep(&server).await;
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
        .contact(&format!("<sip:{};transport=ws>", server.config.domain))
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

