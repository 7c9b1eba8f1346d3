//! The `message_log` table: every SIP message in and out of the IM server.
//!
//! Digest credentials are logged without their `response=` value: with it
//! and the nonce, anyone who can read the log could try passwords offline.

use std::borrow::Cow;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use sqlx::{Row, SqlitePool};
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
    pool: SqlitePool,
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
    pub(super) fn new(pool: SqlitePool, bytes: Arc<AtomicI64>, writer: mpsc::Sender<Pending>, gate: super::WriteGate) -> Self {
        MessageLog { pool, bytes, writer, gate }
    }

    /// The bytes of messages in the log (as [`MessageLog::bytes`] counts them).
    pub(super) async fn count_bytes(pool: &SqlitePool) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COALESCE(SUM(LENGTH(CAST(message AS BLOB))), 0) FROM message_log").fetch_one(pool).await?.try_get(0)?)
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
            message: redact_credentials(message).into_owned(),
            done,
        };
        // A writer that has stopped drops `done`: the receipt then says so.
        let _ = self.writer.send(pending).await;
        receipt
    }

    /// `user`'s own messages — those of connections they had authenticated
    /// on — newest first, older than `before` (an id) when given, at most
    /// `limit`; with `containing`, only those whose text contains it.
    pub async fn of_user(&self, user: &str, containing: Option<&str>, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<LogEntry>> {
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
        const MATCHES: &str = "(?2 IS NULL OR instr(m.message, ?2) > 0) AND (?3 IS NULL OR m.at >= ?3) AND (?4 IS NULL OR m.at <= ?4)
             AND (?5 IS NULL OR instr(m.message, ?5) > 0) AND m.id < ?6";
        let call_id = filter.call_id.as_ref().map(|c| format!("\nCall-ID: {c}\r"));
        let bind = |sql: &'static str| {
            sqlx::query(sql)
                .bind(filter.user.clone())
                .bind(call_id.clone())
                .bind(filter.since.clone())
                .bind(filter.until.clone())
                .bind(filter.containing.clone())
                .bind(before)
                .bind(limit)
        };
        let mut tx = self.pool.begin().await?;
        let rows = if filter.user.is_none() {
            bind(sql_once(0, || format!("SELECT {COLUMNS} FROM message_log m WHERE ?1 IS NULL AND {MATCHES} ORDER BY m.id DESC LIMIT ?7")))
                .fetch_all(&mut *tx)
                .await?
        } else {
            let mut rows = bind(sql_once(1, || {
                format!(
                    "SELECT {COLUMNS} FROM message_log m
                     WHERE m.id > (SELECT upto FROM message_log_indexed) AND m.auth_user = ?1 AND {MATCHES}
                     ORDER BY m.id DESC LIMIT ?7"
                )
            }))
            .fetch_all(&mut *tx)
            .await?;
            rows.extend(
                bind(sql_once(2, || {
                    format!(
                        "SELECT {COLUMNS} FROM message_log_users u JOIN message_log m ON m.id = u.id
                         WHERE u.auth_user = ?1 AND u.id <= (SELECT upto FROM message_log_indexed) AND u.id < ?6 AND {MATCHES}
                         ORDER BY u.id DESC LIMIT ?7"
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
               (SELECT id FROM message_log WHERE (?1 IS NULL OR at < ?1) ORDER BY id LIMIT ?2)
             RETURNING LENGTH(CAST(message AS BLOB)), id",
        )
        .bind(cutoff)
        .bind(RETENTION_BATCH)
        .fetch_all(&mut *conn)
        .await?;
        let bytes: i64 = rows.iter().map(|r| r.try_get::<i64, _>(0).unwrap_or(0)).sum();
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        // Their owners go too, by id.
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.try_get::<i64, _>(1).ok()).collect();
        if !ids.is_empty() {
            sqlx::query("DELETE FROM message_log_users WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(serde_json::to_string(&ids)?)
                .execute(&mut *conn)
                .await?;
        }
        Ok(rows.len() as u64)
    }

    /// The most recent `limit` entries, oldest first.
    pub async fn recent(&self, limit: u32) -> anyhow::Result<Vec<LogEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, connection_id, peer, direction, auth_user, first_line, message
             FROM (SELECT * FROM message_log ORDER BY id DESC LIMIT ?1) ORDER BY id",
        )
        .bind(limit)
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

fn entry(r: &sqlx::sqlite::SqliteRow) -> LogEntry {
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

/// `message` with the value of every `response=` parameter of its
/// `Authorization` and `Proxy-Authorization` headers replaced by
/// [`REDACTED`]; borrowed as is when it has none (the common case).
pub fn redact_credentials(message: &str) -> Cow<'_, str> {
    let has_credentials = |line: &str| {
        let name = line.split(':').next().unwrap_or_default().trim();
        name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
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
        let is_param =
            (before.ends_with(',') || before.ends_with("digest")) && after.starts_with('=');
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
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn a_burst_is_written_in_groups_each_sender_after_its_message_is_in() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("g.db").display().to_string()).await.expect("db");
        let writers: Vec<_> = (0..300)
            .map(|n| {
                let log = store.message_log();
                tokio::spawn(async move { log.record(n % 7, "p", Direction::In, None, &format!("MESSAGE {n}")).await })
            })
            .collect();
        for w in writers {
            w.await.expect("joined").expect("logged");
        }
        assert_eq!(store.message_log().recent(1000).await.expect("read").len(), 300, "every one, each once");
        let bytes = store.message_log().bytes();
        assert_eq!(bytes, MessageLog::count_bytes(&store.message_log().pool).await.expect("count") , "counted as written");
    }

    #[tokio::test]
    async fn retention_by_age_and_by_size() {
        let store = Store::open(":memory:").await.expect("db");
        let log = store.message_log();
        for n in 0..2500 {
            log.record(1, "peer", Direction::In, Some("alice"), &format!("MESSAGE {n} {}", "x".repeat(90))).await.expect("log");
        }
        let old = "2001-01-01T00:00:00.000Z";
        sqlx::query("UPDATE message_log SET at = ?1 WHERE id <= 1200").bind(old).execute(&log.pool).await.expect("age");
        let year = std::time::Duration::from_secs(365 * 86_400);
        assert_eq!(log.enforce(Retention { max_age: year, max_bytes: u64::MAX }).await.expect("enforce"), 1200);
        let bytes = log.bytes();
        assert_eq!(bytes, MessageLog::count_bytes(&log.pool).await.expect("count"), "the byte count stays true");
        let half = (bytes / 2) as u64;
        log.enforce(Retention { max_age: year, max_bytes: half }).await.expect("enforce");
        assert!(log.bytes() <= half as i64 && log.bytes() > 0, "{} > {half}", log.bytes());
        let left = log.recent(10_000).await.expect("read");
        let first: u32 = left.first().expect("some left").message.split(' ').nth(1).and_then(|n| n.parse().ok()).expect("n");
        assert!(first > 1200, "the oldest went first ({first})");
        assert_eq!(left.last().expect("some").message.split(' ').nth(1), Some("2499"), "the newest stayed");
    }

    #[tokio::test]
    async fn a_users_messages_and_only_theirs() {
        let store = Store::open(":memory:").await.expect("db");
        let log = store.message_log();
        log.record(1, "p", Direction::In, Some("alice"), "MESSAGE a1 conf-1").await.expect("log");
        log.record(2, "p", Direction::Out, Some("bob"), "MESSAGE b1 conf-1").await.expect("log");
        log.record(1, "p", Direction::Out, Some("alice"), "MESSAGE a2 conf-2").await.expect("log");
        let mine = log.of_user("alice", None, None, 10).await.expect("read");
        assert_eq!(mine.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), ["MESSAGE a2 conf-2", "MESSAGE a1 conf-1"]);
        let one = log.of_user("alice", Some("conf-1"), None, 10).await.expect("read");
        assert_eq!(one.len(), 1);
        let older = log.of_user("alice", None, Some(mine[0].id), 10).await.expect("read");
        assert_eq!(older.len(), 1);
        let found = log.search(&LogFilter { containing: Some("conf-1".into()), ..Default::default() }, 10).await.expect("search");
        assert_eq!(found.len(), 2);
    }

    /// Owners are indexed in batches; until then a user's newest messages
    /// come from the log's tail. Both halves read together, in order,
    /// paged across the boundary; a restart indexes what the last run had
    /// not; retention takes the owners of what it deletes.
    #[tokio::test]
    async fn a_users_messages_indexed_and_not_yet() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("log.db").to_string_lossy().into_owned();
        let ids = |entries: &[LogEntry]| entries.iter().map(|e| e.message.clone()).collect::<Vec<_>>();
        {
            let store = Store::open(&db).await.expect("db");
            let log = store.message_log();
            for n in 1..=3 {
                log.record(1, "p", Direction::In, Some("alice"), &format!("old {n}")).await.expect("log");
                log.record(2, "p", Direction::In, Some("bob"), &format!("bob {n}")).await.expect("log");
            }
        }
        // Reopened: the three are indexed at start; three more are not yet.
        let store = Store::open(&db).await.expect("db");
        let indexed: i64 = sqlx::query("SELECT COUNT(*) FROM message_log_users WHERE auth_user = 'alice'")
            .fetch_one(&store.pool)
            .await
            .expect("count")
            .get(0);
        assert_eq!(indexed, 3, "a restart indexes what the last run had not");
        let log = store.message_log();
        for n in 1..=3 {
            log.record(1, "p", Direction::Out, Some("alice"), &format!("new {n}")).await.expect("log");
        }
        let all = log.of_user("alice", None, None, 10).await.expect("read");
        assert_eq!(ids(&all), ["new 3", "new 2", "new 1", "old 3", "old 2", "old 1"]);
        let page = log.of_user("alice", None, Some(all[1].id), 3).await.expect("read");
        assert_eq!(ids(&page), ["new 1", "old 3", "old 2"], "a page that crosses from the tail into the index");
        let found = log.search(&LogFilter { user: Some("alice".into()), containing: Some(" 2".into()), ..Default::default() }, 10).await;
        assert_eq!(ids(&found.expect("search")), ["old 2", "new 2"], "search: oldest first");
        // The writer indexes them within INDEX_EVERY (1 s) of writing.
        let count = || async {
            let n: i64 = sqlx::query("SELECT COUNT(*) FROM message_log_users WHERE auth_user = 'alice'")
                .fetch_one(&store.pool)
                .await
                .expect("count")
                .get(0);
            n
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while count().await < 6 {
            assert!(std::time::Instant::now() < deadline, "the writer indexes the new owners");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(ids(&log.of_user("alice", None, None, 10).await.expect("read")), ids(&all), "the same, all indexed now");
        // Retention by size down to nothing: the owners go with the messages.
        log.enforce(Retention { max_age: Retention::DEFAULT.max_age, max_bytes: 0 }).await.expect("retention");
        assert!(log.of_user("alice", None, None, 10).await.expect("read").is_empty());
        let left: i64 = sqlx::query("SELECT COUNT(*) FROM message_log_users").fetch_one(&store.pool).await.expect("count").get(0);
        assert_eq!(left, 0);
    }

    #[test]
    fn digest_responses_are_redacted_and_nothing_else() {
        let message = "REGISTER sip:rollcall.local SIP/2.0\r\n\
            Authorization: Digest username=\"alice\", realm=\"rollcall.local\", nonce=\"n1\", \
            uri=\"sip:rollcall.local\", response=\"0123abcd\", algorithm=SHA-256, cnonce=\"c\", nc=00000001, qop=auth\r\n\
            proxy-authorization: Digest username=\"alice\",\r\n  response=\"fold3d\", nonce=\"n2\"\r\n\
            Proxy-Authorization: Digest response=fedc, username=\"alice\"\r\n\
            Subject: response=keep\r\n\
            \r\n\
            Authorization: Digest response=\"body-is-not-a-header\"";
        let logged = redact_credentials(message);
        assert!(
            !logged.contains("0123abcd") && !logged.contains("fedc"),
            "{logged}"
        );
        assert_eq!(
            logged.matches("response=\"redacted\"").count(),
            2,
            "{logged}"
        );
        assert!(
            logged.contains("nonce=\"n1\"") && logged.contains("nc=00000001"),
            "the rest stays: {logged}"
        );
        assert!(
            logged.contains("Subject: response=keep"),
            "other headers stay: {logged}"
        );
        assert!(
            logged.ends_with("response=\"body-is-not-a-header\""),
            "the body stays: {logged}"
        );
    }

    #[test]
    fn a_message_without_credentials_is_borrowed() {
        assert!(matches!(
            redact_credentials("MESSAGE sip:a@b SIP/2.0\r\n\r\nresponse=1"),
            Cow::Borrowed(_)
        ));
    }
}
