//! The subscriber role of RFC 6665, once for every event package the user
//! agent subscribes to ([`Package`]): presence (RFC 3856, against the IM
//! server's presence agent, docs/protocol.md §1 "Presence") and, outside
//! the browser, conferences (RFC 4575, against the gateway, §7; the
//! package's own rules are in [`super::conference`]).
//!
//! The application says what to follow ([`Subscriber::watch`] for
//! presence, `follow`/`unfollow` for conferences); this keeps one
//! subscription (dialog) per followed URI while we are registered:
//!
//! - SUBSCRIBE the URI with the package's `Event` and `Accept`, `Expires:
//!   600` and our Contact. The IM server challenges it with 407 like a
//!   MESSAGE; the user agent answers that with its one
//!   [`Authenticator`](super::auth::Authenticator).
//! - The 200 carries the notifier's To tag (the dialog) and the granted
//!   `Expires`; we refresh in the dialog at 80 % of it (the same rule as
//!   the registration). A NOTIFY's `Subscription-State: active;expires=N`
//!   may bring the refresh forward.
//! - Each NOTIFY is matched by Call-ID and tags and answered 200 (481 when
//!   no subscription of ours has that dialog, 489 for another event
//!   package than its subscription's). Presence: its PIDF `basic`
//!   (`open`/`closed`) becomes a report when it differs from the last one
//!   for that AOR. Conference: every document is reported as it came, in
//!   order (the application applies partial ones to the full one).
//! - A subscription that ends (`terminated`) or fails is reported (an AOR
//!   offline, so the UI never shows a stale "online"; a conference with
//!   the reason). After `reason=timeout`/`deactivated` we subscribe again
//!   at once; after `probation`/`giveup`, no reason, or a transient
//!   failure (408, 480, 5xx…) after `Retry-After` or [`RETRY_MS`]; after
//!   `rejected`/`noresource`/`invariant` or a refusal (403, 404, 489…) an
//!   AOR not until the next registration or until it is watched anew, and
//!   a conference never (it is over, or not ours).
//! - URIs no longer followed are unsubscribed (`Expires: 0` in the dialog;
//!   the notifier's final `terminated` NOTIFY is answered and ends it).
//! - Subscriptions live on the connection (the server drops them when it
//!   closes): [`Subscriber::disconnected`] forgets them without reporting
//!   anything, and [`Subscriber::registered`] subscribes again. What was
//!   last reported of presence is kept, so coming back says only what
//!   changed.
//!
//! Refreshes are addressed to the followed URI, in the dialog (its Call-ID
//! and tags). The IM server matches in-dialog SUBSCRIBEs by dialog, so the
//! remote target of RFC 3261 §12.2.1.1 (the 200's Contact) would do as
//! well; the URI also works with servers that route by Request-URI.
//!
//! In the browser's build [`Package`] has presence only, so every match on
//! it compiles to the presence case and nothing of conferences is linked.

use std::collections::{BTreeMap, HashMap};

use crate::pidf;
use crate::sip::message::{uri_aor, Request, Response};
use crate::sip::{self, rsip, RequestBuilder};

use super::auth::Kind;
use super::registration::{refresh_delay_ms, Identity};
use super::transaction::TIMER_F_MS;

/// Seconds of subscription we ask for (the servers grant at most 3600).
pub const REQUESTED_EXPIRES: u32 = 600;
/// Wait before subscribing again after a transient failure (without a
/// `Retry-After`), or a termination that asks for patience.
pub const RETRY_MS: u64 = 30_000;

/// An event package we subscribe to: what its SUBSCRIBEs ask for, and
/// what its NOTIFYs become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Package {
    /// RFC 3856: a PIDF document per NOTIFY, reported as online/offline.
    Presence,
    /// RFC 4575: conference-info documents, reported as they came (not in
    /// the browser, which follows conferences over its SOAP replies).
    #[cfg(not(target_arch = "wasm32"))]
    Conference,
}

impl Package {
    /// The `Event` header's package name.
    pub fn event(self) -> &'static str {
        match self {
            Package::Presence => "presence",
            #[cfg(not(target_arch = "wasm32"))]
            Package::Conference => crate::conference_info::EVENT_PACKAGE,
        }
    }

    /// The body type we `Accept`.
    pub fn accept(self) -> &'static str {
        match self {
            Package::Presence => pidf::CONTENT_TYPE,
            #[cfg(not(target_arch = "wasm32"))]
            Package::Conference => crate::conference_info::CONTENT_TYPE,
        }
    }
}

