//! The `inbox` table: each user's e-mails, as much of them as a roster
//! needs — subject, sender, `To`, `Cc`, date and a short text snippet.

use anyhow::Context;
use sqlx::{AnyPool, Row};

/// An e-mail with its id.
pub use rollcall_shared::api::Email as StoredEmail;
/// An e-mail as stored (the wire shape of `GET /api/inbox`, without the id).
pub use rollcall_shared::api::Message as Email;

#[derive(Clone)]
pub struct Inbox {
    pool: AnyPool,
}

impl Inbox {
    pub(super) fn new(pool: AnyPool) -> Self {
        Inbox { pool }
    }

    /// Stores `email` in `owner`'s inbox unless it already holds `max`
    /// e-mails (checked in the same statement, so concurrent uploads cannot
    /// pass the limit together); its id, or `None` when full.
    pub async fn add_within(&self, owner: &str, email: &Email, max: usize) -> anyhow::Result<Option<i64>> {
        let result = sqlx::query(
            "INSERT INTO inbox (owner, subject, sender, to_list, cc_list, sent_at, snippet, received_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE (SELECT COUNT(*) FROM inbox WHERE owner = $1) < $9
             RETURNING id",
        )
        .bind(owner)
        .bind(&email.subject)
        .bind(serde_json::to_string(&email.from)?)
        .bind(serde_json::to_string(&email.to)?)
        .bind(serde_json::to_string(&email.cc)?)
        .bind(&email.date)
        .bind(&email.snippet)
        .bind(super::now_rfc3339())
        .bind(max as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(result.map(|row| row.try_get(0)).transpose()?)
    }

    /// Stores `email` in `owner`'s inbox; its id.
    pub async fn add(&self, owner: &str, email: &Email) -> anyhow::Result<i64> {
        self.add_within(owner, email, i64::MAX as usize).await?.context("the inbox refused an e-mail without a limit")
    }

    /// `owner`'s e-mails, newest first.
    pub async fn list(&self, owner: &str) -> anyhow::Result<Vec<StoredEmail>> {
        let rows = sqlx::query(
            "SELECT id, subject, sender, to_list, cc_list, sent_at, snippet FROM inbox WHERE owner = $1 ORDER BY id DESC",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored).collect()
    }

    /// E-mail `id` if it is in `owner`'s inbox: another user's id is
    /// answered like one that does not exist.
    pub async fn get(&self, owner: &str, id: i64) -> anyhow::Result<Option<StoredEmail>> {
        let row =
            sqlx::query("SELECT id, subject, sender, to_list, cc_list, sent_at, snippet FROM inbox WHERE owner = $1 AND id = $2")
                .bind(owner)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(stored).transpose()
    }

    /// How many e-mails `owner` has.
    pub async fn count(&self, owner: &str) -> anyhow::Result<usize> {
        let row = sqlx::query("SELECT COUNT(*) FROM inbox WHERE owner = $1").bind(owner).fetch_one(&self.pool).await?;
        Ok(row.get::<i64, _>(0) as usize)
    }

    /// Is `owner`'s inbox empty? (`--demo` seeds only empty inboxes.)
    pub async fn is_empty(&self, owner: &str) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM inbox WHERE owner = $1").bind(owner).fetch_one(&self.pool).await?;
        Ok(row.get::<i64, _>(0) == 0)
    }
}

fn stored(row: &sqlx::any::AnyRow) -> anyhow::Result<StoredEmail> {
    let json = |i: usize| row.try_get::<String, _>(i);
    Ok(StoredEmail {
        id: row.try_get(0)?,
        message: Email {
            subject: row.try_get(1)?,
            from: serde_json::from_str(&json(2)?).context("stored sender")?,
            to: serde_json::from_str(&json(3)?).context("stored To")?,
            cc: serde_json::from_str(&json(4)?).context("stored Cc")?,
            date: row.try_get(5)?,
            snippet: row.try_get(6)?,
        },
    })
}

#[cfg(test)]
mod tests;
