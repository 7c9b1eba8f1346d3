//! The personal information manager of seed Figure 3, server side: the
//! user's address books (personal contacts and the global directory), their
//! inbox, the imports that fill them (vCard, `.eml`), and "conference
//! everyone" — the roster of an e-mail's sender and recipients, resolved
//! and merged by [`rollcall_shared::directory`].
//!
//! [`api`] serves all of it as JSON under `/api/` — with the user's own
//! call records beside it — and [`demo`] seeds it.

pub mod api;
pub mod demo;
pub mod eml;

use rollcall_shared::directory::{self, Roster};
use rollcall_shared::vcard::{self, VcardError};

use crate::store::{Book, Store};

/// Why an import or a roster failed: the caller's input, or our storage.
#[derive(Debug, thiserror::Error)]
pub enum PimError {
    #[error(transparent)]
    Vcard(#[from] VcardError),
    #[error(transparent)]
    Eml(#[from] eml::EmlError),
    #[error("vCard file is not UTF-8 text")]
    NotUtf8,
    #[error("no such e-mail")]
    NoSuchEmail,
    /// A per-user limit would be passed (the message says which).
    #[error("{0}")]
    Quota(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// What one user may put in their address book and inbox through `/api/`
/// (the operator's `rollcall directory import` has no such limits).
pub mod limits {
    /// Largest vCard file a user may import.
    pub const MAX_VCARD_BYTES: usize = 1024 * 1024;
    /// Most cards in one import.
    pub const MAX_CARDS_PER_IMPORT: usize = 1000;
    /// Most entries in one user's contacts.
    pub const MAX_CONTACTS: usize = 5000;
    /// Largest `.eml` a user may upload.
    pub const MAX_EML_BYTES: usize = 256 * 1024;
    /// Most e-mails in one user's inbox.
    pub const MAX_INBOX: usize = 500;
}

/// Imports a vCard file into `book`: every card or, when any line is bad,
/// none (the whole file is parsed — on a blocking thread, away from the
/// async workers — before it is stored, in chunks). With `max_total`, the
/// book may hold at most that many entries afterwards, and one file at most
/// [`limits::MAX_CARDS_PER_IMPORT`] cards. The number of entries stored.
pub async fn import_vcard(store: &Store, book: &Book, bytes: &[u8], max_total: Option<usize>) -> Result<usize, PimError> {
    let text = std::str::from_utf8(bytes).map_err(|_| PimError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_owned();
    let entries = tokio::task::spawn_blocking(move || vcard::parse(&text))
        .await
        .map_err(|e| PimError::Store(anyhow::anyhow!("vCard parser stopped: {e}")))??;
    if let Some(max_total) = max_total {
        if entries.len() > limits::MAX_CARDS_PER_IMPORT {
            return Err(PimError::Quota(format!(
                "{} cards in one file; at most {} at a time",
                entries.len(),
                limits::MAX_CARDS_PER_IMPORT
            )));
        }
        let have = store.address_books().count(book).await?;
        if have + entries.len() > max_total {
            return Err(PimError::Quota(format!(
                "you have {have} contacts; {} more would pass the limit of {max_total}",
                entries.len()
            )));
        }
    }
    store.address_books().add_all(book, &entries).await?;
    Ok(entries.len())
}

/// Stores an uploaded `.eml` in `owner`'s inbox (parsed on a blocking
/// thread); its id. Nothing is stored when it does not parse or the inbox
/// is full ([`limits::MAX_INBOX`]).
pub async fn add_eml(store: &Store, owner: &str, bytes: &[u8]) -> Result<i64, PimError> {
    let bytes = bytes.to_vec();
    let email = tokio::task::spawn_blocking(move || eml::parse(&bytes))
        .await
        .map_err(|e| PimError::Store(anyhow::anyhow!("e-mail parser stopped: {e}")))??;
    match store.inbox().add_within(owner, &email, limits::MAX_INBOX).await? {
        Some(id) => Ok(id),
        None => Err(PimError::Quota(format!("your inbox holds {} e-mails, the most it may", limits::MAX_INBOX))),
    }
}

/// "Conference everyone" on e-mail `id` of `owner`: its sender and every
/// `To`/`Cc` resolved against the owner's contacts and the directory and
/// merged, the owner left out and returned as the initiator.
pub async fn conference_everyone(store: &Store, owner: &str, id: i64) -> Result<Roster, PimError> {
    let email = store.inbox().get(owner, id).await?.ok_or(PimError::NoSuchEmail)?.message;
    let books = store.address_books();
    let (contacts, directory_entries) = books.books_of(owner).await?;
    let own = books.own_emails(owner).await?;
    let addresses: Vec<_> = std::iter::once(email.from).chain(email.to).chain(email.cc).collect();
    Ok(directory::roster(&addresses, &own, &contacts, &directory_entries))
}