/// What the user agent must do for its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send a SUBSCRIBE in the subscription with this Call-ID (build it
    /// with [`Subscriber::request`]), asking for `expires` s; 0 ends it.
    Subscribe { call_id: String, expires: u32 },
    /// Tell the UI: `aor` (as the UI spelled it) is online or not.
    Report { aor: String, online: bool },
    /// Tell the application: a document of conference `uri` (as it was
    /// spelled to `follow`), and whether (and why) its subscription ended.
    #[cfg(not(target_arch = "wasm32"))]
    Conference { uri: String, body: String, terminated: Option<String> },
}

/// A followed URI: its package and its normalized form.
pub(super) type Key = (Package, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A SUBSCRIBE (new or refresh) awaits its final response.
    Sending,
    /// Accepted; refresh due at `refresh_at` (ms).
    Active { refresh_at: u64 },
    /// Expires: 0 sent: waiting for the final NOTIFY, at most until `until`.
    Ending { until: u64 },
}

/// One subscription dialog, from our (the subscriber's) side.
#[derive(Debug)]
struct Subscription {
    package: Package,
    /// The resource, normalized: Request-URI and To.
    uri: String,
    call_id: String,
    /// Our From tag.
    local_tag: String,
    /// The notifier's tag, from the 200 (or a NOTIFY that came first).
    remote_tag: Option<String>,
    cseq: u32,
    phase: Phase,
}

impl Subscription {
    fn key(&self) -> Key {
        (self.package, self.uri.clone())
    }
}

/// When to subscribe again to a URI whose subscription ended.
enum Next {
    Now,
    At(u64),
    /// An AOR: after the next registration; a conference: never.
    Stop,
}

/// The followed URIs and their subscriptions.
#[derive(Debug, Default)]
pub struct Subscriber {
    /// Followed URIs → the spelling the application used (which reports
    /// carry).
    pub(super) watched: BTreeMap<Key, String>,
    /// By Call-ID.
    subscriptions: HashMap<String, Subscription>,
    /// The last presence state reported per watched (normalized) AOR.
    reported: HashMap<String, bool>,
    /// URIs not to subscribe to for now: until the time given, or (`None`)
    /// until the next registration or until followed anew.
    held: HashMap<Key, Option<u64>>,
    pub(super) steps: Vec<Step>,
}

impl Subscriber {
    pub fn new() -> Self {
        Self::default()
    }

    /// Watch the presence of exactly `aors` from now on: subscribe to the
    /// new ones (when `registered`), unsubscribe from the ones left out
    /// (reporting them offline if they were last reported online).
    /// Conferences followed are left as they are.
    pub fn watch(&mut self, aors: Vec<String>, registered: bool, now: u64) -> Vec<Step> {
        // Inserted one by one: collecting would sort, and pull a sort into
        // the .wasm for this one list.
        let mut wanted = BTreeMap::new();
        for given in aors {
            let given = given.trim();
            if !given.is_empty() {
                wanted.insert((Package::Presence, normalize_aor(given)), given.to_string());
            }
        }
        let left: Vec<Key> =
            self.watched.keys().filter(|key| key.0 == Package::Presence && !wanted.contains_key(*key)).cloned().collect();
        for key in left {
            self.unfollow_key(&key, now);
        }
        for (key, given) in wanted {
            if !self.watched.contains_key(&key) {
                self.held.remove(&key);
            }
            self.watched.insert(key, given);
        }
        if registered {
            self.fill();
        }
        self.take()
    }

    /// Registered (anew, not a refresh): subscribe to everything followed.
    pub fn registered(&mut self) -> Vec<Step> {
        self.held.clear();
        self.fill();
        self.take()
    }

    /// The connection closed, and the servers' subscriptions with it.
    /// Nothing is reported: what was last reported stands until the
    /// subscriptions made after the next registration say otherwise.
    pub fn disconnected(&mut self) {
        self.subscriptions.clear();
    }

    /// The clock moved on: refresh what is due, give up waiting for final
    /// NOTIFYs, retry what was held back.
    pub fn tick(&mut self, registered: bool, now: u64) -> Vec<Step> {
        self.subscriptions.retain(|_, s| !matches!(s.phase, Phase::Ending { until } if now >= until));
        self.held.retain(|_, until| until.is_none_or(|t| now < t));
        if registered {
            for sub in self.subscriptions.values_mut() {
                if matches!(sub.phase, Phase::Active { refresh_at } if now >= refresh_at) {
                    sub.phase = Phase::Sending;
                    self.steps.push(Step::Subscribe { call_id: sub.call_id.clone(), expires: REQUESTED_EXPIRES });
                }
            }
            self.fill();
        }
        self.take()
    }

