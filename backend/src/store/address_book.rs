//! The `address_entries` table: each user's personal contacts and the
//! global directory ([`Book`]). Entries are the shared
//! [`rollcall_shared::directory::Entry`]; resolution and merging happen on
//! whole books in memory, so this repository only reads and writes them.

use std::sync::{Arc, Mutex};

use anyhow::Context;
use rollcall_shared::directory::{Entry, Phone};
use rollcall_shared::sync::LockExt;
use sqlx::{Row, SqlitePool};

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
    pool: SqlitePool,
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
    pub(super) fn new(pool: SqlitePool, directory: DirectoryCache) -> Self {
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
                        let _ = sqlx::query("DELETE FROM address_entries WHERE id = ?1").bind(id).execute(&self.pool).await;
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
        let row = sqlx::query("SELECT COUNT(*) FROM address_entries WHERE owner IS ?1")
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
            "SELECT id, name, emails, phones, username FROM address_entries WHERE owner IS ?1 ORDER BY id",
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
        let rows = sqlx::query("SELECT emails FROM address_entries WHERE owner IS NULL AND username = ?1 ORDER BY id")
            .bind(username)
            .fetch_all(&self.pool)
            .await?;
        let mut emails = Vec::new();
        for row in rows {
            let list: Vec<String> = serde_json::from_str(row.get::<&str, _>(0)).context("stored e-mails")?;
            emails.extend(list);
        }
        Ok(emails)
    }

    /// The numbers of the directory entries linked to user `username`: the
    /// phones that are theirs.
    pub async fn numbers_of_user(&self, username: &str) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query("SELECT phones FROM address_entries WHERE owner IS NULL AND username = ?1 ORDER BY id")
            .bind(username)
            .fetch_all(&self.pool)
            .await?;
        let mut numbers = Vec::new();
        for row in rows {
            let phones: Vec<Phone> = serde_json::from_str(row.get::<&str, _>(0)).context("stored numbers")?;
            numbers.extend(phones.into_iter().map(|p| p.number));
        }
        Ok(numbers)
    }

    /// Is `number` anyone's in the directory?
    pub async fn number_in_directory(&self, number: &str) -> anyhow::Result<bool> {
        let quoted = format!("\"{number}\"");
        let row = sqlx::query("SELECT EXISTS (SELECT 1 FROM address_entries WHERE owner IS NULL AND instr(phones, ?1) > 0)")
            .bind(quoted)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<bool, _>(0))
    }

    /// Does `book` have any entry? (`--demo` seeds only empty books.)
    pub async fn is_empty(&self, book: &Book) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM address_entries WHERE owner IS ?1")
            .bind(book.owner())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0) == 0)
    }
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(book.owner())
    .bind(username)
    .bind(&entry.name)
    .bind(serde_json::to_string(&entry.emails)?)
    .bind(serde_json::to_string(&entry.phones)?)
    .bind(super::now_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.last_insert_rowid())
}

fn stored(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<StoredEntry> {
    let emails: Vec<String> = serde_json::from_str(row.get::<&str, _>(2)).context("stored e-mails")?;
    let phones: Vec<Phone> = serde_json::from_str(row.get::<&str, _>(3)).context("stored numbers")?;
    let user: Option<String> = row.get(4);
    Ok(StoredEntry { id: row.get(0), entry: Entry { name: row.get(1), emails, phones, user } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_shared::soap::Location;

    #[tokio::test]
    async fn the_directory_is_read_again_only_when_it_changed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("d.db").to_string_lossy().into_owned();
        let store = crate::store::Store::open(&path).await.expect("db");
        let books = store.address_books();
        let entry = |name: &str| Entry { name: name.into(), emails: vec![], phones: vec![], user: None };
        books.add_all(&Book::Directory, &[entry("Ann")]).await.expect("added");
        let first = books.directory().await.expect("read");
        assert!(Arc::ptr_eq(&first, &store.address_books().directory().await.expect("read")), "unchanged: cached");
        // A contact is not the directory: still cached.
        books.add_all(&Book::Contacts("alice".into()), &[entry("Bo")]).await.expect("added");
        assert!(Arc::ptr_eq(&first, &books.directory().await.expect("read")));
        // Another process (another pool on the same file) adds to it: seen.
        let other = crate::store::Store::open(&path).await.expect("db");
        other.address_books().add_all(&Book::Directory, &[entry("Cy")]).await.expect("added");
        let names: Vec<String> = books.directory().await.expect("read").iter().map(|e| e.name.clone()).collect();
        assert_eq!(names, ["Ann", "Cy"]);
    }

    #[tokio::test]
    async fn books_are_kept_apart() {
        let store = crate::store::Store::open(":memory:").await.expect("db");
        let books = store.address_books();
        let ann = Entry {
            name: "Ann".into(),
            emails: vec!["ann@example.com".into()],
            phones: vec![Phone { number: "+14255550150".into(), location: Location::Mobile }],
            user: None,
        };
        let alice = Book::Contacts("alice".into());
        books.add_all(&alice, std::slice::from_ref(&ann)).await.expect("add");
        let bob = Entry { name: "Bob".into(), emails: vec!["bob@example.com".into()], ..Entry::default() };
        books.add_user_entry("bob", &bob).await.expect("add");
        assert_eq!(books.list(&alice).await.expect("list")[0].entry, ann);
        assert!(books.list(&Book::Contacts("bob".into())).await.expect("list").is_empty());
        let directory = books.list(&Book::Directory).await.expect("list");
        assert_eq!(directory.len(), 1);
        assert_eq!(directory[0].entry, Entry { user: Some("bob".into()), ..bob }, "read back linked to bob");
        assert_eq!(books.own_emails("bob").await.expect("own"), vec!["bob@example.com"]);
        assert!(books.own_emails("alice").await.expect("own").is_empty());
        assert!(!books.is_empty(&alice).await.expect("count"));
    }

    #[tokio::test]
    async fn only_directory_entries_are_linked_to_users() {
        let store = crate::store::Store::open(":memory:").await.expect("db");
        let books = store.address_books();
        let carol = Entry {
            name: "Carol".into(),
            emails: vec!["carol@example.com".into()],
            user: Some("carol".into()),
            ..Entry::default()
        };
        books.add_all(&Book::Directory, std::slice::from_ref(&carol)).await.expect("add");
        books.add_all(&Book::Contacts("alice".into()), std::slice::from_ref(&carol)).await.expect("add");
        assert_eq!(books.list(&Book::Directory).await.expect("list")[0].entry.user.as_deref(), Some("carol"));
        assert_eq!(books.list(&Book::Contacts("alice".into())).await.expect("list")[0].entry.user, None);
        assert_eq!(books.own_emails("carol").await.expect("own"), vec!["carol@example.com"]);
    }
}
