//! The notifier of the conference event package (RFC 4575, docs/protocol.md
//! §7). The IM server relays to the gateway's registration every SUBSCRIBE
//! with `Event: conference` to a conference's URI (`sip:conf-…@<domain>`)
//! and asserts who sent it; the user agent hands it here
//! ([`NotifierEvent::Subscribe`]).
//!
//! - The conference service is asked for the conference on behalf of the
//!   asserted identity (`getConferenceInfo`): Fault `NotAuthorized` → `403`,
//!   `NoSuchConference` → `404`, an unreachable service → `503`. Only the
//!   owner gets `200`, then a NOTIFY with the full document, version 1.
//! - After each event of the conference (`ParticipantStatus`,
//!   `ConferenceStatus`, fed by the reporting service) every subscription
//!   gets a partial document with the next version; when the conference is
//!   terminated, a final NOTIFY with `Subscription-State:
//!   terminated;reason=noresource`.
//! - A refresh gets `200` and the full document again (next version); an
//!   unsubscribe (`Expires: 0`) `200` and a final `terminated` NOTIFY; an
//!   expired subscription a final `terminated;reason=timeout`; a NOTIFY
//!   answered with an error ends its subscription (RFC 6665 §4.2.2).
//!   Another `Event` gets `489` with `Allow-Events: conference`.
//!
//! One task owns every subscription and handles inputs in order, so a
//! conference's documents go out in the order of its events. The queue is
//! bounded ([`QUEUE`]); events of conferences nobody watches are not queued.
//! The table's bounds are in [`subscriptions`].

mod subscriptions;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::conference_info::mapping::{conference_uri, Conference};
use rollcall_shared::conference_info::{ConferenceInfo, CONTENT_TYPE, EVENT_PACKAGE};
use rollcall_shared::sip::{self, message};
use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::{ConferenceSnapshot, ConferenceState, ConferenceStatus, FaultKind, ParticipantStatus};
use rollcall_shared::sync::LockExt;
use rollcall_shared::ua::notifier::{NotifierEvent, Notify};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use self::subscriptions::{Full, Key, Subscription, Subscriptions};
use super::web_service::WebService;
use crate::edge::rate::RateLimiter;
use crate::sip_client::SipClient;

/// Inputs waiting for the notifier task; beyond, they are dropped (and
/// logged): a subscription that misses an event sees a gap in the
/// conference's sequence at the next one, and is sent a full document
/// from a new snapshot rather than a partial one on a stale copy.
const QUEUE: usize = 4096;
/// New subscriptions one user may ask for, per second on average, with
/// bursts of [`SUBSCRIBE_BURST`]: each costs a snapshot from the
/// conference service, read in this one task, so a stranger's flood of
/// SUBSCRIBEs to made-up conferences must not stall everyone's NOTIFYs.
const SUBSCRIBES_PER_SECOND: f64 = 1.0;
const SUBSCRIBE_BURST: f64 = 10.0;
/// Users whose SUBSCRIBE rate is tracked at once.
const MAX_TRACKED_SUBSCRIBERS: usize = 100_000;
/// Longest subscription granted, and the default (RFC 4575 §4.2).
const MAX_EXPIRES: u32 = 3600;
/// How often expired subscriptions are ended.
const SWEEP: Duration = Duration::from_secs(1);
/// A NOTIFY whose answer has not come in this long is forgotten (its
/// answer is lost with a connection).
const ANSWER_WAIT: Duration = Duration::from_secs(64);

enum Input {
    Ua(NotifierEvent),
    Participant(ParticipantStatus),
    Conference(ConferenceStatus),
    Removed { conference_id: String, participant_id: String },
}

/// Handle of the notifier task.
pub struct Notifier {
    tx: mpsc::Sender<Input>,
    /// Conferences with a subscription (or one being made): only their
    /// events are queued.
    watched: Arc<Mutex<HashSet<String>>>,
}

