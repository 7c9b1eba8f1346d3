//! Watching other users' presence: the subscriber side of RFC 3856 over
//! RFC 6665 subscriptions, against the IM server's presence agent
//! (docs/protocol.md §1 "Presence").
//!
//! The UI says which AORs to watch ([`Presence::watch`]); this keeps one
//! subscription (dialog) per watched AOR while we are registered:
//!
//! - SUBSCRIBE `sip:bob@…` with `Event: presence`, `Accept:
//!   application/pidf+xml`, `Expires: 600` and our Contact. The server
//!   challenges it with 407 like a MESSAGE; the user agent answers that
//!   with its one [`Authenticator`](super::auth::Authenticator).
//! - The 200 carries the server's To tag (the dialog) and the granted
//!   `Expires`; we refresh in the dialog at 80 % of it (the same rule as
//!   the registration). A NOTIFY's `Subscription-State: active;expires=N`
//!   may bring the refresh forward.
//! - Each NOTIFY is matched by Call-ID and tags and answered 200 (481 when
//!   no subscription of ours has that dialog, 489 for another event
//!   package); its PIDF `basic` (`open`/`closed`) becomes a report when it
//!   differs from the last one for that AOR.
//! - A subscription that ends (`terminated`) or fails reports the AOR
//!   offline, so the UI never shows a stale "online". After
//!   `reason=timeout`/`deactivated` we subscribe again at once; after
//!   `probation`/`giveup`, no reason, or a transient failure (408, 480,
//!   5xx…) after `Retry-After` or [`RETRY_MS`]; after `rejected`/
//!   `noresource` or a refusal (403, 404, 489…) not until the next
//!   registration or until the AOR is watched anew.
//! - AORs no longer watched are unsubscribed (`Expires: 0` in the dialog;
//!   the server's final `terminated` NOTIFY is answered and ends it).
//! - Subscriptions live on the connection (the server drops them when it
//!   closes): [`Presence::disconnected`] forgets them without reporting
//!   anything, and [`Presence::registered`] subscribes again. What was last
//!   reported is kept, so coming back says only what changed.
//!
//! Refreshes are addressed to the watched AOR, in the dialog (its Call-ID
//! and tags). The IM server matches in-dialog SUBSCRIBEs by dialog, so the
//! remote target of RFC 3261 §12.2.1.1 (the 200's Contact) would do as
//! well; the AOR also works with presence servers that route by
//! Request-URI.

use std::collections::{BTreeMap, HashMap};

use crate::pidf;
use crate::sip::message::{uri_aor, Request, Response};
use crate::sip::{self, rsip, RequestBuilder};

use super::auth::Kind;
use super::registration::{refresh_delay_ms, Identity};
use super::transaction::TIMER_F_MS;

/// Seconds of subscription we ask for (the server grants at most 3600).
pub const REQUESTED_EXPIRES: u32 = 600;
/// Wait before subscribing again after a transient failure (without a
/// `Retry-After`), or a termination that asks for patience.
pub const RETRY_MS: u64 = 30_000;
/// The event package.
pub const EVENT: &str = "presence";

/// What the user agent must do for presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send a SUBSCRIBE in the subscription with this Call-ID (build it
    /// with [`Presence::request`]), asking for `expires` s; 0 ends it.
    Subscribe { call_id: String, expires: u32 },
    /// Tell the UI: `aor` (as the UI spelled it) is online or not.
    Report { aor: String, online: bool },
}

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
    /// The presentity, normalized: Request-URI and To.
    aor: String,
    call_id: String,
    /// Our From tag.
    local_tag: String,
    /// The server's tag, from the 200 (or a NOTIFY that came first).
    remote_tag: Option<String>,
    cseq: u32,
    phase: Phase,
}

/// The watched AORs and their subscriptions.
#[derive(Debug, Default)]
pub struct Presence {
    /// Normalized AOR → the spelling the UI used (which reports carry).
    watched: BTreeMap<String, String>,
    /// By Call-ID.
    subscriptions: HashMap<String, Subscription>,
    /// The last state reported per watched (normalized) AOR.
    reported: HashMap<String, bool>,
    /// AORs not to subscribe to for now: until the time given, or (`None`)
    /// until the next registration or a new `watch` of them.
    held: HashMap<String, Option<u64>>,
    steps: Vec<Step>,
}

