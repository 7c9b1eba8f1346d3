//! Status callbacks: the conference service's way back to the gateway
//! (docs/protocol.md §3). Every [`Notification`] is `POST`ed, signed, to the
//! gateway's conference reporting web service.
//!
//! Order matters more than speed: a client that saw `connected` before
//! `ringing` would show the wrong state, and `c:sequence` gaps make it
//! re-fetch the conference. So each conference has its own queue, drained by
//! one task that sends one callback at a time and only moves on once it was
//! delivered or given up on. Conferences do not wait for each other: a
//! conference whose callbacks are failing cannot delay another's.
//!
//! Failures: a network error, a timeout or a 5xx/408/429 answer is retried
//! with exponential backoff a few times; any other answer (e.g. 401, the
//! gateway disagreeing about the signing key) will not get better by
//! retrying. A callback that cannot be delivered is logged and dropped; the
//! next one carries a higher sequence number, and the gap tells the client
//! to re-fetch the snapshot.
//!
//! Several gateways: the reporting URL may list several, comma-separated
//! (one per gateway). Callbacks go to one of them; a failure that is worth
//! retrying moves on to the next, which from then on takes every
//! conference's callbacks, so a gateway that dies loses no event — any
//! gateway tells the owner, through the IM server, wherever they are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::CONTENT_TYPE as SOAP_CONTENT_TYPE;
use rollcall_shared::sync::LockExt;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::signing::{sign, unix_now, SIGNATURE_HEADER};

/// Where the conference service sends its events. [`CallbackDispatcher`] in
/// production; tests may collect them directly.
pub trait Reporter: Send + Sync {
    /// Send `notification`, an event of `conference_id`, after every event
    /// of that conference reported before it.
    fn report(&self, conference_id: &str, notification: Notification);

    /// `conference_id` will report nothing more (it has terminated): its
    /// queue may go once it is drained.
    fn conference_over(&self, conference_id: &str);
}

/// How often, and how patiently, a callback is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one…
    pub first_backoff: Duration,
    /// …up to this.
    pub max_backoff: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// Patient enough for a gateway restart or a short outage: 64 attempts,
    /// 0.2 s apart at first, doubling to 5 s — about five minutes in all —
    /// 5 s per request. What still cannot be delivered is logged, counted
    /// (`rollcall_callbacks_undeliverable_total`) and dropped; the client
    /// notices the gap in `c:sequence` and resyncs.
    fn default() -> Self {
        RetryPolicy {
            attempts: 64,
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The time spent waiting between attempts, in all.
    pub fn patience(&self) -> Duration {
        let mut backoff = self.first_backoff;
        let mut total = Duration::ZERO;
        for _ in 1..self.attempts {
            total += backoff;
            backoff = backoff.saturating_mul(2).min(self.max_backoff);
        }
        total
    }
}

/// Posts notifications to the gateway, in order per conference.
pub struct CallbackDispatcher {
    poster: Arc<Poster>,
    runtime: Handle,
    /// The open queue of every conference that has reported and not ended.
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Notification>>>,
}

/// What each conference's queue task needs to deliver one callback.
struct Poster {
    client: reqwest::Client,
    /// The gateways' reporting web services, in the order to try them.
    urls: Vec<String>,
    /// Which of `urls` takes callbacks now (the last that worked).
    current: std::sync::atomic::AtomicUsize,
    key: Vec<u8>,
    retry: RetryPolicy,
    /// Each gateway's queue of callback copies (index-aligned with `urls`):
    /// sent in order by a task of its own, so a gateway that is down delays
    /// only its copies, never a conference's callbacks.
    mirrors: Vec<mpsc::Sender<String>>,
}

/// Copies waiting for one gateway at most; more are dropped (a gateway that
/// is down).
const MIRROR_QUEUE: usize = 1024;

/// Where a gateway at reporting URL `url` takes copies of callbacks
/// delivered to another gateway: `…/reporting/mirror`.
pub fn mirror_url(url: &str) -> String {
    format!("{}/mirror", url.trim_end_matches('/'))
}

/// The URLs of a reporting URL setting: one, or several comma-separated.
pub fn reporting_urls(setting: &str) -> Vec<String> {
    setting.split(',').map(str::trim).filter(|url| !url.is_empty()).map(str::to_string).collect()
}

impl CallbackDispatcher {
    /// A dispatcher posting to `url` (or the first that answers of several,
    /// comma-separated), signing with `key`. Its queue tasks run on
    /// `runtime`.
    pub fn new(url: String, key: Vec<u8>, retry: RetryPolicy, runtime: Handle) -> anyhow::Result<Self> {
        let client = crate::edge::tls::http_client()?.timeout(retry.timeout).build()?;
        let urls = reporting_urls(&url);
        anyhow::ensure!(!urls.is_empty(), "no reporting URL");
        let mirrors = match urls.len() {
            1 => Vec::new(),
            _ => urls.iter().map(|url| spawn_mirror(&runtime, client.clone(), key.clone(), mirror_url(url))).collect(),
        };
        Ok(CallbackDispatcher {
            poster: Arc::new(Poster { client, urls, current: Default::default(), key, retry, mirrors }),
            runtime,
            queues: Mutex::new(HashMap::new()),
        })
    }

    /// The queue of `conference_id`, started on first use.
    fn spawn_queue(&self, conference_id: &str) -> mpsc::UnboundedSender<Notification> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Notification>();
        let poster = Arc::clone(&self.poster);
        let span = tracing::info_span!("callbacks", conference = %conference_id);
        self.runtime.spawn(
            async move {
                while let Some(notification) = rx.recv().await {
                    poster.deliver(&notification).await;
                }
                tracing::debug!("callback queue drained and closed");
            }
            .instrument(span),
        );
        tx
    }
}

