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
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Imports a vCard file into `book`: every card or, when any line is bad,
/// none (the whole file is parsed before one transaction stores it). The
/// number of entries stored.
pub async fn import_vcard(store: &Store, book: &Book, bytes: &[u8]) -> Result<usize, PimError> {
    let text = std::str::from_utf8(bytes).map_err(|_| PimError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let entries = vcard::parse(text)?;
    store.address_books().add_all(book, &entries).await?;
    Ok(entries.len())
}

/// Stores an uploaded `.eml` in `owner`'s inbox; its id. Nothing is stored
/// when it does not parse.
pub async fn add_eml(store: &Store, owner: &str, bytes: &[u8]) -> Result<i64, PimError> {
    let email = eml::parse(bytes)?;
    Ok(store.inbox().add(owner, &email).await?)
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
