//! `rollcall`: the command line. `serve` runs every part in one process;
//! `im-server`, `gateway` and `conference-service` run one part each;
//! `user` manages SIP users; `calls` prints call records; `bridge crash`
//! injects a bridge failure (operators rehearsing the fatal-error flow).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

mod args;
mod config_file;

/// mimalloc instead of glibc's malloc: a relayed MESSAGE allocates many
/// small strings on several threads, and glibc's malloc and free took a
/// seventh of the relay's CPU (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use args::*;
use rollcall::bridge::sip::SipBridge;
use rollcall::conference::{self, ConferenceConfig, ConferenceService, StoreRecorder};
use rollcall::edge::throttle::Throttle;
use rollcall::gateway::{self, Gateway, GatewayConfig};
use rollcall::im_server::{self, ImConfig, ImServer};
use rollcall::pim;
use rollcall::serve::{self, ServeOptions, DEMO_USERS};
use rollcall::store::{Retention, Store, User};
use rollcall::web::{self, ClientConfig};
use rollcall_shared::random::random_hex;
use tokio::net::TcpListener;

/// `println!` for a server, which must not die when whoever started it
/// stops reading its standard output (a closed pipe makes `println!` panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
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
    if matches!(cli.command, Command::Serve(_) | Command::ImServer(_) | Command::Gateway(_) | Command::ConferenceService(_)) {
        rollcall::edge::fd_limit::raise();
    }
    match cli.command {
        Command::Serve(args) => run_serve(*args).await,
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
        DEMO_USERS.iter().map(|name| (name.to_string(), args.demo_password.clone().unwrap_or_else(|| random_hex(6)))).collect()
    } else {
        Vec::new()
    };
    let cluster = serve_cluster(&args)?;
    let running = serve::start(ServeOptions {
        http: args.http,
        db: args.common.db,
        domain: args.common.domain.clone(),
        static_dir: args.static_dir,
        delays: args.timing.delays(),
        sip_bridge: args.bridge.sip(Some(&args.common.domain))?,
        max_participants: args.timing.max_participants,
        max_live_per_owner: args.timing.max_live_conferences,
        gateway_limits: args.limits.gateway(),
        inactivity_timeout: args.timing.inactivity_timeout(),
        confirm_timeout: args.timing.confirm_timeout(),
        demo_users: demo_users.clone(),
        edge: args.edge.options()?,
        panel_any_number: args.panel_any_number,
        log_retention: args.log.retention(),
        signup: args.signup,
        metrics: args.metrics.serve(),
        cluster,
        gateway_password: args.gateway_password.clone(),
    })
    .await?;
    let scheme = if running.public_url.starts_with("https") { "https" } else { "http" };
    say!("Rollcall is running at {scheme}://localhost:{}/", running.http.port());
    if let Some(addr) = running.sip.plain {
        say!("  SIP phones: UDP and TCP on {addr}");
    }
    if let Some(addr) = running.sip.tls {
        say!("  SIP phones: TLS on {addr}");
    }
    if let Some(metrics) = running.metrics {
        say!("  metrics at http://{metrics}/metrics");
    }
    for (name, password) in &demo_users {
        say!("  demo user {name:<6} password {password}   (sip:{name}@{})", args.common.domain);
    }
    rollcall::shutdown::signal().await;
    running.stop().await;
    Ok(())
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
    config.conference_user = gateway_user.clone();
    config.unmetered_users = vec![gateway_user];
    config.shutdown = edge.listener.shutdown.clone();
    if let Some(algorithms) = &edge.digest_algorithms {
        config.algorithms = algorithms.clone();
    }
    let im = ImServer::new(config, store.clone());
    let cluster = match args.cluster.config()? {
        Some(config) => Some(im_server::cluster::join(&im, config).await?),
        None => None,
    };
    let sip = im_server::transport::ports::listen(&im, &edge.sip, edge.listener.tls.clone()).await?;
    let client = ClientConfig { gateway_aor, domain: args.common.domain };
    let listener = TcpListener::bind(args.http).await.with_context(|| format!("binding {}", args.http))?;
    let public = im_server::router(im).merge(web::router(&args.static_dir, client, web::Readiness::ready()));
    rollcall::edge::listener::spawn(listener, rollcall::edge::guard(public, &edge), edge.listener.clone());
    say!("IM server listening on {}", args.http);
    if let Some(addr) = sip.plain {
        say!("  SIP over UDP and TCP on {addr}");
    }
    if let Some(addr) = sip.tls {
        say!("  SIP over TLS on {addr}");
    }
    if let Some(cluster) = &cluster {
        say!("  node {} of the cluster at {}", cluster.node(), cluster.servers());
    }
    let stopped = stop_on_signal(&edge.listener.shutdown, Some(&store)).await;
    if let Some(cluster) = cluster {
        cluster.leave().await;
    }
    stopped
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
    let options = args.tls.listener()?;
    rollcall::edge::listener::spawn(listener, gateway::reporting::router(gateway, signing_key), options.clone());
    say!("gateway started; reporting web service on {}", args.reporting);
    stop_on_signal(&options.shutdown, None).await
}

