//! Rollcall's SIP user agent, without I/O ("sans-IO"): one implementation
//! for every party — the browser (over its WebSocket), the gateway and the
//! black-box tests (over tokio sockets). The driver feeds it what happened
//! (connected, a message arrived, a tick of the clock, the application
//! wants a MESSAGE sent) and does what it returns (send this text, tell
//! the application this, reconnect). Everything here runs, and is tested,
//! on the host; time is milliseconds on the driver's clock.
//!
//! What it does, after docs/protocol.md §1:
//! - REGISTERs `sip:<user>@<domain>`, answers the 401 itself (digest, both
//!   algorithms, [`auth`]), refreshes at 80 % of the granted expiry
//!   ([`registration`]), and reports a second fresh 401, a 403 or a 404 as
//!   a refused sign-in ([`Event::Refused`]): final, never retried.
//! - Sends MESSAGEs ([`Message`]), answering 407s (and reusing the nonce,
//!   `nc` increasing, until the server calls it stale); says which were
//!   delivered and which not ([`Event::Delivered`], [`Event::Undelivered`]).
//!   MESSAGEs asked for while not registered wait, in order. One
//!   recipient's MESSAGEs arrive in the order they were asked for, even
//!   across a new proxy challenge: while some sent under the old nonce
//!   may still come back 407 (and go out again), newer ones to the same
//!   recipient wait.
//! - Client transactions keep RFC 3261's timers ([`transaction`]): Timer F
//!   ends a request nobody answers; on UDP, Timer E sends it again. Server
//!   transactions ([`server_transaction`], not in the browser's build)
//!   answer a retransmitted request with the answer it got, once acted on
//!   (Timers G, H, I, J).
//! - Answers every incoming MESSAGE and OPTIONS with 200 (405 for methods
//!   it does not handle) and hands MESSAGEs on ([`Event::Received`]), with
//!   the sender the IM server asserted ([`incoming`], which also routes
//!   every request that arrives).
//! - Watches the presence of the AORs the application names, and (not in
//!   the browser's build) follows conferences ([`conference`], RFC 4575),
//!   with one subscriber for both ([`subscriber`], the user agent's side
//!   in `subscribing.rs`): SUBSCRIBEs authenticated like MESSAGEs, made
//!   again after every new registration, refreshed before they expire;
//!   NOTIFYs answered and turned into [`Event::Presence`] when they change
//!   something, or into [`Event::ConferenceInfo`] with each document.
//! - Serves event packages as a notifier ([`notifier`], not in the
//!   browser's build): SUBSCRIBEs handed to the application, answered by
//!   it, NOTIFYs sent for it in its dialogs.
//! - Places calls ([`call`], not in the browser's build): INVITE client
//!   dialogs with RFC 3261's Timers A, B and D, ACK, CANCEL, BYE and
//!   re-INVITE; session descriptions passed through.

mod api;
pub mod auth;
#[cfg(not(target_arch = "wasm32"))]
pub mod call;
#[cfg(not(target_arch = "wasm32"))]
pub mod conference;
pub mod incoming;
#[cfg(not(target_arch = "wasm32"))]
pub mod notifier;
pub mod registration;
#[cfg(not(target_arch = "wasm32"))]
pub mod server_transaction;
pub mod subscriber;
mod subscribing;
pub mod transaction;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod conference_tests;
#[cfg(test)]
mod presence_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::sip::message::{self, Parsed};
use crate::sip::{self, rsip, RequestBuilder};

use auth::{Authenticator, Kind};
use registration::{Identity, Registration, State, REQUESTED_EXPIRES};
use subscriber::Subscriber;
use transaction::{ChallengeVerdict, ClientTransaction, Purpose};

pub use api::{Config, Event, Message, Output, Received, Undelivered};
pub use subscriber::normalize_aor;