impl Reporter for CallbackDispatcher {
    fn report(&self, conference_id: &str, notification: Notification) {
        let mut queues = self.queues.locked();
        let queue = match queues.get(conference_id) {
            Some(queue) => queue.clone(),
            None => {
                let queue = self.spawn_queue(conference_id);
                queues.insert(conference_id.to_string(), queue.clone());
                queue
            }
        };
        if queue.send(notification).is_err() {
            // Only if the runtime is shutting down and took the task with it.
            tracing::warn!(conference = %conference_id, "callback queue gone; event dropped");
        }
    }

    fn conference_over(&self, conference_id: &str) {
        // Dropping the sender lets the task deliver what is queued, then end.
        self.queues.locked().remove(conference_id);
    }
}

/// The task that posts copies of callbacks to one gateway's `url`
/// (`…/reporting/mirror`), in order, each signed afresh, none retried.
fn spawn_mirror(runtime: &Handle, client: reqwest::Client, key: Vec<u8>, url: String) -> mpsc::Sender<String> {
    let (tx, mut rx) = mpsc::channel::<String>(MIRROR_QUEUE);
    runtime.spawn(async move {
        while let Some(body) = rx.recv().await {
            let signature = sign(&key, unix_now(), body.as_bytes());
            let sent = client
                .post(&url)
                .header(CONTENT_TYPE, SOAP_CONTENT_TYPE)
                .header(SIGNATURE_HEADER, signature)
                .body(body)
                .timeout(MIRROR_TIMEOUT)
                .send()
                .await;
            if let Err(e) = sent {
                tracing::debug!(error = %e, %url, "a callback's copy was not taken");
            }
        }
    });
    tx
}

/// How long a copy may take: a gateway that is down costs its own queue
/// this much per copy, nobody else anything.
const MIRROR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// What one attempt came to.
enum Attempt {
    Delivered,
    /// Worth trying again (network error, timeout, 5xx, 408, 429).
    Retry(String),
    /// Trying again will not help.
    GiveUp(String),
}

