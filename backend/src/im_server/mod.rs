//! The IM server (box 6 of the seed's Figure 1): a SIP registrar, digest
//! authenticator and MESSAGE relay over WebSocket (RFC 7118), which logs
//! every message it receives or sends before acting on it.
//!
//! - [`connection`]: one task pair per WebSocket; framing, logging, limits.
//! - [`limits`]: what a stranger may cost — connections and unauthenticated
//!   messages per address, the send queue, pings and timeouts.
//! - [`auth`]: nonces, challenges and credential checks (RFC 3261 §22, RFC 8760).
//! - [`registrar`]: AOR → connection bindings (RFC 3261 §10).
//! - [`relay`]: RFC 3428 MESSAGE relay with parallel forking.
//! - [`presence`]: RFC 3856 presence agent (SUBSCRIBE/NOTIFY, PIDF).
//! - [`conference_route`]: requests for `conf-…` URIs to the gateway, and
//!   the conference event package's dialogs (RFC 4575) relayed both ways.
//! - [`handler`]: dispatch by method.
//! - [`refusal`]: what a request not acted on is answered (400, 405, 420…).
//! - [`cluster`]: several nodes as one, over NATS.

pub mod auth;
pub mod cluster;
pub mod conference_route;
pub mod connection;
mod handler;
pub mod limits;
pub mod presence;
pub mod refusal;
pub mod registrar;
pub mod relay;
pub mod transport;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rollcall_shared::digest::Algorithm;

use crate::edge::throttle::Throttle;
use crate::store::Store;

/// What an IM server is configured with.
#[derive(Debug, Clone)]
pub struct ImConfig {
    /// SIP domain and digest realm, e.g. `rollcall.local`.
    pub domain: String,
    /// How long a nonce is accepted (then `stale=true`).
    pub nonce_ttl: Duration,
    /// Challenge order: one header per algorithm, in this order.
    pub algorithms: Vec<Algorithm>,
    /// How long a relayed request waits for a final response (Timer F).
    pub transaction_timeout: Duration,
    /// Upper bound of a registration's lifetime in seconds.
    pub max_expires: u32,
    /// Failed password attempts, counted per user and per address; share
    /// it with the process's HTTP digest so both count together.
    pub throttle: Arc<Throttle>,
    /// Connections and unauthenticated traffic ([`limits`]).
    pub limits: limits::ConnectionLimits,
    /// Users whose connections the message rate does not apply to: the
    /// gateway, which carries every user's answers and events.
    pub unmetered_users: Vec<String>,
    /// When it begins, every WebSocket is closed with 1001 (going away).
    pub shutdown: crate::shutdown::Shutdown,
    /// The gateway's user (default `conference`): requests for `conf-…`
    /// URIs go to its registration ([`conference_route`]).
    pub conference_user: String,
}

impl ImConfig {
    pub fn new(domain: impl Into<String>) -> Self {
        ImConfig {
            domain: domain.into(),
            nonce_ttl: Duration::from_secs(300),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            transaction_timeout: Duration::from_secs(32),
            max_expires: 3600,
            throttle: Arc::default(),
            limits: limits::ConnectionLimits::default(),
            unmetered_users: Vec::new(),
            shutdown: crate::shutdown::Shutdown::new(),
            conference_user: "conference".to_string(),
        }
    }

    /// `sip:<user>@<domain>`.
    pub fn aor(&self, user: &str) -> String {
        format!("sip:{user}@{}", self.domain)
    }
}

/// Counters an operator wants to see.
#[derive(Debug, Default)]
pub struct Stats {
    /// Messages neither parsed nor answered (unparseable, stray responses).
    pub dropped: AtomicU64,
    pub received: AtomicU64,
    pub sent: AtomicU64,
    /// Messages the message log refused: not acted on (in), not sent (out).
    pub unlogged: AtomicU64,
}

