//! The database, through sqlx with migrations: SQLite (the default, a
//! file beside the server) or PostgreSQL (`--db postgres://…`, for a
//! cluster of nodes sharing one database). One repository type per table
//! group: [`Users`], [`MessageLog`], [`CallRecords`], [`AddressBooks`],
//! [`Inbox`], [`Conferences`] and [`Accounts`].
//!
//! The repositories run the same SQL on both, through sqlx's `Any`
//! driver: `$N` placeholders, integers read as `i64` (BIGINT in
//! PostgreSQL), SQLite's `instr` defined as a function in PostgreSQL's
//! first migration. Where the two dialects truly differ (the message log's
//! batched insert) the code asks [`Store::backend`]. The migrations are
//! kept step for step in `migrations/sqlite/` and `migrations/postgres/`.

mod accounts;
mod address_book;
mod call_records;
mod conferences;
mod inbox;
mod message_log;
mod users;

#[cfg(test)]
pub(crate) mod testing;

pub use accounts::{valid_account, Accounts, UserAccounts};
pub use address_book::{AddressBooks, Book, StoredEntry};
pub use call_records::{CallRecord, CallRecords, StoredCallRecord};
pub use conferences::{ConferenceRow, Conferences, Lease};
pub use inbox::{Email, Inbox, StoredEmail};
pub use message_log::{Direction, LogEntry, LogFilter, LogReceipt, MessageLog, Retention};
pub use users::{valid_username, User, Users};

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use anyhow::Context;
use futures_util::future::BoxFuture;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

/// The database engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// PostgreSQL for a `postgres://` or `postgresql://` URL; SQLite for
    /// anything else (a file path, or `:memory:`).
    pub fn of(db: &str) -> Backend {
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Connections a server keeps to PostgreSQL at most.
const POSTGRES_CONNECTIONS: u32 = 16;

/// The database: a pool plus the repositories built on it.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The global directory as last read, shared by every request.
    directory: address_book::DirectoryCache,
    /// About how many bytes the message log holds ([`MessageLog::bytes`]).
    log_bytes: Arc<AtomicI64>,
    /// The message log's group-commit writer.
    log_writer: tokio::sync::mpsc::Sender<message_log::Pending>,
    /// Users as lately read (every authenticated request looks one up).
    user_cache: users::UserCache,
    /// Taken by the busy writers ([`WriteGate`]).
    write_gate: WriteGate,
}

/// Held around each write transaction of the busy writers — the message
/// log's group commit and owner index, the conference journal, retention
/// sweeps and checkpoints — so that they take turns here, woken the moment
/// the one before is done, instead of meeting on SQLite's single writer
/// lock, whose busy handler sleeps 1, 2, 5, 10… ms between tries (at a
/// hundred conferences a second that made answers wait up to three
/// quarters of a second). Always taken *after* the connection it writes
/// on: a holder never waits for the pool, so no writer waits for the gate
/// behind slow readers (or, with the one-connection in-memory pool, for
/// ever).
pub type WriteGate = Arc<tokio::sync::Mutex<()>>;

impl Store {
    /// Opens the database `db` and runs pending migrations: a
    /// `postgres://` URL, or the path of an SQLite file (created if
    /// needed; `:memory:` gives a private in-memory database).
    ///
    /// An SQLite file holds every user's HA1, so it is owner-only (mode
    /// 0600): created so, or tightened when found wider. SQLite gives its
    /// `-wal` and `-shm` files the mode of the database file.
    pub async fn open(db: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(db);
        let (pool, own) = match backend {
            Backend::Sqlite => open_sqlite(db).await?,
            Backend::Postgres => (open_postgres(db).await?, None),
        };
        // A database this process may only read (`rollcall log` on the
        // server's file) is searched all the same: the tail covers it.
        if let Err(e) = message_log::catch_up_owners(&pool).await {
            tracing::warn!(error = %format!("{e:#}"), "indexing the message log's latest owners failed; searches read its tail");
        }
        let write_gate = WriteGate::default();
        if backend == Backend::Sqlite && db != ":memory:" {
            tokio::spawn(checkpoint_periodically(pool.clone(), Arc::clone(&write_gate)));
        }
        let log_bytes = Arc::new(AtomicI64::new(MessageLog::count_bytes(&pool).await?));
        let log_writer =
            message_log::GroupWriter::spawn(pool.clone(), backend, own, Arc::clone(&log_bytes), Arc::clone(&write_gate));
        Ok(Store {
            pool,
            backend,
            directory: Default::default(),
            log_bytes,
            log_writer,
            user_cache: Default::default(),
            write_gate,
        })
    }

    /// Has the store been closed ([`Store::close`])?
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool: the last step of a shutdown. On SQLite, first folds
    /// the WAL back into the database file (TRUNCATE: the `-wal` is left
    /// empty).
    pub async fn close(&self) {
        if self.backend == Backend::Sqlite {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await {
                tracing::warn!(error = %e, "the last WAL checkpoint failed");
            }
        }
        self.pool.close().await;
    }

    pub fn users(&self) -> Users {
        Users::new(self.pool.clone(), self.user_cache.clone())
    }

    pub fn message_log(&self) -> MessageLog {
        MessageLog::new(self.pool.clone(), Arc::clone(&self.log_bytes), self.log_writer.clone(), Arc::clone(&self.write_gate))
    }

