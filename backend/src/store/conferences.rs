//! The `conferences` table: every conference as of its last event, so that
//! a restart knows what was running (issue "Nothing lost"). The conference
//! service writes a row after each change, in event order, through its
//! journal (`conference::billing::StoreRecorder`); `rollcall serve` reads
//! them back at start (`ConferenceService::recover`).

use sqlx::{AnyConnection, AnyPool, Row};

/// One conference as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceRow {
    pub id: String,
    pub owner: String,
    pub account: String,
    pub created: u64,
    pub terminated: bool,
    /// The `b:getConferenceInfo` answer for it (SOAP 1.2).
    pub snapshot: String,
}

#[derive(Clone)]
pub struct Conferences {
    pool: AnyPool,
}

impl Conferences {
    pub(super) fn new(pool: AnyPool) -> Self {
        Conferences { pool }
    }

    /// Writes `row` over the conference's previous one.
    pub async fn save(&self, row: &ConferenceRow) -> anyhow::Result<()> {
        Self::save_on(&mut *self.pool.acquire().await?, row).await
    }

    /// [`Conferences::save`] on `conn` (a transaction, say).
    pub async fn save_on(conn: &mut AnyConnection, row: &ConferenceRow) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO conferences (id, owner, account, created, terminated, updated_at, snapshot)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET terminated = excluded.terminated, updated_at = excluded.updated_at,
                                            snapshot = excluded.snapshot",
        )
        .bind(&row.id)
        .bind(&row.owner)
        .bind(&row.account)
        .bind(row.created as i64)
        .bind(i64::from(row.terminated))
        .bind(super::now_rfc3339())
        .bind(&row.snapshot)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Forgets ended conferences last changed before `before` (RFC 3339).
    pub async fn prune(&self, before: &str) -> anyhow::Result<u64> {
        let done = sqlx::query("DELETE FROM conferences WHERE terminated = 1 AND updated_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// What a restart must know: every conference still running, and those
    /// that ended since `since` (RFC 3339), which their owners may still ask
    /// about; oldest first, at most `limit` of the ended ones.
    pub async fn to_recover(&self, since: &str, limit: u32) -> anyhow::Result<Vec<ConferenceRow>> {
        let rows = sqlx::query(
            "SELECT id, owner, account, created, terminated, snapshot FROM conferences WHERE terminated = 0
             UNION ALL
             SELECT * FROM (SELECT id, owner, account, created, terminated, snapshot FROM conferences
                            WHERE terminated = 1 AND updated_at >= $1 ORDER BY updated_at DESC LIMIT $2) AS ended
             ORDER BY created",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConferenceRow {
                    id: r.try_get(0)?,
                    owner: r.try_get(1)?,
                    account: r.try_get(2)?,
                    created: r.try_get::<i64, _>(3)?.max(0) as u64,
                    terminated: r.try_get::<i64, _>(4)? != 0,
                    snapshot: r.try_get(5)?,
                })
            })
            .collect()
    }
}
