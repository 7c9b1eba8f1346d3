//! The command line's shape: every subcommand and flag (clap), and how a
//! group of flags becomes the options of a part (`EdgeArgs::options`, …).
//! `main.rs` runs what is parsed here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rollcall::bridge::SimDelays;
use rollcall::conference::ConferenceConfig;
use rollcall::edge::listener::ListenerOptions;
use rollcall::edge::throttle::ThrottleConfig;
use rollcall::edge::{EdgeOptions, SipAddress, SipPorts};
use rollcall::gateway::GatewayLimits;
use rollcall::im_server::limits::ConnectionLimits;
use rollcall::store::Retention;

mod bridge;
mod cluster;
pub(crate) use bridge::BridgeArgs;
pub(crate) use cluster::ClusterArgs;

/// A SIP domain as every part compares it: host names are case-insensitive
/// (RFC 3261 §19.1.4) and AORs carry them lower-cased, so the domain (also
/// the digest realm) is lower-cased once, here.
pub(crate) fn domain_name(text: &str) -> Result<String, String> {
    let domain = text.trim().to_ascii_lowercase();
    let valid =
        !domain.is_empty() && domain.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then_some(domain).ok_or_else(|| format!("`{text}` is not a domain name"))
}

/// Where `rollcall conference-service` listens by default.
pub(crate) const STANDALONE_CONFERENCE_URL: &str = "http://127.0.0.1:8081/conference";