pub struct UserAgent {
    config: Config,
    id: Identity,
    auth: Authenticator,
    registration: Registration,
    /// Our requests awaiting a final response, by Via branch.
    transactions: HashMap<String, ClientTransaction>,
    /// MESSAGEs asked for while not registered, in order.
    queue: Vec<Message>,
    /// MESSAGEs waiting for older ones to the same recipient, sent under an
    /// older proxy challenge, to be answered (in order).
    held: Vec<Message>,
    /// Counts the proxy challenges taken: a MESSAGE sent under an older one
    /// may come back 407 and go out again.
    proxy_epoch: u64,
    /// Watched AORs, followed conferences and their subscriptions.
    subscriber: Subscriber,
    /// From tag of our MESSAGEs (one per user agent).
    message_tag: String,
    #[cfg(not(target_arch = "wasm32"))]
    calls: call::Calls,
    /// Requests answered, for their retransmissions (not in the browser:
    /// a WebSocket never retransmits).
    #[cfg(not(target_arch = "wasm32"))]
    server_transactions: server_transaction::ServerTransactions,
    /// Event packages the application serves as a notifier; while empty,
    /// a SUBSCRIBE gets `405`.
    #[cfg(not(target_arch = "wasm32"))]
    event_packages: Vec<String>,
    out: Vec<Output>,
}

