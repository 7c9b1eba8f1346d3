//! Operator endpoints of the conference web service, behind the same bearer
//! token as `POST /conference`.
//!
//! `POST /admin/crash?conference=ID[&owner=AOR]` injects a bridge failure
//! under one conference (the fatal-error flow of docs/protocol.md §4, on
//! demand): every participant is reported `disconnected` with cause 41,
//! then the conference `terminated` with `fatal-error`, through the bridge
//! driver like a real failure. With `owner`, only if that AOR owns it: the
//! phone panel asks so on behalf of a signed-in user. Answers, in plain
//! text (`202`'s says `(N legs)`; the legs count is also in `X-Legs`):
//!
//! | status | when |
//! |---|---|
//! | 202 | injected; the events follow asynchronously |
//! | 400 | no `conference` parameter |
//! | 401 | missing or wrong bearer token |
//! | 404 | no such conference (or forgotten, 10 min after it ended), or not `owner`'s |
//! | 409 | the conference has already ended |
//! | 501 | the bridge driver offers no fault injection |

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::http::{bearer_matches, unauthorized};
use super::service::{ConferenceService, CrashError};
use crate::bridge::BridgeError;

/// `POST /admin/crash?conference=ID`.
pub async fn crash(State(service): State<Arc<ConferenceService>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if !bearer_matches(&headers, &service.config().token) {
        tracing::warn!("admin request without the right bearer token");
        return unauthorized();
    }
    let Some(conference_id) = query.as_deref().and_then(|q| query_param(q, "conference")) else {
        return (StatusCode::BAD_REQUEST, "usage: POST /admin/crash?conference=ID\n").into_response();
    };
    let owner = query.as_deref().and_then(|q| query_param(q, "owner"));
    let crashed = match &owner {
        Some(owner) => service.crash_owned_by(&conference_id, owner),
        None => service.crash(&conference_id),
    };
    match crashed {
        Ok(legs) => (
            StatusCode::ACCEPTED,
            [(LEGS_HEADER, legs.to_string())],
            format!("bridge failure injected under conference {conference_id} ({legs} legs)\n"),
        )
            .into_response(),
        Err(error) => {
            let status = match &error {
                CrashError::NoSuchConference(_) => StatusCode::NOT_FOUND,
                CrashError::Terminated(_) => StatusCode::CONFLICT,
                CrashError::Bridge(BridgeError::Unsupported(_)) => StatusCode::NOT_IMPLEMENTED,
                CrashError::Bridge(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            (status, format!("{error}\n")).into_response()
        }
    }
}

/// The answer's header giving how many legs the bridge failed.
pub const LEGS_HEADER: &str = "x-legs";

/// The first value of `name` in a URL query string, percent-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    let mut url = reqwest::Url::parse("http://admin.invalid/").ok()?;
    url.set_query(Some(query));
    url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
