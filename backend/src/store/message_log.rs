//! The `message_log` table: every SIP message in and out of the IM server.
//!
//! Digest credentials are logged without their `response=` value: with it
//! and the nonce, anyone who can read the log could try passwords offline.

use std::borrow::Cow;

use sqlx::{Row, SqlitePool};

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
        let message = redact_credentials(message);
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
        .bind(message.as_ref())
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
    for line in message.split_inclusive('\n') {
        if in_head && line.trim_end_matches(['\r', '\n']).is_empty() {
            in_head = false;
        }
        if in_head && has_credentials(line) {
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

    #[test]
    fn digest_responses_are_redacted_and_nothing_else() {
        let message = "REGISTER sip:rollcall.local SIP/2.0\r\n\
            Authorization: Digest username=\"alice\", realm=\"rollcall.local\", nonce=\"n1\", \
            uri=\"sip:rollcall.local\", response=\"0123abcd\", algorithm=SHA-256, cnonce=\"c\", nc=00000001, qop=auth\r\n\
            proxy-authorization: Digest response=fedc, username=\"alice\"\r\n\
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
