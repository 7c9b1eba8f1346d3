//! `rollcall serve`: every box of Figure 1 in one process, each on its own
//! socket and talking to the others only through them — the IM server (and
//! the browser app) on the public HTTP port, the conference web service and
//! the gateway's reporting web service on loopback ports of their own.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use rollcall_shared::random::random_hex;
use tokio::net::TcpListener;
use tracing::info;

use crate::operator_file::OperatorFile;

use crate::bridge::pstn::crash_client::CrashClient;
use crate::bridge::pstn::panel as phone_panel;
use crate::bridge::sip::{SipBridge, SipBridgeConfig};
use crate::bridge::{BridgeDriver, SimDelays, Simulator};
use crate::conference::{self, ConferenceConfig, ConferenceService, StoreRecorder};
use crate::digest_auth::Authenticator;
use crate::edge::listener::ListenerOptions;
use crate::edge::throttle::Throttle;
use crate::edge::{self, EdgeOptions};
use crate::gateway::{self, Gateway, GatewayConfig, GatewayLimits};
use crate::http_digest::HttpDigest;
use crate::im_server::cluster::ClusterConfig;
use crate::im_server::{self, ImConfig, ImServer};
use crate::pim;
use crate::shutdown::Shutdown;
use crate::store::{Lease, Retention, Store, User};
use crate::web::{self, ClientConfig, Readiness};

/// The gateway's SIP user name.
pub const GATEWAY_USER: &str = "conference";
/// How long `start` waits for the gateway's registration.
const GATEWAY_START_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
/// Users seeded by `--demo`.
pub const DEMO_USERS: &[&str] = &["alice", "bob", "carol"];
/// The billing account `--demo` grants every demo user besides their own.
pub const DEMO_TEAM_ACCOUNT: &str = "demo-team";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub http: SocketAddr,
    pub db: String,
    pub domain: String,
    pub static_dir: PathBuf,
    pub delays: SimDelays,
    /// Real calls through a SIP trunk instead of the simulated network
    /// (`--bridge sip`); the simulator's phone panel stays, idle.
    pub sip_bridge: Option<SipBridgeConfig>,
    pub max_participants: usize,
    /// Most conferences one owner may have going at once.
    pub max_live_per_owner: usize,
    /// What each user may ask of the gateway (request rate).
    pub gateway_limits: GatewayLimits,
    /// How long a conference may stay idle before it is ended
    /// ([`ConferenceConfig::inactivity_timeout`]).
    pub inactivity_timeout: Duration,
    /// How long a screened participant has to press 1
    /// ([`ConferenceConfig::confirm_timeout`]).
    pub confirm_timeout: Duration,
    /// Demo users to seed, with their passwords.
    pub demo_users: Vec<(String, String)>,
    /// How the public port treats strangers.
    pub edge: EdgeOptions,
    /// Whether the phone panel lets a person hold any number, not only
    /// their own (those of their directory entries).
    pub panel_any_number: bool,
    /// How long and how much of the message log is kept.
    pub log_retention: Retention,
    /// Visitors may create accounts from the sign-in page (`--signup`).
    pub signup: bool,
    /// Where `/metrics` is served, and the bearer token it needs (none: no
    /// metrics listener).
    pub metrics: Option<(SocketAddr, Option<String>)>,
    /// The cluster this node joins (`--cluster`; its `node` named), if any:
    /// its conference service then holds its conferences under a lease
    /// named after the node (docs/operations.md).
    pub cluster: Option<ClusterConfig>,
    /// The gateway's password (fresh each start when `None`). Every node of
    /// a cluster registers its gateway as the same user: they share one.
    pub gateway_password: Option<String>,
}