impl Notifier {
    /// Starts the task: it answers and notifies through `client`, and reads
    /// conferences from `web_service`.
    pub fn start(client: SipClient, web_service: Arc<WebService>, domain: String) -> Notifier {
        let (tx, rx) = mpsc::channel(QUEUE);
        let watched = Arc::new(Mutex::new(HashSet::new()));
        let task = Task {
            client,
            web_service,
            domain,
            subscriptions: Subscriptions::default(),
            in_flight: HashMap::new(),
            next_id: 0,
            watched: Arc::clone(&watched),
            rate: RateLimiter::new(SUBSCRIBES_PER_SECOND, SUBSCRIBE_BURST, MAX_TRACKED_SUBSCRIBERS),
        };
        tokio::spawn(task.run(rx));
        Notifier { tx, watched }
    }

    /// What the user agent reported for the notifier.
    pub fn ua_event(&self, event: NotifierEvent) {
        self.queue(Input::Ua(event));
    }

    /// A conference event (after it went to the owner as a MESSAGE).
    pub fn participant(&self, status: &ParticipantStatus) {
        if self.watches(&status.conference_id) {
            self.queue(Input::Participant(status.clone()));
        }
    }

    pub fn conference(&self, status: &ConferenceStatus) {
        if self.watches(&status.conference_id) {
            self.queue(Input::Conference(status.clone()));
        }
    }

    /// The owner removed a participant (`c:RemoveParticipant` answered):
    /// its coming disconnection is a boot. Call before the conference's
    /// events are let through (`ordering`).
    pub fn removed(&self, conference_id: &str, participant_id: &str) {
        if self.watches(conference_id) {
            self.queue(Input::Removed { conference_id: conference_id.into(), participant_id: participant_id.into() });
        }
    }

    fn watches(&self, conference_id: &str) -> bool {
        self.watched.locked().contains(conference_id)
    }

    fn queue(&self, input: Input) {
        if self.tx.try_send(input).is_err() {
            warn!("the conference notifier's queue is full; an input was dropped");
        }
    }
}

struct Task {
    client: SipClient,
    web_service: Arc<WebService>,
    domain: String,
    subscriptions: Subscriptions,
    /// NOTIFYs waiting for their answer: id → (dialog, sent at).
    in_flight: HashMap<u64, (Key, Instant)>,
    next_id: u64,
    watched: Arc<Mutex<HashSet<String>>>,
    /// New SUBSCRIBEs per user.
    rate: RateLimiter<String>,
}

/// How a NOTIFY stands the subscription.
enum State {
    Active,
    /// `terminated` with this reason (none for an unsubscribe).
    Terminated(Option<&'static str>),
}

impl Task {
    async fn run(mut self, mut rx: mpsc::Receiver<Input>) {
        let mut sweep = tokio::time::interval(SWEEP);
        loop {
            tokio::select! {
                input = rx.recv() => match input {
                    Some(input) => self.on_input(input).await,
                    None => return,
                },
                _ = sweep.tick() => self.sweep(),
            }
        }
    }

    async fn on_input(&mut self, input: Input) {
        match input {
            Input::Ua(NotifierEvent::Subscribe { request, asserted }) => self.on_subscribe(request, asserted).await,
            Input::Ua(NotifierEvent::Notified { id, code }) => {
                let Some((key, _)) = self.in_flight.remove(&id) else { return };
                if code >= 300 {
                    debug!(code, "NOTIFY refused; the subscription ends");
                    self.forget(&key);
                }
            }
            Input::Participant(status) => self.on_participant(status).await,
            Input::Conference(status) => self.on_conference(status),
            Input::Removed { conference_id, participant_id } => {
                for key in self.subscriptions.of_conference(&conference_id) {
                    if let Some(s) = self.subscriptions.get_mut(&key) {
                        s.conference.mark_removed(&participant_id);
                    }
                }
            }
        }
    }

