//! The UI's handle on one signed-in session: the signals the components
//! read (connection, roster, notices) and the way requests reach the SIP
//! user agent. `Client` is `Copy` (all signals), so components take it by
//! value and move it into closures freely.
//!
//! The user agent itself runs in the wasm-only driver
//! ([`crate::sip::driver`]); it reports back through [`Client::handle`].

use futures::channel::mpsc;
use leptos::prelude::*;
use rollcall_shared::soap::conference::{GetConference, ListConferences, Request};

use crate::roster::{Effect, Roster};
use crate::sip::ua::Event;

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
    commands: StoredValue<Option<mpsc::UnboundedSender<Command>>>,
}

/// A fresh `requestId` (PROTOCOL.md §2: made by the client, echoed back).
pub fn new_request_id() -> String {
    rollcall_shared::sip::random_hex(16)
}

/// A phone number as typed, without the spaces, dashes and brackets people
/// write numbers with: "+1 (425) 555-0100" → "+14255550100". Whether the
/// rest is E.164 is for the caller (or the server) to judge.
pub fn clean_phone(typed: &str) -> String {
    typed
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect()
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
            commands: StoredValue::new(Some(tx)),
        };
        #[cfg(target_arch = "wasm32")]
        crate::sip::driver::spawn(client, user, password, rx);
        #[cfg(not(target_arch = "wasm32"))]
        drop((password, rx));
        client
    }

    /// Ends the session (unregisters first when connected).
    pub fn stop(&self) {
        if let Some(tx) = self.commands.try_update_value(|c| c.take()).flatten() {
            let _ = tx.unbounded_send(Command::Stop);
        }
    }

    /// Sends a request to the gateway, remembering it in the roster so its
    /// answer can be applied. The user agent queues it while not registered.
    pub fn send(&self, request: Request) {
        self.roster.update(|r| r.sent(&request));
        let sent = self.commands.with_value(|c| {
            c.as_ref()
                .is_some_and(|tx| tx.unbounded_send(Command::Send(request)).is_ok())
        });
        if !sent {
            self.notify("Not connected: sign in again.".to_string());
        }
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
                    // (PROTOCOL.md §2): a snapshot of each conference we
                    // show that is not over replaces our view of it.
                    let ids = self
                        .roster
                        .with_untracked(|r| r.to_refresh_after_reconnect());
                    ids.into_iter().for_each(|id| self.refresh(id));
                }
                // Conferences this user has going that we don't show yet
                // (another tab, a reload, or started while we were away)
                // show up at once.
                self.send(Request::ListConferences(ListConferences {
                    request_id: new_request_id(),
                }));
            }
            Event::Reply(reply) => {
                let effects = self
                    .roster
                    .try_update(|r| r.apply(reply))
                    .unwrap_or_default();
                for effect in effects {
                    match effect {
                        Effect::Refresh(id) => self.refresh(id),
                        Effect::ShowFault(fault) => self.notify(fault.reason),
                    }
                }
            }
            Event::Undeliverable(why) => self.notify(why),
        }
    }

    fn refresh(&self, conference_id: String) {
        self.send(Request::GetConference(GetConference {
            request_id: new_request_id(),
            conference_id,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::clean_phone;

    #[test]
    fn clean_phone_drops_what_people_write_numbers_with() {
        assert_eq!(clean_phone(" +1 (425) 555-0100 "), "+14255550100");
        assert_eq!(clean_phone("+1.425.555.0101"), "+14255550101");
        // Not E.164 stays not E.164: the server answers InvalidNumber.
        assert_eq!(clean_phone("425 555 0100"), "4255550100");
        assert_eq!(clean_phone("call me"), "callme");
    }
}
