//! People: everyone in the user's address books (merged, `GET
//! /api/resolve`), the user's own entry, and the presence of the Rollcall
//! users among them (SIP SUBSCRIBE/NOTIFY through the session).

use std::collections::HashMap;

use leptos::prelude::*;
use rollcall_shared::directory::Person;

use super::{Http, Session};

#[derive(Debug, Clone, Copy)]
pub struct People {
    /// Everyone else in the address books: the picker, and who a live
    /// number belongs to.
    pub everyone: RwSignal<Vec<Person>>,
    /// The user's own directory entry (their numbers), when there is one.
    pub me: RwSignal<Option<Person>>,
    /// Presence of the watched AORs: AOR → online. An AOR shows up once its
    /// first NOTIFY (or failure) is in; one no longer watched is left `false`.
    pub presence: RwSignal<HashMap<String, bool>>,
    /// The SIP domain (the session's), for the AORs presence is kept by.
    domain: StoredValue<Option<String>>,
}

impl People {
    pub(super) fn new(session: Session) -> People {
        People {
            everyone: RwSignal::new(Vec::new()),
            me: RwSignal::new(None),
            presence: RwSignal::new(HashMap::new()),
            domain: session.domain,
        }
    }

    /// (Re)loads everyone in the address books (over `http`), finds the
    /// user's own entry, and watches the presence of every Rollcall user
    /// among them (through `session`).
    pub fn reload(self, session: Session, http: Http) {
        leptos::task::spawn_local(async move {
            let found = match crate::api::resolve(http, "").await {
                Ok(found) => found.people,
                Err(e) => return session.notify(format!("Address books: {e}")),
            };
            let user = session.user.get_value();
            let is_me = |p: &Person| p.user.as_deref() == Some(user.as_str());
            let me = found.iter().find(|p| is_me(p)).cloned();
            let others: Vec<Person> = found.into_iter().filter(|p| !is_me(p)).collect();
            session.watch(others.iter().filter_map(|p| p.user.as_deref()).filter_map(|u| session.aor(u)).collect());
            if me.is_some() {
                self.me.set(me);
            }
            self.everyone.set(others);
        });
    }

    /// Whether Rollcall user `user` is online: `None` until known.
    pub fn online(&self, user: &str) -> Option<bool> {
        let aor = self.domain.with_value(|d| d.as_ref().map(|d| format!("sip:{user}@{d}")))?;
        self.presence.with(|p| p.get(&aor).copied())
    }
}