    /// A SUBSCRIBE, new or in a dialog.
    async fn on_subscribe(&mut self, request: message::Request, asserted: Option<String>) {
        let event = request.headers.get("Event").unwrap_or_default();
        if event.split(';').next().map(str::trim) != Some(EVENT_PACKAGE) {
            return self.answer(&request, 489, None, &[("Allow-Events", EVENT_PACKAGE.to_string())]);
        }
        let (Some(owner), Ok(call_id), Some(from_tag), Ok(from)) =
            (asserted, request.headers.call_id(), request.headers.tag("From"), request.headers.address("From"))
        else {
            return self.answer(&request, 400, Some("Bad Request (no asserted identity or From tag)"), &[]);
        };
        let expires = request.headers.get("Expires").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(MAX_EXPIRES);
        let expires = expires.min(MAX_EXPIRES);
        let target = request.headers.address("Contact").map(|c| c.uri).unwrap_or_else(|_| from.uri.clone());
        if let Some(local_tag) = request.headers.tag("To") {
            let key = (call_id.to_string(), from_tag, local_tag.clone());
            return self.in_dialog(&request, key, &owner, target, expires);
        }
        let Some(conference_id) = request.headers.address("To").ok().and_then(|to| user_of(&to.uri)) else {
            return self.answer(&request, 404, None, &[]);
        };
        if let Err(wait) = self.rate.take(&owner) {
            let seconds = wait.as_secs().clamp(1, 60).to_string();
            warn!(%owner, "SUBSCRIBE refused: over the user's rate");
            return self.answer(
                &request,
                503,
                Some("Service Unavailable (too many subscriptions at once)"),
                &[("Retry-After", seconds)],
            );
        }
        if let Err(Full::Owner) = self.subscriptions.room_for(&owner) {
            // The newest wins: an owner's oldest subscription is likely one
            // whose connection is gone (the IM server drops those dialogs
            // without telling us), and a user must be able to follow the
            // conference they just started.
            if let Some(oldest) = self.subscriptions.oldest_of(&owner) {
                debug!(%owner, "the owner's oldest subscription makes room for a new one");
                self.notify_full(&oldest, State::Terminated(Some("rejected")));
                self.forget(&oldest);
            }
        }
        if let Err(Full::All) = self.subscriptions.room_for(&owner) {
            return self.answer(&request, 503, None, &[("Retry-After", "60".to_string())]);
        }
        // Watched before the snapshot is read, so that no event after it is missed.
        self.watched.locked().insert(conference_id.clone());
        let snapshot = match self.snapshot(&owner, &conference_id).await {
            Ok(snapshot) => snapshot,
            Err(code) => {
                self.unwatch_if_unused(&conference_id);
                return self.answer(&request, code, None, &[]);
            }
        };
        let local_tag = sip::new_tag();
        let entity = conference_uri(&conference_id, &self.domain);
        let subscription = Subscription {
            conference: Conference::from_snapshot(&snapshot, &entity),
            sequence: snapshot.sequence,
            conference_id: conference_id.clone(),
            owner,
            subscriber_uri: from.uri,
            target,
            version: 1,
            cseq: 0,
            expires_at: Instant::now() + Duration::from_secs(u64::from(expires)),
        };
        self.accept(&request, &local_tag, expires, &entity);
        let key = (call_id.to_string(), from_tag, local_tag);
        let ended = snapshot.state == ConferenceState::Terminated;
        if expires == 0 || ended {
            // A fetch (RFC 6665 §4.4.3), or a conference that is over: one
            // NOTIFY, nothing kept.
            let mut once = subscription;
            let reason = if ended { Some("noresource") } else { None };
            let document = once.conference.full(1);
            self.send(&key, &mut once, document, State::Terminated(reason));
            return self.unwatch_if_unused(&conference_id);
        }
        if self.subscriptions.insert(key.clone(), subscription).is_err() {
            return self.unwatch_if_unused(&conference_id);
        }
        self.notify_full(&key, State::Active);
    }