/// A running system; dropping it does not stop it (the tasks run until the
/// runtime ends).
pub struct Running {
    pub http: SocketAddr,
    /// The SIP port's addresses (UDP and TCP; TLS), when opened.
    pub sip: im_server::transport::ports::Bound,
    /// `http://ADDR` or, with TLS, `https://ADDR`.
    pub public_url: String,
    pub conference_url: String,
    /// The conference web service's bearer token (fresh each start; it is
    /// here for in-process callers such as tests, and is never printed).
    pub conference_token: String,
    pub reporting_url: String,
    /// The key that signs callbacks to the reporting web service (fresh
    /// each start; for in-process callers such as tests, never printed).
    pub signing_key: Vec<u8>,
    pub im: Arc<ImServer>,
    pub gateway: Arc<Gateway>,
    pub store: Store,
    /// The simulated telephone network, whose phone panel is served on the
    /// public port under `/pstn/`.
    pub simulator: Simulator,
    /// Begun by [`Running::stop`].
    pub shutdown: Shutdown,
    /// Where `/metrics` is served, when it is.
    pub metrics: Option<SocketAddr>,
    recorder: Arc<StoreRecorder>,
    conference: Arc<ConferenceService>,
    cluster: Option<Arc<im_server::cluster::Cluster>>,
}

/// How long a cluster node's conference service holds its conferences
/// unrenewed: another node takes over those of a node that died after this.
const LEASE: Duration = Duration::from_secs(10);

/// How long a shutdown lets HTTP requests in hand finish.
const STOP_GRACE: Duration = Duration::from_millis(300);

/// How long a shutdown waits for WebSockets to close.
const CLOSE_LIMIT: Duration = Duration::from_secs(3);

