//! The user agent's loop in the browser (wasm32 only): fetch
//! `/config.json`, open the `/sip` WebSocket, feed [`UserAgent`] the frames,
//! the UI's commands and a one-second clock, and carry out what it returns.
//! When the connection drops it reconnects with backoff and registers
//! again; a refused registration or the UI's Stop ends it. What to watch
//! (presence) is kept by the user agent across reconnects.

use futures::channel::mpsc::UnboundedReceiver;
use futures::{select, FutureExt, StreamExt};
use gloo_timers::future::{IntervalStream, TimeoutFuture};
use leptos::prelude::SetValue as _;

use super::transport::{backoff_ms, sip_url, ServerConfig, SUBPROTOCOL};
use super::ua::{Config, Event, Output, UserAgent};
use super::websocket::{Socket, SocketEvent, State};
use crate::stores::{Command, Stores};

/// How a connection ended.
enum End {
    /// Dropped (or never opened); `registered` if it got as far as that.
    Lost { registered: bool },
    /// Stopped by the UI, or refused by the registrar: don't reconnect.
    Done,
}

pub fn spawn(stores: Stores, user: String, password: String, commands: UnboundedReceiver<Command>) {
    wasm_bindgen_futures::spawn_local(run(stores, user, password, commands));
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

async fn run(stores: Stores, user: String, password: String, mut commands: UnboundedReceiver<Command>) {
    let location = web_sys::window().map(|w| w.location());
    let protocol = location.as_ref().and_then(|l| l.protocol().ok()).unwrap_or_default();
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let url = sip_url(&protocol, &host);

    let mut attempt = 0;
    let server = loop {
        match fetch_config().await {
            Ok(server) => break server,
            Err(e) => {
                leptos::logging::warn!("GET /config.json failed: {e}");
                stores.handle(Event::Lost);
                // No user agent yet: a Watch is kept by the session (below).
                if !wait(&mut attempt, &mut commands, None, stores).await {
                    return;
                }
            }
        }
    };
    stores.session.domain.set_value(Some(server.domain.clone()));
    let config = Config { user, domain: server.domain, gateway: server.gateway, secure: protocol == "https:" };
    let mut ua = UserAgent::new(config, password);
    // What the UI asked to watch before the user agent existed.
    let outputs = ua.watch(stores.session.watching(), now());
    deliver(stores, &mut ua, outputs);

    loop {
        stores.handle(Event::Connecting);
        match connection(&url, &mut ua, stores, &mut commands).await {
            End::Done => return,
            End::Lost { registered } => {
                if registered {
                    attempt = 0;
                }
                if !wait(&mut attempt, &mut commands, Some(&mut ua), stores).await {
                    return;
                }
            }
        }
    }
}

async fn fetch_config() -> Result<ServerConfig, String> {
    let text = crate::api::get_text("/config.json").await.map_err(|e| e.to_string())?;
    rollcall_shared::json::from_str(&text).map_err(|e| e.to_string())
}

/// Waits out the backoff for `attempt` (then counts it), still taking the
/// UI's commands: requests queue in the user agent, the watch list is
/// recorded there (subscribed after the next registration), Stop ends the
/// wait. Returns false on Stop.
async fn wait(
    attempt: &mut u32,
    commands: &mut UnboundedReceiver<Command>,
    mut ua: Option<&mut UserAgent>,
    stores: Stores,
) -> bool {
    let delay = backoff_ms(*attempt, js_sys::Math::random());
    *attempt += 1;
    let mut timer = TimeoutFuture::new(delay as u32).fuse();
    loop {
        select! {
            _ = timer => return true,
            command = commands.next() => match command {
                Some(Command::Send(request)) => {
                    if let Some(ua) = ua.as_deref_mut() {
                        // Not registered: this only queues it.
                        let _ = ua.send(request, now());
                    }
                }
                Some(Command::Watch(aors)) => {
                    if let Some(ua) = ua.as_deref_mut() {
                        // Not registered: this only records it (and may
                        // report an AOR dropped from the list offline).
                        let outputs = ua.watch(aors, now());
                        deliver(stores, ua, outputs);
                    }
                }
                Some(Command::Stop) | None => return false,
            },
        }
    }
}

/// One WebSocket connection, from open to close.
async fn connection(url: &str, ua: &mut UserAgent, stores: Stores, commands: &mut UnboundedReceiver<Command>) -> End {
    let mut socket = match Socket::open(url, SUBPROTOCOL) {
        Ok(socket) => socket,
        Err(e) => {
            leptos::logging::warn!("cannot open {url}: {e}");
            stores.handle(Event::Lost);
            return End::Lost { registered: false };
        }
    };
    // Wait for it to open (a socket that closes before it opened must not
    // hold up the clock), and give up after OPEN_TIMEOUT_MS. Returning
    // drops (closes) the socket.
    if !opened(&socket).await {
        leptos::logging::warn!("{url} did not open");
        return lost(ua, stores, false);
    }
    let mut clock = IntervalStream::new(1_000).fuse();
    let mut registered = false;
    let mut outputs = ua.connected(now());
    loop {
        for output in outputs {
            match output {
                Output::Send(text) => {
                    if !socket.send(&text) {
                        return lost(ua, stores, registered);
                    }
                }
                Output::Event(event) => {
                    if let Some(event) = ua.ui_event(event) {
                        registered |= matches!(event, Event::Registered { .. });
                        stores.handle(event);
                    }
                }
                Output::Reconnect => return lost(ua, stores, registered),
            }
        }
        if ua.is_refused() {
            return End::Done;
        }
        let mut stop = false;
        outputs = select! {
            event = socket.events.next() => match event {
                Some(SocketEvent::Text(text)) => ua.received(&text, now()),
                Some(SocketEvent::Closed) | None => {
                    leptos::logging::warn!("SIP connection closed");
                    return lost(ua, stores, registered);
                }
            },
            command = commands.next() => match command {
                Some(Command::Send(request)) => ua.send(request, now()),
                Some(Command::Watch(aors)) => ua.watch(aors, now()),
                Some(Command::Stop) | None => {
                    stop = true;
                    ua.unregister(now())
                }
            },
            _ = clock.next() => ua.tick(now()),
        };
        if stop {
            for output in outputs.drain(..) {
                if let Output::Send(text) = output {
                    socket.send(&text);
                }
            }
            return End::Done;
        }
    }
}

/// How long a WebSocket may take to open before we try again.
const OPEN_TIMEOUT_MS: u32 = 10_000;

/// Waits until `socket` is open (true) or closed, or OPEN_TIMEOUT_MS passed.
async fn opened(socket: &Socket) -> bool {
    const STEP_MS: u32 = 20;
    for _ in 0..OPEN_TIMEOUT_MS / STEP_MS {
        match socket.state() {
            State::Open => return true,
            State::Closed => return false,
            State::Connecting => TimeoutFuture::new(STEP_MS).await,
        }
    }
    false
}

fn lost(ua: &mut UserAgent, stores: Stores, registered: bool) -> End {
    let outputs = ua.disconnected();
    deliver(stores, ua, outputs);
    End::Lost { registered }
}

/// Hands the events among `outputs` to the UI; with no connection there is
/// nothing else to do with them.
fn deliver(stores: Stores, ua: &mut UserAgent, outputs: Vec<Output>) {
    for output in outputs {
        if let Output::Event(event) = output {
            if let Some(event) = ua.ui_event(event) {
                stores.handle(event);
            }
        }
    }
}