impl Poster {
    /// Delivers one callback, retrying as the policy says; logs and drops it
    /// when it cannot be delivered.
    async fn deliver(&self, notification: &Notification) {
        let body = notification.encode();
        let mut backoff = self.retry.first_backoff;
        for attempt in 1..=self.retry.attempts.max(1) {
            // Signed afresh each attempt: the receiver accepts a signature
            // once, and only within a few minutes of its timestamp.
            let signature = sign(&self.key, unix_now(), body.as_bytes());
            let (index, url) = self.url();
            match self.post(url, &body, &signature).await {
                Attempt::Delivered => {
                    tracing::debug!(attempt, "callback delivered");
                    self.mirror(index, &body);
                    return;
                }
                Attempt::GiveUp(why) => {
                    tracing::error!(%why, %url, "callback refused; dropped");
                    crate::metrics::global().callbacks_undeliverable.inc();
                    return;
                }
                Attempt::Retry(why) if attempt < self.retry.attempts => {
                    crate::metrics::global().callback_retries.inc();
                    if self.fail_over(index) {
                        // Another gateway next, at once; the backoff is for
                        // when every one has been tried.
                        tracing::warn!(%why, %url, next = %self.url().1, "callback failed; trying the next gateway");
                        continue;
                    }
                    tracing::warn!(%why, attempt, retry_in = ?backoff, "callback failed; will retry");
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2).min(self.retry.max_backoff);
                }
                Attempt::Retry(why) => {
                    tracing::error!(%why, attempts = attempt, %url, "callback undeliverable; dropped");
                    crate::metrics::global().callbacks_undeliverable.inc();
                }
            }
        }
    }

    /// A copy of a callback delivered to gateway `delivered` goes to every
    /// other gateway's `/reporting/mirror`, once, unretried: each gateway
    /// NOTIFYs the conference subscriptions (RFC 4575) it holds itself,
    /// while only the one a callback was delivered to sends the owner's
    /// MESSAGE events (docs/operations.md, "Several gateways").
    fn mirror(&self, delivered: usize, body: &str) {
        for (index, copies) in self.mirrors.iter().enumerate().filter(|(i, _)| *i != delivered) {
            if copies.try_send(body.to_string()).is_err() {
                tracing::debug!(url = %self.urls[index], "a gateway's queue of callback copies is full: one dropped");
            }
        }
    }

    /// The URL callbacks go to now, and its index.
    fn url(&self) -> (usize, &str) {
        let index = self.current.load(std::sync::atomic::Ordering::Relaxed) % self.urls.len();
        (index, &self.urls[index])
    }

    /// URL `failed` did not answer: the next one takes over (unless another
    /// callback moved on already). Returns whether there is another to try
    /// before backing off: not when `failed` is the last of the list, so a
    /// round of every gateway costs one backoff.
    fn fail_over(&self, failed: usize) -> bool {
        if self.urls.len() < 2 {
            return false;
        }
        let next = (failed + 1) % self.urls.len();
        let _ = self.current.compare_exchange(
            failed,
            next,
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
        );
        next != 0
    }

    async fn post(&self, url: &str, body: &str, signature: &str) -> Attempt {
        let sent = self
            .client
            .post(url)
            .header(CONTENT_TYPE, SOAP_CONTENT_TYPE)
            .header(SIGNATURE_HEADER, signature)
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Attempt::Delivered,
            Ok(response) => {
                let status = response.status();
                let why = format!("HTTP {status}");
                let transient =
                    status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS;
                if transient {
                    Attempt::Retry(why)
                } else if status == StatusCode::UNAUTHORIZED {
                    Attempt::GiveUp(format!("{why}: the gateway rejects the signature (signing keys differ?)"))
                } else {
                    Attempt::GiveUp(why)
                }
            }
            Err(error) => Attempt::Retry(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests;
