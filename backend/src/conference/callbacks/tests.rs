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
    let policy = RetryPolicy {
        attempts: 64,
        max_backoff: Duration::from_millis(2),
        first_backoff: Duration::from_millis(1),
        ..fast_retry()
    };
    let dispatcher = CallbackDispatcher::new(receiver.url.clone(), KEY.to_vec(), policy, Handle::current()).expect("client");
    dispatcher.report("conf-a", event("conf-a", 1));
    assert_eq!(summary(&receiver.next().await).3, 1, "delivered after 30 refusals");
}

fn event(conference: &str, sequence: u64) -> Notification {
    Notification::ParticipantStatus {
        owner: "sip:ada@rollcall.local".into(),
        status: ParticipantStatus {
            attempt: None,
            final_outcome: None,
            muted: false,
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
    Poster {
        client,
        urls: reporting_urls(url),
        current: Default::default(),
        key: key.to_vec(),
        retry: fast_retry(),
        mirrors: Vec::new(),
    }
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
    tokio::time::timeout(Duration::from_secs(10), poster.deliver(&event("conf-a", 1))).await.expect("gives up in time");
}

#[test]
fn a_reporting_url_setting_lists_one_gateway_or_several() {
    assert_eq!(reporting_urls("http://a/reporting"), ["http://a/reporting"]);
    assert_eq!(reporting_urls(" http://a/reporting , http://b/reporting,"), ["http://a/reporting", "http://b/reporting"]);
    assert!(reporting_urls(" , ").is_empty());
}