impl Running {
    /// Stops every part, in order: the listeners stop accepting and finish
    /// the requests in hand, WebSockets (the gateway's too) are closed with
    /// 1001, the call records still queued are written, and the database
    /// is checkpointed and closed. Bounded: a few seconds at most.
    pub async fn stop(&self) {
        info!("shutting down");
        self.shutdown.begin();
        let deadline = tokio::time::Instant::now() + CLOSE_LIMIT;
        while self.im.peers.open() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // HTTP requests in hand were asked to finish with the shutdown; give
        // them a moment before their database goes.
        tokio::time::sleep(STOP_GRACE).await;
        // Real calls (the SIP bridge) are hung up, not left to the phones'
        // patience: their conferences end, and the BYEs go out.
        if self.conference.shut_down() > 0 {
            while self.conference.live_calls() > 0 && tokio::time::Instant::now() < deadline + CLOSE_LIMIT {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        if let Some(cluster) = &self.cluster {
            cluster.leave().await;
        }
        let _ = tokio::time::timeout(CLOSE_LIMIT, self.recorder.flush()).await;
        self.store.close().await;
        info!("stopped");
    }
}

/// Binds every socket, seeds users, starts every part.
pub async fn start(options: ServeOptions) -> anyhow::Result<Running> {
    let store = Store::open(&options.db).await?;
    store.message_log().spawn_retention(options.log_retention, Retention::EVERY);
    let users = store.users();
    for (name, password) in &options.demo_users {
        users.upsert(&User::with_password(name, &options.domain, password)).await?;
    }
    if !options.demo_users.is_empty() {
        let names: Vec<String> = options.demo_users.iter().map(|(name, _)| name.clone()).collect();
        for name in &names {
            // Besides their own, a team account every demo user may bill.
            store.accounts().grant(name, DEMO_TEAM_ACCOUNT, false).await?;
        }
        pim::demo::seed(&store, &names).await.context("seeding the demo address books and inbox")?;
    }
    // The gateway is a SIP user like any other, with a fresh password each
    // start (or the one a cluster's nodes share).
    let gateway_password = options.gateway_password.clone().unwrap_or_else(|| random_hex(16));
    users.upsert(&User::with_password(GATEWAY_USER, &options.domain, &gateway_password)).await?;

    let http_listener = TcpListener::bind(options.http).await.with_context(|| format!("binding {}", options.http))?;
    let http = http_listener.local_addr()?;
    let conference_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let reporting_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let conference_url = format!("http://{}/conference", conference_listener.local_addr()?);
    let reporting_url = format!("http://{}/reporting", reporting_listener.local_addr()?);
    let token = random_hex(16);
    let signing_key = random_hex(32).into_bytes();

    // Conference web service + simulated PSTN, writing call records to the store.
    let lease = options.cluster.as_ref().map(|cluster| Lease { instance: cluster.node.clone().unwrap_or_default(), ttl: LEASE });
    let conferences = match &lease {
        Some(lease) => store.conferences().leased(lease.clone()),
        None => store.conferences(),
    };
    let recorder = Arc::new(StoreRecorder::spawn(store.call_records(), conferences.clone(), &tokio::runtime::Handle::current()));
    let shutdown = options.edge.listener.shutdown.clone();
    // The private listeners stop with the public one.
    let private = ListenerOptions { shutdown: shutdown.clone(), ..ListenerOptions::plain() };
    let (simulator, simulator_events) = Simulator::channel(options.delays);
    let (driver, bridge_events): (Arc<dyn BridgeDriver>, _) = match options.sip_bridge.clone() {
        Some(config) => {
            let (bridge, events) = SipBridge::start(config).await.context("starting the SIP bridge")?;
            (Arc::new(bridge), events)
        }
        None => (Arc::new(simulator.clone()), simulator_events),
    };
    let service = ConferenceService::new(
        ConferenceConfig {
            token: token.clone(),
            reporting_url: reporting_url.clone(),
            signing_key: signing_key.clone(),
            max_participants: options.max_participants,
            max_live_per_owner: options.max_live_per_owner,
            inactivity_timeout: options.inactivity_timeout,
            confirm_timeout: options.confirm_timeout,
            call_records: Some(Arc::clone(&recorder) as Arc<dyn conference::CallRecorder>),
            accounts: Some(store.accounts()),
        },
        driver,
        bridge_events,
    )?;
    // What ran before a restart, before anyone can ask about it: conferences
    // whose calls died with the process end with fatal-error (their
    // callbacks wait, retried, until the gateway is up).
    conference::recovery::recover(&store, &conferences, &service).await?;
    if let Some(lease) = &lease {
        conference::recovery::keep_leases(store.clone(), conferences, Arc::clone(&service), lease.ttl / 3);
    }
    edge::listener::spawn(conference_listener, conference::router(Arc::clone(&service)), private.clone());
    // For `rollcall bridge crash` on this machine (the port and token are private).
    OperatorFile { conference_url: conference_url.clone(), token: token.clone() }
        .write(&options.db)
        .context("writing the operator file")?;

    // IM server, the browser app, and the simulated network's phone panel
    // (HTTP digest against the same users, with nonces of its own).
    let mut im_config = ImConfig::new(&options.domain);
    im_config.throttle = Arc::new(Throttle::new(options.edge.throttle.clone()));
    im_config.limits = options.edge.connection_limits.clone();
    im_config.unmetered_users = vec![GATEWAY_USER.to_string()];
    im_config.conference_user = GATEWAY_USER.to_string();
    im_config.shutdown = shutdown.clone();
    if let Some(algorithms) = &options.edge.digest_algorithms {
        im_config.algorithms = algorithms.clone();
    }
    // One HTTP digest guard (nonces of its own, apart from SIP's) for the
    // phone panel and the address book / inbox API.
    let http_auth = Authenticator::new(
        options.domain.clone(),
        im_config.nonce_ttl,
        im_config.algorithms.clone(),
        Arc::clone(&im_config.throttle),
    );
    let digest = HttpDigest::new(http_auth, store.users());
    // The panel lets a conference's owner inject a crash under it, asking
    // the conference service over HTTP, as every box reaches another.
    let crash = CrashClient::new(&conference_url, &token)?;
    let hold_policy = if options.panel_any_number {
        phone_panel::HoldPolicy::AnyNumber
    } else {
        phone_panel::HoldPolicy::OwnNumbers(store.clone())
    };
    let panel = phone_panel::router(simulator.clone(), crash, digest.clone(), hold_policy);
    let pim = pim::api::router(store.clone(), digest);
    let im = ImServer::new(im_config, store.clone());
    let cluster = match options.cluster.clone() {
        Some(config) => Some(im_server::cluster::join(&im, config).await?),
        None => None,
    };
    let client = ClientConfig { domain: options.domain.clone(), gateway_aor: format!("sip:{GATEWAY_USER}@{}", options.domain) };
    let ready = Readiness::default();
    let mut public =
        im_server::router(Arc::clone(&im)).merge(panel).merge(pim).merge(web::router(&options.static_dir, client, ready.clone()));
    if options.signup {
        public = public.merge(crate::signup::router(store.clone(), options.domain.clone()));
    }
    edge::listener::spawn(http_listener, edge::guard(public, &options.edge), options.edge.listener.clone());
    let sip = im_server::transport::ports::listen(&im, &options.edge.sip, options.edge.listener.tls.clone()).await?;
    let public_url = format!("{}://{http}", options.edge.listener.scheme());

    // Gateway: a SIP user of the IM server, a client of the conference service.
    // With TLS on the public port (whose certificate names the public host,
    // not 127.0.0.1), the gateway comes in by a plain loopback port of its
    // own that serves only /sip.
    let im_url = if options.edge.listener.tls.is_some() {
        let internal = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let url = format!("ws://{}/sip", internal.local_addr()?);
        edge::listener::spawn(internal, im_server::router(Arc::clone(&im)), private.clone());
        url
    } else {
        let loopback = if http.ip().is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { http.ip() };
        format!("ws://{}/sip", SocketAddr::new(loopback, http.port()))
    };
    let gateway = Gateway::start(GatewayConfig {
        im_url,
        domain: options.domain.clone(),
        user: GATEWAY_USER.to_string(),
        password: gateway_password,
        conference_url: conference_url.clone(),
        conference_token: token.clone(),
        signing_key: signing_key.clone(),
        limits: options.gateway_limits.clone(),
    })?;
    edge::listener::spawn(reporting_listener, gateway::reporting::router(Arc::clone(&gateway), signing_key.clone()), private);

    // Ready once the gateway can take requests; until then the browser's
    // bootstrap (`/config.json`) answers 503.
    if !gateway.delivery.wait_registered(GATEWAY_START_LIMIT).await {
        anyhow::bail!("the gateway did not register with the IM server within {GATEWAY_START_LIMIT:?}");
    }
    ready.set_ready();
    let metrics = match &options.metrics {
        Some((address, token)) => {
            let listener = TcpListener::bind(address).await.with_context(|| format!("binding {address} for /metrics"))?;
            let bound = listener.local_addr()?;
            let sources = crate::metrics::Sources {
                im: Some(Arc::clone(&im)),
                conferences: Some(Arc::clone(&service)),
                token: token.clone(),
            };
            edge::listener::spawn(
                listener,
                crate::metrics::router(sources),
                ListenerOptions { shutdown: shutdown.clone(), ..ListenerOptions::plain() },
            );
            Some(bound)
        }
        None => None,
    };
    info!(%http, %conference_url, %reporting_url, "rollcall is up");
    Ok(Running {
        shutdown,
        metrics,
        recorder,
        conference: service,
        cluster,
        http,
        sip,
        public_url,
        conference_url,
        conference_token: token,
        reporting_url,
        signing_key,
        im,
        gateway,
        store,
        simulator,
    })
}

/// Serves `router` on `listener` in the background, with peer addresses.
/// Nagle's algorithm is off: SIP and SOAP exchanges are small writes in
/// quick succession, which Nagle plus delayed ACKs would hold back ~40 ms.
pub fn spawn_http(listener: TcpListener, router: Router) {
    edge::listener::spawn(listener, router, ListenerOptions::plain());
}