impl UserAgent {
    pub fn new(config: Config, password: String) -> Self {
        let instance = crate::random::random_hex(6);
        let transport = config.transport;
        // (The browser only has WebSockets, where `local` is always `None`.)
        let local = config.local.as_ref().filter(|_| cfg!(not(target_arch = "wasm32")));
        let (via_host, contact) = match local {
            // RFC 7118 §5.2: the Contact/Via host can't be resolved anyway; a
            // random `.invalid` name also tells this binding apart.
            None => {
                let host = format!("{instance}.invalid");
                let contact = format!("<sip:{}@{host};transport={}>", config.user, transport.uri_param());
                (host, contact)
            }
            Some(local) => {
                let contact = format!("<sip:{}-{instance}@{local};transport={}>", config.user, transport.uri_param());
                (local.clone(), contact)
            }
        };
        let id = Identity {
            aor: format!("sip:{}@{}", config.user, config.domain),
            domain: config.domain.clone(),
            contact,
            via_host,
            transport: transport.via_name(),
            instance,
        };
        UserAgent {
            auth: Authenticator::new(config.user.clone(), password),
            config,
            id,
            registration: Registration::new(),
            transactions: HashMap::new(),
            queue: Vec::new(),
            held: Vec::new(),
            proxy_epoch: 0,
            subscriber: Subscriber::new(),
            message_tag: sip::new_tag(),
            #[cfg(not(target_arch = "wasm32"))]
            calls: call::Calls::default(),
            #[cfg(not(target_arch = "wasm32"))]
            server_transactions: server_transaction::ServerTransactions::default(),
            #[cfg(not(target_arch = "wasm32"))]
            event_packages: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Our address-of-record, `sip:<user>@<domain>`.
    pub fn aor(&self) -> &str {
        &self.id.aor
    }

    pub fn is_refused(&self) -> bool {
        self.registration.state == State::Refused
    }

    pub fn is_registered(&self) -> bool {
        self.registration.is_bound()
    }

    /// Nothing of the application's is waiting: no MESSAGE queued, held or
    /// unanswered.
    pub fn idle(&self) -> bool {
        self.queue.is_empty()
            && self.held.is_empty()
            && !self.transactions.values().any(|tx| matches!(tx.purpose, Purpose::Message(_)))
    }

    /// The connection is open: register.
    pub fn connected(&mut self, now: u64) -> Vec<Output> {
        self.register(REQUESTED_EXPIRES, now);
        self.take()
    }

    /// The connection closed. Pending transactions die with it (their
    /// answers would have come on it): their MESSAGEs are reported
    /// undelivered. Queued MESSAGEs wait for the next registration.
    pub fn disconnected(&mut self) -> Vec<Output> {
        let lost: Vec<u64> = self
            .transactions
            .drain()
            .filter_map(|(_, tx)| match tx.purpose {
                Purpose::Message(m) => Some(m.message.id),
                _ => None,
            })
            .collect();
        for id in lost {
            self.out.push(Output::Event(Event::Undelivered { id, why: Undelivered::ConnectionLost }));
        }
        // Held ones wait for the next registration, before anything newer.
        let held = std::mem::take(&mut self.held);
        self.queue.splice(0..0, held);
        self.subscriber.disconnected();
        if self.registration.state != State::Refused {
            self.registration.state = State::Idle;
            self.out.push(Output::Event(Event::Lost));
        }
        self.take()
    }

    /// Unregister (Expires: 0) before the driver closes the connection.
    pub fn unregister(&mut self, now: u64) -> Vec<Output> {
        if self.is_registered() {
            self.register(0, now);
        }
        self.take()
    }

    /// The clock moved on: refresh the registration and the
    /// subscriptions, retransmit (UDP) and expire transactions.
    pub fn tick(&mut self, now: u64) -> Vec<Output> {
        if self.registration.refresh_due(now) {
            self.register(REQUESTED_EXPIRES, now);
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let (calls, mut cx) = self.call_context();
            calls.tick(&mut cx, now);
            for again in self.server_transactions.tick(now) {
                self.out.push(Output::Send(again));
            }
        }
        self.tick_subscriptions(now);
        // (The browser only has WebSockets: no UDP, no Timer E there.)
        if cfg!(not(target_arch = "wasm32")) {
            for tx in self.transactions.values_mut() {
                if let Some(text) = tx.retransmission_due(now) {
                    self.out.push(Output::Send(text));
                }
            }
        }
        let expired: Vec<String> = self.transactions.iter().filter(|(_, tx)| tx.timed_out(now)).map(|(b, _)| b.clone()).collect();
        for branch in expired {
            if let Some(tx) = self.transactions.remove(&branch) {
                match tx.purpose {
                    Purpose::Register { .. } => self.out.push(Output::Reconnect),
                    Purpose::Message(m) => {
                        self.undelivered(m.message.id, Undelivered::Timeout);
                        self.release_held(now);
                    }
                    Purpose::Subscribe { call_id, expires } => self.subscribe_failed(&call_id, expires, 408, None, now),
                    #[cfg(not(target_arch = "wasm32"))]
                    Purpose::Notify { id } => self.notified(id, 408),
                    #[cfg(target_arch = "wasm32")]
                    Purpose::Notify { .. } => {}
                }
            }
        }
        self.take()
    }

    /// The application wants `message` sent: now when registered, else
    /// once registered.
    pub fn send(&mut self, message: Message, now: u64) -> Vec<Output> {
        if self.is_refused() {
            self.undelivered(message.id, Undelivered::Invalid("not signed in".into()));
        } else if !self.is_registered() {
            self.queue.push(message);
        } else if self.must_wait(&message.to) {
            self.held.push(message);
        } else {
            let outgoing = transaction::OutgoingMessage { message, call_id: sip::new_call_id(), cseq: 0, epoch: 0 };
            self.send_message(ClientTransaction::new(Purpose::Message(outgoing), now, self.config.transport));
        }
        self.take()
    }

    /// Must a new MESSAGE to `to` wait? While one held for it waits, or
    /// one sent to it under an older proxy challenge is unanswered.
    fn must_wait(&self, to: &str) -> bool {
        self.held.iter().any(|m| m.to == to)
            || self
                .transactions
                .values()
                .any(|tx| matches!(&tx.purpose, Purpose::Message(m) if m.message.to == to && m.epoch < self.proxy_epoch))
    }

    /// Sends the held MESSAGEs whose turn has come, in order.
    fn release_held(&mut self, now: u64) {
        let held = std::mem::take(&mut self.held);
        for message in held {
            let outputs = self.send(message, now);
            self.out.extend(outputs);
        }
    }

    /// One message from the connection. A request with a method we do not
    /// handle gets 405 ([`incoming::answer`]), one we cannot read 400.
    pub fn received(&mut self, text: &str, now: u64) -> Vec<Output> {
        match message::parse(text) {
            Ok(Parsed::Request(request)) => self.on_request(request, now),
            Ok(Parsed::Response(response)) => self.on_response(response, now),
            Err(sip::SipError::Empty) => {}
            Err(_) => {
                if let Some(answer) = sip::response_to_unparsed(text, 400, None, Some(&sip::new_tag()), &[]) {
                    self.out.push(Output::Send(answer));
                }
            }
        }
        self.take()
    }

    /// Places call `id` to `to` (a SIP URI) with the offer `sdp`; what
    /// becomes of it comes back as [`Event::Call`]. The call goes out at
    /// once, registered or not (a SIP trunk may not want a registration).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn invite(&mut self, id: u64, to: &str, sdp: Option<String>, now: u64) -> Vec<Output> {
        self.invite_from(id, None, to, sdp, now)
    }

    /// As [`UserAgent::invite`], from `from` (an AOR: the caller ID a SIP
    /// trunk presents) instead of this user agent's own AOR.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn invite_from(&mut self, id: u64, from: Option<&str>, to: &str, sdp: Option<String>, now: u64) -> Vec<Output> {
        let (calls, mut cx) = self.call_context();
        calls.invite(&mut cx, id, from, to, sdp, now);
        self.take()
    }