async fn run_conference_service(args: ConferenceArgs) -> anyhow::Result<()> {
    // With a database: call records, and the billing accounts users were granted.
    let store = match &args.db {
        Some(db) => Some(Store::open(db).await?),
        None => None,
    };
    let lease = lease_of(&args)?;
    let conferences = store.as_ref().map(|store| match &lease {
        Some(lease) => store.conferences().leased(lease.clone()),
        None => store.conferences(),
    });
    let recorder = store.as_ref().zip(conferences.clone()).map(|(store, conferences)| {
        Arc::new(StoreRecorder::spawn(store.call_records(), conferences, &tokio::runtime::Handle::current()))
    });
    let call_records = recorder.clone().map(|r| r as Arc<dyn conference::CallRecorder>);
    let config = ConferenceConfig {
        token: args.token,
        reporting_url: args.reporting_url,
        signing_key: args.signing_key.into_bytes(),
        max_participants: args.timing.max_participants,
        max_live_per_owner: args.timing.max_live_conferences,
        inactivity_timeout: args.timing.inactivity_timeout(),
        confirm_timeout: args.timing.confirm_timeout(),
        call_records,
        accounts: store.as_ref().map(Store::accounts),
    };
    let service = match args.bridge.sip(None)? {
        Some(sip) => {
            let (bridge, events) = SipBridge::start(sip).await.context("starting the SIP bridge")?;
            say!("SIP bridge on UDP {}", bridge.local_addr());
            ConferenceService::new(config, Arc::new(bridge), events)?
        }
        None => ConferenceService::with_simulator(config, args.timing.delays())?,
    };
    if let (Some(store), Some(conferences)) = (&store, &conferences) {
        // Conferences of the last run, or of an instance that died: running
        // ones end (their calls died).
        conference::recovery::recover(store, conferences, &service).await?;
        if let Some(lease) = &lease {
            conference::recovery::keep_leases(store.clone(), conferences.clone(), Arc::clone(&service), lease.ttl / 3);
            say!("instance {} (lease {} ms)", lease.instance, lease.ttl.as_millis());
        }
    }
    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let options = args.tls.listener()?;
    rollcall::edge::listener::spawn(listener, conference::router(Arc::clone(&service)), options.clone());
    say!("conference web service on http://{}/conference (WSDL at ?wsdl)", args.listen);
    rollcall::shutdown::signal().await;
    tracing::info!("shutting down");
    // Real calls (the SIP bridge) are hung up before the process goes.
    if service.shut_down() > 0 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while service.live_calls() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    options.shutdown.begin();
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let (Some(recorder), Some(store)) = (&recorder, &store) {
        // Queued call records and conference states first, then the database.
        let _ = tokio::time::timeout(Duration::from_secs(3), recorder.flush()).await;
        store.close().await;
    }
    Ok(())
}

/// The cluster a `serve` node joins: it must be named (its conference
/// service's lease is), share its gateway's password and a PostgreSQL
/// database with the other nodes.
fn serve_cluster(args: &ServeArgs) -> anyhow::Result<Option<rollcall::im_server::cluster::ClusterConfig>> {
    let Some(config) = args.cluster.config()? else { return Ok(None) };
    anyhow::ensure!(config.node.is_some(), "a node of a cluster needs a name (--node)");
    anyhow::ensure!(
        args.gateway_password.is_some(),
        "the nodes of a cluster share their gateway's password (--gateway-password)"
    );
    anyhow::ensure!(
        rollcall::store::Backend::of(&args.common.db) == rollcall::store::Backend::Postgres,
        "the nodes of a cluster share one database (--db postgres://…)"
    );
    Ok(Some(config))
}

