//! The browser app's HTTP side: the built front end (`dist/`), its
//! `config.json`, and a health check. When the front end has not been
//! built, `/` says how to build it; SIP keeps working either way.
//!
//! Readiness: `config.json` and `/healthz` answer 503 until the process is
//! ready to serve conferences (in `rollcall serve`: once the gateway has
//! registered), so a browser or a load balancer never starts too early.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

/// What the browser needs to know to register and send requests.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub domain: String,
    pub gateway_aor: String,
}

pub fn router(static_dir: &Path, client: ClientConfig, ready: Readiness) -> Router {
    let config = {
        let body = serde_json_like(&client);
        let ready = ready.clone();
        move || async move {
            if !ready.is_ready() {
                return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "application/json")], "{}".to_string());
            }
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body)
        }
    };
    let health = move || async move {
        if ready.is_ready() {
            (StatusCode::OK, "ok\n")
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, "starting\n")
        }
    };
    let router = Router::new().route("/config.json", get(config)).route("/healthz", get(health));
    let index = static_dir.join("index.html");
    if index.is_file() {
        // The build writes a `.gz` beside each file (the .wasm goes over
        // the wire at about two fifths of its size).
        let files = ServeDir::new(static_dir).precompressed_gzip().fallback(ServeFile::new(index));
        router.fallback_service(files)
    } else {
        let dir: PathBuf = static_dir.to_path_buf();
        router.fallback(move || not_built(dir.clone()))
    }
}

/// Whether the process is ready to serve conferences; cheap to clone.
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Ready from the start (a part that depends on nothing else).
    pub fn ready() -> Self {
        let r = Readiness::default();
        r.set_ready();
        r
    }

    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

async fn not_built(dir: PathBuf) -> impl IntoResponse {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Rollcall</title>\
         <h1>Rollcall is running</h1><p>The browser app has not been built (no <code>{}/index.html</code>). \
         Build it with <code>make frontend</code> (or start everything with <code>make run</code>). \
         SIP over WebSocket is served at <code>/sip</code> meanwhile.</p>",
        dir.display()
    );
    (StatusCode::OK, Html(page))
}

/// `{"domain": …, "gateway": …}` — two plain strings, escaped by hand to
/// spare a JSON dependency.
fn serde_json_like(client: &ClientConfig) -> String {
    fn esc(s: &str) -> String {
        s.chars()
            .flat_map(|c| match c {
                '"' => vec!['\\', '"'],
                '\\' => vec!['\\', '\\'],
                c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32).chars().collect(),
                c => vec![c],
            })
            .collect()
    }
    format!("{{\"domain\":\"{}\",\"gateway\":\"{}\"}}", esc(&client.domain), esc(&client.gateway_aor))
}
