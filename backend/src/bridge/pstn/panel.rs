//! The phone panel: the simulated telephone network's own HTTP API, through
//! which a person holds numbers and picks up the calls to them
//! ([`super::phones`]). It stands in for real phones; it is not one of the
//! seed's boxes, and the conference service knows nothing of it — a call
//! answered here reaches the conference as the bridge's `Answered`, exactly
//! as a call answered on a real phone would.
//!
//! `rollcall serve` merges it onto the public HTTP port under `/pstn/`.
//! Every request is authenticated with HTTP Digest (RFC 7616) against the
//! users table — the same users and passwords as SIP, realm = SIP domain —
//! and a user sees and acts on only the numbers they hold.
//!
//! | route | does |
//! |---|---|
//! | `GET /pstn/phones` | the caller's panel (JSON below) |
//! | `GET /pstn/events?after=V` | long-poll: the panel once its version ≠ `V`, or after 25 s |
//! | `PUT /pstn/phones/{number}` | hold an E.164 number |
//! | `DELETE /pstn/phones/{number}` | release it (its live call is hung up, 16) |
//! | `POST /pstn/calls/{id}/answer` · `/decline` · `/hangup` | act on a call |
//! | `POST /pstn/calls/{id}/keys/{key}` | press a key (`0`–`9`, `*`, `#`) on an answered call |
//! | `POST /pstn/conferences/{id}/crash` | fault injection: the bridge fails under the caller's conference |
//!
//! Every success answers `200` with the panel, so a client renders what it
//! gets back:
//!
//! ```json
//! {"user":"bob","version":7,"phones":[
//!   {"number":"+14255550199","call":{"id":"leg-3","state":"ringing",
//!    "since":"2026-11-27T10:00:00.123Z","caller":"acct-1"}},
//!   {"number":"+14255550200","call":null}]}
//! ```
//!
//! Errors are `{"error": code, "message": text}`; see
//! `docs/protocol.md` for the codes.
//!
//! The crash route is the one place the panel meets a conference: it lets a
//! conference's owner rehearse the fatal-error flow (docs/protocol.md §4) from
//! the public port, as an operator does with `POST /admin/crash` on the
//! conference service's private one. Only the conference service knows
//! which legs a conference has and who owns it, so the panel asks it over
//! HTTP ([`CrashClient`]: `POST /admin/crash?conference=ID&owner=AOR`) and
//! knows nothing more of it; the conference service knows nothing of the
//! panel. It answers
//! `202 {"conference": id, "legs": n}`; someone else's conference is
//! `404 no-such-conference`, exactly like one that does not exist.
//!
//! Why a long-poll and not Server-Sent Events: a browser's `EventSource`
//! cannot send an `Authorization` header, so SSE would need a second
//! credential (a cookie or a token in the URL). A long-poll is an ordinary
//! `fetch` with the same digest as every other request, and, since it
//! returns the whole panel, a lost response costs nothing: the next poll
//! brings the client up to date.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get, post, put};
use axum::{Extension, Router};
use rollcall_shared::api::{Panel as PanelJson, PanelCall, PanelPhone};
use serde::Deserialize;

use super::crash_client::{CrashClient, CrashRefused};
use super::phones::{PanelView, PhoneError};
use super::Simulator;
use crate::bridge::LegId;
use crate::http_digest::{json, json_error as error, require_digest, unknown_path, AuthAor, AuthUser, HttpDigest};
use crate::store::Store;

/// How long `GET /pstn/events` waits for a change before answering with the
/// unchanged panel: below the idle timeouts of common proxies (30–60 s).
pub const LONG_POLL: Duration = Duration::from_secs(25);

/// Which numbers a person may hold.
#[derive(Clone)]
pub enum HoldPolicy {
    /// Any E.164 number but the test numbers (an operator's choice:
    /// `--panel-any-number`; the test suites use it).
    AnyNumber,
    /// Only the numbers of the person's own directory entries (those linked
    /// to their user): nobody picks up calls meant for someone else.
    OwnNumbers(Store),
}

/// What the panel's handlers share.
#[derive(Clone)]
struct Panel {
    simulator: Simulator,
    crash: CrashClient,
    policy: HoldPolicy,
}

/// The `/pstn/` routes over `simulator`, reaching the conference service
/// with `conferences`, authenticated by `digest`, holding numbers as
/// `policy` allows.
pub fn router(simulator: Simulator, conferences: CrashClient, digest: HttpDigest, policy: HoldPolicy) -> Router {
    let panel = Panel { simulator, crash: conferences, policy };
    Router::new()
        .route("/pstn/phones", get(phones))
        .route("/pstn/events", get(events))
        .route("/pstn/phones/{number}", put(hold).delete(release))
        .route("/pstn/calls/{call}/{action}", post(act))
        .route("/pstn/calls/{call}/keys/{key}", post(press))
        .route("/pstn/conferences/{id}/crash", post(crash))
        .route("/pstn/{*rest}", any(unknown_path))
        // A route layer: unknown paths stay 404, not 401.
        .route_layer(middleware::from_fn_with_state(digest, require_digest))
        .with_state(panel)
}

async fn phones(State(panel): State<Panel>, Extension(AuthUser(user)): Extension<AuthUser>) -> Response {
    render(&user, panel.simulator.panel(&user))
}

#[derive(Deserialize)]
struct Wait {
    after: Option<u64>,
}

async fn events(
    State(panel): State<Panel>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(wait): Query<Wait>,
) -> Response {
    let view = match wait.after {
        Some(after) => panel.simulator.wait_for_change(&user, after, LONG_POLL).await,
        None => panel.simulator.panel(&user),
    };
    render(&user, view)
}

