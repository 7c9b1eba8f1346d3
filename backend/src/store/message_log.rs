//! The `message_log` table: every SIP message in and out of the IM server.
//!
//! Digest credentials are logged without their `response=` value: with it
//! and the nonce, anyone who can read the log could try passwords offline.

use std::borrow::Cow;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

mod writer;
pub use writer::LogReceipt;
pub(super) use writer::{catch_up_owners, GroupWriter, Pending};

/// What a redacted digest `response` reads as in the log.
pub const REDACTED: &str = "redacted";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One logged message, as read back.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: i64,
    pub at: String,
    pub connection_id: i64,
    pub peer: String,
    pub direction: String,
    pub auth_user: Option<String>,
    pub first_line: String,
    pub message: String,
}

#[derive(Clone)]
pub struct MessageLog {
    pool: AnyPool,
    /// About how many bytes of messages the table holds (counted at open,
    /// then kept up by [`MessageLog::record`] and the retention sweeps).
    bytes: Arc<AtomicI64>,
    /// The group-commit writer ([`GroupWriter`]).
    writer: mpsc::Sender<Pending>,
    gate: super::WriteGate,
}

/// What an operator searches the log for (`rollcall log`); every field narrows.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub user: Option<String>,
    /// Messages whose `Call-ID` header is this.
    pub call_id: Option<String>,
    /// RFC 3339 bounds on the time logged, inclusive.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Messages mentioning this text (a conference id, a number…).
    pub containing: Option<String>,
}

/// How long and how much of the log is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub max_age: std::time::Duration,
    pub max_bytes: u64,
}

impl Retention {
    /// Thirty days, and at most 1 GiB of messages.
    pub const DEFAULT: Retention = Retention { max_age: std::time::Duration::from_secs(30 * 86_400), max_bytes: 1 << 30 };
    /// How often the sweep runs.
    pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);
}

/// Rows deleted per statement by the retention sweep: each delete holds
/// SQLite's writer only briefly.
const RETENTION_BATCH: i64 = 1000;

impl MessageLog {
    pub(super) fn new(pool: AnyPool, bytes: Arc<AtomicI64>, writer: mpsc::Sender<Pending>, gate: super::WriteGate) -> Self {
        MessageLog { pool, bytes, writer, gate }
    }