    /// A refresh or an unsubscribe of dialog `key` by `owner`.
    fn in_dialog(&mut self, request: &message::Request, key: Key, owner: &str, target: String, expires: u32) {
        let Some(subscription) = self.subscriptions.get_mut(&key).filter(|s| s.owner == owner) else {
            return self.answer(request, 481, None, &[]);
        };
        subscription.target = target;
        subscription.expires_at = Instant::now() + Duration::from_secs(u64::from(expires));
        let entity = subscription.conference.entity.clone();
        self.accept(request, &key.2, expires, &entity);
        if expires == 0 {
            self.notify_full(&key, State::Terminated(None));
            return self.forget(&key);
        }
        self.notify_full(&key, State::Active);
    }

    /// A participant's event: a partial document to each subscription. A
    /// participant added since the document was made is read from a new
    /// snapshot first. When this event alone cannot bring the document up
    /// to date, a full one goes instead: an event was missed (a gap in the
    /// sequence), or the participant moved to another number (its `user`
    /// is keyed by the number: a partial document would leave the old one
    /// behind).
    async fn on_participant(&mut self, status: ParticipantStatus) {
        for key in self.subscriptions.of_conference(&status.conference_id) {
            let Some(s) = self.subscriptions.get_mut(&key) else { continue };
            if status.sequence <= s.sequence {
                continue; // already in the document
            }
            let gap = status.sequence > s.sequence + 1;
            let moved = status.attempt.as_ref().is_some_and(|a| {
                s.conference.legs.iter().any(|l| l.participant_id == status.participant_id && l.phone != a.phone)
            });
            s.sequence = status.sequence;
            if gap || !s.conference.apply_participant(&status) {
                let owner = s.owner.clone();
                if let Ok(snapshot) = self.snapshot(&owner, &status.conference_id).await {
                    if let Some(s) = self.subscriptions.get_mut(&key) {
                        s.conference.merge_snapshot(&snapshot);
                        s.conference.apply_participant(&status);
                        s.sequence = s.sequence.max(snapshot.sequence);
                    }
                }
            }
            if gap || moved {
                self.notify_full(&key, State::Active);
            } else {
                self.notify_partial(&key, &[status.participant_id.as_str()], State::Active);
            }
        }
    }

    /// A conference's event: a partial document; the last one when it ended.
    fn on_conference(&mut self, status: ConferenceStatus) {
        let ended = status.state == ConferenceState::Terminated;
        for key in self.subscriptions.of_conference(&status.conference_id) {
            let Some(s) = self.subscriptions.get_mut(&key) else { continue };
            if status.sequence <= s.sequence && !ended {
                continue;
            }
            // After a gap the sequence stays where the document is known to
            // be whole, so the next participant's event sends a full one.
            if status.sequence == s.sequence + 1 {
                s.sequence = status.sequence;
            }
            s.conference.apply_conference(&status);
            let state = if ended { State::Terminated(Some("noresource")) } else { State::Active };
            self.notify_partial(&key, &[], state);
            if ended {
                self.forget(&key);
            }
        }
    }

    /// Ends expired subscriptions and forgets NOTIFYs whose answer is lost.
    fn sweep(&mut self) {
        let now = Instant::now();
        for (key, mut subscription) in self.subscriptions.take_expired(now) {
            let conference_id = subscription.conference_id.clone();
            subscription.version += 1;
            let document = subscription.conference.full(subscription.version);
            self.send(&key, &mut subscription, document, State::Terminated(Some("timeout")));
            self.unwatch_if_unused(&conference_id);
        }
        self.in_flight.retain(|_, (_, sent)| now.duration_since(*sent) < ANSWER_WAIT);
    }

    fn notify_full(&mut self, key: &Key, state: State) {
        let Some(mut s) = self.subscriptions.get_mut(key).map(|s| s.clone()) else { return };
        if s.cseq > 0 {
            s.version += 1;
        }
        let document = s.conference.full(s.version);
        self.send(key, &mut s, document, state);
        self.store(key, s);
    }

