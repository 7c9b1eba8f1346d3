//! The conference reporting web service (box 48 of the seed's Figure 4):
//! `POST /reporting` receives the conference service's status callbacks,
//! signed with a timestamped HMAC-SHA256 (`X-Rollcall-Signature`, checked
//! once each by [`signing::Verifier`]), and relays each one to
//! the conference owner as a SIP MESSAGE.
//!
//! A callback may wait at its conference's gate so that the answer to a
//! request always reaches the browser before the events it caused
//! (`super::ordering`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::ConferenceState;
use rollcall_shared::MAX_MESSAGE_BYTES;
use tracing::warn;

use super::{translate, Gateway};
use crate::signing;

/// How long a callback waits at the conference's gate (see `ordering`).
const GATE_LIMIT: Duration = Duration::from_secs(2);

struct ReportingState {
    gateway: Arc<Gateway>,
    signatures: signing::Verifier,
}

/// `POST /reporting`.
pub fn router(gateway: Arc<Gateway>, signing_key: Vec<u8>) -> Router {
    Router::new()
        .route("/reporting", post(report))
        .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
        .with_state(Arc::new(ReportingState { gateway, signatures: signing::Verifier::new(signing_key) }))
}

async fn report(State(state): State<Arc<ReportingState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let signature = headers.get(signing::SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Err(refusal) = state.signatures.verify(signature, &body) {
        warn!(%refusal, "callback refused");
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
    let gate = &state.gateway.gate;
    gate.wait_open(&conference_id, notification.owner(), GATE_LIMIT).await;
    match &notification {
        Notification::ParticipantStatus { status, .. } => state.gateway.notifier.participant(status),
        Notification::ConferenceStatus { status, .. } => state.gateway.notifier.conference(status),
    }
    let (owner, reply) = translate::notification_to_reply(notification);
    let terminated = matches!(&reply, Reply::ConferenceStatus(s) if s.state == ConferenceState::Terminated);
    state.gateway.send(&owner, reply);
    if terminated {
        gate.forget(&conference_id);
    }
    (StatusCode::OK, "ok\n")
}
