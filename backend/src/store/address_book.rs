//! The `address_entries` table: each user's personal contacts and the
//! global directory ([`Book`]). Entries are the shared
//! [`rollcall_shared::directory::Entry`]; resolution and merging happen on
//! whole books in memory, so this repository only reads and writes them.

use std::sync::{Arc, Mutex};

use anyhow::Context;
use rollcall_shared::directory::{Entry, Phone};
use rollcall_shared::sync::LockExt;
use sqlx::{AnyPool, Row};

/// Which book: a user's personal contacts, or the global directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Book {
    Contacts(String),
    Directory,
}

impl Book {
    /// The `owner` column: the user, or NULL for the directory.
    fn owner(&self) -> Option<&str> {
        match self {
            Book::Contacts(user) => Some(user),
            Book::Directory => None,
        }
    }
}

/// A stored entry with its id (as `GET /api/contacts` lists it).
pub use rollcall_shared::api::StoredEntry;

/// Entries written per transaction by [`AddressBooks::add_all`].
pub const IMPORT_CHUNK: usize = 100;

#[derive(Clone)]
pub struct AddressBooks {
    pool: AnyPool,
    directory: DirectoryCache,
}

/// The global directory as last read, with the version it was read at.
///
/// Resolution merges both books on every request, and reading a
/// directory of a thousand rows costs milliseconds (`make bench`): the
/// directory is read again only when it changed. Entries are only ever
/// added (no update or delete exists), so the count of directory rows and
/// their highest id together are an exact version — also for rows another
/// process added (`rollcall directory import` on the same database). A
/// change that rewrote rows would need a real version counter.
#[derive(Clone, Default)]
pub(super) struct DirectoryCache(Arc<Mutex<Option<Snapshot>>>);

/// The directory's version (row count, highest id) and its entries then.
type Snapshot = ((i64, i64), Arc<Vec<Entry>>);

impl AddressBooks {
    pub(super) fn new(pool: AnyPool, directory: DirectoryCache) -> Self {
        AddressBooks { pool, directory }
    }

    /// The directory's entries, from the cache unless they changed.
    pub async fn directory(&self) -> anyhow::Result<Arc<Vec<Entry>>> {
        let row = sqlx::query("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM address_entries WHERE owner IS NULL")
            .fetch_one(&self.pool)
            .await?;
        let version: (i64, i64) = (row.get(0), row.get(1));
        let cached = self.directory.0.locked().as_ref().filter(|(v, _)| *v == version).map(|(_, e)| Arc::clone(e));
        if let Some(entries) = cached {
            return Ok(entries);
        }
        let entries: Arc<Vec<Entry>> = Arc::new(self.list(&Book::Directory).await?.into_iter().map(|s| s.entry).collect());
        *self.directory.0.locked() = Some((version, Arc::clone(&entries)));
        Ok(entries)
    }

    /// Adds `entries` to `book`: all or none. They are written
    /// [`IMPORT_CHUNK`] to a transaction, so that SQLite's one writer is
    /// never held for long (the message log writes before every SIP message
    /// is acted on); when a chunk fails, the chunks already written are
    /// deleted again. A directory entry's [`Entry::user`] links it to that
    /// user; contacts are never linked (their `user` is not stored).
    pub async fn add_all(&self, book: &Book, entries: &[Entry]) -> anyhow::Result<()> {
        let mut written: Vec<i64> = Vec::with_capacity(entries.len());
        for chunk in entries.chunks(IMPORT_CHUNK) {
            let mut wrote = async {
                let mut tx = self.pool.begin().await?;
                let mut ids = Vec::with_capacity(chunk.len());
                for entry in chunk {
                    ids.push(insert(&mut tx, book, None, entry).await?);
                }
                tx.commit().await?;
                anyhow::Ok(ids)
            }
            .await;
            match &mut wrote {
                Ok(ids) => written.append(ids),
                Err(_) => {
                    for id in &written {
                        let _ = sqlx::query("DELETE FROM address_entries WHERE id = $1").bind(id).execute(&self.pool).await;
                    }
                    return wrote.map(|_| ());
                }
            }
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// How many entries `book` has.
    pub async fn count(&self, book: &Book) -> anyhow::Result<usize> {
        let row = sqlx::query("SELECT COUNT(*) FROM address_entries WHERE owner IS NOT DISTINCT FROM $1")
            .bind(book.owner())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0) as usize)
    }

