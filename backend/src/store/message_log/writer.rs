//! The message log's one writer: a group commit ("logged before it is
//! acted on" costs a transaction per burst, not per message), and the
//! batched index of who owns each message (`message_log_users`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use futures_util::future::{FutureExt, Shared};
use sqlx::{AnyConnection, AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

use super::Direction;
use crate::store::{Backend, WriteGate};

/// One message waiting for the writer, and who waits for it.
pub(in crate::store) struct Pending {
    pub(super) at: String,
    pub(super) connection_id: i64,
    pub(super) peer: String,
    pub(super) direction: Direction,
    pub(super) auth_user: Option<String>,
    pub(super) message: String,
    pub(super) done: oneshot::Sender<Result<(), String>>,
}

/// A message handed to the log; [`LogReceipt::durable`] waits until it
/// is written (or could not be). Clones wait for the same write: every
/// message sent while acting on a received one carries the received one's
/// receipt too (`im_server::connection`).
#[derive(Clone)]
pub struct LogReceipt {
    pub(super) written: Shared<oneshot::Receiver<Result<(), String>>>,
    pub(super) started: std::time::Instant,
}

impl LogReceipt {
    pub(super) fn new(written: oneshot::Receiver<Result<(), String>>) -> LogReceipt {
        LogReceipt { written: written.shared(), started: std::time::Instant::now() }
    }

    /// Ok once the message is in the database (and timed, for the
    /// `log_write_seconds` metric).
    pub async fn durable(self) -> anyhow::Result<()> {
        let started = self.started;
        self.settled().await?;
        crate::metrics::global().log_write_seconds.observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Ok once the message is in the database, untimed: for the clones
    /// that wait for a write another task times.
    pub async fn settled(self) -> anyhow::Result<()> {
        self.written.await.map_err(|_| anyhow::anyhow!("the message log writer has stopped"))?.map_err(anyhow::Error::msg)
    }
}

/// Messages waiting for the writer at most (senders then wait their turn).
const WRITER_QUEUE: usize = 4096;
/// Times the writer lets the other tasks run before it takes what is
/// queued: tasks already running add their messages to this batch.
const LINGER_YIELDS: usize = 2;
/// Most messages in one transaction.
const GROUP_MAX: usize = 512;

/// The message log's one writer: "logged before it is acted on" costs a
/// transaction per *burst*, not per message. It takes every message that
/// arrived while the previous transaction committed and writes them in
/// one; each waiting sender goes on once its message is durable. A batch
/// that fails is written again one message at a time, so only the
/// messages that really cannot be logged are refused.
pub(in crate::store) struct GroupWriter;

impl GroupWriter {
    /// Starts the writer on `pool`; the sender [`MessageLog`]s hold.
    /// `own`: a connection of its own (a file database), whose page cache
    /// then stays warm; otherwise it borrows one from `pool` per batch.
    pub(in crate::store) fn spawn(
        pool: AnyPool,
        backend: Backend,
        own: Option<AnyConnection>,
        bytes: Arc<AtomicI64>,
        gate: WriteGate,
    ) -> mpsc::Sender<Pending> {
        let (tx, mut rx) = mpsc::channel::<Pending>(WRITER_QUEUE);
        let conn = match own {
            Some(conn) => Connection::Own(conn),
            None => Connection::Pool(pool),
        };
        let conn = WriterConnection { conn, backend };
        let mut writer = Writer { conn, bytes, gate, owners: Vec::new(), newest: 0, index_at: None, index_failing: false };
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(GROUP_MAX);
            loop {
                let first = tokio::select! {
                    first = rx.recv() => first,
                    () = sleep_until_some(writer.index_at) => {
                        writer.index_owners().await;
                        continue;
                    }
                };
                let Some(first) = first else { break };
                batch.push(first);
                for _ in 0..LINGER_YIELDS {
                    tokio::task::yield_now().await;
                }
                while batch.len() < GROUP_MAX {
                    match rx.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                writer.write(&mut batch).await;
                if writer.owners.len() >= INDEX_MAX && !writer.index_failing {
                    writer.index_owners().await;
                }
            }
            writer.index_owners().await;
        });
        tx
    }
}

/// Waits until `at`, or for ever when `None`.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How long a logged message may wait to be put in `message_log_users`
/// (until then it is found in the log's tail)…
const INDEX_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// …and how many may wait (each batch holds the writers' turn: a second's worth
/// at 15,000 MESSAGE/s, 60,000 owners, took the relay's p99 to 27 ms).
const INDEX_MAX: usize = 4_096;

/// The log's one writer and what it has not yet indexed.
struct Writer {
    conn: WriterConnection,
    bytes: Arc<AtomicI64>,
    gate: WriteGate,
    /// (id, user) of messages written and not yet in `message_log_users`.
    owners: Vec<(i64, String)>,
    /// The highest id written.
    newest: i64,
    /// When `owners` is due to be indexed.
    index_at: Option<tokio::time::Instant>,
    /// The last try failed: the next waits for `index_at`, not for size.
    index_failing: bool,
}

impl Writer {
    /// Writes `batch` (emptying it) and tells each sender; a batch that
    /// fails is written again one message at a time, so only the messages
    /// that really cannot be logged are refused.
    async fn write(&mut self, batch: &mut Vec<Pending>) {
        let written = self.conn.write(&self.gate, batch).await;
        if written.is_ok() || batch.len() == 1 {
            let outcome = written.map(|rows| self.written(rows)).map_err(|e| format!("{e:#}"));
            for pending in batch.drain(..) {
                if outcome.is_ok() {
                    self.bytes.fetch_add(pending.message.len() as i64, Ordering::Relaxed);
                }
                let _ = pending.done.send(outcome.clone());
            }
            return;
        }
        for pending in batch.drain(..) {
            let single = std::slice::from_ref(&pending);
            let outcome = self.conn.write(&self.gate, single).await.map(|rows| self.written(rows)).map_err(|e| format!("{e:#}"));
            if outcome.is_ok() {
                self.bytes.fetch_add(pending.message.len() as i64, Ordering::Relaxed);
            }
            let _ = pending.done.send(outcome);
        }
    }

    /// Notes the rows just written for `message_log_users`.
    fn written(&mut self, rows: Vec<(i64, Option<String>)>) {
        for (id, user) in rows {
            self.newest = self.newest.max(id);
            if let Some(user) = user {
                self.owners.push((id, user));
            }
        }
        self.index_at.get_or_insert_with(|| tokio::time::Instant::now() + INDEX_EVERY);
    }

    /// Puts what was written since the last time into `message_log_users`,
    /// sorted (each index page is written once), and moves the watermark.
    /// On failure they wait for the next try; the log's tail finds them
    /// meanwhile.
    async fn index_owners(&mut self) {
        if self.index_at.is_none() {
            return;
        }
        self.owners.sort_unstable_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        let indexed = self.conn.index(&self.gate, &self.owners, self.newest).await;
        match indexed {
            Ok(()) => {
                self.owners.clear();
                self.index_at = None;
                self.index_failing = false;
            }
            Err(e) => {
                self.index_failing = true;
                tracing::warn!(error = %format!("{e:#}"), waiting = self.owners.len(), "indexing the message log's owners failed; will retry");
                self.index_at = Some(tokio::time::Instant::now() + INDEX_EVERY);
            }
        }
    }
}

/// Inserts `batch` with one statement (atomic on its own): the rows go as
/// one JSON array that the database unpacks. On SQLite each statement is
/// a round trip to sqlx's worker thread, on PostgreSQL one over the
/// network: a batch of any size costs one, and the statement stays prepared.
async fn write_batch(
    conn: &mut AnyConnection,
    backend: Backend,
    batch: &[Pending],
) -> anyhow::Result<Vec<(i64, Option<String>)>> {
    let rows: Vec<serde_json::Value> = batch
        .iter()
        .map(|p| {
            let first_line = p.message.lines().next().unwrap_or_default();
            serde_json::json!([p.at, p.connection_id, p.peer, p.direction.as_str(), p.auth_user, first_line, p.message])
        })
        .collect();
    let sql = match backend {
        Backend::Sqlite => {
            "INSERT INTO message_log (at, connection_id, peer, direction, auth_user, first_line, message)
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                    json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
                    json_extract(value, '$[6]')
             FROM json_each($1) ORDER BY key
             RETURNING id, auth_user"
        }
        Backend::Postgres => {
            "INSERT INTO message_log (at, connection_id, peer, direction, auth_user, first_line, message)
             SELECT r->>0, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5, r->>6
             FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
             RETURNING id, auth_user"
        }
    };
    let inserted = sqlx::query(sql).bind(serde_json::Value::Array(rows).to_string()).fetch_all(conn).await?;
    inserted.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Adds `owners` (sorted) to `message_log_users` and moves the watermark to
/// `upto`, in one transaction.
async fn index_owners(conn: &mut AnyConnection, backend: Backend, owners: &[(i64, String)], upto: i64) -> anyhow::Result<()> {
    let rows: Vec<serde_json::Value> = owners.iter().map(|(id, user)| serde_json::json!([id, user])).collect();
    let mut tx = sqlx::Connection::begin(conn).await?;
    let sql = match backend {
        Backend::Sqlite => {
            "INSERT INTO message_log_users (id, auth_user)
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($1) WHERE true ORDER BY key
             ON CONFLICT DO NOTHING"
        }
        Backend::Postgres => {
            "INSERT INTO message_log_users (id, auth_user)
             SELECT (r->>0)::bigint, r->>1 FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
             ON CONFLICT DO NOTHING"
        }
    };
    sqlx::query(sql).bind(serde_json::Value::Array(rows).to_string()).execute(&mut *tx).await?;
    sqlx::query("UPDATE message_log_indexed SET upto = CASE WHEN upto > $1 THEN upto ELSE $1 END")
        .bind(upto)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// After a restart: the owners of messages written after the watermark
/// (the last run stopped before indexing them) go into `message_log_users`.
pub(in crate::store) async fn catch_up_owners(pool: &AnyPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO message_log_users (id, auth_user)
         SELECT id, auth_user FROM message_log
         WHERE id > (SELECT upto FROM message_log_indexed) AND auth_user IS NOT NULL
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE message_log_indexed SET upto = (SELECT COALESCE(MAX(id), 0) FROM message_log)").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Where the writer writes, and in which dialect.
struct WriterConnection {
    conn: Connection,
    backend: Backend,
}

enum Connection {
    Own(AnyConnection),
    Pool(AnyPool),
}

/// Each write holds the writers' turn ([`WriteGate`]), taken after
/// the connection (never the other way round).
impl WriterConnection {
    async fn write(&mut self, gate: &WriteGate, batch: &[Pending]) -> anyhow::Result<Vec<(i64, Option<String>)>> {
        match &mut self.conn {
            Connection::Own(conn) => {
                let _turn = gate.lock().await;
                write_batch(conn, self.backend, batch).await
            }
            Connection::Pool(pool) => {
                let mut conn = pool.acquire().await?;
                let _turn = gate.lock().await;
                write_batch(&mut conn, self.backend, batch).await
            }
        }
    }

    async fn index(&mut self, gate: &WriteGate, owners: &[(i64, String)], upto: i64) -> anyhow::Result<()> {
        match &mut self.conn {
            Connection::Own(conn) => {
                let _turn = gate.lock().await;
                index_owners(conn, self.backend, owners, upto).await
            }
            Connection::Pool(pool) => {
                let mut conn = pool.acquire().await?;
                let _turn = gate.lock().await;
                index_owners(&mut conn, self.backend, owners, upto).await
            }
        }
    }
}
