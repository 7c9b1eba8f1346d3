//! The UI's handle on one signed-in session: the signals the components
//! read (connection, roster, notices) and the way requests reach the SIP
//! user agent. `Client` is `Copy` (all signals), so components take it by
//! value and move it into closures freely.
//!
//! The user agent itself runs in the wasm-only driver
//! ([`crate::sip::driver`]); it reports back through [`Client::handle`].

use futures::channel::mpsc;
use leptos::prelude::*;
use rollcall_shared::soap::conference::{GetConference, ListConferences, Reply, Request};

use std::collections::HashSet;

use rollcall_shared::digest::Challenge;
use rollcall_shared::directory::Person;

use crate::roster::draft::Draft;
use crate::roster::{Effect, Roster};
use crate::sip::ua::Event;
use rollcall_shared::ua::auth::{Authenticator, Kind};

/// The SIP connection as the person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Opening the WebSocket or registering (also while reconnecting).
    Connecting,
    Registered,
    /// The connection dropped; a reconnect is scheduled.
    Lost,
    /// Registration was refused (wrong user name or password): the session ends.
    Refused(String),
}

impl Connection {
    /// The word shown in the badge (and read by the e2e tests).
    pub fn label(&self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Registered => "registered",
            Connection::Lost => "lost",
            Connection::Refused(_) => "refused",
        }
    }
}

/// One line of the error banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
}

/// What the UI asks of the user agent.
#[derive(Debug)]
pub enum Command {
    Send(Request),
    /// Watch the presence of exactly these AORs (`sip:bob@rollcall.local`).
    Watch(Vec<String>),
    /// Unregister, close the connection and end the driver.
    Stop,
}

#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub user: StoredValue<String>,
    pub connection: RwSignal<Connection>,
    /// Registered at least once: the workspace is shown from then on.
    pub signed_in: RwSignal<bool>,
    pub roster: RwSignal<Roster>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Presence of the watched AORs (see [`Client::watch`]): AOR → online.
    /// An AOR shows up once its first NOTIFY (or failure) is in; one no
    /// longer watched is left `false`.
    pub presence: RwSignal<std::collections::HashMap<String, bool>>,
    /// The AORs last given to [`Client::watch`], for a user agent that
    /// starts after the call.
    watching: StoredValue<Vec<String>>,
    commands: StoredValue<Option<mpsc::UnboundedSender<Command>>>,
    /// The SIP domain, from `/config.json`: set by the driver before it
    /// first registers.
    pub domain: StoredValue<Option<String>>,
    /// Everyone in the user's address books, merged (`GET /api/resolve`):
    /// the picker, and who a live number belongs to.
    pub people: RwSignal<Vec<Person>>,
    /// The user's own directory entry (their numbers), when there is one.
    pub me: RwSignal<Option<Person>>,
    /// The roster being assembled for the next conference (seed Figure 3).
    pub draft: RwSignal<Draft>,
    /// The request id of the CreateConference the draft was sent as, until
    /// it is answered: the Start button waits, and the draft is cleared
    /// only once the conference exists.
    pub starting: RwSignal<Option<String>>,
    /// Legs the person took off the roster (removed, or re-dialled at
    /// another number): no longer shown.
    pub hidden_legs: RwSignal<HashSet<String>>,
    /// Digest state for the HTTP APIs (`crate::api`): nonces of their own,
    /// the same user and password as SIP. Dropped by [`Client::stop`], so
    /// neither the password nor its HA1s outlive the session.
    http_auth: StoredValue<Option<Authenticator>>,
}

/// A fresh `requestId` (docs/protocol.md §2: made by the client, echoed back).
pub fn new_request_id() -> String {
    rollcall_shared::random::random_hex(16)
}

/// A phone number as typed, without the spaces, dashes and brackets people
/// write numbers with: "+1 (425) 555-0100" → "+14255550100". Whether the
/// rest is E.164 is for the caller (or the server) to judge.
pub fn clean_phone(typed: &str) -> String {
    typed.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect()
}

impl Client {
    /// Starts a session: the driver connects, registers with `password`
    /// (kept in memory by the user agent only) and reports through `handle`.
    pub fn start(user: String, password: String) -> Client {
        let (tx, rx) = mpsc::unbounded();
        let client = Client {
            user: StoredValue::new(user.clone()),
            connection: RwSignal::new(Connection::Connecting),
            signed_in: RwSignal::new(false),
            roster: RwSignal::new(Roster::default()),
            notices: RwSignal::new(Vec::new()),
            presence: RwSignal::new(std::collections::HashMap::new()),
            watching: StoredValue::new(Vec::new()),
            commands: StoredValue::new(Some(tx)),
            domain: StoredValue::new(None),
            people: RwSignal::new(Vec::new()),
            me: RwSignal::new(None),
            draft: RwSignal::new(Draft::default()),
            starting: RwSignal::new(None),
            hidden_legs: RwSignal::new(HashSet::new()),
            http_auth: StoredValue::new(Some(Authenticator::new(user.clone(), password.clone()))),
        };
        #[cfg(target_arch = "wasm32")]
        crate::sip::driver::spawn(client, user, password, rx);
        #[cfg(not(target_arch = "wasm32"))]
        drop((password, rx));
        client
    }

    /// Ends the session (unregisters first when connected).
    pub fn stop(&self) {
        self.http_auth.try_set_value(None);
        if let Some(tx) = self.commands.try_update_value(|c| c.take()).flatten() {
            let _ = tx.unbounded_send(Command::Stop);
        }
    }