    fn notify_partial(&mut self, key: &Key, changed: &[&str], state: State) {
        let Some(mut s) = self.subscriptions.get_mut(key).map(|s| s.clone()) else { return };
        s.version += 1;
        let document = s.conference.partial(s.version, changed);
        self.send(key, &mut s, document, state);
        self.store(key, s);
    }

    /// Puts back a subscription's counters after a NOTIFY.
    fn store(&mut self, key: &Key, updated: Subscription) {
        if let Some(s) = self.subscriptions.get_mut(key) {
            *s = updated;
        }
    }

    /// Sends one NOTIFY of `s` carrying `document`.
    fn send(&mut self, key: &Key, s: &mut Subscription, document: ConferenceInfo, state: State) {
        s.cseq += 1;
        self.next_id += 1;
        let subscription_state = match state {
            State::Active => {
                let left = s.expires_at.saturating_duration_since(Instant::now());
                format!("active;expires={}", (left.as_millis() as u64 + 500) / 1000)
            }
            State::Terminated(Some(reason)) => format!("terminated;reason={reason}"),
            State::Terminated(None) => "terminated".to_string(),
        };
        self.in_flight.insert(self.next_id, (key.clone(), Instant::now()));
        self.client.notify(Notify {
            id: self.next_id,
            target: s.target.clone(),
            from: s.conference.entity.clone(),
            from_tag: key.2.clone(),
            to: s.subscriber_uri.clone(),
            to_tag: key.1.clone(),
            call_id: key.0.clone(),
            cseq: s.cseq,
            contact: format!("<{}>", s.conference.entity),
            event: EVENT_PACKAGE.to_string(),
            subscription_state,
            body: Some((CONTENT_TYPE.to_string(), document.to_xml())),
        });
    }

    fn forget(&mut self, key: &Key) {
        if let Some(s) = self.subscriptions.remove(key) {
            self.unwatch_if_unused(&s.conference_id);
        }
    }

    fn unwatch_if_unused(&mut self, conference_id: &str) {
        if !self.subscriptions.watches(conference_id) {
            self.watched.locked().remove(conference_id);
        }
    }

    /// The conference as its owner may see it, or the status code to refuse with.
    async fn snapshot(&self, owner: &str, conference_id: &str) -> Result<ConferenceSnapshot, u16> {
        let request = BridgeRequest::GetConferenceInfo { owner: owner.to_string(), conference_id: conference_id.to_string() };
        match self.web_service.call(&request).await {
            Ok(BridgeResponse::ConferenceInfo(snapshot)) => Ok(snapshot),
            Ok(BridgeResponse::Fault(fault)) => Err(match fault.kind {
                FaultKind::NotAuthorized => 403,
                FaultKind::NoSuchConference => 404,
                _ => 500,
            }),
            Ok(_) => Err(500),
            Err(e) => {
                warn!(error = %e, "conference web service unreachable");
                Err(503)
            }
        }
    }

    /// `200` with our tag, the granted `Expires` and our Contact (the
    /// conference's URI, where refreshes are routed).
    fn accept(&self, request: &message::Request, local_tag: &str, expires: u32, entity: &str) {
        let mut response = request.response(200, None, Some(local_tag));
        response.headers.push("Expires", expires.to_string());
        response.headers.push("Contact", format!("<{entity}>"));
        self.client.respond(response.to_string());
    }

    fn answer(&self, request: &message::Request, code: u16, reason: Option<&str>, headers: &[(&str, String)]) {
        let mut response = request.response(code, reason, Some(&sip::new_tag()));
        for (name, value) in headers {
            response.headers.push(name, value.clone());
        }
        self.client.respond(response.to_string());
    }
}

/// The user part of a `sip:user@host` URI.
fn user_of(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("sip:").or_else(|| uri.strip_prefix("sips:"))?;
    let (user, _) = rest.split_once('@')?;
    (!user.is_empty()).then(|| user.to_string())
}
