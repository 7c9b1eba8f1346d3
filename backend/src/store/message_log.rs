//! The `message_log` table: every SIP message in and out of the IM server.

use sqlx::{Row, SqlitePool};

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
}

impl MessageLog {
    pub(super) fn new(pool: SqlitePool) -> Self {
        MessageLog { pool }
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
        let first_line = message.lines().next().unwrap_or_default();
        sqlx::query(
            "INSERT INTO message_log (at, connection_id, peer, direction, auth_user, first_line, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(super::now_rfc3339())
        .bind(connection_id as i64)
        .bind(peer)
        .bind(direction.as_str())
        .bind(auth_user)
        .bind(first_line)
        .bind(message)
        .execute(&self.pool)
        .await?;
        Ok(())
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
        Ok(rows
            .into_iter()
            .map(|r| LogEntry {
                id: r.get(0),
                at: r.get(1),
                connection_id: r.get(2),
                peer: r.get(3),
                direction: r.get(4),
                auth_user: r.get(5),
                first_line: r.get(6),
                message: r.get(7),
            })
            .collect())
    }
}