async fn hold(
    State(panel): State<Panel>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(number): Path<String>,
) -> Response {
    if let HoldPolicy::OwnNumbers(store) = &panel.policy {
        match store.address_books().numbers_of_user(&user).await {
            Ok(own) if own.contains(&number) => {}
            Ok(_) => return refused(PhoneError::NotYours(number), StatusCode::CONFLICT),
            Err(e) => {
                tracing::error!(error = %e, "reading the directory failed");
                return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "storage failed");
            }
        }
    }
    match panel.simulator.hold(&user, &number) {
        Ok(()) => render(&user, panel.simulator.panel(&user)),
        Err(e) => refused(e, StatusCode::CONFLICT),
    }
}

async fn release(
    State(panel): State<Panel>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path(number): Path<String>,
) -> Response {
    match panel.simulator.release(&user, &number) {
        Ok(()) => render(&user, panel.simulator.panel(&user)),
        Err(e) => refused(e, StatusCode::FORBIDDEN),
    }
}

async fn act(
    State(panel): State<Panel>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path((call, action)): Path<(String, String)>,
) -> Response {
    let Some(leg) = parse_call_id(&call) else {
        return refused(PhoneError::NoSuchCall(call), StatusCode::NOT_FOUND);
    };
    let sim = &panel.simulator;
    let result = match action.as_str() {
        "answer" => sim.answer(&user, leg),
        "decline" => sim.decline(&user, leg),
        "hangup" => sim.hang_up_phone(&user, leg),
        _ => return error(StatusCode::NOT_FOUND, "no-such-action", "actions: answer, decline, hangup"),
    };
    match result {
        Ok(()) => render(&user, sim.panel(&user)),
        Err(e) => refused(e, StatusCode::NOT_FOUND),
    }
}

/// `POST /pstn/calls/{id}/keys/{key}`: DTMF, for the announcement of a
/// screened call ("press 1 to join").
async fn press(
    State(panel): State<Panel>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Path((call, key)): Path<(String, String)>,
) -> Response {
    let Some(leg) = parse_call_id(&call) else {
        return refused(PhoneError::NoSuchCall(call), StatusCode::NOT_FOUND);
    };
    match panel.simulator.press(&user, leg, &key) {
        Ok(()) => render(&user, panel.simulator.panel(&user)),
        Err(e) => refused(e, StatusCode::NOT_FOUND),
    }
}

/// `POST /pstn/conferences/{id}/crash`: the bridge fails under every live
/// leg of the caller's own conference (cause 41, then `fatal-error`; the
/// events reach the owner over SIP, asynchronously).
async fn crash(
    State(panel): State<Panel>,
    Extension(AuthAor(owner)): Extension<AuthAor>,
    Path(conference_id): Path<String>,
) -> Response {
    match panel.crash.crash_owned_by(&conference_id, &owner).await {
        Ok(legs) => json(StatusCode::ACCEPTED, &serde_json::json!({ "conference": conference_id, "legs": legs })),
        Err(e) => {
            let (status, code) = match &e {
                CrashRefused::NoSuchConference(_) => (StatusCode::NOT_FOUND, "no-such-conference"),
                CrashRefused::Terminated(_) => (StatusCode::CONFLICT, "terminated"),
                CrashRefused::Unsupported => (StatusCode::NOT_IMPLEMENTED, "unsupported"),
                CrashRefused::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "bridge-unavailable"),
            };
            error(status, code, &e.to_string())
        }
    }
}

/// `leg-7` → leg 7: call ids are the bridge's leg ids as displayed.
fn parse_call_id(id: &str) -> Option<LegId> {
    id.strip_prefix("leg-")?.parse().ok().map(LegId)
}

/// A refusal as HTTP. `held_by_other` is the status for
/// [`PhoneError::HeldByOther`]: 409 when holding (the number is taken),
/// 403 when releasing (it is not yours to release).
fn refused(e: PhoneError, held_by_other: StatusCode) -> Response {
    let (status, code) = match &e {
        PhoneError::InvalidNumber(_) => (StatusCode::BAD_REQUEST, "invalid-number"),
        PhoneError::TestNumber(_) => (StatusCode::CONFLICT, "test-number"),
        PhoneError::HeldByOther(_) => (held_by_other, "held-by-other"),
        PhoneError::NotYours(_) => (StatusCode::FORBIDDEN, "not-your-number"),
        PhoneError::TooMany(_) => (StatusCode::FORBIDDEN, "quota-exceeded"),
        PhoneError::NotHeld(_) => (StatusCode::NOT_FOUND, "not-held"),
        PhoneError::NoSuchCall(_) => (StatusCode::NOT_FOUND, "no-such-call"),
        PhoneError::WrongState { .. } => (StatusCode::CONFLICT, "wrong-state"),
        PhoneError::NoSuchKey(_) => (StatusCode::BAD_REQUEST, "no-such-key"),
    };
    error(status, code, &e.to_string())
}

fn render(user: &str, view: PanelView) -> Response {
    let phones = view
        .phones
        .into_iter()
        .map(|p| PanelPhone {
            number: p.number,
            call: p.call.map(|c| PanelCall {
                id: c.id.to_string(),
                state: c.state.as_str().to_string(),
                since: humantime::format_rfc3339_millis(c.since).to_string(),
                caller: c.caller,
                announcement: c.announcement,
                muted: c.muted,
            }),
        })
        .collect();
    json(StatusCode::OK, &PanelJson { user: user.to_string(), version: view.version, phones })
}

#[cfg(test)]
mod tests;
