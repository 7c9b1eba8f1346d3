//! How an operator on the same machine reaches `rollcall serve`'s private
//! conference web service.
//!
//! `serve` runs the conference web service on a loopback port of its own
//! with a fresh bearer token each start: nothing outside the process needs
//! them, except the operator's `rollcall bridge crash`. So `serve` writes
//! both to a file beside its database, `DB.operator.json`, readable by the
//! owner only (mode 0600), and `rollcall bridge crash --db DB` reads it when no
//! `--token` is given. A file left by a server that has stopped is harmless:
//! its port no longer answers.

use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Where and how to reach the conference web service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorFile {
    /// The SOAP endpoint (`http://127.0.0.1:PORT/conference`).
    pub conference_url: String,
    /// Its bearer token.
    pub token: String,
}

/// `DB.operator.json` for the SQLite database path `db` (as `--db` takes
/// it), or `None` for an in-memory database or a PostgreSQL URL (several
/// machines share one: the operator passes `--conference-url` and
/// `--token` instead).
pub fn path_for(db: &str) -> Option<PathBuf> {
    let file = !db.is_empty() && db != ":memory:" && crate::store::Backend::of(db) == crate::store::Backend::Sqlite;
    file.then(|| PathBuf::from(format!("{db}.operator.json")))
}

impl OperatorFile {
    /// Writes the file for database `db` (nothing for an in-memory one).
    ///
    /// Written to a new file (created exclusively, so owner-only from the
    /// start and never through a planted symlink), then renamed over the
    /// old one: a reader sees the old file or the new one, whole, and a file
    /// left with wider permissions is replaced, not reused.
    pub fn write(&self, db: &str) -> anyhow::Result<()> {
        let Some(path) = path_for(db) else { return Ok(()) };
        let text = serde_json::to_string_pretty(self)?;
        let temp = PathBuf::from(format!("{}.{}.tmp", path.display(), rollcall_shared::random::random_hex(6)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options
            .open(&temp)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(e).with_context(|| format!("writing {}", path.display()));
        }
        Ok(())
    }

    /// Reads the file a running `serve` wrote for database `db`.
    pub fn read(db: &str) -> anyhow::Result<OperatorFile> {
        let path =
            path_for(db).context("only an SQLite file database has an operator file (pass --conference-url and --token)")?;
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!("reading {} (is `rollcall serve --db {db}` running on this machine? else pass --token)", path.display())
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} is not an operator file", path.display()))
    }
}

#[cfg(test)]
mod tests;
