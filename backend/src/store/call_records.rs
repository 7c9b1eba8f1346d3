//! The `call_records` table: one row per call leg, the seed's billing data.
//!
//! The conference service writes a [`CallRecord`] when a leg is dialled —
//! `ended_at` empty, `final_state` `dialing` — and completes it when the leg
//! reaches its final state (`conference::billing` hands both here without
//! blocking), so a crash leaves the record with its start;
//! `rollcall calls` reads them back, and `GET /api/calls` a user's own
//! (by owner, through the `call_records_owner` index).

use std::sync::Arc;

use crate::bridge::LegQuality;
use sqlx::{AnyConnection, AnyPool, Row};

/// One call leg, from dial to its final state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The billing / bridge account named when the conference was created.
    pub account: String,
    /// The AOR that created the conference.
    pub owner: String,
    pub conference_id: String,
    pub participant_id: String,
    /// The E.164 number that was dialled.
    pub number: String,
    /// RFC 3339: when the leg was handed to the bridge.
    pub started_at: String,
    /// RFC 3339: when it was answered, if it ever was.
    pub answered_at: Option<String>,
    /// RFC 3339: when it reached its final state; `None` while it is live
    /// (or was, when the process stopped).
    pub ended_at: Option<String>,
    /// The final participant state as on the wire (`disconnected`, `busy`,
    /// …); `dialing` until the leg ends.
    pub final_state: String,
    /// The Q.850 cause of the final state.
    pub cause: Option<u16>,
}

/// A stored record and its row id (increasing in write order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCallRecord {
    pub id: i64,
    pub record: CallRecord,
    /// How the leg's audio was, when a bridge with real audio said.
    pub quality: Option<LegQuality>,
}

#[derive(Clone)]
pub struct CallRecords {
    pool: AnyPool,
    gate: super::WriteGate,
}

impl CallRecords {
    pub(super) fn new(pool: AnyPool, gate: super::WriteGate) -> Self {
        CallRecords { pool, gate }
    }

    /// A transaction for writing several records (and conferences) at
    /// once, with the writers' turn ([`super::WriteGate`]) held until both
    /// are dropped.
    pub async fn begin(&self) -> anyhow::Result<(tokio::sync::OwnedMutexGuard<()>, sqlx::Transaction<'static, sqlx::Any>)> {
        // The connection first, then the writers' turn (see `WriteGate`).
        let tx = self.pool.begin().await?;
        let turn = Arc::clone(&self.gate).lock_owned().await;
        Ok((turn, tx))
    }

    /// Writes one record; returns once it is in the database.
    pub async fn insert(&self, r: &CallRecord) -> anyhow::Result<()> {
        Self::insert_on(&mut *self.pool.acquire().await?, r).await
    }