#[derive(Parser)]
#[command(name = "rollcall", version, about = "Conference calls started from the browser, over SIP and SOAP")]
pub(crate) struct Cli {
    /// A file of `key = value` lines; each key is a flag's long name and
    /// sets that flag unless it is given on the command line or in the
    /// environment (see docs/operations.md).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// A PEM certificate (a private CA's, or a self-signed one) to trust
    /// besides the public roots when reaching https:// and wss:// peers;
    /// repeat for more.
    #[arg(long = "ca-cert", global = true, value_name = "FILE", env = "ROLLCALL_CA_CERT", value_delimiter = ',')]
    pub(crate) ca_certs: Vec<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run IM server, gateway, conference web service and bridge simulator together.
    Serve(Box<ServeArgs>),
    /// Run only the IM server (and the browser app).
    ImServer(ImServerArgs),
    /// Run only the gateway and its conference reporting web service.
    Gateway(GatewayArgs),
    /// Run only the conference web service with the simulated telephone network.
    ConferenceService(ConferenceArgs),
    /// Manage SIP users.
    #[command(subcommand)]
    User(UserCommand),
    /// Print call records (one row per dialled call leg), oldest first.
    Calls {
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
        /// How many of the most recent records.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Operate on the conference bridge through the conference web service.
    #[command(subcommand)]
    Bridge(BridgeCommand),
    /// Manage the global directory (the address book every user sees).
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Write a self-signed certificate and its key (PEM) for trying TLS
    /// locally: `serve --tls-cert DIR/cert.pem --tls-key DIR/key.pem`.
    DevCert {
        /// The directory to write cert.pem and key.pem (mode 0600) into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Names (DNS names or IP addresses) the certificate is for.
        #[arg(long = "name", default_values_t = ["localhost".to_string(), "127.0.0.1".to_string()])]
        names: Vec<String>,
    },
    /// Search the IM server's message log (every SIP message in and out),
    /// oldest first.
    Log {
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
        /// Messages of this user's connections.
        #[arg(long)]
        user: Option<String>,
        /// Messages of this SIP dialog or transaction (Call-ID header).
        #[arg(long)]
        call_id: Option<String>,
        /// Logged at or after this time (RFC 3339, e.g. 2026-12-07T10:00:00Z).
        #[arg(long)]
        since: Option<String>,
        /// Logged at or before this time (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// Messages containing this text (a conference id, a number, …).
        #[arg(long)]
        grep: Option<String>,
        /// At most this many (the newest of those that match).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Print whole messages, not only their first lines.
        #[arg(long)]
        full: bool,
    },
    /// Manage which billing accounts users may bill calls to (docs/protocol.md §8).
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Subcommand)]
pub(crate) enum AccountCommand {
    /// Let USER bill calls to ACCOUNT (their own account they always may).
    Grant {
        user: String,
        account: String,
        /// Make it the account used when a request names none.
        #[arg(long)]
        default: bool,
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
    },
    /// Take a granted account away from USER.
    Revoke {
        user: String,
        account: String,
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
    },
    /// The accounts USER may use, the default first.
    List {
        user: String,
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum DirectoryCommand {
    /// Add every card of a vCard 3.0/4.0 file to the global directory — all
    /// of them, or none when a line is bad (the error names it).
    Import {
        /// The .vcf file.
        file: PathBuf,
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum BridgeCommand {
    /// Make the bridge fail under a conference: every participant is
    /// disconnected (cause 41), then the conference terminated (fatal-error).
    ///
    /// Against `rollcall serve` on this machine, `--db` is enough: serve
    /// writes its private conference URL and token beside the database.
    /// Against a standalone conference service, give `--token` (and
    /// `--conference-url`).
    Crash {
        conference_id: String,
        /// The conference web service's SOAP endpoint; /admin/crash is
        /// beside it. Only with --token (without it, serve's file says).
        #[arg(long, env = "ROLLCALL_CONFERENCE_URL")]
        conference_url: Option<String>,
        /// The conference web service's bearer token.
        #[arg(long, env = "ROLLCALL_CONFERENCE_TOKEN")]
        token: Option<String>,
        /// The database of the `rollcall serve` to reach (without --token).
        #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
        db: String,
    },
}

#[derive(Args)]
pub(crate) struct Common {
    /// SQLite database file.
    #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
    pub(crate) db: String,
    /// SIP domain (and digest realm), lower-cased.
    #[arg(long, default_value = "rollcall.local", env = "ROLLCALL_DOMAIN", value_parser = domain_name)]
    pub(crate) domain: String,
}

#[derive(Args)]
pub(crate) struct Timing {
    /// Simulated telephone network at test speed (milliseconds, not seconds).
    #[arg(long, env = "ROLLCALL_FAST")]
    pub(crate) fast: bool,
    /// Simulator: from dialing to ringing, in milliseconds.
    #[arg(long, env = "ROLLCALL_RING_MS")]
    pub(crate) ring_ms: Option<u64>,
    /// Simulator: from ringing to answered, in milliseconds.
    #[arg(long, env = "ROLLCALL_ANSWER_MS")]
    pub(crate) answer_ms: Option<u64>,
    /// Simulator: how long a phone rings before `no-answer`, in milliseconds.
    #[arg(long, env = "ROLLCALL_NO_ANSWER_MS")]
    pub(crate) no_answer_ms: Option<u64>,
    /// Simulator: how long +15005550004 stays before hanging up, in milliseconds.
    #[arg(long, env = "ROLLCALL_AUTO_HANGUP_MS")]
    pub(crate) auto_hangup_ms: Option<u64>,
    /// Largest number of participants in a conference, initiator included.
    #[arg(long, default_value_t = 16, env = "ROLLCALL_MAX_PARTICIPANTS")]
    pub(crate) max_participants: usize,
    /// Most conferences one user may have going at once (past it, Fault
    /// c:RateLimited).
    #[arg(long, default_value_t = ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER, env = "ROLLCALL_MAX_LIVE_CONFERENCES")]
    pub(crate) max_live_conferences: usize,
    /// End a conference after this long with nobody but the initiator on the
    /// call or being called, in milliseconds (default 30 minutes; not
    /// shortened by --fast).
    #[arg(long, env = "ROLLCALL_INACTIVITY_MS")]
    pub(crate) inactivity_ms: Option<u64>,
    /// How long a participant asked to confirm (c:confirm) has to press 1
    /// before the call ends no-answer, in milliseconds (default 15 s; 2 s
    /// with --fast).
    #[arg(long, env = "ROLLCALL_CONFIRM_MS")]
    pub(crate) confirm_ms: Option<u64>,
}

/// The confirmation timeout at test speed: an answering machine
/// (+15005550005) gives up quickly, yet a test can still press a key.
const FAST_CONFIRM_TIMEOUT: Duration = Duration::from_secs(2);

impl Timing {
    /// Human speed by default, test speed with `--fast`, and any single
    /// delay set by its own flag on top of either.
    pub(crate) fn delays(&self) -> SimDelays {
        let mut delays = if self.fast { SimDelays::fast() } else { SimDelays::default() };
        let ms = Duration::from_millis;
        if let Some(v) = self.ring_ms {
            delays.ring = ms(v);
        }
        if let Some(v) = self.answer_ms {
            delays.answer = ms(v);
        }
        if let Some(v) = self.no_answer_ms {
            delays.no_answer_timeout = ms(v);
        }
        if let Some(v) = self.auto_hangup_ms {
            delays.auto_hangup = ms(v);
        }
        delays
    }

    pub(crate) fn inactivity_timeout(&self) -> Duration {
        self.inactivity_ms.map_or(ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT, Duration::from_millis)
    }

    pub(crate) fn confirm_timeout(&self) -> Duration {
        match (self.confirm_ms, self.fast) {
            (Some(ms), _) => Duration::from_millis(ms),
            (None, true) => FAST_CONFIRM_TIMEOUT,
            (None, false) => ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
        }
    }
}

/// How long and how much of the message log is kept.
#[derive(Args)]
pub(crate) struct LogArgs {
    /// Days a logged message is kept.
    #[arg(long, default_value_t = 30, env = "ROLLCALL_LOG_MAX_AGE_DAYS")]
    pub(crate) log_max_age_days: u64,
    /// Megabytes of messages the log may hold; the oldest go first.
    #[arg(long, default_value_t = 1024, env = "ROLLCALL_LOG_MAX_MB")]
    pub(crate) log_max_mb: u64,
}

impl LogArgs {
    pub(crate) fn retention(&self) -> Retention {
        Retention {
            max_age: Duration::from_secs(self.log_max_age_days.saturating_mul(86_400)),
            max_bytes: self.log_max_mb.saturating_mul(1 << 20),
        }
    }
}

/// Where `/metrics` is served.
#[derive(Args)]
pub(crate) struct MetricsArgs {
    /// Serve `/metrics` (Prometheus text format) on this address, e.g.
    /// 127.0.0.1:9090; none without it.
    #[arg(long = "metrics", value_name = "ADDR", env = "ROLLCALL_METRICS")]
    pub(crate) metrics: Option<SocketAddr>,
    /// A bearer token `/metrics` requires.
    #[arg(long, requires = "metrics", env = "ROLLCALL_METRICS_TOKEN")]
    pub(crate) metrics_token: Option<String>,
}

impl MetricsArgs {
    pub(crate) fn serve(&self) -> Option<(SocketAddr, Option<String>)> {
        self.metrics.map(|address| (address, self.metrics_token.clone()))
    }
}

/// How much one user may ask of the gateway.
#[derive(Args)]
pub(crate) struct UserRateArgs {
    /// SOAP requests per second one user may send, on average…
    #[arg(long, default_value_t = GatewayLimits::default().requests_per_second, env = "ROLLCALL_USER_REQUEST_RATE")]
    pub(crate) user_request_rate: f64,
    /// …with bursts of this many; beyond, Fault c:RateLimited with c:retryAfter.
    #[arg(long, default_value_t = GatewayLimits::default().request_burst, env = "ROLLCALL_USER_REQUEST_BURST")]
    pub(crate) user_request_burst: f64,
}

impl UserRateArgs {
    pub(crate) fn gateway(&self) -> GatewayLimits {
        GatewayLimits { requests_per_second: self.user_request_rate, request_burst: self.user_request_burst }
    }
}

/// TLS on a listener: both or neither.
#[derive(Args)]
pub(crate) struct TlsArgs {
    /// PEM certificate chain: serve HTTPS (and WSS) instead of HTTP.
    #[arg(long, value_name = "FILE", env = "ROLLCALL_TLS_CERT", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", env = "ROLLCALL_TLS_KEY", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Seconds a client has for its TLS handshake, and for each request's headers.
    #[arg(long, default_value_t = 10, env = "ROLLCALL_HEADER_TIMEOUT_S")]
    pub(crate) header_timeout_s: u64,
    /// A reverse proxy (IP address) whose X-Forwarded-For is believed, so
    /// that per-address limits see the real client; repeat for more.
    #[arg(long = "trusted-proxy", value_name = "IP", env = "ROLLCALL_TRUSTED_PROXY", value_delimiter = ',')]
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,
    /// TCP connections open at once on this listener…
    #[arg(long, default_value_t = ListenerOptions::default().max_connections, env = "ROLLCALL_MAX_CONNECTIONS")]
    pub(crate) max_connections: usize,
    /// …and from one address (an IPv6 /64 counts as one; trusted proxies excepted).
    #[arg(long, default_value_t = ListenerOptions::default().max_connections_per_ip, env = "ROLLCALL_MAX_TCP_PER_IP")]
    pub(crate) max_tcp_per_ip: usize,
}

impl TlsArgs {
    pub(crate) fn listener(&self) -> anyhow::Result<ListenerOptions> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(rollcall::edge::tls::server_config(cert, key)?),
            _ => None,
        };
        let timeout = Duration::from_secs(self.header_timeout_s.max(1));
        Ok(ListenerOptions {
            tls,
            handshake_timeout: timeout,
            header_read_timeout: timeout,
            trusted_proxies: Arc::new(self.trusted_proxies.clone()),
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_tcp_per_ip,
            ..ListenerOptions::default()
        })
    }
}

/// How the public port treats strangers (docs/hosting.md).
#[derive(Args)]
pub(crate) struct EdgeArgs {
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
    /// An origin (`https://host[:port]`) whose pages may open /sip and
    /// change /api and /pstn, besides the server's own; repeat or separate
    /// with commas. Needed behind a reverse proxy that rewrites `Host`.
    #[arg(long = "allowed-origin", value_name = "ORIGIN", env = "ROLLCALL_ALLOWED_ORIGIN", value_delimiter = ',')]
    pub(crate) allowed_origins: Vec<String>,
    /// Failed password attempts for one user before refusals start.
    #[arg(long, default_value_t = ThrottleConfig::default().user_free_failures, env = "ROLLCALL_AUTH_USER_FAILURES")]
    pub(crate) auth_user_failures: u32,
    /// Failed password attempts from one IP address before refusals start.
    #[arg(long, default_value_t = ThrottleConfig::default().ip_free_failures, env = "ROLLCALL_AUTH_IP_FAILURES")]
    pub(crate) auth_ip_failures: u32,
    /// The first refusal after too many failures, in milliseconds; each
    /// further failure doubles it.
    #[arg(long, default_value_t = 1000, env = "ROLLCALL_AUTH_LOCKOUT_MS")]
    pub(crate) auth_lockout_ms: u64,
    /// The longest refusal, in seconds.
    #[arg(long, default_value_t = 900, env = "ROLLCALL_AUTH_MAX_LOCKOUT_S")]
    pub(crate) auth_max_lockout_s: u64,
    /// WebSocket connections open at once from one IP address.
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections_per_ip, env = "ROLLCALL_MAX_CONNECTIONS_PER_IP")]
    pub(crate) max_connections_per_ip: usize,
    /// Seconds a new connection has to authenticate a request before it is closed.
    #[arg(long, default_value_t = 30, env = "ROLLCALL_AUTH_TIMEOUT_S")]
    pub(crate) auth_timeout_s: u64,
    /// Unauthenticated SIP messages per second from one IP address…
    #[arg(long, default_value_t = ConnectionLimits::default().unauthenticated_per_second, env = "ROLLCALL_UNAUTH_RATE")]
    pub(crate) unauth_rate: f64,
    /// …and the burst allowed above that rate.
    #[arg(long, default_value_t = ConnectionLimits::default().unauthenticated_burst, env = "ROLLCALL_UNAUTH_BURST")]
    pub(crate) unauth_burst: f64,
    /// Bytes of an unauthenticated (or oversized) message kept in the message log.
    #[arg(long, default_value_t = ConnectionLimits::default().log_truncate_bytes, env = "ROLLCALL_LOG_TRUNCATE_BYTES")]
    pub(crate) log_truncate_bytes: usize,
    /// Messages queued for one connection; a peer that does not read them is closed.
    #[arg(long, default_value_t = ConnectionLimits::default().send_queue, env = "ROLLCALL_SEND_QUEUE")]
    pub(crate) send_queue: usize,
    /// Seconds of silence after which a WebSocket is pinged (a keep-alive for
    /// NATs and proxies).
    #[arg(long, default_value_t = 25, env = "ROLLCALL_WS_PING_S")]
    pub(crate) ws_ping_s: u64,
    /// Seconds of silence (no frame, no pong) after which a WebSocket is closed.
    #[arg(long, default_value_t = 90, env = "ROLLCALL_WS_IDLE_S")]
    pub(crate) ws_idle_s: u64,
    /// SIP messages per second one authenticated connection may send, on average…
    #[arg(long, default_value_t = ConnectionLimits::default().authenticated_per_second, env = "ROLLCALL_USER_MESSAGE_RATE")]
    pub(crate) user_message_rate: f64,
    /// …and the burst allowed above that rate (the gateway is exempt).
    #[arg(long, default_value_t = ConnectionLimits::default().authenticated_burst, env = "ROLLCALL_USER_MESSAGE_BURST")]
    pub(crate) user_message_burst: f64,
    /// Presence subscriptions one user may hold at once.
    #[arg(long, default_value_t = ConnectionLimits::default().max_subscriptions_per_user, env = "ROLLCALL_MAX_SUBSCRIPTIONS_PER_USER")]
    pub(crate) max_subscriptions_per_user: usize,
    /// SIP over UDP and TCP for desktop phones, on one port (default
    /// 0.0.0.0:5060, a warning if taken); `off` for none.
    #[arg(long, value_name = "ADDR|off", env = "ROLLCALL_SIP")]
    pub(crate) sip: Option<String>,
    /// SIP over TLS (default 0.0.0.0:5061 when --tls-cert is given); `off` for none.
    #[arg(long, value_name = "ADDR|off", env = "ROLLCALL_SIP_TLS")]
    pub(crate) sip_tls: Option<String>,
    /// The host (and port) this server names in the Vias of what it sends
    /// to SIP phones, where their UDP answers go (default: the bound
    /// address, or the SIP domain when bound to all addresses).
    #[arg(long, value_name = "HOST", env = "ROLLCALL_SIP_HOST")]
    pub(crate) sip_host: Option<String>,
    /// Digest challenges offered, in order: `sha256,md5` (default), `md5,sha256`
    /// for clients that read only the first, `md5` for baresip 1.0, which
    /// refuses any SHA-256 challenge.
    #[arg(long, value_name = "ALGORITHMS", env = "ROLLCALL_DIGEST", value_delimiter = ',')]
    pub(crate) digest: Vec<String>,
}

