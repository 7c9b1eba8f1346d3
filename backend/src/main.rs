//! `rollcall`: the command line. `serve` runs every part in one process;
//! `im-server`, `gateway` and `conference-service` run one part each;
//! `user` manages SIP users; `calls` prints call records; `bridge crash`
//! injects a bridge failure (operators rehearsing the fatal-error flow).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

mod config_file;
use rollcall::bridge::SimDelays;
use rollcall::conference::{self, ConferenceConfig, ConferenceService, StoreRecorder};
use rollcall::edge::throttle::{Throttle, ThrottleConfig};
use rollcall::edge::listener::ListenerOptions;
use rollcall::edge::EdgeOptions;
use rollcall::im_server::limits::ConnectionLimits;
use rollcall::gateway::{self, Gateway, GatewayConfig, GatewayLimits};
use rollcall::im_server::{self, ImConfig, ImServer};
use rollcall::pim;
use rollcall::serve::{self, ServeOptions, DEMO_USERS};
use rollcall::store::{Retention, Store, User};
use rollcall::web::{self, ClientConfig};
use rollcall_shared::sip::random_hex;
use tokio::net::TcpListener;

/// A SIP domain as every part compares it: host names are case-insensitive
/// (RFC 3261 §19.1.4) and AORs carry them lower-cased, so the domain (also
/// the digest realm) is lower-cased once, here.
fn domain_name(text: &str) -> Result<String, String> {
    let domain = text.trim().to_ascii_lowercase();
    let valid = !domain.is_empty()
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then_some(domain).ok_or_else(|| format!("`{text}` is not a domain name"))
}

/// Where `rollcall conference-service` listens by default.
const STANDALONE_CONFERENCE_URL: &str = "http://127.0.0.1:8081/conference";