impl Presence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Watch exactly `aors` from now on: subscribe to the new ones (when
    /// `registered`), unsubscribe from the ones left out (reporting them
    /// offline if they were last reported online).
    pub fn watch(&mut self, aors: Vec<String>, registered: bool, now: u64) -> Vec<Step> {
        // Inserted one by one: collecting would sort, and pull a sort into
        // the .wasm for this one list.
        let mut wanted = BTreeMap::new();
        for given in aors {
            let given = given.trim();
            if !given.is_empty() {
                wanted.insert(normalize_aor(given), given.to_string());
            }
        }
        let old = std::mem::replace(&mut self.watched, wanted);
        for (aor, given) in &old {
            if self.watched.contains_key(aor) {
                continue;
            }
            if self.reported.remove(aor) == Some(true) {
                self.steps.push(Step::Report { aor: given.clone(), online: false });
            }
            self.held.remove(aor);
            // Accepted ones end now; one awaiting its answer ends when the
            // 2xx comes (see `answered`).
            let ending: Vec<String> = self
                .subscriptions
                .values()
                .filter(|s| s.aor == *aor && matches!(s.phase, Phase::Active { .. }))
                .map(|s| s.call_id.clone())
                .collect();
            for call_id in ending {
                self.end(&call_id, now);
            }
        }
        for aor in self.watched.keys() {
            if !old.contains_key(aor) {
                self.held.remove(aor);
            }
        }
        if registered {
            self.fill();
        }
        self.take()
    }

    /// Registered (anew, not a refresh): subscribe to everything watched.
    pub fn registered(&mut self) -> Vec<Step> {
        self.held.clear();
        self.fill();
        self.take()
    }

    /// The connection closed, and the server's subscriptions with it.
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
    /// digest `uri` [`Presence::target`] gives.
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
        let mut builder = RequestBuilder::new(rsip::Method::Subscribe, &sub.aor)
            .via_transport(id.transport, &id.via_host, &branch)
            .from(&id.aor, None, &sub.local_tag)
            .to(&sub.aor, sub.remote_tag.as_deref())
            .call_id(&sub.call_id)
            .cseq(sub.cseq)
            .contact(&id.contact)
            .expires(expires)
            .header("Event", EVENT)
            .header("Accept", pidf::CONTENT_TYPE);
        if let Some(value) = credentials {
            builder = builder.header(Kind::Proxy.credentials_header(), value);
        }
        Some(builder.build_message().map(|request| (request, branch)))
    }

    /// The Request-URI (and digest `uri`) of `call_id`'s SUBSCRIBEs.
    pub fn target(&self, call_id: &str) -> Option<&str> {
        self.subscriptions.get(call_id).map(|s| s.aor.as_str())
    }

    /// A 2xx to our SUBSCRIBE asking for `expires`.
    pub fn answered(&mut self, call_id: &str, expires: u32, response: &Response, now: u64) -> Vec<Step> {
        let granted = response.headers.get("Expires").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(expires);
        let Some(sub) = self.subscriptions.get_mut(call_id) else {
            return self.take();
        };
        let keep = expires > 0 && self.watched.contains_key(&sub.aor);
        if sub.remote_tag.is_none() {
            sub.remote_tag = response.headers.tag("To");
        }
        match sub.phase {
            // Unsubscribed: the final NOTIFY follows.
            Phase::Ending { .. } => {}
            _ if !keep => self.end(call_id, now),
            _ if granted == 0 => {
                // Accepted and ended at once: as if terminated.
                let aor = sub.aor.clone();
                self.subscriptions.remove(call_id);
                self.report(&aor, false);
                self.hold(&aor, Some(now + RETRY_MS));
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
        let ending = expires == 0 || matches!(sub.phase, Phase::Ending { .. });
        if ending || !self.watched.contains_key(&sub.aor) {
            // Nothing more to do: the server drops it when it expires.
            return self.take();
        }
        if code == 481 && sub.remote_tag.is_some() {
            // The server no longer knows the dialog: a new subscription.
            self.start(&sub.aor);
            return self.take();
        }
        self.report(&sub.aor, false);
        let transient = matches!(code, 408 | 480 | 481 | 486 | 491 | 500..=599);
        let retry = transient.then(|| now + retry_after.map_or(RETRY_MS, |s| s.saturating_mul(1_000)));
        self.hold(&sub.aor, retry);
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
        if !event.split(';').next().is_some_and(|e| e.trim().eq_ignore_ascii_case(EVENT)) {
            return 489;
        }
        // A NOTIFY may overtake the 200 (RFC 6665 §4.1.2.4): it names the dialog too.
        sub.remote_tag = Some(their_tag);
        let state = SubscriptionState::parse(request.headers.get("Subscription-State").unwrap_or_default());
        let aor = sub.aor.clone();
        let ending = matches!(sub.phase, Phase::Ending { .. });
        if state.terminated {
            self.subscriptions.remove(&call_id);
            if !ending && self.watched.contains_key(&aor) {
                self.terminated(&aor, &state, registered, now);
            }
            return 200;
        }
        if ending || !self.watched.contains_key(&aor) {
            return 200;
        }
        if let (Some(n), Phase::Active { refresh_at }) = (state.expires, sub.phase) {
            sub.phase = Phase::Active { refresh_at: refresh_at.min(now + refresh_delay_ms(n)) };
        }
        if let Some(online) = notified_state(request) {
            self.report(&aor, online);
        }
        200
    }

    /// The server ended the subscription to `aor` (still watched).
    fn terminated(&mut self, aor: &str, state: &SubscriptionState, registered: bool, now: u64) {
        self.report(aor, false);
        let later = now + state.retry_after.map_or(RETRY_MS, |s| s.saturating_mul(1_000));
        match state.reason.as_deref() {
            // RFC 6665 §4.1.3: subscribe again at once.
            Some("timeout" | "deactivated") if registered => self.start(aor),
            Some("timeout" | "deactivated") => {}
            Some("rejected" | "noresource" | "invariant") => self.hold(aor, None),
            _ => self.hold(aor, Some(later)),
        }
    }

    // --- helpers -----------------------------------------------------------

    fn take(&mut self) -> Vec<Step> {
        std::mem::take(&mut self.steps)
    }

    /// A new subscription for every watched AOR that has none going and is
    /// not held back; one that can't have any (not a SIP URI) is reported
    /// offline instead.
    fn fill(&mut self) {
        let invalid: Vec<String> = self.watched.keys().filter(|aor| sip_aor(aor).is_none()).cloned().collect();
        for aor in invalid {
            self.report(&aor, false);
        }
        let missing: Vec<String> = self
            .watched
            .keys()
            .filter(|aor| sip_aor(aor).is_some() && !self.held.contains_key(*aor))
            .filter(|aor| !self.subscriptions.values().any(|s| s.aor == **aor && !matches!(s.phase, Phase::Ending { .. })))
            .cloned()
            .collect();
        for aor in missing {
            self.start(&aor);
        }
    }

    fn start(&mut self, aor: &str) {
        let call_id = sip::new_call_id();
        self.subscriptions.insert(
            call_id.clone(),
            Subscription {
                aor: aor.to_string(),
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

    fn hold(&mut self, aor: &str, until: Option<u64>) {
        self.held.insert(aor.to_string(), until);
    }

    /// Reports `aor` (normalized, watched) when `online` is news.
    fn report(&mut self, aor: &str, online: bool) {
        let Some(given) = self.watched.get(aor) else {
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

/// The presentity's state a NOTIFY carries: `None` without a PIDF body
/// (e.g. a `pending` subscription) or with one that does not parse.
fn notified_state(request: &Request) -> Option<bool> {
    let content_type = request.headers.get("Content-Type")?;
    if !content_type.trim().to_ascii_lowercase().starts_with(pidf::CONTENT_TYPE) {
        return None;
    }
    pidf::basic(&request.body).ok().map(pidf::Basic::is_open)
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
fn sip_aor(uri: &str) -> Option<String> {
    let lower = uri.to_ascii_lowercase();
    if !(lower.starts_with("sip:") || lower.starts_with("sips:")) || uri.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let aor = uri_aor(uri).ok()?;
    aor.contains('@').then_some(aor)
}

#[cfg(test)]
mod tests;