    pub fn call_records(&self) -> CallRecords {
        CallRecords::new(self.pool.clone(), Arc::clone(&self.write_gate))
    }

    pub fn address_books(&self) -> AddressBooks {
        AddressBooks::new(self.pool.clone(), self.directory.clone())
    }

    pub fn inbox(&self) -> Inbox {
        Inbox::new(self.pool.clone())
    }

    pub fn conferences(&self) -> Conferences {
        Conferences::new(self.pool.clone())
    }

    pub fn accounts(&self) -> Accounts {
        Accounts::new(self.pool.clone(), self.backend)
    }
}

/// The SQLite file `path` (or `:memory:`), migrated; with a file, also a
/// connection of the message log's writer's own.
async fn open_sqlite(path: &str) -> anyhow::Result<(AnyPool, Option<AnyConnection>)> {
    let memory = path == ":memory:";
    if !memory {
        owner_only(std::path::Path::new(path)).with_context(|| format!("database file {path}"))?;
    }
    let url = if memory { "sqlite::memory:".to_string() } else { format!("sqlite://{path}?mode=rwc") };
    // An in-memory database exists once per connection: keep exactly one.
    let pool = AnyPoolOptions::new()
        .max_connections(if memory { 1 } else { 4 })
        .after_connect(|conn, _| sqlite_settings(conn))
        .connect(&url)
        .await
        .with_context(|| format!("opening database {path}"))?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await.context("running migrations")?;
    // The log's writer keeps a connection (and its page cache) to itself.
    let own = match memory {
        true => None,
        false => {
            let mut conn = AnyConnection::connect(&url).await.context("the message log's connection")?;
            sqlite_settings(&mut conn).await?;
            conn.execute("PRAGMA cache_size = -16384").await?;
            Some(conn)
        }
    };
    Ok((pool, own))
}

/// How every SQLite connection is set up.
fn sqlite_settings(conn: &mut AnyConnection) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = ON;
             -- Checkpoints (and their fsync) run in the background, not in
             -- the write that happens to cross the WAL threshold: every SIP
             -- message waits for its log write, so that write must stay cheap.
             PRAGMA wal_autocheckpoint = 0;
             -- A checkpoint that resets the WAL also cuts the file back to
             -- this; without it the file keeps its largest size for ever (the
             -- soak bench saw 170 MB after two seconds of load).
             PRAGMA journal_size_limit = 67108864;",
        )
        .await?;
        Ok(())
    })
}

/// The PostgreSQL database at `url`, migrated. Several servers may start
/// at once: sqlx's migrator takes an advisory lock.
async fn open_postgres(url: &str) -> anyhow::Result<AnyPool> {
    let shown = redact_password(url);
    let pool = AnyPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .connect(url)
        .await
        .with_context(|| format!("opening database {shown}"))?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await.context("running migrations")?;
    Ok(pool)
}

/// `url` with the password (if any) shown as `***`: for messages.
fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(an unreadable URL)".to_string(),
    }
}

/// Creates `path` empty with mode 0600 if it does not exist, and takes
/// away group and other permissions from it and its `-wal`/`-shm` if it does.
fn owner_only(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// How often the WAL is folded back into the database file.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Folds the WAL into the database file every [`CHECKPOINT_INTERVAL`] and
/// keeps it small. Ends when the pool closes.
///
/// A PASSIVE checkpoint never blocks writers, but under steady writes it
/// never catches up either: the WAL starts over only when a write begins
/// with every frame already copied, so it grew without end (the soak bench
/// saw 100 MB/s). And a TRUNCATE checkpoint of a big WAL stalls every
/// write for tens of milliseconds (at a hundred conferences a second it
/// was the whole of the 99th percentile). So each round is two PASSIVE
/// checkpoints: the first, alongside the writers, copies the bulk; the
/// second, in the writers' turn ([`WriteGate`]), copies the few frames
/// written meanwhile — a millisecond or so — and leaves the WAL fully
/// copied, so the next write starts it over (and `journal_size_limit`
/// trims the file). TRUNCATE remains for a WAL that still outgrew
/// [`WAL_FRAMES_LIMIT`] (a long reader kept it from starting over).
async fn checkpoint_periodically(pool: AnyPool, gate: WriteGate) {
    let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::warn!(error = %e, "WAL checkpoint failed");
            continue;
        }
        // The connection first, then the writers' turn (never the other
        // way: a writer waiting for the gate behind one waiting for the pool).
        let mut conn = match pool.acquire().await {
            Ok(conn) => conn,
            Err(_) => continue,
        };
        let turn = gate.lock().await;
        let frames = match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await {
            // (busy, frames in the WAL, frames checkpointed)
            Ok(row) => row.try_get::<i64, _>(1).unwrap_or(0),
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed");
                continue;
            }
        };
        if frames > WAL_FRAMES_LIMIT {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await {
                tracing::warn!(error = %e, "WAL truncation failed");
            }
        }
        drop(turn);
    }
}

/// WAL frames (pages of 4 KiB) past which the checkpoint empties the file:
/// 64 MiB.
const WAL_FRAMES_LIMIT: i64 = 16_384;

/// Now, as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

#[cfg(all(test, unix))]
mod tests;
