//! The browser's SIP user agent, without I/O ("sans-IO"): the driver feeds
//! it what happened (connected, a frame arrived, a tick of the clock, the UI
//! wants a request sent) and does what it returns (send these frames, tell
//! the UI this, reconnect). Everything here runs — and is tested — on the
//! host; only the driver (`driver.rs`) touches the browser.
//!
//! What it does, after docs/protocol.md §1–§2:
//! - REGISTERs `sip:<user>@<domain>`, answers the 401 itself (digest, see
//!   `auth.rs`), refreshes at 80 % of the granted expiry, and reports a
//!   second fresh 401 or a 403 as a refused sign-in.
//! - Sends each SOAP request as a MESSAGE to the gateway, answering 407s
//!   (and reusing the nonce, `nc` increasing, until the server calls it
//!   stale). Requests made while not registered wait in a queue.
//! - Answers every incoming MESSAGE and OPTIONS with 200, and hands the
//!   gateway's SOAP replies to the UI.
//! - Watches the presence of the AORs the UI names (`presence.rs`):
//!   SUBSCRIBEs authenticated like MESSAGEs (407, same nonce cache), made
//!   again after every new registration, refreshed before they expire;
//!   NOTIFYs answered and turned into `Event::Presence` when they change
//!   something.

use std::collections::HashMap;

use rollcall_shared::sip::message::{self, Parsed};
use rollcall_shared::sip::{self, rsip, RequestBuilder};
use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::CONTENT_TYPE;

use super::auth::{self, Authenticator, Kind};
use super::incoming;
use super::presence::{normalize_aor, Presence, Step};
use super::registration::{self, Identity, Registration, State, REQUESTED_EXPIRES};
use super::transaction::{ChallengeVerdict, ClientTransaction, OutgoingMessage, Purpose};

/// Where to register and whom to talk to (from `GET /config.json`).
#[derive(Debug, Clone)]
pub struct Config {
    pub user: String,
    /// SIP domain, e.g. `rollcall.local`.
    pub domain: String,
    /// The gateway's AOR, e.g. `sip:conference@rollcall.local`.
    pub gateway: String,
    /// The page came over https: Via transport `WSS`.
    pub secure: bool,
}

/// What the UI is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Connecting,
    /// Bound at the registrar; `again` after a reconnect.
    Registered {
        again: bool,
    },
    Lost,
    /// Sign-in refused, with why (for the sign-in form). Final.
    Refused(String),
    Reply(Reply),
    /// A request could not be delivered, in words.
    Undeliverable(String),
    /// A watched AOR (as given to [`UserAgent::watch`]) came online or went
    /// offline. Only changes are reported, the first state too; a
    /// subscription that ends or fails reports `online: false`.
    Presence {
        aor: String,
        online: bool,
    },
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send this text frame.
    Send(String),
    Event(Event),
    /// The connection is no good (no answer in time, registrar trouble):
    /// close it and reconnect with backoff.
    Reconnect,
}

pub struct UserAgent {
    config: Config,
    id: Identity,
    gateway_aor: String,
    auth: Authenticator,
    registration: Registration,
    /// Our requests awaiting a final response, by Via branch.
    transactions: HashMap<String, ClientTransaction>,
    /// SOAP requests made while not registered.
    queue: Vec<Request>,
    /// Watched AORs and their subscriptions.
    presence: Presence,
    /// From tag of our MESSAGEs (one per user agent).
    message_tag: String,
    out: Vec<Output>,
}

