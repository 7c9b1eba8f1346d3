//! Cross-site requests (issue: "any web page can open `/sip` from a
//! visitor's browser"). A browser names the page that made a request in
//! `Origin`; a page on another site may not open the SIP WebSocket or
//! change anything through `/api` or `/pstn`.
//!
//! A request is let through when it
//! - carries no `Origin` (a non-browser client: the gateway, a SIP phone's
//!   WebSocket, curl — nothing a stranger's page can make a browser send),
//! - or is a safe method (GET, HEAD, OPTIONS) that is not a WebSocket
//!   upgrade (reads need digest credentials, which a foreign page cannot
//!   compute: the app keeps no browser-managed password),
//! - or its `Origin` is the server's own — its host and port equal the
//!   request's `Host` — or one of `--allowed-origin` (needed behind a
//!   reverse proxy that rewrites `Host`).
//!
//! Everything else gets `403` and is logged at warn with the origin.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origins accepted besides the server's own, as `scheme://host[:port]`.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    allowed: Arc<Vec<String>>,
}

impl OriginPolicy {
    /// Accepts the server's own origin and each of `allowed`
    /// (`https://rollcall.example.com`; case and a trailing `/` ignored).
    pub fn new(allowed: &[String]) -> Self {
        let allowed = allowed.iter().map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase()).collect();
        OriginPolicy { allowed: Arc::new(allowed) }
    }

    /// May a request with these headers act? (No `Origin`: yes.)
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim().to_ascii_lowercase();
        if self.allowed.contains(&origin) {
            return true;
        }
        // `null` (a sandboxed frame, a file: page) has no authority and fails here.
        let Some((_scheme, authority)) = origin.split_once("://") else {
            return false;
        };
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase);
        host.is_some_and(|host| host == authority)
    }
}

/// Does this request change state or open a WebSocket?
fn needs_check(request: &Request) -> bool {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    !safe || request.headers().contains_key(header::UPGRADE)
}

/// Middleware for the public router: refuses what [`OriginPolicy`] refuses.
pub async fn refuse_cross_site(State(policy): State<OriginPolicy>, request: Request, next: Next) -> Response {
    if needs_check(&request) && !policy.allows(request.headers()) {
        let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or("?").to_string();
        tracing::warn!(%origin, path = %request.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "cross-site requests are refused (Origin is not this server)\n").into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests;
