//! The `users` table: SIP users and their HA1 digests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::digest::{self, Algorithm};
use rollcall_shared::sync::LockExt;
use sqlx::{AnyPool, Row};

/// A user as stored: name, realm and one HA1 per digest algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub realm: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
}

impl User {
    /// Derives the HA1 values from a password; the password is not kept.
    pub fn with_password(username: &str, realm: &str, password: &str) -> User {
        User {
            username: username.to_string(),
            realm: realm.to_string(),
            ha1_md5: digest::ha1(Algorithm::Md5, username, realm, password),
            ha1_sha256: digest::ha1(Algorithm::Sha256, username, realm, password),
        }
    }

    pub fn ha1(&self, algorithm: Algorithm) -> &str {
        match algorithm {
            Algorithm::Md5 => &self.ha1_md5,
            Algorithm::Sha256 => &self.ha1_sha256,
        }
    }
}

/// Is `name` acceptable as the user part of a SIP URI we hand out?
/// Letters, digits and `.-_`, 1 to 64 characters.
pub fn valid_username(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Adds a user or replaces its digests (the user's fields as $1–$5).
const UPSERT: &str = "INSERT INTO users (username, realm, ha1_md5, ha1_sha256, created_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (username) DO UPDATE
     SET realm = excluded.realm, ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256";

#[derive(Clone)]
pub struct Users {
    pool: AnyPool,
    cache: UserCache,
}

/// Users as recently read (and names found missing), so that a request's
/// digest check costs no database read: every authenticated SIP request
/// and HTTP call looks its user up. Entries live [`UserCache::TTL`] — a
/// password changed by another process (`rollcall user add`) counts
/// within that — and this process's own writes replace them at once. At
/// most [`UserCache::MAX`] entries; when full it starts over.
#[derive(Clone, Default)]
pub(super) struct UserCache(Arc<Mutex<HashMap<String, Cached>>>);

/// When a user was read, and what was found.
type Cached = (Instant, Option<User>);

impl UserCache {
    const TTL: Duration = Duration::from_secs(30);
    const MAX: usize = 100_000;

    fn get(&self, username: &str) -> Option<Option<User>> {
        let map = self.0.locked();
        let (at, user) = map.get(username)?;
        (at.elapsed() < Self::TTL).then(|| user.clone())
    }

    fn put(&self, username: &str, user: Option<User>) {
        let mut map = self.0.locked();
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(username.to_string(), (Instant::now(), user));
    }

    fn forget(&self, username: &str) {
        self.0.locked().remove(username);
    }
}

impl Users {
    pub(super) fn new(pool: AnyPool, cache: UserCache) -> Self {
        Users { pool, cache }
    }

    /// Adds the user, or replaces its digests when it exists.
    pub async fn upsert(&self, user: &User) -> anyhow::Result<()> {
        self.insert(user, UPSERT).await?;
        Ok(())
    }

    /// Adds a new user; `false` (and nothing changed) when the name is
    /// taken, whatever its case.
    pub async fn create(&self, user: &User) -> anyhow::Result<bool> {
        let rows = self
            .insert(
                user,
                "INSERT INTO users (username, realm, ha1_md5, ha1_sha256, created_at)
                 SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))",
            )
            .await?;
        Ok(rows == 1)
    }

    /// [`Users::upsert`] for many users in one transaction: all are saved
    /// or, when one name is invalid, none.
    pub async fn upsert_all(&self, users: &[User]) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        for user in users {
            Self::insert_on(&mut tx, user, UPSERT).await?;
        }
        tx.commit().await?;
        for user in users {
            self.cache.forget(&user.username);
        }
        Ok(())
    }

    /// Runs `sql` (an insert taking the user's fields as $1–$5) for `user`;
    /// the rows it changed.
    async fn insert(&self, user: &User, sql: &str) -> anyhow::Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let rows = Self::insert_on(&mut conn, user, sql).await;
        self.cache.forget(&user.username);
        rows
    }

    async fn insert_on(conn: &mut sqlx::AnyConnection, user: &User, sql: &str) -> anyhow::Result<u64> {
        anyhow::ensure!(valid_username(&user.username), "invalid user name `{}`", user.username);
        let done = sqlx::query(sql)
            .bind(&user.username)
            .bind(&user.realm)
            .bind(&user.ha1_md5)
            .bind(&user.ha1_sha256)
            .bind(super::now_rfc3339())
            .execute(conn)
            .await?;
        Ok(done.rows_affected())
    }

    /// The user named `username` (from the cache when read lately).
    pub async fn get(&self, username: &str) -> anyhow::Result<Option<User>> {
        if let Some(known) = self.cache.get(username) {
            return Ok(known);
        }
        let row = sqlx::query("SELECT username, realm, ha1_md5, ha1_sha256 FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        let user = row.map(|r| User { username: r.get(0), realm: r.get(1), ha1_md5: r.get(2), ha1_sha256: r.get(3) });
        self.cache.put(username, user.clone());
        Ok(user)
    }

    /// All user names with their realm, sorted.
    pub async fn list(&self) -> anyhow::Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT username, realm FROM users ORDER BY username").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

#[cfg(test)]
mod tests;