#[derive(Parser)]
#[command(name = "rollcall", version, about = "Conference calls started from the browser, over SIP and SOAP")]
struct Cli {
    /// A file of `key = value` lines; each key is a flag's long name and
    /// sets that flag unless it is given on the command line or in the
    /// environment (see docs/operations.md).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A PEM certificate (a private CA's, or a self-signed one) to trust
    /// besides the public roots when reaching https:// and wss:// peers;
    /// repeat for more.
    #[arg(long = "ca-cert", global = true, value_name = "FILE", env = "ROLLCALL_CA_CERT", value_delimiter = ',')]
    ca_certs: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run IM server, gateway, conference web service and bridge simulator together.
    Serve(ServeArgs),
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
    /// Manage which billing accounts users may bill calls to (PROTOCOL.md §8).
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Subcommand)]
enum AccountCommand {
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
enum DirectoryCommand {
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
enum BridgeCommand {
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
struct Common {
    /// SQLite database file.
    #[arg(long, default_value = "rollcall.db", env = "ROLLCALL_DB")]
    db: String,
    /// SIP domain (and digest realm), lower-cased.
    #[arg(long, default_value = "rollcall.local", env = "ROLLCALL_DOMAIN", value_parser = domain_name)]
    domain: String,
}

#[derive(Args)]
struct Timing {
    /// Simulated telephone network at test speed (milliseconds, not seconds).
    #[arg(long, env = "ROLLCALL_FAST")]
    fast: bool,
    /// Simulator: from dialing to ringing, in milliseconds.
    #[arg(long, env = "ROLLCALL_RING_MS")]
    ring_ms: Option<u64>,
    /// Simulator: from ringing to answered, in milliseconds.
    #[arg(long, env = "ROLLCALL_ANSWER_MS")]
    answer_ms: Option<u64>,
    /// Simulator: how long a phone rings before `no-answer`, in milliseconds.
    #[arg(long, env = "ROLLCALL_NO_ANSWER_MS")]
    no_answer_ms: Option<u64>,
    /// Simulator: how long +15005550004 stays before hanging up, in milliseconds.
    #[arg(long, env = "ROLLCALL_AUTO_HANGUP_MS")]
    auto_hangup_ms: Option<u64>,
    /// Largest number of participants in a conference, initiator included.
    #[arg(long, default_value_t = 16, env = "ROLLCALL_MAX_PARTICIPANTS")]
    max_participants: usize,
    /// Most conferences one user may have going at once (past it, Fault
    /// c:RateLimited).
    #[arg(long, default_value_t = ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER, env = "ROLLCALL_MAX_LIVE_CONFERENCES")]
    max_live_conferences: usize,
    /// End a conference after this long with nobody but the initiator on the
    /// call or being called, in milliseconds (default 30 minutes; not
    /// shortened by --fast).
    #[arg(long, env = "ROLLCALL_INACTIVITY_MS")]
    inactivity_ms: Option<u64>,
}

impl Timing {
    /// Human speed by default, test speed with `--fast`, and any single
    /// delay set by its own flag on top of either.
    fn delays(&self) -> SimDelays {
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

    fn inactivity_timeout(&self) -> Duration {
        self.inactivity_ms.map_or(ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT, Duration::from_millis)
    }
}

/// How long and how much of the message log is kept.
#[derive(Args)]
struct LogArgs {
    /// Days a logged message is kept.
    #[arg(long, default_value_t = 30, env = "ROLLCALL_LOG_MAX_AGE_DAYS")]
    log_max_age_days: u64,
    /// Megabytes of messages the log may hold; the oldest go first.
    #[arg(long, default_value_t = 1024, env = "ROLLCALL_LOG_MAX_MB")]
    log_max_mb: u64,
}

impl LogArgs {
    fn retention(&self) -> Retention {
        Retention {
            max_age: Duration::from_secs(self.log_max_age_days.saturating_mul(86_400)),
            max_bytes: self.log_max_mb.saturating_mul(1 << 20),
        }
    }
}

/// How much one user may ask of the gateway.
#[derive(Args)]
struct UserRateArgs {
    /// SOAP requests per second one user may send, on average…
    #[arg(long, default_value_t = GatewayLimits::default().requests_per_second, env = "ROLLCALL_USER_REQUEST_RATE")]
    user_request_rate: f64,
    /// …with bursts of this many; beyond, Fault c:RateLimited with c:retryAfter.
    #[arg(long, default_value_t = GatewayLimits::default().request_burst, env = "ROLLCALL_USER_REQUEST_BURST")]
    user_request_burst: f64,
}

impl UserRateArgs {
    fn gateway(&self) -> GatewayLimits {
        GatewayLimits { requests_per_second: self.user_request_rate, request_burst: self.user_request_burst }
    }
}

/// TLS on a listener: both or neither.
#[derive(Args)]
struct TlsArgs {
    /// PEM certificate chain: serve HTTPS (and WSS) instead of HTTP.
    #[arg(long, value_name = "FILE", env = "ROLLCALL_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", env = "ROLLCALL_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Seconds a client has for its TLS handshake, and for each request's headers.
    #[arg(long, default_value_t = 10, env = "ROLLCALL_HEADER_TIMEOUT_S")]
    header_timeout_s: u64,
    /// A reverse proxy (IP address) whose X-Forwarded-For is believed, so
    /// that per-address limits see the real client; repeat for more.
    #[arg(long = "trusted-proxy", value_name = "IP", env = "ROLLCALL_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// TCP connections open at once on this listener…
    #[arg(long, default_value_t = ListenerOptions::default().max_connections, env = "ROLLCALL_MAX_CONNECTIONS")]
    max_connections: usize,
    /// …and from one address (an IPv6 /64 counts as one; trusted proxies excepted).
    #[arg(long, default_value_t = ListenerOptions::default().max_connections_per_ip, env = "ROLLCALL_MAX_TCP_PER_IP")]
    max_tcp_per_ip: usize,
}

impl TlsArgs {
    fn listener(&self) -> anyhow::Result<ListenerOptions> {
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
        })
    }
}

/// How the public port treats strangers (docs/hosting.md).
#[derive(Args)]
struct EdgeArgs {
    #[command(flatten)]
    tls: TlsArgs,
    /// An origin (`https://host[:port]`) whose pages may open /sip and
    /// change /api and /pstn, besides the server's own; repeat or separate
    /// with commas. Needed behind a reverse proxy that rewrites `Host`.
    #[arg(long = "allowed-origin", value_name = "ORIGIN", env = "ROLLCALL_ALLOWED_ORIGIN", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// Failed password attempts for one user before refusals start.
    #[arg(long, default_value_t = ThrottleConfig::default().user_free_failures, env = "ROLLCALL_AUTH_USER_FAILURES")]
    auth_user_failures: u32,
    /// Failed password attempts from one IP address before refusals start.
    #[arg(long, default_value_t = ThrottleConfig::default().ip_free_failures, env = "ROLLCALL_AUTH_IP_FAILURES")]
    auth_ip_failures: u32,
    /// The first refusal after too many failures, in milliseconds; each
    /// further failure doubles it.
    #[arg(long, default_value_t = 1000, env = "ROLLCALL_AUTH_LOCKOUT_MS")]
    auth_lockout_ms: u64,
    /// The longest refusal, in seconds.
    #[arg(long, default_value_t = 900, env = "ROLLCALL_AUTH_MAX_LOCKOUT_S")]
    auth_max_lockout_s: u64,
    /// WebSocket connections open at once from one IP address.
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections_per_ip, env = "ROLLCALL_MAX_CONNECTIONS_PER_IP")]
    max_connections_per_ip: usize,
    /// Seconds a new connection has to authenticate a request before it is closed.
    #[arg(long, default_value_t = 30, env = "ROLLCALL_AUTH_TIMEOUT_S")]
    auth_timeout_s: u64,
    /// Unauthenticated SIP messages per second from one IP address…
    #[arg(long, default_value_t = ConnectionLimits::default().unauthenticated_per_second, env = "ROLLCALL_UNAUTH_RATE")]
    unauth_rate: f64,
    /// …and the burst allowed above that rate.
    #[arg(long, default_value_t = ConnectionLimits::default().unauthenticated_burst, env = "ROLLCALL_UNAUTH_BURST")]
    unauth_burst: f64,
    /// Bytes of an unauthenticated (or oversized) message kept in the message log.
    #[arg(long, default_value_t = ConnectionLimits::default().log_truncate_bytes, env = "ROLLCALL_LOG_TRUNCATE_BYTES")]
    log_truncate_bytes: usize,
    /// Messages queued for one connection; a peer that does not read them is closed.
    #[arg(long, default_value_t = ConnectionLimits::default().send_queue, env = "ROLLCALL_SEND_QUEUE")]
    send_queue: usize,
    /// Seconds of silence after which a WebSocket is pinged (a keep-alive for
    /// NATs and proxies).
    #[arg(long, default_value_t = 25, env = "ROLLCALL_WS_PING_S")]
    ws_ping_s: u64,
    /// Seconds of silence (no frame, no pong) after which a WebSocket is closed.
    #[arg(long, default_value_t = 90, env = "ROLLCALL_WS_IDLE_S")]
    ws_idle_s: u64,
    /// SIP messages per second one authenticated connection may send, on average…
    #[arg(long, default_value_t = ConnectionLimits::default().authenticated_per_second, env = "ROLLCALL_USER_MESSAGE_RATE")]
    user_message_rate: f64,
    /// …and the burst allowed above that rate (the gateway is exempt).
    #[arg(long, default_value_t = ConnectionLimits::default().authenticated_burst, env = "ROLLCALL_USER_MESSAGE_BURST")]
    user_message_burst: f64,
    /// Presence subscriptions one user may hold at once.
    #[arg(long, default_value_t = ConnectionLimits::default().max_subscriptions_per_user, env = "ROLLCALL_MAX_SUBSCRIPTIONS_PER_USER")]
    max_subscriptions_per_user: usize,
}