    /// The bytes of messages in the log (as [`MessageLog::bytes`] counts them).
    pub(super) async fn count_bytes(pool: &AnyPool) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COALESCE(SUM(octet_length(message)), 0) FROM message_log").fetch_one(pool).await?.try_get(0)?)
    }

    /// About how many bytes of messages the log holds now.
    pub fn bytes(&self) -> i64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Writes one message; returns once it is in the database.
    pub async fn record(
        &self,
        connection_id: u64,
        peer: &str,
        direction: Direction,
        auth_user: Option<&str>,
        message: &str,
    ) -> anyhow::Result<()> {
        self.submit(connection_id, peer, direction, auth_user, message).await.durable().await
    }

    /// Hands one message to the writer (waiting only while its queue is
    /// full) and returns at once: the [`LogReceipt`] says when it is in
    /// the database. A connection submits each message as it arrives and
    /// acts on them in order as their receipts come in, so a burst is
    /// logged in one transaction without anything being acted on unlogged.
    pub async fn submit(
        &self,
        connection_id: u64,
        peer: &str,
        direction: Direction,
        auth_user: Option<&str>,
        message: &str,
    ) -> LogReceipt {
        let (done, written) = oneshot::channel();
        let receipt = LogReceipt::new(written);
        let pending = Pending {
            at: super::now_rfc3339(),
            connection_id: connection_id as i64,
            peer: peer.to_string(),
            direction,
            auth_user: auth_user.map(str::to_string),
            message: loggable(message),
            done,
        };
        // A writer that has stopped drops `done`: the receipt then says so.
        let _ = self.writer.send(pending).await;
        receipt
    }

    /// `user`'s own messages — those of connections they had authenticated
    /// on — newest first, older than `before` (an id) when given, at most
    /// `limit`; with `containing`, only those whose text contains it.
    pub async fn of_user(
        &self,
        user: &str,
        containing: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> anyhow::Result<Vec<LogEntry>> {
        let filter = LogFilter { user: Some(user.to_string()), containing: containing.map(str::to_string), ..Default::default() };
        self.newest(&filter, before.unwrap_or(i64::MAX), limit).await
    }

    /// The entries matching `filter`, oldest first, at most `limit` (the
    /// newest ones when more match).
    pub async fn search(&self, filter: &LogFilter, limit: u32) -> anyhow::Result<Vec<LogEntry>> {
        let mut entries = self.newest(filter, i64::MAX, limit).await?;
        entries.reverse();
        Ok(entries)
    }

    /// The newest entries matching `filter` with ids below `before`, newest
    /// first, at most `limit`. With a user, those indexed in
    /// `message_log_users` are read through it and the newer ones from the
    /// log's tail, both in one snapshot.
    async fn newest(&self, filter: &LogFilter, before: i64, limit: u32) -> anyhow::Result<Vec<LogEntry>> {
        const COLUMNS: &str = "m.id, m.at, m.connection_id, m.peer, m.direction, m.auth_user, m.first_line, m.message";
        const MATCHES: &str =
            "($2 IS NULL OR instr(m.message, $2) > 0) AND ($3 IS NULL OR m.at >= $3) AND ($4 IS NULL OR m.at <= $4)
             AND ($5 IS NULL OR instr(m.message, $5) > 0) AND m.id < $6";
        let call_id = filter.call_id.as_ref().map(|c| format!("\nCall-ID: {c}\r"));
        let bind = |sql: &'static str| {
            sqlx::query(sql)
                .bind(filter.user.clone())
                .bind(call_id.clone())
                .bind(filter.since.clone())
                .bind(filter.until.clone())
                .bind(filter.containing.clone())
                .bind(before)
                .bind(i64::from(limit))
        };
        let mut tx = self.pool.begin().await?;
        let rows = if filter.user.is_none() {
            bind(sql_once(0, || {
                format!("SELECT {COLUMNS} FROM message_log m WHERE $1 IS NULL AND {MATCHES} ORDER BY m.id DESC LIMIT $7")
            }))
            .fetch_all(&mut *tx)
            .await?
        } else {
            let mut rows = bind(sql_once(1, || {
                format!(
                    "SELECT {COLUMNS} FROM message_log m
                     WHERE m.id > (SELECT upto FROM message_log_indexed) AND m.auth_user = $1 AND {MATCHES}
                     ORDER BY m.id DESC LIMIT $7"
                )
            }))
            .fetch_all(&mut *tx)
            .await?;
            rows.extend(
                bind(sql_once(2, || {
                    format!(
                        "SELECT {COLUMNS} FROM message_log_users u JOIN message_log m ON m.id = u.id
                         WHERE u.auth_user = $1 AND u.id <= (SELECT upto FROM message_log_indexed) AND u.id < $6 AND {MATCHES}
                         ORDER BY u.id DESC LIMIT $7"
                    )
                }))
                .fetch_all(&mut *tx)
                .await?,
            );
            rows
        };
        tx.commit().await?;
        Ok(rows.iter().take(limit as usize).map(entry).collect())
    }

    /// Deletes what `retention` does not keep — entries older than its age,
    /// then the oldest until the log is within its size — in batches; the
    /// number of entries deleted.
    pub async fn enforce(&self, retention: Retention) -> anyhow::Result<u64> {
        let cutoff = std::time::SystemTime::now().checked_sub(retention.max_age).unwrap_or(std::time::UNIX_EPOCH);
        let cutoff = humantime::format_rfc3339_millis(cutoff).to_string();
        let mut deleted = 0;
        loop {
            let n = self.delete_oldest(Some(&cutoff)).await?;
            deleted += n;
            if n < RETENTION_BATCH as u64 {
                break;
            }
        }
        while self.bytes().max(0) as u64 > retention.max_bytes {
            let n = self.delete_oldest(None).await?;
            deleted += n;
            if n == 0 {
                break;
            }
        }
        Ok(deleted)
    }

    /// Runs [`MessageLog::enforce`] every `every` in the background, until
    /// the database closes.
    pub fn spawn_retention(self, retention: Retention, every: std::time::Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if self.pool.is_closed() {
                    return;
                }
                match self.enforce(retention).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, bytes = self.bytes(), "message log trimmed"),
                    Err(e) => tracing::warn!(error = %e, "message log retention failed"),
                }
            }
        });
    }

    /// Deletes up to [`RETENTION_BATCH`] of the oldest entries (logged
    /// before `cutoff`, when given); how many.
    async fn delete_oldest(&self, cutoff: Option<&str>) -> anyhow::Result<u64> {
        // The connection first, then the writers' turn: a writer must never
        // wait for the gate behind one that waits for the pool.
        let mut conn = self.pool.acquire().await?;
        let _turn = self.gate.lock().await;
        let rows = sqlx::query(
            "DELETE FROM message_log WHERE id IN
               (SELECT id FROM message_log WHERE ($1 IS NULL OR at < $1) ORDER BY id LIMIT $2)
             RETURNING octet_length(message), id",
        )
        .bind(cutoff)
        .bind(RETENTION_BATCH)
        .fetch_all(&mut *conn)
        .await?;
        let bytes: i64 = rows.iter().map(|r| r.try_get::<i64, _>(0).unwrap_or(0)).sum();
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        // Their owners go too: those in the range of ids deleted whose
        // message is gone.
        let ids = rows.iter().filter_map(|r| r.try_get::<i64, _>(1).ok());
        if let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) {
            sqlx::query(
                "DELETE FROM message_log_users WHERE id BETWEEN $1 AND $2
                 AND NOT EXISTS (SELECT 1 FROM message_log m WHERE m.id = message_log_users.id)",
            )
            .bind(first)
            .bind(last)
            .execute(&mut *conn)
            .await?;
        }
        Ok(rows.len() as u64)
    }

    /// The most recent `limit` entries, oldest first.
    pub async fn recent(&self, limit: u32) -> anyhow::Result<Vec<LogEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, connection_id, peer, direction, auth_user, first_line, message
             FROM (SELECT * FROM message_log ORDER BY id DESC LIMIT $1) AS newest ORDER BY id",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(entry).collect())
    }
}