/// `ADDR`, `off`, or the default when not given.
fn sip_address(given: &Option<String>, default: Option<&str>) -> anyhow::Result<Option<SipAddress>> {
    match given.as_deref() {
        Some("off") => Ok(None),
        Some(addr) => {
            let addr = addr.parse().map_err(|e| anyhow::anyhow!("SIP address {addr:?}: {e}"))?;
            Ok(Some(SipAddress { addr, required: true }))
        }
        None => Ok(default.map(|d| SipAddress { addr: d.parse().expect("a valid default"), required: false })),
    }
}

impl EdgeArgs {
    pub(crate) fn options(&self) -> anyhow::Result<EdgeOptions> {
        let listener = self.tls.listener()?;
        let plain = sip_address(&self.sip, Some("0.0.0.0:5060"))?;
        let tls_default = listener.tls.as_ref().map(|_| "0.0.0.0:5061");
        let tls = sip_address(&self.sip_tls, tls_default)?;
        if tls.is_some() && listener.tls.is_none() {
            anyhow::bail!("--sip-tls needs --tls-cert and --tls-key");
        }
        let digest_algorithms = if self.digest.is_empty() {
            None
        } else {
            let parsed: anyhow::Result<Vec<_>> = self
                .digest
                .iter()
                .map(|name| match name.trim().to_ascii_lowercase().as_str() {
                    "md5" => Ok(rollcall_shared::digest::Algorithm::Md5),
                    "sha256" | "sha-256" => Ok(rollcall_shared::digest::Algorithm::Sha256),
                    other => anyhow::bail!("--digest: unknown algorithm {other:?} (md5, sha256)"),
                })
                .collect();
            Some(parsed?)
        };
        Ok(EdgeOptions {
            sip: SipPorts { plain, tls, host: self.sip_host.clone() },
            digest_algorithms,
            listener,
            allowed_origins: self.allowed_origins.clone(),
            throttle: ThrottleConfig {
                user_free_failures: self.auth_user_failures,
                ip_free_failures: self.auth_ip_failures,
                first_lockout: Duration::from_millis(self.auth_lockout_ms),
                max_lockout: Duration::from_secs(self.auth_max_lockout_s),
                ..ThrottleConfig::default()
            },
            connection_limits: ConnectionLimits {
                max_connections_per_ip: self.max_connections_per_ip,
                auth_timeout: Duration::from_secs(self.auth_timeout_s),
                unauthenticated_per_second: self.unauth_rate,
                unauthenticated_burst: self.unauth_burst,
                log_truncate_bytes: self.log_truncate_bytes,
                send_queue: self.send_queue,
                ping_interval: Duration::from_secs(self.ws_ping_s.max(1)),
                idle_timeout: Duration::from_secs(self.ws_idle_s.max(1)),
                max_subscriptions_per_user: self.max_subscriptions_per_user,
                authenticated_per_second: self.user_message_rate,
                authenticated_burst: self.user_message_burst,
                ..ConnectionLimits::default()
            },
        })
    }
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Address of the HTTP port: the browser app and SIP over WebSocket at /sip.
    #[arg(long, default_value = "0.0.0.0:8080", env = "ROLLCALL_HTTP")]
    pub(crate) http: SocketAddr,
    #[command(flatten)]
    pub(crate) common: Common,
    /// Where the built browser app is.
    #[arg(long, default_value = "dist", env = "ROLLCALL_STATIC_DIR")]
    pub(crate) static_dir: PathBuf,
    /// Seed demo users (alice, bob, carol) and print their passwords.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Let visitors create accounts from the sign-in page, each with a
    /// starter address book, inbox and numbers (rate-limited per address).
    #[arg(long, env = "ROLLCALL_SIGNUP")]
    pub(crate) signup: bool,
    /// Let the phone panel hold any number, not only the person's own (the
    /// numbers of their directory entries).
    #[arg(long, env = "ROLLCALL_PANEL_ANY_NUMBER")]
    pub(crate) panel_any_number: bool,
    /// One password for every demo user (default: a random one each).
    #[arg(long, env = "ROLLCALL_DEMO_PASSWORD", requires = "demo")]
    pub(crate) demo_password: Option<String>,
    #[command(flatten)]
    pub(crate) timing: Timing,
    #[command(flatten)]
    pub(crate) bridge: BridgeArgs,
    #[command(flatten)]
    pub(crate) edge: EdgeArgs,
    #[command(flatten)]
    pub(crate) limits: UserRateArgs,
    #[command(flatten)]
    pub(crate) log: LogArgs,
    #[command(flatten)]
    pub(crate) metrics: MetricsArgs,
    /// A node of a cluster (docs/operations.md): each node runs every part,
    /// shares the database (postgres://) and NATS, and needs a `--node`
    /// name of its own.
    #[command(flatten)]
    pub(crate) cluster: ClusterArgs,
    /// The gateway's SIP password; every node of a cluster gives the same
    /// one (their gateways register as one user). Fresh each start without it.
    #[arg(long, env = "ROLLCALL_GATEWAY_PASSWORD")]
    pub(crate) gateway_password: Option<String>,
}

