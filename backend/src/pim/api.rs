//! The address book and inbox as JSON under `/api/`, on the public port,
//! behind the same HTTP Digest as the phone panel ([`crate::http_digest`]).
//! Every route works on the authenticated user's own data: their contacts,
//! their inbox; the directory is shared by all.
//!
//! | route | does |
//! |---|---|
//! | `GET /api/contacts` | `{"entries":[Entry…]}` — the user's contacts |
//! | `GET /api/directory` | `{"entries":[Entry…]}` — the global directory |
//! | `GET /api/resolve?q=TEXT` | `{"people":[Person…]}` — both books merged, matching `TEXT` |
//! | `POST /api/contacts/import` | vCard body → `{"imported":N}`; all cards or none |
//! | `GET /api/inbox` | `{"emails":[Email…]}`, newest first |
//! | `POST /api/inbox` | `.eml` body → `201` with the stored Email |
//! | `GET /api/inbox/{id}/roster` | `{"email_id":ID,"initiator":Person?,"participants":[Person…]}` |
//! | `GET /api/calls` | `{"calls":[Call…]}` — the call records of the user's conferences, newest first |
//! | `GET /api/messages?conference=ID&before=N&limit=N` | `{"messages":[LoggedMessage…]}` — the SIP messages logged on the user's own connections, newest first |
//!
//! Shapes and error codes are in `docs/protocol.md`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::{Extension, Router};
use rollcall_shared::api::{CallLeg, Calls, EmailRoster, Emails, Entries, Imported, LoggedMessage, LoggedMessages, People};
use rollcall_shared::directory;
use serde::Deserialize;

use super::{limits, PimError};
use crate::http_digest::{json, json_error, require_digest, unknown_path, AuthAor, AuthUser, HttpDigest};
use crate::store::{Book, Store, StoredCallRecord, StoredEntry};

/// At most this many call records in one `GET /api/calls` answer.
pub const CALLS_LIMIT: u32 = 200;

/// The `/api/` routes over `store`, authenticated by `digest`.
pub fn router(store: Store, digest: HttpDigest) -> Router {
    Router::new()
        .route("/api/contacts", get(contacts))
        .route("/api/contacts/import", post(import_contacts).layer(DefaultBodyLimit::max(limits::MAX_VCARD_BYTES)))
        .route("/api/directory", get(directory_entries))
        .route("/api/resolve", get(resolve))
        .route("/api/inbox", get(inbox).post(upload).layer(DefaultBodyLimit::max(limits::MAX_EML_BYTES)))
        .route("/api/inbox/{id}/roster", get(roster))
        .route("/api/calls", get(calls))
        .route("/api/messages", get(messages))
        .route("/api/{*rest}", any(unknown_path))
        .route_layer(middleware::from_fn_with_state(digest, require_digest))
        .with_state(store)
}

fn entries(list: anyhow::Result<Vec<StoredEntry>>) -> Response {
    match list {
        Ok(entries) => json(StatusCode::OK, &Entries { entries }),
        Err(e) => failed(PimError::Store(e)),
    }
}

async fn contacts(State(store): State<Store>, Extension(AuthUser(user)): Extension<AuthUser>) -> Response {
    entries(store.address_books().list(&Book::Contacts(user)).await)
}