    /// Hangs up call `id` (CANCEL before it is answered, BYE after).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn hang_up(&mut self, id: u64, now: u64) -> Vec<Output> {
        let (calls, mut cx) = self.call_context();
        calls.hang_up(&mut cx, id, now);
        self.take()
    }

    /// A new offer in the answered call `id` (re-INVITE).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn reinvite(&mut self, id: u64, sdp: Option<String>, now: u64) -> Vec<Output> {
        let (calls, mut cx) = self.call_context();
        calls.reinvite(&mut cx, id, sdp, now);
        self.take()
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn call_context(&mut self) -> (&mut call::Calls, call::Context<'_>) {
        let cx = call::Context {
            id: &self.id,
            auth: &mut self.auth,
            reliable: self.config.transport.is_reliable(),
            out: &mut self.out,
        };
        (&mut self.calls, cx)
    }

    pub(crate) fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    // --- outgoing -------------------------------------------------------

    fn register(&mut self, expires: u32, now: u64) {
        self.send_register(ClientTransaction::new(Purpose::Register { expires }, now, self.config.transport));
    }

    /// Sends `tx`'s REGISTER (again, after a challenge) under a new branch.
    fn send_register(&mut self, mut tx: ClientTransaction) {
        let Purpose::Register { expires } = tx.purpose else {
            return;
        };
        let uri = Registration::request_uri(&self.id);
        let authorization = self.auth.credentials(Kind::Www, "REGISTER", &uri, &crate::random::random_hex(8));
        match self.registration.request(&self.id, expires, authorization.as_deref()) {
            Ok((request, branch)) => {
                let text = request.to_string();
                tx.sent(text.clone());
                self.transactions.insert(branch, tx);
                self.out.push(Output::Send(text));
            }
            // Only a user name that can't go in a SIP URI gets here.
            Err(e) => self.refuse(format!("Cannot sign in as \"{}\": {e}", self.config.user)),
        }
    }

    /// Sends `tx`'s MESSAGE (again, after a challenge: same Call-ID, next
    /// CSeq) under a new branch.
    fn send_message(&mut self, mut tx: ClientTransaction) {
        let Purpose::Message(outgoing) = &mut tx.purpose else {
            return;
        };
        outgoing.cseq += 1;
        outgoing.epoch = self.proxy_epoch;
        let message = outgoing.message.clone();
        let branch = sip::new_branch();
        let authorization = self.auth.credentials(Kind::Proxy, "MESSAGE", &message.to, &crate::random::random_hex(8));
        let mut builder = RequestBuilder::new(rsip::Method::Message, &message.to)
            .via_transport(self.id.transport, &self.id.via_host, &branch)
            .from(&self.id.aor, None, &self.message_tag)
            .to(&message.to, None)
            .call_id(&outgoing.call_id)
            .cseq(outgoing.cseq);
        if let Some(value) = &authorization {
            builder = builder.header(Kind::Proxy.credentials_header(), value);
        }
        match builder.body(&message.content_type, message.body).build_message() {
            Ok(request) => {
                let text = request.to_string();
                tx.sent(text.clone());
                self.out.push(Output::Send(text));
                self.transactions.insert(branch, tx);
            }
            Err(e) => self.undelivered(message.id, Undelivered::Invalid(e.to_string())),
        }
    }

    fn flush_queue(&mut self, now: u64) {
        for message in std::mem::take(&mut self.queue) {
            let outputs = self.send(message, now);
            self.out.extend(outputs);
        }
    }

    fn undelivered(&mut self, id: u64, why: Undelivered) {
        self.out.push(Output::Event(Event::Undelivered { id, why }));
    }

    fn refuse(&mut self, why: String) {
        self.registration.state = State::Refused;
        for message in std::mem::take(&mut self.queue) {
            self.undelivered(message.id, Undelivered::Invalid("not signed in".into()));
        }
        self.out.push(Output::Event(Event::Refused(why)));
    }

    // --- incoming -------------------------------------------------------

    fn on_response(&mut self, response: message::Response, now: u64) {
        let code = response.code;
        let Some(branch) = response.headers.get("Via").and_then(via_branch) else {
            return;
        };
        #[cfg(not(target_arch = "wasm32"))]
        {
            let (calls, mut cx) = self.call_context();
            if calls.on_response(&mut cx, &response, &branch, now) {
                return;
            }
        }
        if code < 200 {
            // Provisional: keep waiting (on UDP, retransmit at T2 now).
            if let Some(tx) = self.transactions.get_mut(&branch) {
                tx.provisional(now);
            }
            return;
        }
        let Some(mut tx) = self.transactions.remove(&branch) else {
            return; // stray or late: its transaction is gone
        };
        if let Purpose::Notify { id } = tx.purpose {
            // Never challenged (the IM server relays the gateway's NOTIFYs
            // on its connection's identity): any final answer is the answer.
            #[cfg(not(target_arch = "wasm32"))]
            self.notified(id, code);
            #[cfg(target_arch = "wasm32")]
            let _ = (id, code);
            return;
        }
        if code == 401 || code == 407 {
            let kind = if code == 401 { Kind::Www } else { Kind::Proxy };
            let Some(challenge) = auth::choose(&response.headers.get_all(kind.challenge_header())) else {
                return self.failed(tx, code, "no challenge we can answer", now);
            };
            if tx.challenged(challenge.stale, now) == ChallengeVerdict::Refused {
                return self.failed(tx, code, "credentials refused", now);
            }
            if kind == Kind::Proxy {
                self.proxy_epoch += 1;
            }
            if let Err(e) = self.auth.challenged(kind, challenge) {
                return self.refuse(e.to_string());
            }
            // The same transaction goes on (keeping its challenge count).
            match tx.purpose {
                Purpose::Register { .. } => self.send_register(tx),
                Purpose::Message(_) => self.send_message(tx),
                Purpose::Subscribe { .. } => self.send_subscribe(tx, now),
                Purpose::Notify { .. } => {}
            }
            return self.release_held(now);
        }
        match (&tx.purpose, code) {
            (Purpose::Register { expires: 0 }, 200..=299) => self.registration.state = State::Idle,
            (Purpose::Register { .. }, 200..=299) => {
                let granted = registration::granted_expires(&response, &self.id);
                if self.registration.registered(granted, now) {
                    let again = self.registration.ever_registered;
                    self.registration.ever_registered = true;
                    self.out.push(Output::Event(Event::Registered { again }));
                    self.flush_queue(now);
                    self.subscribe_all(now);
                }
            }
            (Purpose::Register { expires }, 423) => {
                // Interval Too Brief: ask again for at least Min-Expires.
                let min = response.headers.get("Min-Expires").and_then(|v| v.parse::<u32>().ok());
                match min {
                    Some(min) if min > *expires => self.register(min, now),
                    _ => self.failed(tx, code, "interval too brief", now),
                }
            }
            (Purpose::Message(m), 200..=299) => {
                let id = m.message.id;
                self.out.push(Output::Event(Event::Delivered { id }));
                self.release_held(now);
            }
            (Purpose::Subscribe { call_id, expires }, _) => self.subscribe_answered(call_id, *expires, &response, now),
            _ => {
                let reason =
                    if response.reason.is_empty() { sip::reason_phrase(code).to_owned() } else { response.reason.clone() };
                self.failed(tx, code, &reason, now)
            }
        }
    }

    /// A final failure of `tx`.
    fn failed(&mut self, tx: ClientTransaction, code: u16, why: &str, now: u64) {
        match tx.purpose {
            Purpose::Register { .. } => match code {
                401 | 407 | 403 => self.refuse("Wrong user name or password.".to_string()),
                404 => self.refuse(format!("There is no user \"{}\" here.", self.config.user)),
                // Registrar trouble: try again from a fresh connection.
                _ => self.out.push(Output::Reconnect),
            },
            Purpose::Message(m) => {
                self.undelivered(m.message.id, Undelivered::Status(code, why.to_owned()));
                self.release_held(now);
            }
            Purpose::Subscribe { call_id, expires } => self.subscribe_failed(&call_id, expires, code, None, now),
            Purpose::Notify { .. } => {} // answered in `on_response`
        }
    }
}

/// `branch` parameter of a Via value.
fn via_branch(via: &str) -> Option<String> {
    via.split(';')
        .skip(1)
        .filter_map(|p| p.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("branch"))
        .map(|(_, value)| value.trim().split(',').next().unwrap_or("").to_string())
}
