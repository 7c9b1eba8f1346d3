//! HTTP Digest (RFC 7616) as an axum middleware, for every JSON API on the
//! public port — the phone panel (`/pstn/`) and the address book and inbox
//! (`/api/`). Users and passwords are the SIP ones (realm = SIP domain).
//!
//! One [`HttpDigest`] is shared by all those routers, so a browser that
//! answered one challenge keeps its nonce (counting `nc` up) across both
//! APIs instead of being challenged again by each.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::digest_auth::{Authenticator, Verdict};
use crate::store::Users;

/// The authenticator and the users it checks against.
#[derive(Clone)]
pub struct HttpDigest {
    auth: Arc<Authenticator>,
    users: Users,
}

/// The authenticated user of a request, put in its extensions by
/// [`require_digest`]; handlers take it as `Extension(AuthUser(name))`.
#[derive(Debug, Clone)]
pub struct AuthUser(pub String);

/// The same user's address of record, `sip:{user}@{realm}` (the realm is
/// the SIP domain): who owns conferences and call records. Set beside
/// [`AuthUser`], so handlers need not know the domain.
#[derive(Debug, Clone)]
pub struct AuthAor(pub String);

impl HttpDigest {
    /// Checks with `auth` (its realm must be the users' realm) against `users`.
    pub fn new(auth: Authenticator, users: Users) -> Self {
        HttpDigest { auth: Arc::new(auth), users }
    }
}

/// Lets a request through with its [`AuthUser`] when its digest credentials
/// are good for this method and URI (path and query, RFC 7616 §3.4.6);
/// otherwise `401` with fresh challenges (`stale=true` when only the nonce
/// was old or its `nc` reused). Use as a *route* layer
/// (`middleware::from_fn_with_state(digest, require_digest)`), so unknown
/// paths stay 404 rather than 401.
pub async fn require_digest(State(digest): State<HttpDigest>, mut request: Request, next: Next) -> Response {
    let values: Vec<String> =
        request.headers().get_all(header::AUTHORIZATION).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    let uri = request.uri().path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_default();
    let method = request.method().as_str().to_owned();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
    match digest.auth.check_request(&digest.users, &values, &method, Some(&uri), peer).await {
        Ok(Verdict::Authenticated(user)) => {
            request.extensions_mut().insert(AuthAor(format!("sip:{user}@{}", digest.auth.realm())));
            request.extensions_mut().insert(AuthUser(user));
            next.run(request).await
        }
        Ok(Verdict::Refused { retry_after }) => {
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            let mut response =
                json_error(StatusCode::TOO_MANY_REQUESTS, "too-many-failures", "too many failed attempts; try again later");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Ok(_) if is_navigation(&request) => {
            // A page load, not the app's fetch: a challenge here would make
            // the browser offer its own password dialog, outside the app.
            json_error(StatusCode::FORBIDDEN, "use-the-app", "sign in through the Rollcall app; this API is not a page")
        }
        Ok(verdict) => {
            let mut response = json_error(StatusCode::UNAUTHORIZED, "unauthorized", "digest authentication required");
            for challenge in digest.auth.challenges(verdict == Verdict::Stale) {
                if let Ok(value) = HeaderValue::from_str(&challenge.to_header_value()) {
                    response.headers_mut().append(header::WWW_AUTHENTICATE, value);
                }
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "HTTP digest: user lookup failed");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "user lookup failed")
        }
    }
}

/// Is this the browser loading a page (typed URL, link, frame)? Browsers
/// say so in `Sec-Fetch-Mode` (Fetch Metadata); other clients send nothing.
fn is_navigation(request: &Request) -> bool {
    request.headers().get("sec-fetch-mode").is_some_and(|mode| mode.as_bytes().eq_ignore_ascii_case(b"navigate"))
}

/// The error body of the JSON APIs: `{"error": code, "message": text}`.
pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": code, "message": message }))
}

/// Catch-all for an API's unknown paths: a JSON 404 (after authentication),
/// rather than the browser app's page.
pub async fn unknown_path() -> Response {
    json_error(StatusCode::NOT_FOUND, "no-such-path", "no such API path")
}

/// `body` as JSON, never cached (every answer is one user's private data).
pub fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => {
            (status, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], text).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}