impl Stats {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A message the log refused (also in `/metrics`).
    pub fn count_unlogged(&self) {
        Stats::count(&self.unlogged);
        crate::metrics::global().unlogged.inc();
    }
}

/// The IM server's shared state.
pub struct ImServer {
    pub config: ImConfig,
    pub store: Store,
    pub auth: auth::Authenticator,
    pub registrar: registrar::Registrar,
    pub relay: relay::Relay,
    pub presence: presence::Presence,
    /// Conference subscriptions relayed to the gateway.
    pub dialogs: conference_route::ConferenceDialogs,
    /// Per-address connection counts and unauthenticated allowances.
    pub peers: Arc<limits::Peers>,
    pub stats: Stats,
    next_connection: AtomicU64,
    /// This node's cluster, once it has joined one ([`cluster::join`]).
    cluster: OnceLock<Arc<cluster::Cluster>>,
}

impl ImServer {
    pub fn new(config: ImConfig, store: Store) -> Arc<ImServer> {
        let server = Arc::new(ImServer {
            auth: auth::Authenticator::new(
                config.domain.clone(),
                config.nonce_ttl,
                config.algorithms.clone(),
                Arc::clone(&config.throttle),
            ),
            presence: presence::Presence::default(),
            dialogs: conference_route::ConferenceDialogs::default(),
            peers: limits::Peers::new(config.limits.clone()),
            registrar: registrar::Registrar::default(),
            relay: relay::Relay::default(),
            stats: Stats::default(),
            next_connection: AtomicU64::new(1),
            cluster: OnceLock::new(),
            config,
            store,
        });
        presence::spawn_sweeper(&server);
        server
    }

    fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// The cluster this node is in, if any.
    pub fn cluster(&self) -> Option<&Arc<cluster::Cluster>> {
        self.cluster.get()
    }

    /// A Via branch for a fork this node sends (naming the node in a cluster).
    pub(crate) fn new_branch(&self) -> String {
        match self.cluster() {
            Some(cluster) => cluster.branch(),
            None => rollcall_shared::sip::new_branch(),
        }
    }
}

/// `GET /sip`: the SIP-over-WebSocket endpoint.
pub fn router(server: Arc<ImServer>) -> Router {
    Router::new().route("/sip", get(upgrade)).with_state(server)
}

/// Each WebSocket's read buffer.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// Accepts the upgrade only when the client offers the `sip` subprotocol
/// (RFC 7118 §4.1); answers 400 otherwise.
async fn upgrade(
    State(server): State<Arc<ImServer>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let offers_sip = headers
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("sip"));
    if !offers_sip {
        return (StatusCode::BAD_REQUEST, "the WebSocket subprotocol `sip` is required (RFC 7118)\n").into_response();
    }
    let admission = match server.peers.admit(peer.ip()) {
        Ok(admission) => admission,
        Err(refused) => {
            tracing::warn!(%peer, %refused, "WebSocket refused");
            let status = match refused {
                limits::Refused::TooManyFromAddress => StatusCode::TOO_MANY_REQUESTS,
                limits::Refused::TooManyAddresses | limits::Refused::TooMany => StatusCode::SERVICE_UNAVAILABLE,
            };
            return (status, [(axum::http::header::RETRY_AFTER, "30")], format!("{refused}\n")).into_response();
        }
    };
    let limit = transport::websocket::MAX_FRAME_BYTES;
    // tungstenite's buffers default to 128 KiB each, allocated per
    // connection: with 10,000 users that alone was over a gigabyte. SIP
    // messages are small; a bigger frame is read in several steps, and each
    // message is written (and flushed) as it is sent.
    ws.protocols(["sip"])
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| {
            let (sink, stream) = transport::websocket::split(socket);
            let peer = transport::Peer { addr: peer, transport: transport::Transport::Ws, sent_by: server.config.domain.clone() };
            connection::serve(server, peer, sink, stream, admission)
        })
}