    /// The SUBSCRIBE for `call_id` (next CSeq of its dialog), with
    /// `credentials` for `Proxy-Authorization`, and its Via branch. `None`
    /// when that subscription is gone. Compute the credentials for the
    /// digest `uri` [`Subscriber::target`] gives.
    pub fn request(
        &mut self,
        call_id: &str,
        expires: u32,
        id: &Identity,
        credentials: Option<&str>,
    ) -> Option<Result<(Request, String), sip::SipError>> {
        let sub = self.subscriptions.get_mut(call_id)?;
        sub.cseq += 1;
        let branch = sip::new_branch();
        let mut builder = RequestBuilder::new(rsip::Method::Subscribe, &sub.uri)
            .via_transport(id.transport, &id.via_host, &branch)
            .from(&id.aor, None, &sub.local_tag)
            .to(&sub.uri, sub.remote_tag.as_deref())
            .call_id(&sub.call_id)
            .cseq(sub.cseq)
            .contact(&id.contact)
            .expires(expires)
            .header("Event", sub.package.event())
            .header("Accept", sub.package.accept());
        if let Some(value) = credentials {
            builder = builder.header(Kind::Proxy.credentials_header(), value);
        }
        Some(builder.build_message().map(|request| (request, branch)))
    }

    /// The Request-URI (and digest `uri`) of `call_id`'s SUBSCRIBEs.
    pub fn target(&self, call_id: &str) -> Option<&str> {
        self.subscriptions.get(call_id).map(|s| s.uri.as_str())
    }

    /// A 2xx to our SUBSCRIBE asking for `expires`.
    pub fn answered(&mut self, call_id: &str, expires: u32, response: &Response, now: u64) -> Vec<Step> {
        let granted = response.headers.get("Expires").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(expires);
        let Some(sub) = self.subscriptions.get_mut(call_id) else {
            return self.take();
        };
        let key = sub.key();
        let keep = expires > 0 && self.watched.contains_key(&key);
        if sub.remote_tag.is_none() {
            sub.remote_tag = response.headers.tag("To");
        }
        match sub.phase {
            // Unsubscribed: the final NOTIFY follows.
            Phase::Ending { .. } => {}
            _ if !keep => self.end(call_id, now),
            _ if granted == 0 => {
                // Accepted and ended at once: as if terminated.
                self.subscriptions.remove(call_id);
                self.report_end(&key, "", String::new());
                self.again(&key, Next::At(now + RETRY_MS), false);
            }
            _ => sub.phase = Phase::Active { refresh_at: now + refresh_delay_ms(granted) },
        }
        self.take()
    }

    /// Our SUBSCRIBE asking for `expires` failed with `code` (408 for no
    /// answer), with the response's `Retry-After` in seconds if any.
    pub fn failed(&mut self, call_id: &str, expires: u32, code: u16, retry_after: Option<u64>, now: u64) -> Vec<Step> {
        let Some(sub) = self.subscriptions.remove(call_id) else {
            return self.take();
        };
        let key = sub.key();
        let ending = expires == 0 || matches!(sub.phase, Phase::Ending { .. });
        if ending || !self.watched.contains_key(&key) {
            // Nothing more to do: the server drops it when it expires.
            return self.take();
        }
        if code == 481 && sub.remote_tag.is_some() {
            // The server no longer knows the dialog: a new subscription.
            self.start(&key);
            return self.take();
        }
        self.report_end(&key, &code.to_string(), String::new());
        let transient = matches!(code, 408 | 480 | 481 | 486 | 491 | 500..=599);
        let next = if transient { Next::At(now + retry_after.map_or(RETRY_MS, |s| s.saturating_mul(1_000))) } else { Next::Stop };
        self.again(&key, next, false);
        self.take()
    }

    /// A NOTIFY arrived: the status code to answer it with, and what to
    /// do. `registered` says whether a new subscription may go out now.
    pub fn notified(&mut self, request: &Request, registered: bool, now: u64) -> (u16, Vec<Step>) {
        let code = self.on_notify(request, registered, now);
        (code, self.take())
    }