impl UserAgent {
    pub fn new(config: Config, password: String) -> Self {
        // RFC 7118 §5.2: the Contact/Via host can't be resolved anyway; a
        // random `.invalid` name also tells this tab's binding apart.
        let instance = rollcall_shared::random::random_hex(6);
        let via_host = format!("{instance}.invalid");
        let transport = if config.secure { "WSS" } else { "WS" };
        let id = Identity {
            aor: format!("sip:{}@{}", config.user, config.domain),
            domain: config.domain.clone(),
            contact: format!(
                "<sip:{}@{via_host};transport={}>",
                config.user,
                transport.to_ascii_lowercase()
            ),
            via_host,
            transport,
            instance,
        };
        let gateway_aor = normalize_aor(&config.gateway);
        UserAgent {
            auth: Authenticator::new(config.user.clone(), password),
            config,
            id,
            gateway_aor,
            registration: Registration::new(),
            transactions: HashMap::new(),
            queue: Vec::new(),
            presence: Presence::new(),
            message_tag: sip::new_tag(),
            out: Vec::new(),
        }
    }

    pub fn is_refused(&self) -> bool {
        self.registration.state == State::Refused
    }

    pub fn is_registered(&self) -> bool {
        self.registration.is_bound()
    }

    /// The WebSocket is open: register.
    pub fn connected(&mut self, now: u64) -> Vec<Output> {
        self.register(REQUESTED_EXPIRES, now);
        self.take()
    }

