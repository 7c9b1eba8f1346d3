//! The browser's state, in focused stores: the SIP session ([`Session`]),
//! people and their presence ([`People`]), the roster being drafted
//! ([`DraftRoster`]), the live conferences ([`Conferences`]), the error
//! banner ([`NoticeBoard`]) and the HTTP client's digest state ([`Http`]).
//! Each is `Copy` (signals and stored values only).
//!
//! [`Stores::provide`] puts them in Leptos context for the workspace's
//! components, which take only the stores they use: `Session::provided()`,
//! `Http::provided()`… They sit in context as one entry (this bundle) and
//! each accessor picks its store out of it: every type kept in Leptos
//! context costs the .wasm its own copy of the context lookup (about half
//! a kilobyte), docs/frontend-size.md. The SIP driver, outside the
//! component tree, is handed the [`Stores`] and reports through
//! [`Stores::handle`].

mod conferences;
mod draft;
mod http;
mod notices;
mod people;
mod session;

pub use conferences::Conferences;
pub use draft::DraftRoster;
pub use http::Http;
pub use notices::NoticeBoard;
pub use people::People;
pub use session::{new_request_id, Command, Connection, Session};

use leptos::prelude::*;
use rollcall_shared::soap::conference::{ListConferences, Reply, Request};

use crate::roster::Effect;
use crate::sip::ua::Event;

/// Every store of one signed-in session.
#[derive(Debug, Clone, Copy)]
pub struct Stores {
    pub session: Session,
    pub people: People,
    pub draft: DraftRoster,
    pub conferences: Conferences,
    pub notices: NoticeBoard,
    pub http: Http,
}

impl Stores {
    /// Starts a session: the driver connects, registers with `password`
    /// (kept in memory by the user agent only) and reports through
    /// [`Stores::handle`].
    pub fn start(user: String, password: String) -> Stores {
        let notices = NoticeBoard::new();
        let conferences = Conferences::new();
        let http = Http::new(&user, &password);
        let (session, commands) = Session::new(user.clone(), conferences, notices);
        let stores = Stores { session, people: People::new(session), draft: DraftRoster::new(), conferences, notices, http };
        #[cfg(target_arch = "wasm32")]
        crate::sip::driver::spawn(stores, user, password, commands);
        #[cfg(not(target_arch = "wasm32"))]
        drop((password, commands));
        stores
    }

    /// Makes each store available to the components below the caller.
    pub fn provide(self) {
        provide_context(self);
    }

    /// Ends the session (unregisters first when connected); neither the
    /// password nor its HA1s outlive it.
    pub fn stop(self) {
        self.http.forget();
        self.session.stop();
    }

    /// What the user agent reports, to the stores it concerns.
    pub fn handle(self, event: Event) {
        let Stores { session, people, draft, conferences, notices, .. } = self;
        match event {
            Event::Connecting => session.connection.set(Connection::Connecting),
            Event::Lost => {
                session.connection.set(Connection::Lost);
                conferences.roster.update(|r| r.connection_lost());
            }
            Event::Refused(why) => session.connection.set(Connection::Refused(why)),
            Event::Registered { again } => {
                session.connection.set(Connection::Registered);
                session.signed_in.set(true);
                if again {
                    // Events may have been missed while we were away
                    // (docs/protocol.md §2): a snapshot of each conference we
                    // show that is not over replaces our view of it.
                    let ids = conferences.roster.with_untracked(|r| r.to_refresh_after_reconnect());
                    ids.into_iter().for_each(|id| session.refresh(id));
                }
                // Conferences this user has going that we don't show yet
                // (another tab, a reload, or started while we were away)
                // show up at once.
                session.send(Request::ListConferences(ListConferences { request_id: new_request_id() }));
            }
            Event::Reply(reply) => {
                if draft.answered(&reply) && matches!(*reply, Reply::CreateConferenceResponse { .. }) {
                    draft.members.update(|d| d.members.clear());
                    draft.subject.set(None);
                }
                let effects = conferences.roster.try_update(|r| r.apply(*reply)).unwrap_or_default();
                for effect in effects {
                    match effect {
                        Effect::Refresh(id) => session.refresh(id),
                        Effect::ShowFault(fault) => notices.notify(fault.reason),
                    }
                }
            }
            Event::Undeliverable(why) => {
                // Whatever it was, a Start waiting for it may be pressed again.
                draft.starting.set(None);
                notices.notify(why)
            }
            Event::Presence { aor, online } => people.presence.update(|p| {
                p.insert(aor, online);
            }),
        }
    }
}

/// The stores [`Stores::provide`] gave the components below it.
fn provided() -> Stores {
    expect_context::<Stores>()
}

macro_rules! provided {
    ($($store:ident: $field:ident),*) => {$(
        impl $store {
            /// This store, from the Leptos context the workspace provides.
            pub fn provided() -> $store {
                provided().$field
            }
        }
    )*};
}
provided!(Session: session, People: people, DraftRoster: draft, Conferences: conferences, NoticeBoard: notices, Http: http);

#[cfg(test)]
mod tests;
