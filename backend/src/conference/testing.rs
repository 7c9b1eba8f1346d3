//! Test doubles for the conference service's tests: a reporter that collects
//! events in memory, a bridge driver the test drives by hand, and a
//! reporting web service on a real socket that checks signatures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::sync::LockExt;
use tokio::sync::mpsc;

use super::billing::{CallRecord, CallRecorder};
use super::callbacks::Reporter;
use crate::bridge::{BridgeDriver, BridgeError, Dial, LegId, LegQuality};
use crate::signing::{Verifier, SIGNATURE_HEADER};

/// How long a test waits for something that should happen promptly.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Collects reported notifications on a channel.
pub struct ChannelReporter {
    pub events: mpsc::UnboundedSender<Notification>,
    pub finished: Mutex<Vec<String>>,
}

impl ChannelReporter {
    pub fn new() -> (Arc<Self>, mpsc::UnboundedReceiver<Notification>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Arc::new(ChannelReporter { events: tx, finished: Mutex::new(Vec::new()) }), rx)
    }
}

impl Reporter for ChannelReporter {
    fn report(&self, _conference_id: &str, notification: Notification) {
        let _ = self.events.send(notification);
    }

    fn conference_over(&self, conference_id: &str) {
        self.finished.locked().push(conference_id.to_string());
    }
}

/// Collects call records on a channel, and quality reports in a list.
pub struct ChannelRecorder {
    records: mpsc::UnboundedSender<CallRecord>,
    /// (conference, participant, quality), in order.
    pub qualities: Mutex<Vec<(String, String, LegQuality)>>,
}

impl ChannelRecorder {
    pub fn new() -> (Arc<Self>, mpsc::UnboundedReceiver<CallRecord>) {
        let (records, rx) = mpsc::unbounded_channel();
        (Arc::new(ChannelRecorder { records, qualities: Mutex::new(Vec::new()) }), rx)
    }
}

impl CallRecorder for ChannelRecorder {
    fn record(&self, record: CallRecord) {
        let _ = self.records.send(record);
    }

    fn quality(&self, conference_id: &str, participant_id: &str, quality: LegQuality) {
        self.qualities.locked().push((conference_id.to_owned(), participant_id.to_owned(), quality));
    }
}

/// A bridge that does nothing by itself: it records commands, and the test
/// sends the events.
#[derive(Default)]
pub struct ManualDriver {
    pub dialled: Mutex<Vec<(LegId, String)>>,
    pub hung_up: Mutex<Vec<LegId>>,
    /// Legs placed with an announcement, and the announcement.
    pub screened: Mutex<Vec<(LegId, String)>>,
    pub admitted: Mutex<Vec<LegId>>,
    /// Every `set_muted`, in order.
    pub muted: Mutex<Vec<(LegId, bool)>>,
    /// When set, `dial` refuses with this error.
    pub refuse: Mutex<Option<BridgeError>>,
}

impl ManualDriver {
    /// The leg the service dialled for `number` (the latest, if several).
    pub fn leg_of(&self, number: &str) -> LegId {
        let dialled = self.dialled.locked();
        dialled.iter().rev().find(|(_, n)| n == number).map(|(leg, _)| *leg).expect("number was dialled")
    }
}

impl BridgeDriver for ManualDriver {
    fn place(&self, call: &Dial<'_>) -> Result<(), BridgeError> {
        if let Some(error) = self.refuse.locked().clone() {
            return Err(error);
        }
        self.dialled.locked().push((call.leg, call.number.to_string()));
        if let Some(announcement) = call.announcement {
            self.screened.locked().push((call.leg, announcement.to_string()));
        }
        Ok(())
    }

    fn hang_up(&self, leg: LegId) {
        self.hung_up.locked().push(leg);
    }

    fn admit(&self, leg: LegId) {
        self.admitted.locked().push(leg);
    }

    fn set_muted(&self, leg: LegId, muted: bool) {
        self.muted.locked().push((leg, muted));
    }
}

/// A gateway reporting web service on 127.0.0.1: checks each callback's
/// signature and content type, decodes it, and hands it to the test.
pub struct ReportingReceiver {
    pub url: String,
    pub notifications: mpsc::UnboundedReceiver<Notification>,
    /// Requests answered so far, accepted or not.
    pub requests: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct ReceiverState {
    signatures: Arc<Verifier>,
    tx: mpsc::UnboundedSender<Notification>,
    /// Answer this many requests with 503 before accepting any.
    fail_first: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl ReportingReceiver {
    /// Starts a receiver that accepts callbacks signed with `key`, after
    /// refusing the first `fail_first` with 503.
    pub async fn start(key: &[u8], fail_first: usize) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let requests = Arc::new(AtomicUsize::new(0));
        let state = ReceiverState {
            signatures: Arc::new(Verifier::new(key.to_vec())),
            tx,
            fail_first: Arc::new(AtomicUsize::new(fail_first)),
            requests: Arc::clone(&requests),
        };
        let app = Router::new().route("/reporting", post(receive)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ReportingReceiver { url: format!("http://{addr}/reporting"), notifications: rx, requests }
    }

    /// The next accepted notification, or a panic after [`PATIENCE`].
    pub async fn next(&mut self) -> Notification {
        tokio::time::timeout(PATIENCE, self.notifications.recv())
            .await
            .expect("a notification in time")
            .expect("receiver running")
    }
}

async fn receive(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type != "application/soap+xml; charset=utf-8" {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE;
    }
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if state.signatures.verify(signature, &body).is_err() {
        return StatusCode::UNAUTHORIZED;
    }
    if state.fail_first.load(Ordering::SeqCst) > 0 {
        state.fail_first.fetch_sub(1, Ordering::SeqCst);
        state.signatures.forget(signature);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(text) = std::str::from_utf8(&body) else { return StatusCode::BAD_REQUEST };
    match Notification::decode(text) {
        Ok(notification) => {
            let _ = state.tx.send(notification);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// `(participant id or "conference", state, cause or reason, sequence)` of a
/// notification, for compact assertions.
pub fn summary(n: &Notification) -> (String, String, Option<String>, u64) {
    match n {
        Notification::ParticipantStatus { status, .. } => (
            status.participant_id.clone(),
            status.state.as_str().to_string(),
            status.cause.map(|c| c.0.to_string()),
            status.sequence,
        ),
        Notification::ConferenceStatus { status, .. } => (
            "conference".to_string(),
            status.state.as_str().to_string(),
            status.reason.map(|r| r.as_str().to_string()),
            status.sequence,
        ),
    }
}