/// The SQL of query `n` of [`MessageLog::newest`], made once (a query
/// borrows its text; these three live as long as the program).
fn sql_once(n: usize, make: impl FnOnce() -> String) -> &'static str {
    static MADE: [std::sync::OnceLock<String>; 3] = [const { std::sync::OnceLock::new() }; 3];
    MADE[n].get_or_init(make)
}

fn entry(r: &sqlx::any::AnyRow) -> LogEntry {
    LogEntry {
        id: r.get(0),
        at: r.get(1),
        connection_id: r.get(2),
        peer: r.get(3),
        direction: r.get(4),
        auth_user: r.get(5),
        first_line: r.get(6),
        message: r.get(7),
    }
}

/// `message` as the log keeps it: credentials redacted, and any NUL
/// character (which PostgreSQL's text cannot hold) shown as U+FFFD.
fn loggable(message: &str) -> String {
    let redacted = redact_credentials(message);
    match redacted.contains('\0') {
        true => redacted.replace('\0', "\u{FFFD}"),
        false => redacted.into_owned(),
    }
}

/// `message` with the value of every `response=` parameter of its
/// `Authorization` and `Proxy-Authorization` headers replaced by
/// [`REDACTED`]; borrowed as is when it has none (the common case).
pub fn redact_credentials(message: &str) -> Cow<'_, str> {
    let has_credentials = |line: &str| {
        let name = line.split(':').next().unwrap_or_default().trim();
        name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization")
    };
    // Headers end at the first empty line; the body is logged as sent.
    let head = message.split("\r\n\r\n").next().unwrap_or_default();
    if !head.lines().any(has_credentials) {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut in_head = true;
    // Inside a credentials header, which may continue on folded lines
    // (RFC 3261 §7.3.1: a line starting with a space or tab).
    let mut in_credentials = false;
    for line in message.split_inclusive('\n') {
        if in_head && line.trim_end_matches(['\r', '\n']).is_empty() {
            in_head = false;
        }
        let folded = line.starts_with([' ', '\t']);
        in_credentials = in_head && (has_credentials(line) || (folded && in_credentials));
        if in_credentials {
            out.push_str(&redact_response_param(line));
        } else {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}

/// One header line with `response="…"` (quoted or not, any case) redacted.
fn redact_response_param(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut out = String::with_capacity(line.len());
    let mut rest = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find("response") {
        let start = search + found;
        let before = lower[..start].trim_end();
        let after = lower[start + "response".len()..].trim_start();
        let is_param = (before.ends_with(',') || before.ends_with("digest")) && after.starts_with('=');
        search = start + "response".len();
        if !is_param {
            continue;
        }
        let value_start = line.len() - after.len() + 1; // past '='
        let value = &line[value_start..];
        let trimmed = value.trim_start();
        let value_start = value_start + (value.len() - trimmed.len());
        let value_end = if let Some(quoted) = trimmed.strip_prefix('"') {
            value_start + 1 + quoted.find('"').map_or(quoted.len(), |end| end + 1)
        } else {
            value_start + trimmed.find([',', '\r', '\n']).unwrap_or(trimmed.len())
        };
        out.push_str(&line[rest..value_start]);
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        rest = value_end;
        search = value_end;
    }
    out.push_str(&line[rest..]);
    out
}

#[cfg(test)]
mod tests;