    /// Adds a directory entry that describes the Rollcall user `username`
    /// (whatever `entry.user` says).
    pub async fn add_user_entry(&self, username: &str, entry: &Entry) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        insert(&mut tx, &Book::Directory, Some(username), entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every entry of `book`, oldest first, directory entries with the user
    /// they are linked to ([`Entry::user`]).
    pub async fn list(&self, book: &Book) -> anyhow::Result<Vec<StoredEntry>> {
        let rows = sqlx::query(
            "SELECT id, name, emails, phones, username FROM address_entries WHERE owner IS NOT DISTINCT FROM $1 ORDER BY id",
        )
        .bind(book.owner())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored).collect()
    }

    /// The entries of both books, contacts first, ids dropped: the input of
    /// resolution and merging.
    pub async fn books_of(&self, user: &str) -> anyhow::Result<(Vec<Entry>, Arc<Vec<Entry>>)> {
        let contacts = self.list(&Book::Contacts(user.to_string())).await?;
        Ok((contacts.into_iter().map(|s| s.entry).collect(), self.directory().await?))
    }

    /// The e-mail addresses of the directory entries of user `username`.
    pub async fn own_emails(&self, username: &str) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query("SELECT emails FROM address_entries WHERE owner IS NULL AND username = $1 ORDER BY id")
            .bind(username)
            .fetch_all(&self.pool)
            .await?;
        let mut emails = Vec::new();
        for row in rows {
            let list: Vec<String> = serde_json::from_str(&row.try_get::<String, _>(0)?).context("stored e-mails")?;
            emails.extend(list);
        }
        Ok(emails)
    }

    /// The numbers of the directory entries linked to user `username`: the
    /// phones that are theirs.
    pub async fn numbers_of_user(&self, username: &str) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query("SELECT phones FROM address_entries WHERE owner IS NULL AND username = $1 ORDER BY id")
            .bind(username)
            .fetch_all(&self.pool)
            .await?;
        let mut numbers = Vec::new();
        for row in rows {
            let phones: Vec<Phone> = serde_json::from_str(&row.try_get::<String, _>(0)?).context("stored numbers")?;
            numbers.extend(phones.into_iter().map(|p| p.number));
        }
        Ok(numbers)
    }

    /// Is `number` anyone's in the directory?
    pub async fn number_in_directory(&self, number: &str) -> anyhow::Result<bool> {
        let quoted = format!("\"{number}\"");
        let row = sqlx::query("SELECT CASE WHEN EXISTS (SELECT 1 FROM address_entries WHERE owner IS NULL AND instr(phones, $1) > 0) THEN 1 ELSE 0 END")
            .bind(quoted)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? != 0)
    }

    /// Does `book` have any entry? (`--demo` seeds only empty books.)
    pub async fn is_empty(&self, book: &Book) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM address_entries WHERE owner IS NOT DISTINCT FROM $1")
            .bind(book.owner())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0) == 0)
    }
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    book: &Book,
    username: Option<&str>,
    entry: &Entry,
) -> anyhow::Result<i64> {
    let username = match book {
        Book::Directory => username.or(entry.user.as_deref()),
        Book::Contacts(_) => None,
    };
    let inserted = sqlx::query(
        "INSERT INTO address_entries (owner, username, name, emails, phones, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(book.owner())
    .bind(username)
    .bind(&entry.name)
    .bind(serde_json::to_string(&entry.emails)?)
    .bind(serde_json::to_string(&entry.phones)?)
    .bind(super::now_rfc3339())
    .fetch_one(&mut **tx)
    .await?;
    Ok(inserted.try_get(0)?)
}

fn stored(row: &sqlx::any::AnyRow) -> anyhow::Result<StoredEntry> {
    let emails: Vec<String> = serde_json::from_str(&row.try_get::<String, _>(2)?).context("stored e-mails")?;
    let phones: Vec<Phone> = serde_json::from_str(&row.try_get::<String, _>(3)?).context("stored numbers")?;
    let user: Option<String> = row.try_get(4)?;
    Ok(StoredEntry { id: row.try_get(0)?, entry: Entry { name: row.try_get(1)?, emails, phones, user } })
}

#[cfg(test)]
mod tests;
