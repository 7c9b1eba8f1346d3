//! The tokio driver of the one SIP user agent ([`rollcall_shared::ua`]):
//! a task that owns the link to the IM server — a WebSocket (`ws://`,
//! `wss://`), or SIP over TCP, TLS or UDP (`sip:host:port;transport=…`) —
//! feeds the user agent what arrives and the clock, sends what it asks,
//! and reconnects with exponential backoff when the link drops or the
//! user agent asks for it. A refused sign-in (wrong password, unknown user) is final: the
//! task says why, in the log and in [`ClientState::Refused`], and stops.
//!
//! The gateway runs on it; the black-box tests can too. The browser has
//! its own driver for the same user agent (`frontend/src/sip/driver.rs`).

use std::time::Duration;

use rollcall_shared::ua::notifier::Notify;
use rollcall_shared::ua::{self, Event, Message, Output, UserAgent};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::sip_link::{target, Link};
use tracing::{error, info, warn};

/// How often the user agent's clock ticks (refreshes, Timer F).
const TICK: Duration = Duration::from_millis(250);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Who to be and where to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `ws://host:port/sip` or `wss://…`, or the SIP port:
    /// `sip:host:port;transport=udp` (`tcp`, `tls`).
    pub url: String,
    pub user: String,
    pub password: String,
    pub domain: String,
    /// Only take MESSAGEs whose sender the IM server asserted.
    pub require_asserted: bool,
    /// Event packages served as a notifier (the gateway: `conference`);
    /// empty for none (SUBSCRIBEs get `405`).
    pub event_packages: Vec<String>,
}

/// Where the client stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientState {
    Connecting,
    Registered,
    Lost,
    /// The registrar refused us, for this reason: final.
    Refused(String),
}

enum Command {
    Send(Message),
    Respond(String),
    Notify(Notify),
}

/// Handle of a running client; dropping every handle ends it once what it
/// was asked to send is answered.
#[derive(Clone)]
pub struct SipClient {
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<ClientState>,
}

impl SipClient {
    /// Starts the client; what the user agent reports arrives on the
    /// returned receiver (registrations, MESSAGEs received, delivery
    /// reports).
    pub fn start(config: ClientConfig) -> (SipClient, mpsc::UnboundedReceiver<Event>) {
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(ClientState::Connecting);
        tokio::spawn(run(config, commands_rx, events_tx, state_tx));
        (SipClient { commands, state }, events)
    }

    /// Sends a MESSAGE (once registered); its fate comes back as
    /// [`Event::Delivered`] or [`Event::Undelivered`] with its id.
    pub fn send(&self, message: Message) {
        let _ = self.commands.send(Command::Send(message));
    }

    /// Sends the answer to a SUBSCRIBE the user agent handed over
    /// ([`ua::notifier::NotifierEvent::Subscribe`]); dropped if the
    /// connection it came on is gone.
    pub fn respond(&self, response: String) {
        let _ = self.commands.send(Command::Respond(response));
    }

    /// Sends a NOTIFY; its fate comes back as
    /// [`ua::notifier::NotifierEvent::Notified`].
    pub fn notify(&self, notify: Notify) {
        let _ = self.commands.send(Command::Notify(notify));
    }

    pub fn state(&self) -> ClientState {
        self.state.borrow().clone()
    }

    /// Waits until registered; `false` after `limit`, or once refused.
    pub async fn wait_registered(&self, limit: Duration) -> bool {
        let mut state = self.state.clone();
        let settled = async {
            match state.wait_for(|s| matches!(s, ClientState::Registered | ClientState::Refused(_))).await {
                Ok(s) => *s == ClientState::Registered,
                Err(_) => false,
            }
        };
        tokio::time::timeout(limit, settled).await.unwrap_or(false)
    }
}

/// Why a connection ended.
enum End {
    /// Reconnect after the backoff.
    Lost,
    /// The user agent was refused, or nobody holds a handle any more.
    Stop,
}

async fn run(
    config: ClientConfig,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
    state: watch::Sender<ClientState>,
) {
    let transport = match target(&config.url) {
        Ok((transport, _)) => transport,
        Err(e) => {
            error!(error = %e, "cannot reach the IM server at all");
            let _ = state.send(ClientState::Refused(e.to_string()));
            return;
        }
    };
    // Made at the first connection, which tells the local address a SIP
    // port's transport puts in the Via and Contact; kept across reconnects.
    let mut agent: Option<UserAgent> = None;
    let started = Instant::now();
    let now = move || started.elapsed().as_millis() as u64;
    let mut backoff = BACKOFF_MIN;
    loop {
        let _ = state.send(ClientState::Connecting);
        let end = match Link::connect(&config.url).await {
            Ok((link, local)) => {
                info!(url = %config.url, user = %config.user, "connected to the IM server");
                let ua = agent.get_or_insert_with(|| {
                    let ua_config = ua::Config {
                        user: config.user.clone(),
                        domain: config.domain.clone(),
                        transport,
                        local,
                        require_asserted: config.require_asserted,
                    };
                    let mut ua = UserAgent::new(ua_config, config.password.clone());
                    ua.serve_events(config.event_packages.clone());
                    ua
                });
                session(link, ua, &now, &mut commands, &events, &state, &mut backoff).await
            }
            Err(e) => {
                warn!(url = %config.url, error = %e, "cannot connect to the IM server");
                End::Lost
            }
        };
        if let Some(ua) = agent.as_mut() {
            for output in ua.disconnected() {
                if let Output::Event(event) = output {
                    let _ = events.send(event);
                }
            }
        }
        if let End::Stop = end {
            return;
        }
        let _ = state.send(ClientState::Lost);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection: until it drops, the user agent gives up on it, or the
/// client is done.
async fn session(
    mut link: Link,
    ua: &mut UserAgent,
    now: &impl Fn() -> u64,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    events: &mpsc::UnboundedSender<Event>,
    state: &watch::Sender<ClientState>,
    backoff: &mut Duration,
) -> End {
    let mut outputs = ua.connected(now());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut commands_open = true;
    loop {
        for output in outputs.drain(..) {
            match output {
                Output::Send(text) => {
                    if !link.send(text).await {
                        return End::Lost;
                    }
                }
                Output::Event(Event::Registered { again }) => {
                    *backoff = BACKOFF_MIN;
                    let _ = state.send(ClientState::Registered);
                    let _ = events.send(Event::Registered { again });
                }
                Output::Event(Event::Refused(why)) => {
                    error!(user = %ua.aor(), %why, "the IM server refused to register us; giving up");
                    let _ = state.send(ClientState::Refused(why.clone()));
                    let _ = events.send(Event::Refused(why));
                    return End::Stop;
                }
                Output::Event(event) => {
                    let _ = events.send(event);
                }
                Output::Reconnect => return End::Lost,
            }
        }
        if !commands_open && ua.idle() {
            link.close().await;
            return End::Stop;
        }
        outputs = tokio::select! {
            message = link.recv() => match message {
                Some(text) => ua.received(&text, now()),
                None => return End::Lost,
            },
            command = commands.recv(), if commands_open => match command {
                Some(Command::Send(message)) => ua.send(message, now()),
                Some(Command::Respond(response)) => ua.respond(response),
                Some(Command::Notify(notify)) => ua.notify(notify, now()),
                None => {
                    commands_open = false;
                    Vec::new()
                }
            },
            _ = tick.tick() => ua.tick(now()),
        };
    }
}
