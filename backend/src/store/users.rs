//! The `users` table: SIP users and their HA1 digests.

use rollcall_shared::digest::{self, Algorithm};
use sqlx::{Row, SqlitePool};

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
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[derive(Clone)]
pub struct Users {
    pool: SqlitePool,
}

impl Users {
    pub(super) fn new(pool: SqlitePool) -> Self {
        Users { pool }
    }

    /// Adds the user, or replaces its digests when it exists.
    pub async fn upsert(&self, user: &User) -> anyhow::Result<()> {
        self.insert(
            user,
            "INSERT INTO users (username, realm, ha1_md5, ha1_sha256, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (username) DO UPDATE
             SET realm = excluded.realm, ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256",
        )
        .await?;
        Ok(())
    }

    /// Adds a new user; `false` (and nothing changed) when the name is
    /// taken, whatever its case.
    pub async fn create(&self, user: &User) -> anyhow::Result<bool> {
        let rows = self
            .insert(
                user,
                "INSERT INTO users (username, realm, ha1_md5, ha1_sha256, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?1))",
            )
            .await?;
        Ok(rows == 1)
    }

    /// Runs `sql` (an insert taking the user's fields as ?1–?5) for `user`;
    /// the rows it changed.
    async fn insert(&self, user: &User, sql: &str) -> anyhow::Result<u64> {
        anyhow::ensure!(valid_username(&user.username), "invalid user name `{}`", user.username);
        let done = sqlx::query(sql)
            .bind(&user.username)
            .bind(&user.realm)
            .bind(&user.ha1_md5)
            .bind(&user.ha1_sha256)
            .bind(super::now_rfc3339())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn get(&self, username: &str) -> anyhow::Result<Option<User>> {
        let row = sqlx::query("SELECT username, realm, ha1_md5, ha1_sha256 FROM users WHERE username = ?1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| User {
            username: r.get(0),
            realm: r.get(1),
            ha1_md5: r.get(2),
            ha1_sha256: r.get(3),
        }))
    }

    /// All user names with their realm, sorted.
    pub async fn list(&self) -> anyhow::Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT username, realm FROM users ORDER BY username")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(valid_username("alice"));
        assert!(valid_username("conference"));
        assert!(!valid_username(""));
        assert!(!valid_username("a b"));
        assert!(!valid_username("a@b"));
    }

    #[tokio::test]
    async fn upsert_stores_ha1_only() {
        let store = crate::store::Store::open(":memory:").await.expect("db");
        let users = store.users();
        users.upsert(&User::with_password("alice", "rollcall.local", "secret")).await.expect("add");
        let alice = users.get("alice").await.expect("get").expect("exists");
        assert_eq!(alice.ha1_md5, digest::ha1(Algorithm::Md5, "alice", "rollcall.local", "secret"));
        assert!(!alice.ha1_md5.contains("secret") && !alice.ha1_sha256.contains("secret"));
        users.upsert(&User::with_password("alice", "rollcall.local", "other")).await.expect("update");
        assert_ne!(users.get("alice").await.expect("get").expect("exists").ha1_md5, alice.ha1_md5);
        assert_eq!(users.list().await.expect("list").len(), 1);
    }
}