    /// [`CallRecords::insert`] on `conn` (a transaction, say).
    pub async fn insert_on(conn: &mut AnyConnection, r: &CallRecord) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO call_records (account, owner, conference_id, participant_id, number,
                                       started_at, answered_at, ended_at, final_state, cause)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&r.account)
        .bind(&r.owner)
        .bind(&r.conference_id)
        .bind(&r.participant_id)
        .bind(&r.number)
        .bind(&r.started_at)
        .bind(&r.answered_at)
        .bind(&r.ended_at)
        .bind(&r.final_state)
        .bind(r.cause.map(i64::from))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Completes the open record of `r`'s leg (dialled, not ended) with its
    /// end; inserts `r` whole when there is none (its start was lost).
    pub async fn complete(&self, r: &CallRecord) -> anyhow::Result<()> {
        Self::complete_on(&mut *self.pool.acquire().await?, r).await
    }

    /// [`CallRecords::complete`] on `conn`.
    pub async fn complete_on(conn: &mut AnyConnection, r: &CallRecord) -> anyhow::Result<()> {
        let done = sqlx::query(
            "UPDATE call_records SET answered_at = COALESCE($1, answered_at), ended_at = $2, final_state = $3, cause = $4
             WHERE id = (SELECT id FROM call_records WHERE conference_id = $5 AND participant_id = $6 AND ended_at IS NULL
                         ORDER BY id DESC LIMIT 1)",
        )
        .bind(&r.answered_at)
        .bind(&r.ended_at)
        .bind(&r.final_state)
        .bind(r.cause.map(i64::from))
        .bind(&r.conference_id)
        .bind(&r.participant_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            Self::insert_on(conn, r).await?;
        }
        Ok(())
    }

    /// Ends every open record of `conference_id` (legs that were live when
    /// the process died) as `final_state` with `cause`, now.
    pub async fn close_open(&self, conference_id: &str, final_state: &str, cause: u16) -> anyhow::Result<u64> {
        let done = sqlx::query(
            "UPDATE call_records SET ended_at = $1, final_state = $2, cause = $3 WHERE conference_id = $4 AND ended_at IS NULL",
        )
        .bind(super::now_rfc3339())
        .bind(final_state)
        .bind(i64::from(cause))
        .bind(conference_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Stores how the audio of `participant_id`'s latest leg in
    /// `conference_id` was.
    pub async fn set_quality(&self, conference_id: &str, participant_id: &str, q: &LegQuality) -> anyhow::Result<()> {
        Self::set_quality_on(&mut *self.pool.acquire().await?, conference_id, participant_id, q).await
    }

    /// [`CallRecords::set_quality`] on `conn`.
    pub async fn set_quality_on(
        conn: &mut AnyConnection,
        conference_id: &str,
        participant_id: &str,
        q: &LegQuality,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE call_records SET rx_loss_permille = $1, rx_jitter_us = $2, tx_loss_permille = $3, tx_jitter_us = $4
             WHERE id = (SELECT id FROM call_records WHERE conference_id = $5 AND participant_id = $6 ORDER BY id DESC LIMIT 1)",
        )
        .bind(i64::from(q.rx_loss_permille))
        .bind(i64::from(q.rx_jitter_us))
        .bind(q.tx_loss_permille.map(i64::from))
        .bind(q.tx_jitter_us.map(i64::from))
        .bind(conference_id)
        .bind(participant_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The most recent `limit` records, oldest first.
    pub async fn recent(&self, limit: u32) -> anyhow::Result<Vec<StoredCallRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM (SELECT * FROM call_records ORDER BY id DESC LIMIT $1) AS newest ORDER BY id"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored).collect()
    }

    /// The most recent `limit` records of conferences created by `owner`
    /// (an AOR, `sip:alice@rollcall.example`), **newest first** (by row id,
    /// that is in the order the legs ended, reversed).
    pub async fn recent_for_owner(&self, owner: &str, limit: u32) -> anyhow::Result<Vec<StoredCallRecord>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM call_records WHERE owner = $1 ORDER BY id DESC LIMIT $2"))
            .bind(owner)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored).collect()
    }
}

/// The columns [`stored`] reads, in its order.
const COLUMNS: &str = "id, account, owner, conference_id, participant_id, number,
                       started_at, answered_at, ended_at, final_state, cause,
                       rx_loss_permille, rx_jitter_us, tx_loss_permille, tx_jitter_us";

/// One row of [`COLUMNS`] as a record.
fn stored(r: &sqlx::any::AnyRow) -> anyhow::Result<StoredCallRecord> {
    let cause: Option<i64> = r.try_get(10)?;
    let (rx_loss, rx_jitter): (Option<i64>, Option<i64>) = (r.try_get(11)?, r.try_get(12)?);
    let (tx_loss, tx_jitter): (Option<i64>, Option<i64>) = (r.try_get(13)?, r.try_get(14)?);
    let quality = rx_loss.zip(rx_jitter).map(|(loss, jitter)| LegQuality {
        rx_loss_permille: loss.clamp(0, 1000) as u16,
        rx_jitter_us: jitter.clamp(0, u32::MAX as i64) as u32,
        tx_loss_permille: tx_loss.map(|l| l.clamp(0, 1000) as u16),
        tx_jitter_us: tx_jitter.map(|j| j.clamp(0, u32::MAX as i64) as u32),
    });
    Ok(StoredCallRecord {
        quality,
        id: r.try_get(0)?,
        record: CallRecord {
            account: r.try_get(1)?,
            owner: r.try_get(2)?,
            conference_id: r.try_get(3)?,
            participant_id: r.try_get(4)?,
            number: r.try_get(5)?,
            started_at: r.try_get(6)?,
            answered_at: r.try_get(7)?,
            ended_at: r.try_get(8)?,
            final_state: r.try_get(9)?,
            // A cause outside Q.850's range is shown as unknown.
            cause: cause.and_then(|c| u16::try_from(c).ok()),
        },
    })
}

#[cfg(test)]
mod tests;