#[derive(Args)]
pub(crate) struct ImServerArgs {
    #[arg(long, default_value = "0.0.0.0:8080", env = "ROLLCALL_HTTP")]
    pub(crate) http: SocketAddr,
    #[command(flatten)]
    pub(crate) edge: EdgeArgs,
    #[command(flatten)]
    pub(crate) log: LogArgs,
    #[command(flatten)]
    pub(crate) common: Common,
    #[command(flatten)]
    pub(crate) cluster: ClusterArgs,
    #[arg(long, default_value = "dist", env = "ROLLCALL_STATIC_DIR")]
    pub(crate) static_dir: PathBuf,
    /// The gateway's AOR, told to browsers (default sip:conference@DOMAIN).
    #[arg(long, env = "ROLLCALL_GATEWAY_AOR")]
    pub(crate) gateway_aor: Option<String>,
}

#[derive(Args)]
pub(crate) struct GatewayArgs {
    /// The IM server's SIP WebSocket.
    #[arg(long, default_value = "ws://127.0.0.1:8080/sip", env = "ROLLCALL_IM_URL")]
    pub(crate) im_url: String,
    #[arg(long, default_value = "rollcall.local", env = "ROLLCALL_DOMAIN", value_parser = domain_name)]
    pub(crate) domain: String,
    /// The gateway's SIP user.
    #[arg(long, default_value = "conference", env = "ROLLCALL_GATEWAY_USER")]
    pub(crate) user: String,
    #[arg(long, env = "ROLLCALL_GATEWAY_PASSWORD")]
    pub(crate) password: String,
    /// The conference web service's SOAP endpoint; several instances'
    /// comma-separated (requests go to one, the next when it cannot be reached).
    #[arg(long, default_value = "http://127.0.0.1:8081/conference", env = "ROLLCALL_CONFERENCE_URL")]
    pub(crate) conference_url: String,
    #[arg(long, env = "ROLLCALL_CONFERENCE_TOKEN")]
    pub(crate) conference_token: String,
    /// Where the conference reporting web service listens.
    #[arg(long, default_value = "127.0.0.1:8082", env = "ROLLCALL_REPORTING")]
    pub(crate) reporting: SocketAddr,
    #[arg(long, env = "ROLLCALL_SIGNING_KEY")]
    pub(crate) signing_key: String,
    /// TLS on the reporting web service.
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
    #[command(flatten)]
    pub(crate) limits: UserRateArgs,
}