    fn on_notify(&mut self, request: &Request, registered: bool, now: u64) -> u16 {
        let (Ok(call_id), Some(our_tag), Some(their_tag)) =
            (request.headers.call_id().map(str::to_owned), request.headers.tag("To"), request.headers.tag("From"))
        else {
            return 481;
        };
        let Some(sub) = self.subscriptions.get_mut(&call_id) else {
            return 481;
        };
        if sub.local_tag != our_tag || sub.remote_tag.as_ref().is_some_and(|t| *t != their_tag) {
            return 481;
        }
        let event = request.headers.get("Event").unwrap_or_default();
        if !event.split(';').next().is_some_and(|e| e.trim().eq_ignore_ascii_case(sub.package.event())) {
            return 489;
        }
        // A NOTIFY may overtake the 200 (RFC 6665 §4.1.2.4): it names the dialog too.
        sub.remote_tag = Some(their_tag);
        let state = SubscriptionState::parse(request.headers.get("Subscription-State").unwrap_or_default());
        let key = sub.key();
        let ending = matches!(sub.phase, Phase::Ending { .. });
        if state.terminated {
            self.subscriptions.remove(&call_id);
            if !ending && self.watched.contains_key(&key) {
                let body = document(request, key.0).unwrap_or_default();
                self.report_end(&key, state.reason.as_deref().unwrap_or(""), body);
                self.terminated(&key, &state, registered, now);
            }
            return 200;
        }
        if ending || !self.watched.contains_key(&key) {
            return 200;
        }
        if let (Some(n), Phase::Active { refresh_at }) = (state.expires, sub.phase) {
            sub.phase = Phase::Active { refresh_at: refresh_at.min(now + refresh_delay_ms(n)) };
        }
        match key.0 {
            Package::Presence => {
                if let Some(online) = document(request, key.0).and_then(|body| pidf::basic(&body).ok()) {
                    self.report(&key.1, online.is_open());
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            Package::Conference => {
                if let (Some(body), Some(uri)) = (document(request, key.0), self.watched.get(&key)) {
                    self.steps.push(Step::Conference { uri: uri.clone(), body, terminated: None });
                }
            }
        }
        200
    }

    /// The notifier ended the subscription to `key` (still followed).
    fn terminated(&mut self, key: &Key, state: &SubscriptionState, registered: bool, now: u64) {
        let later = now + state.retry_after.map_or(RETRY_MS, |s| s.saturating_mul(1_000));
        let next = match state.reason.as_deref() {
            // RFC 6665 §4.1.3: subscribe again at once.
            Some("timeout" | "deactivated") => Next::Now,
            Some("rejected" | "noresource" | "invariant") => Next::Stop,
            _ => Next::At(later),
        };
        self.again(key, next, registered);
    }

    // --- helpers -----------------------------------------------------------

    pub(super) fn take(&mut self) -> Vec<Step> {
        std::mem::take(&mut self.steps)
    }

    /// A new subscription for every followed URI that has none going and
    /// is not held back; an AOR that can't have any (not a SIP URI) is
    /// reported offline instead (conferences are checked when followed).
    pub(super) fn fill(&mut self) {
        let invalid: Vec<String> = self
            .watched
            .keys()
            .filter(|key| key.0 == Package::Presence && sip_aor(&key.1).is_none())
            .map(|key| key.1.clone())
            .collect();
        for aor in invalid {
            self.report(&aor, false);
        }
        let missing: Vec<Key> = self
            .watched
            .keys()
            .filter(|key| sip_aor(&key.1).is_some() && !self.held.contains_key(*key))
            .filter(|key| {
                !self
                    .subscriptions
                    .values()
                    .any(|s| s.package == key.0 && s.uri == key.1 && !matches!(s.phase, Phase::Ending { .. }))
            })
            .cloned()
            .collect();
        for key in missing {
            self.start(&key);
        }
    }

    fn start(&mut self, key: &Key) {
        let call_id = sip::new_call_id();
        self.subscriptions.insert(
            call_id.clone(),
            Subscription {
                package: key.0,
                uri: key.1.clone(),
                call_id: call_id.clone(),
                local_tag: sip::new_tag(),
                remote_tag: None,
                cseq: 0,
                phase: Phase::Sending,
            },
        );
        self.steps.push(Step::Subscribe { call_id, expires: REQUESTED_EXPIRES });
    }

    /// Unsubscribe `call_id` (Expires: 0 in its dialog).
    fn end(&mut self, call_id: &str, now: u64) {
        if let Some(sub) = self.subscriptions.get_mut(call_id) {
            sub.phase = Phase::Ending { until: now + TIMER_F_MS };
            self.steps.push(Step::Subscribe { call_id: call_id.to_string(), expires: 0 });
        }
    }

    /// Stop following `key`: an AOR last reported online is reported
    /// offline; its accepted subscriptions end now, one awaiting its answer
    /// when the 2xx comes (see `answered`).
    pub(super) fn unfollow_key(&mut self, key: &Key, now: u64) {
        let Some(given) = self.watched.remove(key) else {
            return;
        };
        self.held.remove(key);
        if key.0 == Package::Presence && self.reported.remove(&key.1) == Some(true) {
            self.steps.push(Step::Report { aor: given, online: false });
        }
        let ending: Vec<String> = self
            .subscriptions
            .values()
            .filter(|s| s.package == key.0 && s.uri == key.1 && matches!(s.phase, Phase::Active { .. }))
            .map(|s| s.call_id.clone())
            .collect();
        for call_id in ending {
            self.end(&call_id, now);
        }
    }

    /// When to subscribe to `key` again, its subscription having ended.
    fn again(&mut self, key: &Key, next: Next, registered: bool) {
        match next {
            Next::Now if registered => self.start(key),
            Next::Now => {}
            Next::At(time) => {
                self.held.insert(key.clone(), Some(time));
            }
            Next::Stop => match key.0 {
                Package::Presence => {
                    self.held.insert(key.clone(), None);
                }
                // Over, or not ours to follow: forgotten.
                #[cfg(not(target_arch = "wasm32"))]
                Package::Conference => {
                    self.watched.remove(key);
                }
            },
        }
    }

    /// Tells the application that the subscription to `key` (followed)
    /// ended, with `reason` (of `Subscription-State`, or a status code)
    /// and the last document (`body`, possibly empty).
    fn report_end(&mut self, key: &Key, reason: &str, body: String) {
        match key.0 {
            Package::Presence => {
                let _ = (reason, body);
                self.report(&key.1, false);
            }
            #[cfg(not(target_arch = "wasm32"))]
            Package::Conference => {
                if let Some(uri) = self.watched.get(key) {
                    self.steps.push(Step::Conference { uri: uri.clone(), body, terminated: Some(reason.to_string()) });
                }
            }
        }
    }

    /// Reports `aor` (normalized, watched) when `online` is news.
    fn report(&mut self, aor: &str, online: bool) {
        let Some(given) = self.watched.get(&(Package::Presence, aor.to_string())) else {
            return;
        };
        if self.reported.insert(aor.to_string(), online) != Some(online) {
            self.steps.push(Step::Report { aor: given.clone(), online });
        }
    }
}

/// `Subscription-State` (RFC 6665 §8.2.3), the parts we use.
#[derive(Debug, Default, PartialEq, Eq)]
struct SubscriptionState {
    terminated: bool,
    expires: Option<u32>,
    reason: Option<String>,
    retry_after: Option<u64>,
}

impl SubscriptionState {
    /// Lenient: a missing or unknown state counts as active.
    fn parse(value: &str) -> Self {
        let mut parts = value.split(';').map(str::trim);
        let mut state = SubscriptionState {
            terminated: parts.next().is_some_and(|s| s.eq_ignore_ascii_case("terminated")),
            ..Self::default()
        };
        for param in parts {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "expires" => state.expires = value.parse().ok(),
                "reason" => state.reason = Some(value.to_ascii_lowercase()),
                "retry-after" => state.retry_after = value.parse().ok(),
                _ => {}
            }
        }
        state
    }
}

/// The body of a NOTIFY when it is a document of `package`'s type: `None`
/// without one (e.g. a `pending` subscription) or with another type.
fn document(request: &Request, package: Package) -> Option<String> {
    let content_type = request.headers.get("Content-Type")?;
    content_type.trim().to_ascii_lowercase().starts_with(package.accept()).then(|| request.body.clone())
}

/// `sip:Bob@Rollcall.Local;transport=ws` → `sip:Bob@rollcall.local`, the
/// form `uri_aor` gives, so AORs compare equal. Anything else is kept as
/// it is (see [`sip_aor`]).
pub fn normalize_aor(uri: &str) -> String {
    sip_aor(uri).unwrap_or_else(|| uri.to_string())
}

/// The AOR of a `sip:`/`sips:` URI with a user part, normalized; `None`
/// for anything else, which nobody can subscribe to (a URI parser alone would make
/// `sip:not` of `not a uri`, and take `bob@host` as a URI).
pub(super) fn sip_aor(uri: &str) -> Option<String> {
    let lower = uri.to_ascii_lowercase();
    if !(lower.starts_with("sip:") || lower.starts_with("sips:")) || uri.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let aor = uri_aor(uri).ok()?;
    aor.contains('@').then_some(aor)
}

#[cfg(test)]
mod tests;
