//! The tokio driver of the one SIP user agent ([`rollcall_shared::ua`]):
//! a task that owns a WebSocket to the IM server, feeds the user agent
//! what arrives and the clock, sends what it asks, and reconnects with
//! exponential backoff when the connection drops or the user agent asks
//! for it. A refused sign-in (wrong password, unknown user) is final: the
//! task says why, in the log and in [`ClientState::Refused`], and stops.
//!
//! The gateway runs on it; the black-box tests can too. The browser has
//! its own driver for the same user agent (`frontend/src/sip/driver.rs`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rollcall_shared::sip::Transport;
use rollcall_shared::ua::{self, Event, Message, Output, UserAgent};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tracing::{error, info, warn};

/// How often the user agent's clock ticks (refreshes, Timer F).
const TICK: Duration = Duration::from_millis(250);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Who to be and where to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `ws://host:port/sip` or `wss://…`.
    pub url: String,
    pub user: String,
    pub password: String,
    pub domain: String,
    /// Only take MESSAGEs whose sender the IM server asserted.
    pub require_asserted: bool,
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

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(url: &str) -> anyhow::Result<Ws> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
    // wss:// with Mozilla's roots and any `--ca-cert`; ws:// stays plain.
    let connector = tokio_tungstenite::Connector::Rustls(crate::edge::tls::client_config()?);
    let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector)).await?;
    Ok(ws)
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
    let transport = if config.url.starts_with("wss:") { Transport::Wss } else { Transport::Ws };
    let ua_config = ua::Config {
        user: config.user.clone(),
        domain: config.domain.clone(),
        transport,
        local: None,
        require_asserted: config.require_asserted,
    };
    let mut ua = UserAgent::new(ua_config, config.password.clone());
    let started = Instant::now();
    let now = move || started.elapsed().as_millis() as u64;
    let mut backoff = BACKOFF_MIN;
    loop {
        let _ = state.send(ClientState::Connecting);
        let end = match connect(&config.url).await {
            Ok(ws) => {
                info!(url = %config.url, user = %config.user, "connected to the IM server");
                session(ws, &mut ua, &now, &mut commands, &events, &state, &mut backoff).await
            }
            Err(e) => {
                warn!(url = %config.url, error = %e, "cannot connect to the IM server");
                End::Lost
            }
        };
        for output in ua.disconnected() {
            if let Output::Event(event) = output {
                let _ = events.send(event);
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
    mut ws: Ws,
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
                    if ws.send(tokio_tungstenite::tungstenite::Message::Text(text.into())).await.is_err() {
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
            let _ = ws.close(None).await;
            return End::Stop;
        }
        outputs = tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => ua.received(text.as_str(), now()),
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | None | Some(Err(_)) => return End::Lost,
                Some(Ok(_)) => Vec::new(),
            },
            command = commands.recv(), if commands_open => match command {
                Some(Command::Send(message)) => ua.send(message, now()),
                None => {
                    commands_open = false;
                    Vec::new()
                }
            },
            _ = tick.tick() => ua.tick(now()),
        };
    }
}