    /// The WebSocket closed. Pending transactions die with it (their
    /// answers would have come on it); queued requests wait for the next
    /// registration.
    pub fn disconnected(&mut self) -> Vec<Output> {
        let unconfirmed = self
            .transactions
            .drain()
            .any(|(_, tx)| matches!(tx.purpose, Purpose::Message(_)));
        if unconfirmed {
            self.out.push(Output::Event(Event::Undeliverable(
                "The connection dropped before a request was confirmed; it may not have arrived."
                    .into(),
            )));
        }
        self.presence.disconnected();
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

    /// The clock moved on: refresh the registration and presence
    /// subscriptions, expire transactions.
    pub fn tick(&mut self, now: u64) -> Vec<Output> {
        if self.registration.refresh_due(now) {
            self.register(REQUESTED_EXPIRES, now);
        }
        let steps = self.presence.tick(self.is_registered(), now);
        self.run_presence(steps, now);
        let expired: Vec<String> = self
            .transactions
            .iter()
            .filter(|(_, tx)| tx.timed_out(now))
            .map(|(b, _)| b.clone())
            .collect();
        for branch in expired {
            if let Some(tx) = self.transactions.remove(&branch) {
                match tx.purpose {
                    Purpose::Register { .. } => self.out.push(Output::Reconnect),
                    Purpose::Message(_) => self.undeliverable("no answer from the server"),
                    Purpose::Subscribe { call_id, expires } => {
                        let steps = self.presence.failed(&call_id, expires, 408, None, now);
                        self.run_presence(steps, now);
                    }
                }
            }
        }
        self.take()
    }

    /// The UI wants `request` sent to the gateway.
    pub fn send(&mut self, request: Request, now: u64) -> Vec<Output> {
        if self.is_registered() {
            let message = OutgoingMessage {
                body: request.encode(),
                call_id: sip::new_call_id(),
                cseq: 0,
            };
            self.send_message(ClientTransaction::new(Purpose::Message(message), now));
        } else {
            self.queue.push(request);
        }
        self.take()
    }

    /// Watch exactly these AORs (`sip:bob@rollcall.local`) from now on:
    /// subscribe to the new ones, unsubscribe (Expires: 0) from the ones
    /// left out. Kept across reconnects; subscriptions go out only while
    /// registered, and again after every new registration.
    pub fn watch(&mut self, aors: Vec<String>, now: u64) -> Vec<Output> {
        let steps = self.presence.watch(aors, self.is_registered(), now);
        self.run_presence(steps, now);
        self.take()
    }

    /// One text frame from the WebSocket. A request with a method we do
    /// not handle gets 405 (`incoming::answer`), one we cannot read 400.
    pub fn received(&mut self, frame: &str, now: u64) -> Vec<Output> {
        match message::parse(frame) {
            Ok(Parsed::Request(request)) => self.on_request(request, now),
            Ok(Parsed::Response(response)) => self.on_response(response, now),
            Err(sip::SipError::Empty) => {}
            Err(_) => {
                if let Some(text) =
                    sip::response_to_unparsed(frame, 400, None, Some(&sip::new_tag()), &[])
                {
                    self.out.push(Output::Send(text));
                }
            }
        }
        self.take()
    }

    fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    // --- outgoing -------------------------------------------------------

    fn register(&mut self, expires: u32, now: u64) {
        self.send_register(ClientTransaction::new(Purpose::Register { expires }, now));
    }

    /// Sends `tx`'s REGISTER (again, after a challenge) under a new branch.
    fn send_register(&mut self, tx: ClientTransaction) {
        let Purpose::Register { expires } = tx.purpose else {
            return;
        };
        let uri = Registration::request_uri(&self.id);
        let authorization = self
            .auth
            .credentials(Kind::Www, "REGISTER", &uri, &rollcall_shared::random::random_hex(8));
        match self
            .registration
            .request(&self.id, expires, authorization.as_deref())
        {
            Ok((request, branch)) => {
                self.transactions.insert(branch, tx);
                self.out.push(Output::Send(request.to_string()));
            }
            // Only a user name that can't go in a SIP URI gets here.
            Err(e) => self.refuse(format!("Cannot sign in as \"{}\": {e}", self.config.user)),
        }
    }

    /// Sends `tx`'s MESSAGE (again, after a challenge: same Call-ID, next
    /// CSeq) under a new branch.
    fn send_message(&mut self, mut tx: ClientTransaction) {
        let Purpose::Message(message) = &mut tx.purpose else {
            return;
        };
        message.cseq += 1;
        let branch = sip::new_branch();
        let authorization = self.auth.credentials(
            Kind::Proxy,
            "MESSAGE",
            &self.config.gateway,
            &rollcall_shared::random::random_hex(8),
        );
        let mut builder = RequestBuilder::new(rsip::Method::Message, &self.config.gateway)
            .via_transport(self.id.transport, &self.id.via_host, &branch)
            .from(&self.id.aor, None, &self.message_tag)
            .to(&self.config.gateway, None)
            .call_id(&message.call_id)
            .cseq(message.cseq);
        if let Some(value) = &authorization {
            builder = builder.header(Kind::Proxy.credentials_header(), value);
        }
        match builder.body(CONTENT_TYPE, message.body.clone()).build_message() {
            Ok(request) => {
                self.out.push(Output::Send(request.to_string()));
                self.transactions.insert(branch, tx);
            }
            Err(e) => self.undeliverable(&e.to_string()),
        }
    }

    /// Sends `tx`'s SUBSCRIBE (again, after a challenge: the dialog's next
    /// CSeq) under a new branch, with credentials when we have a 407's
    /// challenge cached (the same one MESSAGE uses).
    fn send_subscribe(&mut self, tx: ClientTransaction, now: u64) {
        let Purpose::Subscribe { call_id, expires } = &tx.purpose else {
            return;
        };
        let Some(uri) = self.presence.target(call_id).map(str::to_owned) else {
            return; // the subscription is gone
        };
        let credentials =
            self.auth
                .credentials(Kind::Proxy, "SUBSCRIBE", &uri, &rollcall_shared::random::random_hex(8));
        match self
            .presence
            .request(call_id, *expires, &self.id, credentials.as_deref())
        {
            Some(Ok((request, branch))) => {
                self.out.push(Output::Send(request.to_string()));
                self.transactions.insert(branch, tx);
            }
            Some(Err(e)) => {
                // Only an AOR that can't be a Request-URI gets here.
                log(&format!("cannot SUBSCRIBE to `{uri}`: {e}"));
                let steps = self.presence.failed(call_id, *expires, 400, None, now);
                self.run_presence(steps, now);
            }
            None => {}
        }
    }

    /// Carries out what the presence watcher asks for.
    fn run_presence(&mut self, steps: Vec<Step>, now: u64) {
        for step in steps {
            match step {
                Step::Subscribe { call_id, expires } => {
                    let purpose = Purpose::Subscribe { call_id, expires };
                    self.send_subscribe(ClientTransaction::new(purpose, now), now);
                }
                Step::Report { aor, online } => self
                    .out
                    .push(Output::Event(Event::Presence { aor, online })),
            }
        }
    }

    fn flush_queue(&mut self, now: u64) {
        for request in std::mem::take(&mut self.queue) {
            let outputs = self.send(request, now);
            self.out.extend(outputs);
        }
    }

    fn undeliverable(&mut self, why: &str) {
        self.out.push(Output::Event(Event::Undeliverable(format!(
            "Could not reach the conference service ({why})."
        ))));
    }

    fn refuse(&mut self, why: String) {
        self.registration.state = State::Refused;
        self.queue.clear();
        self.out.push(Output::Event(Event::Refused(why)));
    }

    // --- incoming -------------------------------------------------------

    fn on_request(&mut self, request: message::Request, now: u64) {
        if request.method == "NOTIFY" {
            let (code, steps) = self.presence.notified(&request, self.is_registered(), now);
            // In a dialog the To tag is ours already; 481s get one.
            let response = request.response(code, None, Some(&sip::new_tag()));
            self.out.push(Output::Send(response.to_string()));
            return self.run_presence(steps, now);
        }
        if let Some(response) = incoming::answer(&request) {
            self.out.push(Output::Send(response.to_string()));
        }
        if request.method == "MESSAGE" {
            match incoming::gateway_reply(&request, &self.gateway_aor) {
                Ok(reply) => self.out.push(Output::Event(Event::Reply(reply))),
                Err(why) => log(&format!("ignored a MESSAGE: {why}")),
            }
        }
    }

    fn on_response(&mut self, response: message::Response, now: u64) {
        let code = response.code;
        if code < 200 {
            return; // provisional: keep waiting
        }
        let Some(branch) = response.headers.get("Via").and_then(via_branch) else {
            return;
        };
        let Some(mut tx) = self.transactions.remove(&branch) else {
            return; // stray or late: its transaction is gone
        };
        if code == 401 || code == 407 {
            let kind = if code == 401 { Kind::Www } else { Kind::Proxy };
            let Some(challenge) =
                auth::choose(&response.headers.get_all(kind.challenge_header()))
            else {
                return self.failed(tx, code, "no challenge we can answer", now);
            };
            if tx.challenged(challenge.stale, now) == ChallengeVerdict::Refused {
                return self.failed(tx, code, "credentials refused", now);
            }
            if let Err(e) = self.auth.challenged(kind, challenge) {
                return self.refuse(e.to_string());
            }
            // The same transaction goes on (keeping its challenge count).
            return match tx.purpose {
                Purpose::Register { .. } => self.send_register(tx),
                Purpose::Message(_) => self.send_message(tx),
                Purpose::Subscribe { .. } => self.send_subscribe(tx, now),
            };
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
                    let steps = self.presence.registered();
                    self.run_presence(steps, now);
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
            (Purpose::Message(_), 200..=299) => {}
            (Purpose::Subscribe { call_id, expires }, 200..=299) => {
                let steps = self.presence.answered(call_id, *expires, &response, now);
                self.run_presence(steps, now);
            }
            (Purpose::Subscribe { call_id, expires }, _) => {
                let retry_after = response.headers.get("Retry-After")
                    .and_then(|v| v.split([';', ' ', '(']).next()?.trim().parse().ok());
                let steps = self
                    .presence
                    .failed(call_id, *expires, code, retry_after, now);
                self.run_presence(steps, now);
            }
            _ => self.failed(tx, code, sip::reason_phrase(code), now),
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
            Purpose::Message(_) => self.undeliverable(&format!("{code} {why}")),
            Purpose::Subscribe { call_id, expires } => {
                let steps = self.presence.failed(&call_id, expires, code, None, now);
                self.run_presence(steps, now);
            }
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

fn log(text: &str) {
    #[cfg(target_arch = "wasm32")]
    leptos::logging::warn!("sip: {text}");
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}