    /// Sends a request to the gateway, remembering it in the roster so its
    /// answer can be applied. The user agent queues it while not registered.
    pub fn send(&self, request: Request) {
        self.roster.update(|r| r.sent(&request));
        let sent = self.commands.with_value(|c| c.as_ref().is_some_and(|tx| tx.unbounded_send(Command::Send(request)).is_ok()));
        if !sent {
            self.notify("Not connected: sign in again.".to_string());
        }
    }

    /// Watch the presence of exactly `aors` (`sip:bob@rollcall.local`),
    /// replacing the previous list; [`Client::presence`] follows. Kept
    /// across reconnects by the user agent.
    pub fn watch(&self, aors: Vec<String>) {
        self.watching.set_value(aors.clone());
        self.commands.with_value(|c| {
            if let Some(tx) = c {
                let _ = tx.unbounded_send(Command::Watch(aors));
            }
        });
    }

    /// What [`Client::watch`] was last given.
    pub(crate) fn watching(&self) -> Vec<String> {
        self.watching.get_value()
    }

    pub fn notify(&self, text: String) {
        self.notices.update(|n| {
            let id = n.last().map_or(1, |last| last.id + 1);
            n.push(Notice { id, text });
        });
    }

    /// What the user agent reports.
    pub fn handle(&self, event: Event) {
        match event {
            Event::Connecting => self.connection.set(Connection::Connecting),
            Event::Lost => {
                self.connection.set(Connection::Lost);
                self.roster.update(|r| r.connection_lost());
            }
            Event::Refused(why) => self.connection.set(Connection::Refused(why)),
            Event::Registered { again } => {
                self.connection.set(Connection::Registered);
                self.signed_in.set(true);
                if again {
                    // Events may have been missed while we were away
                    // (docs/protocol.md §2): a snapshot of each conference we
                    // show that is not over replaces our view of it.
                    let ids = self.roster.with_untracked(|r| r.to_refresh_after_reconnect());
                    ids.into_iter().for_each(|id| self.refresh(id));
                }
                // Conferences this user has going that we don't show yet
                // (another tab, a reload, or started while we were away)
                // show up at once.
                self.send(Request::ListConferences(ListConferences { request_id: new_request_id() }));
            }
            Event::Reply(reply) => {
                let answers_start =
                    reply.request_id().is_some() && self.starting.with_untracked(|s| s.as_deref() == reply.request_id());
                if answers_start {
                    if matches!(reply, Reply::CreateConferenceResponse { .. }) {
                        self.draft.update(|d| d.members.clear());
                    }
                    self.starting.set(None);
                }
                let effects = self.roster.try_update(|r| r.apply(reply)).unwrap_or_default();
                for effect in effects {
                    match effect {
                        Effect::Refresh(id) => self.refresh(id),
                        Effect::ShowFault(fault) => self.notify(fault.reason),
                    }
                }
            }
            Event::Undeliverable(why) => {
                // Whatever it was, a Start waiting for it may be pressed again.
                self.starting.set(None);
                self.notify(why)
            }
            Event::Presence { aor, online } => self.presence.update(|p| {
                p.insert(aor, online);
            }),
        }
    }

    /// (Re)loads everyone in the address books, finds the user's own entry,
    /// and watches the presence of every Rollcall user among them.
    pub fn reload_people(&self) {
        let client = *self;
        leptos::task::spawn_local(async move {
            let people = match crate::api::resolve(client, "").await {
                Ok(found) => found.people,
                Err(e) => return client.notify(format!("Address books: {e}")),
            };
            let user = client.user.get_value();
            let me = people.iter().find(|p| p.user.as_deref() == Some(user.as_str())).cloned();
            let others: Vec<Person> = people.into_iter().filter(|p| p.user.as_deref() != Some(user.as_str())).collect();
            client.watch(others.iter().filter_map(|p| p.user.as_deref()).filter_map(|u| client.aor(u)).collect());
            if me.is_some() {
                client.me.set(me);
            }
            client.people.set(others);
        });
    }

    /// Rollcall user `user`'s address of record, once the domain is known.
    pub fn aor(&self, user: &str) -> Option<String> {
        self.domain.with_value(|d| d.as_ref().map(|d| format!("sip:{user}@{d}")))
    }

    /// Whether Rollcall user `user` is online: `None` until known.
    pub fn online(&self, user: &str) -> Option<bool> {
        let aor = self.aor(user)?;
        self.presence.with(|p| p.get(&aor).copied())
    }

    /// The `Authorization` value for an HTTP API request, once challenged.
    pub fn http_credentials(&self, method: &str, uri: &str, cnonce: &str) -> Option<String> {
        self.http_auth
            .try_update_value(|auth| auth.as_mut().and_then(|a| a.credentials(Kind::Www, method, uri, cnonce)))
            .flatten()
    }

    /// Takes an HTTP API's challenge; false when it cannot be answered
    /// (a realm other than the one we signed in to).
    pub fn http_challenged(&self, challenge: Challenge) -> bool {
        self.http_auth
            .try_update_value(|auth| auth.as_mut().is_some_and(|a| a.challenged(Kind::Www, challenge).is_ok()))
            .unwrap_or(false)
    }

    fn refresh(&self, conference_id: String) {
        self.send(Request::GetConference(GetConference { request_id: new_request_id(), conference_id }));
    }
}

#[cfg(test)]
mod tests;
