//! What an operator watches, at `/metrics` in the OpenMetrics text format
//! that Prometheus scrapes (prometheus-client): counters and latency histograms kept as things
//! happen ([`global`]), and gauges read from the parts' state when scraped
//! ([`Sources`]). Served on an address of the operator's choosing
//! (`--metrics ADDR`), optionally behind a bearer token (`--metrics-token`);
//! docs/operations.md lists every metric.

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::conference::ConferenceService;
use crate::im_server::ImServer;

/// Counters and histograms, updated where things happen.
pub struct Metrics {
    /// IM server: a relayed request, from its arrival to its best final answer.
    pub relay_seconds: Histogram,
    /// IM server: one message log write.
    pub log_write_seconds: Histogram,
    /// Wrong passwords and unknown user names (SIP and HTTP).
    pub auth_failures: Counter,
    /// Messages the message log refused, so not acted on or not sent.
    pub unlogged: Counter,
    /// Messages for other nodes of the cluster not published (outbox full, NATS refused).
    pub cluster_dropped: Counter,
    /// Conference service: callback deliveries retried, and given up.
    pub callback_retries: Counter,
    pub callbacks_undeliverable: Counter,
    /// Gateway: repeated requests answered from memory.
    pub repeated_requests: Counter,
    /// Conference service: conferences taken back after a restart.
    pub conferences_recovered: Counter,
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics {
        // 0.1 ms … about 3 s.
        relay_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        log_write_seconds: Histogram::new(exponential_buckets(0.00005, 2.0, 16)),
        auth_failures: Counter::default(),
        unlogged: Counter::default(),
        cluster_dropped: Counter::default(),
        callback_retries: Counter::default(),
        callbacks_undeliverable: Counter::default(),
        repeated_requests: Counter::default(),
        conferences_recovered: Counter::default(),
    })
}

/// The parts whose state the gauges are read from (each optional: a
/// standalone part has only its own).
#[derive(Clone, Default)]
pub struct Sources {
    pub im: Option<Arc<ImServer>>,
    pub conferences: Option<Arc<ConferenceService>>,
    /// `Authorization: Bearer <token>` required when set.
    pub token: Option<String>,
}

/// `GET /metrics`.
pub fn router(sources: Sources) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(sources)
}

async fn scrape(State(sources): State<Sources>, headers: HeaderMap) -> Response {
    if let Some(token) = &sources.token {
        if !crate::conference::http::bearer_matches(&headers, token) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")], "").into_response();
        }
    }
    match render(&sources) {
        Ok(text) => {
            ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// The text exposition of every metric now.
pub fn render(sources: &Sources) -> Result<String, std::fmt::Error> {
    let m = global();
    let mut registry = Registry::with_prefix("rollcall");
    registry.register("relay_seconds", "IM server: relayed request to its final answer", m.relay_seconds.clone());
    registry.register("log_write_seconds", "IM server: one message log write", m.log_write_seconds.clone());
    registry.register("auth_failures", "Wrong passwords and unknown user names", m.auth_failures.clone());
    registry.register("unlogged", "Messages refused because the message log could not take them", m.unlogged.clone());
    registry.register("cluster_dropped", "Messages for other IM server nodes not published", m.cluster_dropped.clone());
    registry.register("callback_retries", "Callback deliveries retried", m.callback_retries.clone());
    registry.register("callbacks_undeliverable", "Callbacks given up after the last retry", m.callbacks_undeliverable.clone());
    registry.register("repeated_requests", "Requests answered again from memory (same requestId)", m.repeated_requests.clone());
    registry.register("conferences_recovered", "Conferences taken back after a restart", m.conferences_recovered.clone());
    if let Some(im) = &sources.im {
        let gauge = |value: usize| {
            let g: Gauge = Gauge::default();
            g.set(value as i64);
            g
        };
        registry.register("registrations", "Registered bindings (AOR, connection)", gauge(im.registrar.binding_count()));
        registry.register("websockets", "Open SIP WebSockets", gauge(im.peers.open()));
        let counters = [("received", &im.stats.received), ("sent", &im.stats.sent), ("dropped", &im.stats.dropped)];
        let messages = Family::<Vec<(String, String)>, Gauge>::default();
        for (kind, value) in counters {
            messages
                .get_or_create(&vec![("kind".into(), kind.into())])
                .set(value.load(std::sync::atomic::Ordering::Relaxed) as i64);
        }
        registry.register("sip_messages", "SIP messages received, sent and dropped since start", messages);
    }
    if let Some(service) = &sources.conferences {
        let (live, legs) = service.census();
        let conferences: Gauge = Gauge::default();
        conferences.set(live as i64);
        registry.register("live_conferences", "Conferences not terminated", conferences);
        let by_state = Family::<Vec<(String, String)>, Gauge>::default();
        for (state, n) in legs {
            by_state.get_or_create(&vec![("state".into(), state.into())]).set(n as i64);
        }
        registry.register("legs", "Call legs of live conferences, by state", by_state);
    }
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}
