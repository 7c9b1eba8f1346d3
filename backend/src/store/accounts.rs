//! The `accounts` table: which billing accounts each user may use
//! (docs/protocol.md §8). Every user may use the account named after them, which
//! is their default unless an operator made a granted one the default.

use sqlx::{AnyPool, Row};

use super::Backend;

/// Most accounts one user may be granted (`rollcall account grant` refuses
/// more); a user's list is read on every `CreateConference`.
pub const MAX_ACCOUNTS_PER_USER: usize = 100;

/// What one user may bill calls to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccounts {
    /// Used when a request names no account.
    pub default: String,
    /// Every account the user may name, the default and their own included.
    pub allowed: Vec<String>,
}

impl UserAccounts {
    /// Only the user's own account (no grants, or no database).
    pub fn own(user: &str) -> Self {
        UserAccounts { default: user.to_string(), allowed: vec![user.to_string()] }
    }

    /// The account a request naming `requested` bills: the default for an
    /// empty one, `None` for one the user may not use.
    pub fn resolve(&self, requested: &str) -> Option<String> {
        let requested = requested.trim();
        if requested.is_empty() {
            return Some(self.default.clone());
        }
        self.allowed.iter().find(|a| *a == requested).cloned()
    }
}

/// Is `name` acceptable as an account name? Letters, digits and `.-_`, 1 to 64.
pub fn valid_account(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[derive(Clone)]
pub struct Accounts {
    pool: AnyPool,
    backend: Backend,
}

impl Accounts {
    pub(super) fn new(pool: AnyPool, backend: Backend) -> Self {
        Accounts { pool, backend }
    }

    /// What `user` may bill to.
    pub async fn of(&self, user: &str) -> anyhow::Result<UserAccounts> {
        let rows = sqlx::query("SELECT account, is_default FROM accounts WHERE username = $1 ORDER BY account LIMIT $2")
            .bind(user)
            .bind(MAX_ACCOUNTS_PER_USER as i64)
            .fetch_all(&self.pool)
            .await?;
        let mut accounts = UserAccounts::own(user);
        for row in rows {
            let account: String = row.try_get(0)?;
            if row.try_get::<i64, _>(1)? != 0 {
                accounts.default = account.clone();
            }
            if !accounts.allowed.contains(&account) {
                accounts.allowed.push(account);
            }
        }
        Ok(accounts)
    }

    /// Lets `user` use `account`; with `default`, makes it their default.
    pub async fn grant(&self, user: &str, account: &str, default: bool) -> anyhow::Result<()> {
        anyhow::ensure!(valid_account(account), "`{account}` is not an account name (letters, digits, . - _)");
        // The transaction reads, then writes. On SQLite, IMMEDIATE: a
        // deferred one would fail at once (SQLITE_BUSY, no busy wait) if
        // another connection wrote in between. On PostgreSQL, SERIALIZABLE:
        // two grants at once cannot both pass the count.
        let mut tx = self
            .pool
            .begin_with(match self.backend {
                Backend::Sqlite => "BEGIN IMMEDIATE",
                Backend::Postgres => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            })
            .await?;
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM accounts WHERE username = $1 AND account <> $2")
            .bind(user)
            .bind(account)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        anyhow::ensure!((count as usize) < MAX_ACCOUNTS_PER_USER, "{user} already has {MAX_ACCOUNTS_PER_USER} accounts");
        if default {
            sqlx::query("UPDATE accounts SET is_default = 0 WHERE username = $1").bind(user).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO accounts (username, account, is_default) VALUES ($1, $2, $3)
             ON CONFLICT (username, account) DO UPDATE SET is_default =
                 CASE WHEN excluded.is_default > accounts.is_default THEN excluded.is_default ELSE accounts.is_default END",
        )
        .bind(user)
        .bind(account)
        .bind(i64::from(default))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Is `name` an account someone was granted? (A user named so would
    /// bill it as their own account.)
    pub async fn is_granted_name(&self, name: &str) -> anyhow::Result<bool> {
        let row =
            sqlx::query("SELECT CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE lower(account) = lower($1)) THEN 1 ELSE 0 END")
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get::<i64, _>(0)? != 0)
    }

    /// Takes `account` away from `user` (their own account cannot be).
    /// Returns whether there was such a grant.
    pub async fn revoke(&self, user: &str, account: &str) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM accounts WHERE username = $1 AND account = $2")
            .bind(user)
            .bind(account)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests;
