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

/// Which conference service instance holds the conferences it saves,
/// and how long its hold lasts unrenewed (docs/operations.md "Several
/// conference services").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub instance: String,
    pub ttl: std::time::Duration,
}

impl Lease {
    /// When a lease taken now runs out (RFC 3339).
    fn until(&self) -> String {
        humantime::format_rfc3339_millis(std::time::SystemTime::now() + self.ttl).to_string()
    }
}

#[derive(Clone)]
pub struct Conferences {
    pool: AnyPool,
    /// The lease this service's saves take (none: anyone may take them over).
    lease: Option<Lease>,
}

impl Conferences {
    pub(super) fn new(pool: AnyPool) -> Self {
        Conferences { pool, lease: None }
    }

    /// These conferences as saved by the instance holding `lease`.
    pub fn leased(self, lease: Lease) -> Self {
        Conferences { lease: Some(lease), ..self }
    }

    /// Writes `row` over the conference's previous one.
    pub async fn save(&self, row: &ConferenceRow) -> anyhow::Result<()> {
        self.save_on(&mut *self.pool.acquire().await?, row).await
    }

    /// [`Conferences::save`] on `conn` (a transaction, say). A row another
    /// instance has taken over is left as it is: the instance that lost it
    /// cannot write over the one that holds it now.
    pub async fn save_on(&self, conn: &mut AnyConnection, row: &ConferenceRow) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO conferences (id, owner, account, created, terminated, updated_at, snapshot, instance, lease_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET terminated = excluded.terminated, updated_at = excluded.updated_at,
                                            snapshot = excluded.snapshot, lease_until = excluded.lease_until
             WHERE conferences.instance IS NOT DISTINCT FROM excluded.instance",
        )
        .bind(&row.id)
        .bind(&row.owner)
        .bind(&row.account)
        .bind(row.created as i64)
        .bind(i64::from(row.terminated))
        .bind(super::now_rfc3339())
        .bind(&row.snapshot)
        .bind(self.lease.as_ref().map(|l| l.instance.clone()))
        .bind(self.lease.as_ref().map(Lease::until))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Renews this instance's lease on its running conferences; how many
    /// it holds.
    pub async fn renew(&self) -> anyhow::Result<u64> {
        let Some(lease) = &self.lease else { return Ok(0) };
        let done = sqlx::query("UPDATE conferences SET lease_until = $1 WHERE instance = $2 AND terminated = 0")
            .bind(lease.until())
            .bind(&lease.instance)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Takes over (at most `limit` of) the running conferences nobody holds:
    /// those whose lease has run out — their instance died — or that have
    /// none, and with `own` (after a restart) this instance's own. Each is
    /// taken by one instance only, however many try at once. Oldest first.
    pub async fn claim(&self, limit: u32, own: bool) -> anyhow::Result<Vec<ConferenceRow>> {
        let now = super::now_rfc3339();
        let (instance, until) = match &self.lease {
            Some(lease) => (Some(lease.instance.clone()), Some(lease.until())),
            None => (None, None),
        };
        // The condition twice: PostgreSQL checks the outer one again on a
        // row another claimer has just updated, and skips it.
        const FREE: &str = "terminated = 0 AND (lease_until IS NULL OR lease_until < $3 OR (instance = $1 AND $5 = 1))";
        let rows = sqlx::query(&format!(
            "UPDATE conferences SET instance = $1, lease_until = $2
             WHERE {FREE} AND id IN (SELECT id FROM conferences WHERE {FREE} ORDER BY created LIMIT $4)
             RETURNING id, owner, account, created, terminated, snapshot"
        ))
        .bind(instance)
        .bind(until)
        .bind(now)
        .bind(i64::from(limit))
        .bind(i64::from(own))
        .fetch_all(&self.pool)
        .await?;
        let mut claimed: Vec<ConferenceRow> = rows.iter().map(row).collect::<anyhow::Result<_>>()?;
        claimed.sort_by_key(|r| r.created);
        Ok(claimed)
    }

    /// Which of `ids` another instance holds now (its lease ran out here,
    /// and that instance took the conference over).
    pub async fn taken_from_me(&self, ids: &[String]) -> anyhow::Result<Vec<String>> {
        let Some(lease) = &self.lease else { return Ok(Vec::new()) };
        let mut taken = Vec::new();
        for id in ids {
            let holder: Option<Option<String>> = sqlx::query("SELECT instance FROM conferences WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| row.try_get(0))
                .transpose()?;
            if matches!(holder, Some(Some(instance)) if instance != lease.instance) {
                taken.push(id.clone());
            }
        }
        Ok(taken)
    }

    /// Forgets ended conferences last changed before `before` (RFC 3339).
    pub async fn prune(&self, before: &str) -> anyhow::Result<u64> {
        let done = sqlx::query("DELETE FROM conferences WHERE terminated = 1 AND updated_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The conferences that ended since `since` (RFC 3339), which their
    /// owners may still ask about: the newest `limit`, oldest first.
    pub async fn ended_since(&self, since: &str, limit: u32) -> anyhow::Result<Vec<ConferenceRow>> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT id, owner, account, created, terminated, snapshot FROM conferences
                            WHERE terminated = 1 AND updated_at >= $1 ORDER BY updated_at DESC LIMIT $2) AS ended
             ORDER BY created",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }
}

/// A row of `id, owner, account, created, terminated, snapshot`.
fn row(r: &sqlx::any::AnyRow) -> anyhow::Result<ConferenceRow> {
    Ok(ConferenceRow {
        id: r.try_get(0)?,
        owner: r.try_get(1)?,
        account: r.try_get(2)?,
        created: r.try_get::<i64, _>(3)?.max(0) as u64,
        terminated: r.try_get::<i64, _>(4)? != 0,
        snapshot: r.try_get(5)?,
    })
}

#[cfg(test)]
mod tests;
