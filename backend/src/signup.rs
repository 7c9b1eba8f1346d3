//! Self-service accounts for the hosted demo (`--signup`, off by default):
//! a visitor creates a user from the sign-in page and gets a starter
//! address book, inbox and phone numbers of their own, so the headline flow
//! — an e-mail, one button, everyone called — works for them at once.
//!
//! | route | does |
//! |---|---|
//! | `GET /signup` | `200 {"open":true}` — sign-up is offered (the route exists only with `--signup`) |
//! | `POST /signup` | `{"user":NAME,"password":P}` → `201 {"user":NAME,"aor":…,"numbers":[…]}` |
//!
//! Refusals: `400 invalid-name` / `weak-password`, `409 name-taken`,
//! `429 too-many-signups` (per IP address, and overall) with `Retry-After`.
//! Only HA1 digests are stored, as for every user. The route sits behind
//! the public port's Origin check like every state-changing request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::edge::rate::{address_key, RateLimiter};
use crate::http_digest::{json, json_error};
use crate::pim;
use crate::store::{valid_username, Store, User};

/// Sign-ups one IP address may make: a burst of 3, then one an hour.
const PER_IP: (f64, f64) = (1.0 / 3600.0, 3.0);
/// Sign-ups in all: a burst of 50, then 100 an hour.
const OVERALL: (f64, f64) = (100.0 / 3600.0, 50.0);
/// Shortest and longest password accepted.
const PASSWORD_LEN: std::ops::RangeInclusive<usize> = 8..=128;
/// Largest `POST /signup` body: a name and a password in JSON.
const MAX_BODY_BYTES: usize = 4096;
/// Names nobody may take: the gateway's, and ones people would trust.
const RESERVED: &[&str] = &["conference", "admin", "administrator", "root", "operator", "postmaster", "system", "rollcall"];

struct Signup {
    store: Store,
    domain: String,
    per_ip: RateLimiter<IpAddr>,
    overall: RateLimiter<()>,
}

/// `GET` and `POST /signup` over `store`, for users of `domain`.
pub fn router(store: Store, domain: String) -> Router {
    let state = Signup {
        store,
        domain,
        per_ip: RateLimiter::new(PER_IP.0, PER_IP.1, 100_000),
        overall: RateLimiter::new(OVERALL.0, OVERALL.1, 1),
    };
    Router::new()
        .route("/signup", get(offered).post(sign_up))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(state))
}

async fn offered() -> Response {
    json(StatusCode::OK, &serde_json::json!({ "open": true }))
}

#[derive(Deserialize)]
struct Request {
    user: String,
    password: String,
}

/// Why a name is refused, if it is.
fn name_problem(name: &str) -> Option<&'static str> {
    if !valid_username(name) || name.len() < 2 || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("names are 2 to 64 letters, digits, `.`, `-` or `_`, starting with a letter");
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) || lower.starts_with("conf-") {
        return Some("that name is reserved");
    }
    None
}

async fn sign_up(State(signup): State<Arc<Signup>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Request>(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "invalid-request", r#"send {"user": NAME, "password": PASSWORD}"#);
    };
    // Lower case: one person, one spelling — "Dora" and "dora" would be two
    // users otherwise, and owners are compared as exact AOR strings.
    let name = request.user.trim().to_ascii_lowercase();
    if let Some(problem) = name_problem(&name) {
        return json_error(StatusCode::BAD_REQUEST, "invalid-name", problem);
    }
    if !PASSWORD_LEN.contains(&request.password.chars().count()) {
        return json_error(StatusCode::BAD_REQUEST, "weak-password", "passwords are 8 to 128 characters");
    }
    if let Err(wait) = signup.per_ip.take(&address_key(peer.ip())).and_then(|()| signup.overall.take(&())) {
        tracing::warn!(ip = %peer.ip(), "sign-up refused: too many");
        let mut response = json_error(StatusCode::TOO_MANY_REQUESTS, "too-many-signups", "too many new accounts; try later");
        let seconds = wait.as_secs().clamp(1, 3600);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    // Every user bills the account named after them: a name that is an
    // account already (granted to someone) would let the newcomer bill it.
    match signup.store.accounts().is_granted_name(&name).await {
        Ok(false) => {}
        Ok(true) => return json_error(StatusCode::CONFLICT, "name-taken", "that name is taken"),
        Err(e) => return internal(e),
    }
    let users = signup.store.users();
    match users.create(&User::with_password(&name, &signup.domain, &request.password)).await {
        Ok(true) => {}
        Ok(false) => return json_error(StatusCode::CONFLICT, "name-taken", "that name is taken"),
        Err(e) => return internal(e),
    }
    let numbers = match pim::demo::seed_starter(&signup.store, &name).await {
        Ok(numbers) => numbers,
        Err(e) => return internal(e),
    };
    tracing::info!(user = %name, ip = %peer.ip(), "signed up");
    let aor = format!("sip:{name}@{}", signup.domain);
    json(StatusCode::CREATED, &serde_json::json!({ "user": name, "aor": aor, "numbers": numbers }))
}

fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = %e, "sign-up failed");
    json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "storage failed")
}

#[cfg(test)]
mod tests;