async fn directory_entries(State(store): State<Store>) -> Response {
    entries(store.address_books().list(&Book::Directory).await)
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn resolve(
    State(store): State<Store>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(search): Query<Search>,
) -> Response {
    match store.address_books().books_of(&user).await {
        Ok((contacts, dir)) => {
            let people = directory::resolve(&search.q, &contacts, &dir);
            json(StatusCode::OK, &People { people })
        }
        Err(e) => failed(PimError::Store(e)),
    }
}

async fn import_contacts(State(store): State<Store>, Extension(AuthUser(user)): Extension<AuthUser>, body: Bytes) -> Response {
    match super::import_vcard(&store, &Book::Contacts(user), &body, Some(limits::MAX_CONTACTS)).await {
        Ok(imported) => json(StatusCode::OK, &Imported { imported: imported as u64 }),
        Err(e) => failed(e),
    }
}

async fn inbox(State(store): State<Store>, Extension(AuthUser(user)): Extension<AuthUser>) -> Response {
    match store.inbox().list(&user).await {
        Ok(emails) => json(StatusCode::OK, &Emails { emails }),
        Err(e) => failed(PimError::Store(e)),
    }
}

async fn upload(State(store): State<Store>, Extension(AuthUser(user)): Extension<AuthUser>, body: Bytes) -> Response {
    let stored = match super::add_eml(&store, &user, &body).await {
        Ok(id) => store.inbox().get(&user, id).await,
        Err(e) => return failed(e),
    };
    match stored {
        Ok(Some(email)) => json(StatusCode::CREATED, &email),
        Ok(None) => failed(PimError::NoSuchEmail),
        Err(e) => failed(PimError::Store(e)),
    }
}

async fn roster(State(store): State<Store>, Extension(AuthUser(user)): Extension<AuthUser>, Path(id): Path<String>) -> Response {
    // Any id that is not one of the user's e-mails is the same 404.
    let Ok(id) = id.parse::<i64>() else { return failed(PimError::NoSuchEmail) };
    match super::conference_everyone(&store, &user, id).await {
        Ok(roster) => {
            json(StatusCode::OK, &EmailRoster { email_id: id, initiator: roster.initiator, participants: roster.participants })
        }
        Err(e) => failed(e),
    }
}

/// One call record as `GET /api/calls` lists it.
fn call_leg(stored: StoredCallRecord) -> CallLeg {
    let r = stored.record;
    CallLeg {
        conference_id: r.conference_id,
        participant_id: r.participant_id,
        number: r.number,
        started_at: r.started_at,
        answered_at: r.answered_at,
        ended_at: r.ended_at,
        final_state: r.final_state,
        cause: r.cause,
    }
}

/// The call legs of the conferences the user created (kept by the owner's
/// AOR), newest first, at most [`CALLS_LIMIT`].
async fn calls(State(store): State<Store>, Extension(AuthAor(owner)): Extension<AuthAor>) -> Response {
    match store.call_records().recent_for_owner(&owner, CALLS_LIMIT).await {
        Ok(records) => json(StatusCode::OK, &Calls { calls: records.into_iter().map(call_leg).collect() }),
        Err(e) => failed(PimError::Store(e)),
    }
}

/// At most this many logged messages in one `GET /api/messages` answer…
pub const MESSAGES_LIMIT: u32 = 200;
/// …and about this many bytes of them.
pub const MESSAGES_BYTES: usize = 1 << 20;

#[derive(Deserialize)]
struct MessagesQuery {
    /// Only messages that mention this conference.
    conference: Option<String>,
    /// Only messages older than this id (the next page).
    before: Option<i64>,
    limit: Option<u32>,
}

/// The SIP/SOAP messages the IM server logged on the user's own
/// connections — the requests they sent and the answers and events they
/// received — newest first; never anyone else's.
async fn messages(
    State(store): State<Store>,
    Extension(AuthUser(user)): Extension<AuthUser>,
    Query(query): Query<MessagesQuery>,
) -> Response {
    let limit = query.limit.unwrap_or(MESSAGES_LIMIT).clamp(1, MESSAGES_LIMIT);
    let conference = query.conference.filter(|c| !c.trim().is_empty());
    match store.message_log().of_user(&user, conference.as_deref(), query.before, limit).await {
        Ok(entries) => {
            // At most about MESSAGES_BYTES of text per answer (always one
            // message); the client pages on with `before`.
            let mut total = 0;
            let messages = entries
                .into_iter()
                .take_while(|e| {
                    let first = total == 0;
                    total += e.message.len();
                    first || total <= MESSAGES_BYTES
                })
                .map(|e| LoggedMessage {
                    id: e.id,
                    at: e.at,
                    direction: e.direction,
                    first_line: e.first_line,
                    message: e.message,
                })
                .collect();
            json(StatusCode::OK, &LoggedMessages { messages })
        }
        Err(e) => failed(PimError::Store(e)),
    }
}

/// The error answer of each failure: the caller's input is a 4xx naming
/// what is wrong, our storage a 500 that says nothing of its internals.
fn failed(e: PimError) -> Response {
    let (status, code) = match &e {
        PimError::Vcard(_) | PimError::NotUtf8 => (StatusCode::BAD_REQUEST, "invalid-vcard"),
        PimError::Eml(_) => (StatusCode::BAD_REQUEST, "invalid-email"),
        PimError::NoSuchEmail => (StatusCode::NOT_FOUND, "no-such-email"),
        PimError::Quota(_) => (StatusCode::FORBIDDEN, "quota-exceeded"),
        PimError::Store(e) => {
            tracing::error!(error = %e, "address book, inbox or call record storage failed");
            return json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "storage failed");
        }
    };
    json_error(status, code, &e.to_string())
}