#[derive(Args)]
pub(crate) struct ConferenceArgs {
    #[arg(long, default_value = "127.0.0.1:8081", env = "ROLLCALL_CONFERENCE_LISTEN")]
    pub(crate) listen: SocketAddr,
    /// Bearer token the gateway must present.
    #[arg(long, env = "ROLLCALL_CONFERENCE_TOKEN")]
    pub(crate) token: String,
    /// The gateway's conference reporting web service; several gateways'
    /// comma-separated (callbacks go to one, the next when it fails).
    #[arg(long, default_value = "http://127.0.0.1:8082/reporting", env = "ROLLCALL_REPORTING_URL")]
    pub(crate) reporting_url: String,
    #[arg(long, env = "ROLLCALL_SIGNING_KEY")]
    pub(crate) signing_key: String,
    /// Database (SQLite file or postgres:// URL) for call records and
    /// conference state (none written without it).
    #[arg(long, env = "ROLLCALL_DB")]
    pub(crate) db: Option<String>,
    /// This instance's name among the conference services sharing the
    /// database: each holds its running conferences under a lease and takes
    /// over those of an instance that stops renewing (docs/operations.md).
    /// Default, on PostgreSQL: the host name and --listen's port. On
    /// SQLite (one service per file) there are no leases without it.
    #[arg(long, env = "ROLLCALL_INSTANCE")]
    pub(crate) instance: Option<String>,
    /// How long a lease lasts unrenewed, in milliseconds (renewed every
    /// third of it).
    #[arg(long, default_value_t = 10_000, env = "ROLLCALL_LEASE_MS")]
    pub(crate) lease_ms: u64,
    #[command(flatten)]
    pub(crate) timing: Timing,
    #[command(flatten)]
    pub(crate) bridge: BridgeArgs,
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user, or set a new password for an existing one.
    Add {
        name: String,
        /// Asked for when not given.
        #[arg(long)]
        password: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Add or update many users from a file (`-` for standard input) of
    /// `name password` lines, `#` comments and blank lines ignored; in one
    /// transaction, HA1 only.
    Import {
        file: String,
        #[command(flatten)]
        common: Common,
    },
    /// List users.
    List {
        #[command(flatten)]
        common: Common,
    },
}
