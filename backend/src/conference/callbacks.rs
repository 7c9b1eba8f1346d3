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
    url: String,
    key: Vec<u8>,
    retry: RetryPolicy,
}

impl CallbackDispatcher {
    /// A dispatcher posting to `url`, signing with `key`. Its queue tasks run
    /// on `runtime`.
    pub fn new(url: String, key: Vec<u8>, retry: RetryPolicy, runtime: Handle) -> anyhow::Result<Self> {
        let client = crate::edge::tls::http_client()?.timeout(retry.timeout).build()?;
        Ok(CallbackDispatcher {
            poster: Arc::new(Poster { client, url, key, retry }),
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
            match self.post(&body, &signature).await {
                Attempt::Delivered => {
                    tracing::debug!(attempt, "callback delivered");
                    return;
                }
                Attempt::GiveUp(why) => {
                    tracing::error!(%why, url = %self.url, "callback refused; dropped");
                    crate::metrics::global().callbacks_undeliverable.inc();
                    return;
                }
                Attempt::Retry(why) if attempt < self.retry.attempts => {
                    tracing::warn!(%why, attempt, retry_in = ?backoff, "callback failed; will retry");
                    crate::metrics::global().callback_retries.inc();
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2).min(self.retry.max_backoff);
                }
                Attempt::Retry(why) => {
                    tracing::error!(%why, attempts = attempt, url = %self.url, "callback undeliverable; dropped");
                    crate::metrics::global().callbacks_undeliverable.inc();
                }
            }
        }
    }

    async fn post(&self, body: &str, signature: &str) -> Attempt {
        let sent = self
            .client
            .post(&self.url)
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
                let transient = status.is_server_error()
                    || status == StatusCode::REQUEST_TIMEOUT
                    || status == StatusCode::TOO_MANY_REQUESTS;
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
mod tests {
    use super::*;
    use crate::conference::testing::{summary, ReportingReceiver};
    use rollcall_shared::soap::{ParticipantState, ParticipantStatus};
    use std::sync::atomic::Ordering;

    const KEY: &[u8] = b"callback key";

    fn fast_retry() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn the_default_policy_outlasts_a_gateway_restart() {
        let patience = RetryPolicy::default().patience();
        assert!(patience >= Duration::from_secs(240) && patience <= Duration::from_secs(360), "{patience:?}");
    }

    #[tokio::test]
    async fn a_long_outage_is_waited_out() {
        let mut receiver = ReportingReceiver::start(KEY, 30).await;
        let policy = RetryPolicy { attempts: 64, max_backoff: Duration::from_millis(2), first_backoff: Duration::from_millis(1), ..fast_retry() };
        let dispatcher = CallbackDispatcher::new(receiver.url.clone(), KEY.to_vec(), policy, Handle::current()).expect("client");
        dispatcher.report("conf-a", event("conf-a", 1));
        assert_eq!(summary(&receiver.next().await).3, 1, "delivered after 30 refusals");
    }

    fn event(conference: &str, sequence: u64) -> Notification {
        Notification::ParticipantStatus {
            owner: "sip:ada@rollcall.local".into(),
            status: ParticipantStatus {
                conference_id: conference.into(),
                participant_id: "p-1".into(),
                sequence,
                state: ParticipantState::Ringing,
                cause: None,
                time: "2026-11-26T12:00:00.000Z".into(),
            },
        }
    }

    fn dispatcher(url: &str, key: &[u8]) -> CallbackDispatcher {
        CallbackDispatcher::new(url.into(), key.to_vec(), fast_retry(), Handle::current()).expect("client")
    }

    #[tokio::test]
    async fn delivers_signed_callbacks_in_order_per_conference() {
        let mut receiver = ReportingReceiver::start(KEY, 0).await;
        let dispatcher = dispatcher(&receiver.url, KEY);
        for sequence in 1..=20 {
            dispatcher.report("conf-a", event("conf-a", sequence));
            dispatcher.report("conf-b", event("conf-b", sequence));
        }
        dispatcher.conference_over("conf-a");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..40 {
            let n = receiver.next().await;
            let Notification::ParticipantStatus { status, .. } = &n else { panic!("{n:?}") };
            match status.conference_id.as_str() {
                "conf-a" => a.push(summary(&n).3),
                _ => b.push(summary(&n).3),
            }
        }
        assert_eq!(a, (1..=20).collect::<Vec<_>>());
        assert_eq!(b, (1..=20).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn retries_transient_failures_without_reordering() {
        let mut receiver = ReportingReceiver::start(KEY, 2).await;
        let dispatcher = dispatcher(&receiver.url, KEY);
        for sequence in 1..=3 {
            dispatcher.report("conf-a", event("conf-a", sequence));
        }
        let seqs = [receiver.next().await, receiver.next().await, receiver.next().await].map(|n| summary(&n).3);
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(receiver.requests.load(Ordering::SeqCst), 5, "two refusals, then three deliveries");
    }

    fn poster(url: &str, key: &[u8]) -> Poster {
        let client = reqwest::Client::builder().build().expect("client");
        Poster { client, url: url.into(), key: key.to_vec(), retry: fast_retry() }
    }

    #[tokio::test]
    async fn gives_up_at_once_when_the_signature_is_refused() {
        let receiver = ReportingReceiver::start(KEY, 0).await;
        poster(&receiver.url, b"another key").deliver(&event("conf-a", 1)).await;
        assert_eq!(receiver.requests.load(Ordering::SeqCst), 1, "a 401 is not retried");
    }

    #[tokio::test]
    async fn gives_up_after_the_last_attempt() {
        let mut receiver = ReportingReceiver::start(KEY, 4).await;
        let poster = poster(&receiver.url, KEY);
        poster.deliver(&event("conf-a", 1)).await; // 4 attempts, all refused
        assert_eq!(receiver.requests.load(Ordering::SeqCst), 4);
        poster.deliver(&event("conf-a", 2)).await;
        assert_eq!(summary(&receiver.next().await).3, 2, "the first was dropped, the next one delivered");
        assert!(receiver.notifications.try_recv().is_err());
    }

    #[tokio::test]
    async fn unreachable_gateway_is_retried_then_dropped() {
        // Nothing listens on the discard port of 127.0.0.1 in the test sandbox;
        // a refused connection is a transient failure.
        let poster = poster("http://127.0.0.1:9/reporting", KEY);
        tokio::time::timeout(Duration::from_secs(10), poster.deliver(&event("conf-a", 1)))
            .await
            .expect("gives up in time");
    }
}