/// The lease this conference service holds its conferences under: with
/// `--instance`, or on PostgreSQL (named after the host); none otherwise.
fn lease_of(args: &ConferenceArgs) -> anyhow::Result<Option<rollcall::store::Lease>> {
    let on_postgres = args.db.as_deref().is_some_and(|db| rollcall::store::Backend::of(db) == rollcall::store::Backend::Postgres);
    let instance = match &args.instance {
        Some(instance) => instance.clone(),
        None if on_postgres => {
            // The host and the port: two services on one host are two instances.
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
            format!("{host}:{}", args.listen.port())
        }
        None => return Ok(None),
    };
    anyhow::ensure!(!instance.is_empty() && instance.len() <= 64, "give this instance a name (--instance)");
    anyhow::ensure!(args.lease_ms >= 300, "--lease-ms must be at least 300");
    Ok(Some(rollcall::store::Lease { instance, ttl: Duration::from_millis(args.lease_ms) }))
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
        UserCommand::Import { file, common } => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?
            };
            let users = parse_user_lines(&text, &common.domain)?;
            Store::open(&common.db).await?.users().upsert_all(&users).await?;
            println!("{} users saved (HA1 only)", users.len());
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

/// `name password` lines (`#` comments, blank lines) as users of `realm`.
fn parse_user_lines(text: &str, realm: &str) -> anyhow::Result<Vec<User>> {
    let mut users = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, password) = line
            .split_once(char::is_whitespace)
            .map(|(name, password)| (name, password.trim()))
            .filter(|(_, password)| !password.is_empty())
            .with_context(|| format!("line {}: expected `name password`", n + 1))?;
        users.push(User::with_password(name, realm, password));
    }
    Ok(users)
}

async fn run_calls(db: &str, limit: u32) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let records = store.call_records().recent(limit).await.context("reading call records")?;
    println!(
        "{:<21} {:<12} {:<18} {:<16} {:<24} {:<24} {:<24} {:<12} {:>5}  audio (loss, jitter: received / sent)",
        "conference", "account", "participant", "number", "start (dial)", "answer", "end", "state", "cause"
    );
    for stored in records {
        let r = stored.record;
        let audio = stored.quality.map_or_else(String::new, |q| {
            let sent = match (q.tx_loss_permille, q.tx_jitter_us) {
                (Some(loss), Some(jitter)) => format!("{:.1} %, {:.1} ms", loss as f64 / 10.0, jitter as f64 / 1000.0),
                _ => "-".to_string(),
            };
            format!("{:.1} %, {:.1} ms / {sent}", q.rx_loss_permille as f64 / 10.0, q.rx_jitter_us as f64 / 1000.0)
        });
        println!(
            "{:<21} {:<12} {:<18} {:<16} {:<24} {:<24} {:<24} {:<12} {:>5}  {audio}",
            r.conference_id,
            r.account,
            r.participant_id,
            r.number,
            r.started_at,
            r.answered_at.as_deref().unwrap_or("-"),
            r.ended_at.as_deref().unwrap_or("-"),
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
    let response =
        reqwest::Client::new().post(url.clone()).bearer_auth(token).send().await.with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    anyhow::ensure!(status.is_success(), "{url} answered {status}: {}", text.trim());
    print!("{text}");
    Ok(())
}

/// A standalone part's end: on SIGTERM or Ctrl-C, stop accepting, give the
/// requests in hand and the close frames a moment, then checkpoint and
/// close the database.
async fn stop_on_signal(shutdown: &rollcall::shutdown::Shutdown, store: Option<&Store>) -> anyhow::Result<()> {
    rollcall::shutdown::signal().await;
    tracing::info!("shutting down");
    shutdown.begin();
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let Some(store) = store {
        store.close().await;
    }
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
    std::io::Write::write_all(&mut options.open(&key_file)?, key.as_bytes())
        .with_context(|| format!("writing {}", key_file.display()))?;
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
