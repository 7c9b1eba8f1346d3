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
        .route("/reporting/mirror", post(mirror))
        .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
        .with_state(Arc::new(ReportingState { gateway, signatures: signing::Verifier::new(signing_key) }))
}

/// A callback, signed and decoded; the HTTP answer when it is not one.
fn verified(state: &ReportingState, headers: &HeaderMap, body: &[u8]) -> Result<Notification, (StatusCode, &'static str)> {
    let signature = headers.get(signing::SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Err(refusal) = state.signatures.verify(signature, body) {
        warn!(%refusal, "callback refused");
        return Err((StatusCode::UNAUTHORIZED, "bad signature\n"));
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err((StatusCode::BAD_REQUEST, "body is not UTF-8\n"));
    };
    Notification::decode(text).map_err(|e| {
        warn!(error = %e, "undecodable callback");
        (StatusCode::BAD_REQUEST, "not a notification\n")
    })
}

/// `POST /reporting/mirror`: a copy of a callback the conference service
/// delivered to another gateway. Only this gateway's own conference
/// subscriptions (RFC 4575) are told; the owner's MESSAGE events are that
/// other gateway's to send.
async fn mirror(State(state): State<Arc<ReportingState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let notification = match verified(&state, &headers, &body) {
        Ok(notification) => notification,
        Err(refused) => return refused,
    };
    match &notification {
        Notification::ParticipantStatus { status, .. } => state.gateway.notifier.participant(status),
        Notification::ConferenceStatus { status, .. } => state.gateway.notifier.conference(status),
    }
    (StatusCode::OK, "ok\n")
}

async fn report(State(state): State<Arc<ReportingState>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let notification = match verified(&state, &headers, &body) {
        Ok(notification) => notification,
        Err(refused) => return refused,
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
