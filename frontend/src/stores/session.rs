//! The SIP session as the page sees it: who signed in, the connection's
//! state, and the way SOAP requests and presence watches reach the user
//! agent (which runs in [`crate::sip::driver`]).

use futures::channel::mpsc;
use leptos::prelude::*;
use rollcall_shared::soap::conference::{GetConference, Request};

use super::{Conferences, NoticeBoard};

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

/// What the page asks of the user agent.
#[derive(Debug)]
pub enum Command {
    Send(Request),
    /// Watch the presence of exactly these AORs (`sip:bob@rollcall.local`).
    Watch(Vec<String>),
    /// Unregister, close the connection and end the driver.
    Stop,
}

/// A fresh `requestId` (docs/protocol.md §2: made by the client, echoed back).
pub fn new_request_id() -> String {
    rollcall_shared::random::random_hex(16)
}

#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub user: StoredValue<String>,
    pub connection: RwSignal<Connection>,
    /// Registered at least once: the workspace is shown from then on.
    pub signed_in: RwSignal<bool>,
    /// The SIP domain, from `/config.json`: set by the driver before it
    /// first registers.
    pub domain: StoredValue<Option<String>>,
    /// The AORs last given to [`Session::watch`], for a user agent that
    /// starts after the call.
    watching: StoredValue<Vec<String>>,
    commands: StoredValue<Option<mpsc::UnboundedSender<Command>>>,
    /// Where a sent request is remembered, so that its answer applies.
    conferences: Conferences,
    notices: NoticeBoard,
}

impl Session {
    /// A session for `user`, and the receiving end of its commands (the driver's).
    pub(super) fn new(
        user: String,
        conferences: Conferences,
        notices: NoticeBoard,
    ) -> (Session, mpsc::UnboundedReceiver<Command>) {
        let (tx, rx) = mpsc::unbounded();
        let session = Session {
            user: StoredValue::new(user),
            connection: RwSignal::new(Connection::Connecting),
            signed_in: RwSignal::new(false),
            domain: StoredValue::new(None),
            watching: StoredValue::new(Vec::new()),
            commands: StoredValue::new(Some(tx)),
            conferences,
            notices,
        };
        (session, rx)
    }

    /// Sends a request to the gateway, remembering it in the roster so its
    /// answer can be applied. The user agent queues it while not registered.
    pub fn send(&self, request: Request) {
        self.conferences.roster.update(|r| r.sent(&request));
        let sent = self.commands.with_value(|c| c.as_ref().is_some_and(|tx| tx.unbounded_send(Command::Send(request)).is_ok()));
        if !sent {
            self.notices.notify("Not connected: sign in again.".to_string());
        }
    }

    /// Says `text` in the error banner.
    pub fn notify(&self, text: String) {
        self.notices.notify(text);
    }

    /// Asks for a snapshot of one conference.
    pub fn refresh(&self, conference_id: String) {
        self.send(Request::GetConference(GetConference { request_id: new_request_id(), conference_id }));
    }

    /// Watch the presence of exactly `aors` (`sip:bob@rollcall.local`),
    /// replacing the previous list; `People::presence` follows. Kept
    /// across reconnects by the user agent.
    pub fn watch(&self, aors: Vec<String>) {
        self.watching.set_value(aors.clone());
        self.commands.with_value(|c| {
            if let Some(tx) = c {
                let _ = tx.unbounded_send(Command::Watch(aors));
            }
        });
    }

    /// What [`Session::watch`] was last given.
    pub(crate) fn watching(&self) -> Vec<String> {
        self.watching.get_value()
    }

    /// Rollcall user `user`'s address of record, once the domain is known.
    pub fn aor(&self, user: &str) -> Option<String> {
        self.domain.with_value(|d| d.as_ref().map(|d| format!("sip:{user}@{d}")))
    }

    /// Unregisters and ends the driver.
    pub(super) fn stop(&self) {
        if let Some(tx) = self.commands.try_update_value(|c| c.take()).flatten() {
            let _ = tx.unbounded_send(Command::Stop);
        }
    }
}
