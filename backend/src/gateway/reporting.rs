//! The conference reporting web service (box 48 of the seed's Figure 4):
//! `POST /reporting` receives the conference service's status callbacks,
//! signed with HMAC-SHA256 (`X-Rollcall-Signature`), and relays each one to
//! the conference owner as a SIP MESSAGE.
//!
//! Ordering: the callbacks of one conference arrive one at a time, in
//! sequence order, and the first of them may arrive before the gateway has
//! sent the `CreateConferenceResponse`. A callback for a conference the
//! gateway has not yet announced therefore waits (briefly) for the
//! announcement, so the browser always sees the response first.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::ConferenceState;
use tokio::sync::Notify;
use tracing::warn;

use super::{translate, Gateway};
use crate::signing;

/// How long a callback waits for its conference's create response.
const ANNOUNCE_WAIT: Duration = Duration::from_secs(2);

/// Conferences whose `CreateConferenceResponse` has been queued.
#[derive(Default)]
pub struct Announced {
    ids: Mutex<HashSet<String>>,
    changed: Notify,
}

impl Announced {
    pub fn announce(&self, conference_id: &str) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.insert(conference_id.to_string());
        }
        self.changed.notify_waiters();
    }

    pub fn forget(&self, conference_id: &str) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.remove(conference_id);
        }
    }

    fn contains(&self, conference_id: &str) -> bool {
        self.ids.lock().map(|ids| ids.contains(conference_id)).unwrap_or(true)
    }

    /// Waits until `conference_id` is announced, or `limit` has passed
    /// (a conference created before this gateway started is never announced).
    pub async fn wait_for(&self, conference_id: &str, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.changed.notified();
            if self.contains(conference_id) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }
}

struct ReportingState {
    gateway: Arc<Gateway>,
    signing_key: Vec<u8>,
}

/// `POST /reporting`.
pub fn router(gateway: Arc<Gateway>, signing_key: Vec<u8>) -> Router {
    Router::new()
        .route("/reporting", post(report))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(Arc::new(ReportingState { gateway, signing_key }))
}

async fn report(State(state): State<Arc<ReportingState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let signature = headers.get(signing::SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !signing::verify(&state.signing_key, &body, signature) {
        warn!("callback with a missing or wrong signature refused");
        return (StatusCode::UNAUTHORIZED, "bad signature\n");
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not UTF-8\n");
    };
    let notification = match Notification::decode(text) {
        Ok(n) => n,
        Err(e) => {
            warn!(error = %e, "undecodable callback");
            return (StatusCode::BAD_REQUEST, "not a notification\n");
        }
    };
    let conference_id = match &notification {
        Notification::ParticipantStatus { status, .. } => status.conference_id.clone(),
        Notification::ConferenceStatus { status, .. } => status.conference_id.clone(),
    };
    let announced = &state.gateway.announced;
    announced.wait_for(&conference_id, ANNOUNCE_WAIT).await;
    let (owner, reply) = translate::notification_to_reply(notification);
    let terminated = matches!(&reply, Reply::ConferenceStatus(s) if s.state == ConferenceState::Terminated);
    state.gateway.send(&owner, reply);
    if terminated {
        announced.forget(&conference_id);
    }
    (StatusCode::OK, "ok\n")
}