impl EdgeArgs {
    fn options(&self) -> anyhow::Result<EdgeOptions> {
        Ok(EdgeOptions {
            listener: self.tls.listener()?,
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
struct ServeArgs {
    /// Address of the HTTP port: the browser app and SIP over WebSocket at /sip.
    #[arg(long, default_value = "0.0.0.0:8080", env = "ROLLCALL_HTTP")]
    http: SocketAddr,
    #[command(flatten)]
    common: Common,
    /// Where the built browser app is.
    #[arg(long, default_value = "dist", env = "ROLLCALL_STATIC_DIR")]
    static_dir: PathBuf,
    /// Seed demo users (alice, bob, carol) and print their passwords.
    #[arg(long)]
    demo: bool,
    /// Let visitors create accounts from the sign-in page, each with a
    /// starter address book, inbox and numbers (rate-limited per address).
    #[arg(long, env = "ROLLCALL_SIGNUP")]
    signup: bool,
    /// Let the phone panel hold any number, not only the person's own (the
    /// numbers of their directory entries).
    #[arg(long, env = "ROLLCALL_PANEL_ANY_NUMBER")]
    panel_any_number: bool,
    /// One password for every demo user (default: a random one each).
    #[arg(long, env = "ROLLCALL_DEMO_PASSWORD", requires = "demo")]
    demo_password: Option<String>,
    #[command(flatten)]
    timing: Timing,
    #[command(flatten)]
    edge: EdgeArgs,
    #[command(flatten)]
    limits: UserRateArgs,
    #[command(flatten)]
    log: LogArgs,
}

#[derive(Args)]
struct ImServerArgs {
    #[arg(long, default_value = "0.0.0.0:8080", env = "ROLLCALL_HTTP")]
    http: SocketAddr,
    #[command(flatten)]
    edge: EdgeArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    common: Common,
    #[arg(long, default_value = "dist", env = "ROLLCALL_STATIC_DIR")]
    static_dir: PathBuf,
    /// The gateway's AOR, told to browsers (default sip:conference@DOMAIN).
    #[arg(long, env = "ROLLCALL_GATEWAY_AOR")]
    gateway_aor: Option<String>,
}

#[derive(Args)]
struct GatewayArgs {
    /// The IM server's SIP WebSocket.
    #[arg(long, default_value = "ws://127.0.0.1:8080/sip", env = "ROLLCALL_IM_URL")]
    im_url: String,
    #[arg(long, default_value = "rollcall.local", env = "ROLLCALL_DOMAIN", value_parser = domain_name)]
    domain: String,
    /// The gateway's SIP user.
    #[arg(long, default_value = "conference", env = "ROLLCALL_GATEWAY_USER")]
    user: String,
    #[arg(long, env = "ROLLCALL_GATEWAY_PASSWORD")]
    password: String,
    /// The conference web service's SOAP endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8081/conference", env = "ROLLCALL_CONFERENCE_URL")]
    conference_url: String,
    #[arg(long, env = "ROLLCALL_CONFERENCE_TOKEN")]
    conference_token: String,
    /// Where the conference reporting web service listens.
    #[arg(long, default_value = "127.0.0.1:8082", env = "ROLLCALL_REPORTING")]
    reporting: SocketAddr,
    #[arg(long, env = "ROLLCALL_SIGNING_KEY")]
    signing_key: String,
    /// TLS on the reporting web service.
    #[command(flatten)]
    tls: TlsArgs,
    #[command(flatten)]
    limits: UserRateArgs,
}

#[derive(Args)]
struct ConferenceArgs {
    #[arg(long, default_value = "127.0.0.1:8081", env = "ROLLCALL_CONFERENCE_LISTEN")]
    listen: SocketAddr,
    /// Bearer token the gateway must present.
    #[arg(long, env = "ROLLCALL_CONFERENCE_TOKEN")]
    token: String,
    /// The gateway's conference reporting web service.
    #[arg(long, default_value = "http://127.0.0.1:8082/reporting", env = "ROLLCALL_REPORTING_URL")]
    reporting_url: String,
    #[arg(long, env = "ROLLCALL_SIGNING_KEY")]
    signing_key: String,
    /// SQLite database for call records (none written without it).
    #[arg(long, env = "ROLLCALL_DB")]
    db: Option<String>,
    #[command(flatten)]
    timing: Timing,
    #[command(flatten)]
    tls: TlsArgs,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user, or set a new password for an existing one.
    Add {
        name: String,
        /// Asked for when not given.
        #[arg(long)]
        password: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// List users.
    List {
        #[command(flatten)]
        common: Common,
    },
}

fn main() -> anyhow::Result<()> {
    // Before any thread exists: a config file only fills in ROLLCALL_* variables.
    config_file::load_from_args(std::env::args())?;
    let cli = Cli::parse();
    for file in &cli.ca_certs {
        rollcall::edge::tls::trust_file(file)?;
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => run_serve(args).await,
        Command::ImServer(args) => run_im_server(args).await,
        Command::Gateway(args) => run_gateway(args).await,
        Command::ConferenceService(args) => run_conference_service(args).await,
        Command::User(command) => run_user(command).await,
        Command::Calls { db, limit } => run_calls(&db, limit).await,
        Command::Directory(DirectoryCommand::Import { file, db }) => run_directory_import(&file, &db).await,
        Command::Account(command) => run_account(command).await,
        Command::Log { db, user, call_id, since, until, grep, limit, full } => {
            let filter = rollcall::store::LogFilter { user, call_id, since, until, containing: grep };
            run_log(&db, &filter, limit, full).await
        }
        Command::DevCert { out, names } => run_dev_cert(&out, &names),
        Command::Bridge(BridgeCommand::Crash { conference_id, conference_url, token, db }) => {
            // URL and token come from one place: the arguments (standalone
            // service), or the file of the serve that owns `--db`.
            let (url, token) = match token {
                Some(token) => (conference_url.unwrap_or_else(|| STANDALONE_CONFERENCE_URL.to_string()), token),
                None => {
                    let file = rollcall::operator_file::OperatorFile::read(&db)?;
                    (file.conference_url, file.token)
                }
            };
            run_bridge_crash(&conference_id, &url, &token).await
        }
    }
}

async fn run_serve(args: ServeArgs) -> anyhow::Result<()> {
    let demo_users: Vec<(String, String)> = if args.demo {
        DEMO_USERS
            .iter()
            .map(|name| (name.to_string(), args.demo_password.clone().unwrap_or_else(|| random_hex(6))))
            .collect()
    } else {
        Vec::new()
    };
    let running = serve::start(ServeOptions {
        http: args.http,
        db: args.common.db,
        domain: args.common.domain.clone(),
        static_dir: args.static_dir,
        delays: args.timing.delays(),
        max_participants: args.timing.max_participants,
        max_live_per_owner: args.timing.max_live_conferences,
        gateway_limits: args.limits.gateway(),
        inactivity_timeout: args.timing.inactivity_timeout(),
        demo_users: demo_users.clone(),
        edge: args.edge.options()?,
        panel_any_number: args.panel_any_number,
        log_retention: args.log.retention(),
        signup: args.signup,
    })
    .await?;
    let scheme = if running.public_url.starts_with("https") { "https" } else { "http" };
    println!("Rollcall is running at {scheme}://localhost:{}/", running.http.port());
    for (name, password) in &demo_users {
        println!("  demo user {name:<6} password {password}   (sip:{name}@{})", args.common.domain);
    }
    wait_for_shutdown().await
}

async fn run_im_server(args: ImServerArgs) -> anyhow::Result<()> {
    let store = Store::open(&args.common.db).await?;
    store.message_log().spawn_retention(args.log.retention(), Retention::EVERY);
    let edge = args.edge.options()?;
    let mut config = ImConfig::new(&args.common.domain);
    config.throttle = Arc::new(Throttle::new(edge.throttle.clone()));
    config.limits = edge.connection_limits.clone();
    let gateway_aor = args.gateway_aor.unwrap_or_else(|| format!("sip:conference@{}", args.common.domain));
    // The gateway carries everyone's answers and events: no message rate for it.
    let gateway_user = gateway_aor.trim_start_matches("sip:").split('@').next().unwrap_or_default().to_string();
    config.unmetered_users = vec![gateway_user];
    let im = ImServer::new(config, store);
    let client = ClientConfig { gateway_aor, domain: args.common.domain };
    let listener = TcpListener::bind(args.http).await.with_context(|| format!("binding {}", args.http))?;
    let public = im_server::router(im).merge(web::router(&args.static_dir, client, web::Readiness::ready()));
    rollcall::edge::listener::spawn(listener, rollcall::edge::guard(public, &edge), edge.listener.clone());
    println!("IM server listening on {}", args.http);
    wait_for_shutdown().await
}

async fn run_gateway(args: GatewayArgs) -> anyhow::Result<()> {
    let signing_key = args.signing_key.into_bytes();
    let gateway = Gateway::start(GatewayConfig {
        im_url: args.im_url,
        domain: args.domain,
        user: args.user,
        password: args.password,
        conference_url: args.conference_url,
        conference_token: args.conference_token,
        signing_key: signing_key.clone(),
        limits: args.limits.gateway(),
    })?;
    let listener = TcpListener::bind(args.reporting).await.with_context(|| format!("binding {}", args.reporting))?;
    rollcall::edge::listener::spawn(listener, gateway::reporting::router(gateway, signing_key), args.tls.listener()?);
    println!("gateway started; reporting web service on {}", args.reporting);
    wait_for_shutdown().await
}

async fn run_conference_service(args: ConferenceArgs) -> anyhow::Result<()> {
    // With a database: call records, and the billing accounts users were granted.
    let store = match &args.db {
        Some(db) => Some(Store::open(db).await?),
        None => None,
    };
    let call_records: Option<Arc<dyn conference::CallRecorder>> = store.as_ref().map(|store| {
        Arc::new(StoreRecorder::spawn(store.call_records(), &tokio::runtime::Handle::current())) as Arc<dyn conference::CallRecorder>
    });
    let service = ConferenceService::with_simulator(
        ConferenceConfig {
            token: args.token,
            reporting_url: args.reporting_url,
            signing_key: args.signing_key.into_bytes(),
            max_participants: args.timing.max_participants,
            max_live_per_owner: args.timing.max_live_conferences,
            inactivity_timeout: args.timing.inactivity_timeout(),
            call_records,
            accounts: store.as_ref().map(Store::accounts),
        },
        args.timing.delays(),
    )?;
    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    rollcall::edge::listener::spawn(listener, conference::router(service), args.tls.listener()?);
    println!("conference web service on http://{}/conference (WSDL at ?wsdl)", args.listen);
    wait_for_shutdown().await
}

async fn run_user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { name, password, common } => {
            let password = match password {
                Some(p) => p,
                None => rpassword::prompt_password(format!("Password for {name}: ")).context("reading the password")?,
            };
            anyhow::ensure!(!password.is_empty(), "the password must not be empty");
            let store = Store::open(&common.db).await?;
            store.users().upsert(&User::with_password(&name, &common.domain, &password)).await?;
            println!("user sip:{name}@{} saved (HA1 only)", common.domain);
        }
        UserCommand::List { common } => {
            let store = Store::open(&common.db).await?;
            for (name, realm) in store.users().list().await? {
                println!("sip:{name}@{realm}");
            }
        }
    }
    Ok(())
}

async fn run_calls(db: &str, limit: u32) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let records = store.call_records().recent(limit).await.context("reading call records")?;
    println!(
        "{:<21} {:<12} {:<18} {:<16} {:<24} {:<24} {:<24} {:<12} {:>5}",
        "conference", "account", "participant", "number", "start (dial)", "answer", "end", "state", "cause"
    );
    for stored in records {
        let r = stored.record;
        println!(
            "{:<21} {:<12} {:<18} {:<16} {:<24} {:<24} {:<24} {:<12} {:>5}",
            r.conference_id,
            r.account,
            r.participant_id,
            r.number,
            r.started_at,
            r.answered_at.as_deref().unwrap_or("-"),
            r.ended_at,
            r.final_state,
            r.cause.map_or_else(|| "-".to_string(), |c| c.to_string()),
        );
    }
    Ok(())
}

/// `POST /admin/crash?conference=ID` beside the SOAP endpoint `conference_url`.
async fn run_bridge_crash(conference_id: &str, conference_url: &str, token: &str) -> anyhow::Result<()> {
    let mut url = reqwest::Url::parse(conference_url).with_context(|| format!("conference URL {conference_url}"))?;
    url.set_path("/admin/crash");
    url.query_pairs_mut().clear().append_pair("conference", conference_id);
    let response = reqwest::Client::new()
        .post(url.clone())
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    anyhow::ensure!(status.is_success(), "{url} answered {status}: {}", text.trim());
    print!("{text}");
    Ok(())
}

async fn wait_for_shutdown() -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    // Give in-flight responses a moment; everything else ends with the runtime.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}

/// `rollcall dev-cert`: cert.pem and an owner-only key.pem in `out`.
fn run_dev_cert(out: &std::path::Path, names: &[String]) -> anyhow::Result<()> {
    let (cert, key) = rollcall::edge::tls::self_signed(names)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let (cert_file, key_file) = (out.join("cert.pem"), out.join("key.pem"));
    std::fs::write(&cert_file, cert).with_context(|| format!("writing {}", cert_file.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&key_file)?, key.as_bytes()).with_context(|| format!("writing {}", key_file.display()))?;
    println!("wrote {} and {} for {}", cert_file.display(), key_file.display(), names.join(", "));
    Ok(())
}

/// `rollcall log`: matching message log entries, oldest first.
async fn run_log(db: &str, filter: &rollcall::store::LogFilter, limit: u32, full: bool) -> anyhow::Result<()> {
    let entries = Store::open(db).await?.message_log().search(filter, limit).await?;
    for e in entries {
        let user = e.auth_user.as_deref().unwrap_or("-");
        let first = printable(&e.first_line);
        println!("{} #{} {:<3} conn {} {} {user}  {first}", e.at, e.id, e.direction, e.connection_id, e.peer);
        if full {
            println!("{}\n", printable(e.message.trim_end()));
        }
    }
    Ok(())
}

/// `text` with control characters other than line breaks and tabs shown
/// as `\u{..}`: strangers' messages must not drive the operator's terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && !matches!(c, '\n' | '\r' | '\t') { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

/// `rollcall account grant|revoke|list`.
async fn run_account(command: AccountCommand) -> anyhow::Result<()> {
    match command {
        AccountCommand::Grant { user, account, default, db } => {
            let store = Store::open(&db).await?;
            anyhow::ensure!(store.users().get(&user).await?.is_some(), "no user `{user}` (rollcall user add {user})");
            store.accounts().grant(&user, &account, default).await?;
            println!("{user} may bill account {account}{}", if default { " (default)" } else { "" });
        }
        AccountCommand::Revoke { user, account, db } => {
            let store = Store::open(&db).await?;
            anyhow::ensure!(store.accounts().revoke(&user, &account).await?, "{user} had no grant of account {account}");
            println!("{user} may no longer bill account {account}");
        }
        AccountCommand::List { user, db } => {
            let accounts = Store::open(&db).await?.accounts().of(&user).await?;
            println!("{} (default)", accounts.default);
            for account in accounts.allowed.iter().filter(|a| **a != accounts.default) {
                println!("{account}");
            }
        }
    }
    Ok(())
}

/// `rollcall directory import FILE --db DB`.
async fn run_directory_import(file: &std::path::Path, db: &str) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let store = Store::open(db).await?;
    let imported = pim::import_vcard(&store, &rollcall::store::Book::Directory, &bytes, None)
        .await
        .with_context(|| format!("{}: nothing imported", file.display()))?;
    println!("imported {imported} entries into the directory from {}", file.display());
    Ok(())
}
