//! The gateway's SIP user agent over a tokio-tungstenite WebSocket.
//!
//! One task owns the connection. It registers (answering the 401 digest
//! challenge), refreshes the registration at 80 % of its lifetime, answers
//! incoming MESSAGEs with 200 OK and hands their bodies on, and sends
//! outgoing MESSAGEs with a small window *per recipient*: the IM server
//! relays one connection's messages in order, so a user sees events in the
//! order they were sent, while a recipient who is slow to answer (a frozen
//! tab: up to the 32 s transaction timer) holds up only their own
//! messages, not everyone's. A 407 (a nonce gone stale) is answered and
//! the message sent again; its recipient gets nothing new until all sent
//! under the old nonce are through, so order holds there too. When the
//! connection drops, it reconnects with exponential backoff, registers
//! again and resends what was in flight, in order.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rollcall_shared::digest::Challenge;
use rollcall_shared::sip::{self, rsip, RequestBuilder};
use rollcall_shared::soap::CONTENT_TYPE;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tracing::{debug, info, warn};

use super::outbox::Outbox;
use super::GatewayConfig;

/// Requested registration lifetime, seconds.
const REGISTER_EXPIRES: u32 = 300;
/// How long a request waits for its final response (RFC 3261 Timer F).
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(32);
/// At most this many MESSAGEs in flight at once…
const MAX_IN_FLIGHT: usize = 256;
/// …and this many to one recipient.
const WINDOW_PER_RECIPIENT: usize = 8;
/// A recipient that is not registered (480, or 408 because its tab went
/// away) keeps its MESSAGEs this long, tried again after [`OFFLINE_RETRY`],
/// then twice as long each time: a tab that reconnects in time gets them
/// in order, and one gone for good costs a handful of tries, not sixty.
const OFFLINE_KEEP: Duration = Duration::from_secs(60);
const OFFLINE_RETRY: Duration = Duration::from_secs(1);

/// A recipient found offline, and what waits for it.
struct Offline {
    /// When it was first found offline.
    since: Instant,
    /// When to try again; `None` while its MESSAGEs are being tried.
    retry_at: Option<Instant>,
    /// Oldest first: the MESSAGEs refused for it.
    /// Their send order ([`InFlight::seq`]) with each: refusals may come
    /// back in another order than the MESSAGEs went out (a 480 for a later
    /// one before the 408 of an earlier one that was on its way).
    waiting: VecDeque<(u64, Outgoing)>,
    /// The wait before the next try.
    backoff: Duration,
}
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// A SOAP request that reached the gateway, with the identity the IM
/// server asserted for its sender.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub asserted_identity: String,
    pub body: String,
}

/// A SOAP body to send to a user's AOR.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub body: String,
}

/// Where the UA stands, for health checks and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UaState {
    Connecting,
    Registered,
    Lost,
}

/// Handle of the running UA.
#[derive(Clone)]
pub struct UserAgent {
    outbox: mpsc::UnboundedSender<Outgoing>,
    state: watch::Receiver<UaState>,
}

impl UserAgent {
    /// Starts the UA task; incoming requests arrive on the returned receiver.
    pub fn start(config: GatewayConfig) -> (UserAgent, mpsc::UnboundedReceiver<Inbound>) {
        let (outbox, outbox_rx) = mpsc::unbounded_channel();
        let (inbound_tx, inbound_rx) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(UaState::Connecting);
        tokio::spawn(run(config, outbox_rx, inbound_tx, state_tx));
        (UserAgent { outbox, state }, inbound_rx)
    }

    /// Queues a MESSAGE; it is sent once registered, in queue order.
    pub fn send(&self, message: Outgoing) {
        let _ = self.outbox.send(message);
    }

    pub fn state(&self) -> UaState {
        *self.state.borrow()
    }

    /// Waits until registered; `false` after `limit`.
    pub async fn wait_registered(&self, limit: Duration) -> bool {
        let mut state = self.state.clone();
        let registered = async { state.wait_for(|s| *s == UaState::Registered).await.is_ok() };
        let result = tokio::time::timeout(limit, registered).await;
        result.unwrap_or(false)
    }
}

async fn run(
    config: GatewayConfig,
    mut outbox: mpsc::UnboundedReceiver<Outgoing>,
    inbound: mpsc::UnboundedSender<Inbound>,
    state: watch::Sender<UaState>,
) {
    let mut queue = Outbox::default();
    let mut backoff = BACKOFF_MIN;
    loop {
        let _ = state.send(UaState::Connecting);
        match connect(&config.im_url).await {
            Ok(ws) => {
                info!(url = %config.im_url, "connected to the IM server");
                let mut session = Session::new(&config, ws);
                match session.run(&mut outbox, &mut queue, &inbound, &state, &mut backoff).await {
                    Ok(()) => return, // the gateway is shutting down
                    Err(e) => warn!(error = %e, "IM server connection lost"),
                }
            }
            Err(e) => warn!(url = %config.im_url, error = %e, "cannot connect to the IM server"),
        }
        let _ = state.send(UaState::Lost);
        if outbox.is_closed() && queue.is_empty() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
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

/// A cached challenge: later requests answer it with a growing `nc`
/// instead of waiting for a new challenge each time.
struct DigestCache {
    challenge: Challenge,
    nc: u32,
}

impl DigestCache {
    fn new(challenge: Challenge) -> Self {
        DigestCache { challenge, nc: 0 }
    }

    fn credentials(&mut self, config: &GatewayConfig, method: &str, uri: &str) -> String {
        self.nc += 1;
        let cnonce = rollcall_shared::random::random_hex(8);
        self.challenge.answer(&config.user, &config.password, method, uri, &cnonce, self.nc).to_header_value()
    }
}

struct InFlight {
    message: Outgoing,
    cseq: u32,
    deadline: Instant,
    challenged: u32,
    /// Send order, for resending in order after a reconnect.
    seq: u64,
    /// The proxy challenge it was sent under ([`Session::epoch`]).
    epoch: u64,
}

/// One recipient's MESSAGEs in flight.
#[derive(Default)]
struct Window {
    count: usize,
    /// Of those, sent under an older proxy challenge: they may come back
    /// 407 and be sent again, so nothing newer goes to this recipient first.
    before_challenge: usize,
}

/// One connection's worth of UA state.
struct Session<'a> {
    config: &'a GatewayConfig,
    ws: Ws,
    aor: String,
    contact: String,
    register_call_id: String,
    register_cseq: u32,
    register_deadline: Option<Instant>,
    register_auth: Option<DigestCache>,
    /// Whether the last REGISTER carried credentials: a plain (not stale)
    /// 401 to it means the password is wrong.
    register_had_auth: bool,
    proxy_auth: Option<DigestCache>,
    registered: bool,
    refresh_at: Instant,
    /// By Call-ID.
    in_flight: HashMap<String, InFlight>,
    /// By recipient.
    windows: HashMap<String, Window>,
    next_seq: u64,
    /// Counts proxy challenges taken.
    epoch: u64,
    /// Recipients that were not registered, with their MESSAGEs.
    offline: HashMap<String, Offline>,
    /// The gateway is shutting down (its outbox closed): finish what is
    /// queued and in flight, then end.
    outbox_closed: bool,
    /// Recipients whose window opened since the queue last heard.
    woken: Vec<String>,
}

impl<'a> Session<'a> {
    fn new(config: &'a GatewayConfig, ws: Ws) -> Self {
        let instance = rollcall_shared::random::random_hex(6);
        Session {
            aor: config.aor(),
            contact: format!("<sip:{}@{instance}.invalid;transport=ws>", config.user),
            config,
            ws,
            register_call_id: sip::new_call_id(),
            register_cseq: 0,
            register_deadline: None,
            register_auth: None,
            register_had_auth: false,
            proxy_auth: None,
            registered: false,
            refresh_at: Instant::now(),
            in_flight: HashMap::new(),
            windows: HashMap::new(),
            next_seq: 0,
            epoch: 0,
            offline: HashMap::new(),
            outbox_closed: false,
            woken: Vec::new(),
        }
    }

    async fn run(
        &mut self,
        outbox: &mut mpsc::UnboundedReceiver<Outgoing>,
        queue: &mut Outbox,
        inbound: &mpsc::UnboundedSender<Inbound>,
        state: &watch::Sender<UaState>,
        backoff: &mut Duration,
    ) -> anyhow::Result<()> {
        let result = self.drive(outbox, queue, inbound, state, backoff).await;
        // Resent after reconnecting — those in flight and those waiting for
        // a recipient who was away alike — in the order they first went out,
        // each before its recipient's later ones.
        let mut lost: Vec<(u64, Outgoing)> = self.in_flight.drain().map(|(_, f)| (f.seq, f.message)).collect();
        for (_, offline) in self.offline.drain() {
            lost.extend(offline.waiting);
        }
        lost.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        for (_, message) in lost {
            queue.push_front(message);
        }
        result
    }

    async fn drive(
        &mut self,
        outbox: &mut mpsc::UnboundedReceiver<Outgoing>,
        queue: &mut Outbox,
        inbound: &mpsc::UnboundedSender<Inbound>,
        state: &watch::Sender<UaState>,
        backoff: &mut Duration,
    ) -> anyhow::Result<()> {
        self.send_register().await?;
        loop {
            if self.outbox_closed && queue.is_empty() && self.in_flight.is_empty() {
                return Ok(());
            }
            self.retry_offline(queue);
            for to in self.woken.drain(..) {
                queue.wake(&to);
            }
            if self.registered && self.in_flight.len() < MAX_IN_FLIGHT {
                if let Some(next) = self.next_sendable(queue) {
                    self.send_message(next).await?;
                    continue;
                }
            }
            let far = Instant::now() + Duration::from_secs(3600);
            let message_deadline = self.in_flight.values().map(|f| f.deadline).min().unwrap_or(far);
            let register_deadline = self.register_deadline.unwrap_or(far);
            // A recipient with MESSAGEs still on their way is tried again once
            // they are answered (`complete` wakes the loop), not on a timer.
            let offline_retry = self
                .offline
                .iter()
                .filter(|(to, _)| !self.windows.contains_key(*to))
                .filter_map(|(_, o)| o.retry_at)
                .min()
                .unwrap_or(far);
            tokio::select! {
                _ = tokio::time::sleep_until(offline_retry), if !self.offline.is_empty() => {}
                frame = self.ws.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        let was_registered = self.registered;
                        self.on_text(text.as_str(), inbound).await?;
                        if self.registered && !was_registered {
                            *backoff = BACKOFF_MIN;
                            let _ = state.send(UaState::Registered);
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => anyhow::bail!("closed by the IM server"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.into()),
                },
                next = outbox.recv(), if !self.outbox_closed => match next {
                    Some(message) => {
                        queue.push_back(message);
                    }
                    None => self.outbox_closed = true,
                },
                _ = tokio::time::sleep_until(self.refresh_at), if self.registered && self.register_deadline.is_none() => {
                    self.send_register().await?
                }
                _ = tokio::time::sleep_until(register_deadline) => anyhow::bail!("REGISTER timed out"),
                _ = tokio::time::sleep_until(message_deadline) => {
                    let now = Instant::now();
                    let lost: Vec<String> = self.in_flight.iter().filter(|(_, f)| f.deadline <= now).map(|(id, _)| id.clone()).collect();
                    for call_id in lost {
                        let Some(lost) = self.complete(&call_id) else { continue };
                        // A recipient that does not answer in 32 s is frozen or
                        // gone: what waits for it would only wait as long, each,
                        // holding a share of the queue. Dropped; its client
                        // resyncs by snapshot when it comes back.
                        let backlog = queue.remove_recipient(&lost.message.to);
                        warn!(to = %lost.message.to, backlog, "MESSAGE timed out; dropped with the recipient's backlog");
                    }
                }
            }
        }
    }

    /// The next queued message whose recipient has room in its window,
    /// nothing that may yet come back 407, and is not waiting to be tried
    /// again.
    fn next_sendable(&self, queue: &mut Outbox) -> Option<Outgoing> {
        let waiting = |to: &str| self.offline.get(to).is_some_and(|o| o.retry_at.is_some());
        let full = |to: &str| self.windows.get(to).is_some_and(|w| w.count >= WINDOW_PER_RECIPIENT || w.before_challenge > 0);
        queue.next(|to| full(to) || waiting(to))
    }

    /// Takes the flight `call_id` off its recipient's window (whose turn
    /// may then come again).
    fn complete(&mut self, call_id: &str) -> Option<InFlight> {
        let flight = self.in_flight.remove(call_id)?;
        let to = &flight.message.to;
        if let Some(window) = self.windows.get_mut(to) {
            window.count -= 1;
            if flight.epoch < self.epoch {
                window.before_challenge -= 1;
            }
            if window.count == 0 {
                self.windows.remove(to);
            }
        }
        self.woken.push(to.clone());
        Some(flight)
    }

    /// A new proxy challenge: whatever is in flight was sent under the old one.
    fn take_proxy_challenge(&mut self, challenge: Challenge) {
        self.proxy_auth = Some(DigestCache::new(challenge));
        self.epoch += 1;
        for window in self.windows.values_mut() {
            window.before_challenge = 0;
        }
        for flight in self.in_flight.values() {
            if let Some(window) = self.windows.get_mut(&flight.message.to) {
                window.before_challenge += 1;
            }
        }
    }

    /// Offline recipients whose time to try again has come go back to the
    /// front of the queue (their MESSAGEs are older than any queued); those
    /// offline for longer than [`OFFLINE_KEEP`] lose them.
    fn retry_offline(&mut self, queue: &mut Outbox) {
        let now = Instant::now();
        for (to, offline) in self.offline.iter_mut() {
            if offline.retry_at.is_none_or(|at| at > now) {
                continue;
            }
            // Some are still on their way: their answers come first, so
            // that everything goes out again in the order it first did.
            if self.windows.contains_key(to) {
                continue;
            }
            if now.duration_since(offline.since) >= OFFLINE_KEEP {
                let dropped = offline.waiting.len() + queue.remove_recipient(to);
                warn!(%to, dropped, "recipient offline too long; its MESSAGEs dropped");
                offline.waiting.clear();
                offline.retry_at = None;
                continue;
            }
            offline.retry_at = None; // sendable again; refused again, it waits again
            for (_, message) in offline.waiting.drain(..).rev() {
                queue.push_front(message);
            }
            queue.wake(to);
        }
        self.offline.retain(|_, o| o.retry_at.is_some() || now.duration_since(o.since) < OFFLINE_KEEP);
    }

    /// `flight` was refused because its recipient is not registered: it
    /// waits, with the others refused, in the order they were sent, to be
    /// tried again.
    fn wait_for_recipient(&mut self, flight: InFlight) {
        let now = Instant::now();
        let (seq, message) = (flight.seq, flight.message);
        let offline = self.offline.entry(message.to.clone()).or_insert_with(|| Offline {
            since: now,
            retry_at: None,
            waiting: VecDeque::new(),
            backoff: OFFLINE_RETRY,
        });
        if offline.retry_at.is_none() {
            offline.retry_at = Some(now + offline.backoff);
            offline.backoff = (offline.backoff * 2).min(OFFLINE_KEEP);
        }
        let at = offline.waiting.partition_point(|(s, _)| *s < seq);
        offline.waiting.insert(at, (seq, message));
    }

    async fn send_text(&mut self, text: String) -> anyhow::Result<()> {
        self.ws.send(Message::Text(text.into())).await?;
        Ok(())
    }

    async fn send_register(&mut self) -> anyhow::Result<()> {
        self.register_cseq += 1;
        let uri = format!("sip:{}", self.config.domain);
        let mut builder = RequestBuilder::new(rsip::Method::Register, &uri)
            .via(&format!("{}.invalid", rollcall_shared::random::random_hex(4)), &sip::new_branch())
            .from(&self.aor, None, &sip::new_tag())
            .to(&self.aor, None)
            .call_id(&self.register_call_id)
            .cseq(self.register_cseq)
            .contact(&self.contact)
            .expires(REGISTER_EXPIRES);
        self.register_had_auth = self.register_auth.is_some();
        if let Some(cache) = self.register_auth.as_mut() {
            builder = builder.header("Authorization", &cache.credentials(self.config, "REGISTER", &uri));
        }
        let request = builder.build()?;
        self.register_deadline = Some(Instant::now() + TRANSACTION_TIMEOUT);
        self.send_text(request.to_string()).await
    }

    async fn send_message(&mut self, message: Outgoing) -> anyhow::Result<()> {
        let call_id = sip::new_call_id();
        self.next_seq += 1;
        self.transmit(message, call_id, 1, 0, self.next_seq).await
    }

    /// Sends `message` as request `cseq` of `call_id`; `seq` is its place
    /// in the order MESSAGEs first went out (kept when it is sent again).
    async fn transmit(&mut self, message: Outgoing, call_id: String, cseq: u32, challenged: u32, seq: u64) -> anyhow::Result<()> {
        let mut builder = RequestBuilder::new(rsip::Method::Message, &message.to)
            .via(&format!("{}.invalid", rollcall_shared::random::random_hex(4)), &sip::new_branch())
            .from(&self.aor, None, &sip::new_tag())
            .to(&message.to, None)
            .call_id(&call_id)
            .cseq(cseq)
            .body(CONTENT_TYPE, message.body.clone());
        if let Some(cache) = self.proxy_auth.as_mut() {
            builder = builder.header("Proxy-Authorization", &cache.credentials(self.config, "MESSAGE", &message.to));
        }
        let request = builder.build()?;
        self.windows.entry(message.to.clone()).or_default().count += 1;
        let flight = InFlight { message, cseq, deadline: Instant::now() + TRANSACTION_TIMEOUT, challenged, seq, epoch: self.epoch };
        self.in_flight.insert(call_id, flight);
        self.send_text(request.to_string()).await
    }

    async fn on_text(&mut self, text: &str, inbound: &mpsc::UnboundedSender<Inbound>) -> anyhow::Result<()> {
        match sip::parse(text) {
            Ok(rsip::SipMessage::Request(req)) => self.on_request(req, inbound).await,
            Ok(rsip::SipMessage::Response(resp)) => self.on_response(resp).await,
            Err(e) => {
                debug!(error = %e, "unparseable message from the IM server ignored");
                Ok(())
            }
        }
    }

    async fn on_request(&mut self, req: rsip::Request, inbound: &mpsc::UnboundedSender<Inbound>) -> anyhow::Result<()> {
        let (code, reason) = match req.method {
            rsip::Method::Message => match asserted_identity(&req) {
                // Only the IM server sets this header, and only on this connection.
                Some(identity) => match sip::body_text(&rsip::SipMessage::Request(req.clone())) {
                    Ok(body) => {
                        let _ = inbound.send(Inbound { asserted_identity: identity, body: body.to_string() });
                        (200, None)
                    }
                    Err(_) => (400, Some("Body is not UTF-8")),
                },
                None => (403, Some("No asserted identity")),
            },
            rsip::Method::Options => (200, None),
            rsip::Method::Ack => return Ok(()),
            _ => (405, None),
        };
        let response = sip::response(&req, code, reason, Some(&sip::new_tag()));
        self.send_text(response.to_string()).await
    }

    async fn on_response(&mut self, resp: rsip::Response) -> anyhow::Result<()> {
        let call_id = sip::header(&resp.headers, "Call-ID").unwrap_or_default();
        let code = resp.status_code.code();
        if code < 200 {
            return Ok(());
        }
        if call_id == self.register_call_id {
            return self.on_register_response(resp, code).await;
        }
        if !self.in_flight.contains_key(&call_id) {
            return Ok(());
        }
        match code {
            407 if self.in_flight[&call_id].challenged < 2 => {
                // Kept in flight on error: resent after the reconnect it causes.
                let challenge = first_challenge(&resp, "Proxy-Authenticate")?;
                let flight = self.complete(&call_id).expect("in flight");
                self.take_proxy_challenge(challenge);
                self.transmit(flight.message, call_id, flight.cseq + 1, flight.challenged + 1, flight.seq).await
            }
            200..=299 => {
                let flight = self.complete(&call_id).expect("in flight");
                // The recipient is back. What was refused while it was away
                // (earlier MESSAGEs of the window) goes out again as soon as
                // nothing of its is on its way; nothing is dropped.
                let to = &flight.message.to;
                match self.offline.get_mut(to) {
                    Some(offline) if !offline.waiting.is_empty() => {
                        offline.since = Instant::now();
                        offline.retry_at = Some(Instant::now());
                        offline.backoff = OFFLINE_RETRY;
                    }
                    Some(_) => {
                        self.offline.remove(to);
                    }
                    None => {}
                }
                Ok(())
            }
            // Not registered (480), or its connection went away (408): it
            // may come back soon — a tab reloading, a network change.
            480 | 408 => {
                let flight = self.complete(&call_id).expect("in flight");
                self.wait_for_recipient(flight);
                Ok(())
            }
            _ => {
                let flight = self.complete(&call_id).expect("in flight");
                warn!(to = %flight.message.to, code, "MESSAGE refused; dropped");
                Ok(())
            }
        }
    }

    async fn on_register_response(&mut self, resp: rsip::Response, code: u16) -> anyhow::Result<()> {
        self.register_deadline = None;
        match code {
            401 => {
                let challenge = first_challenge(&resp, "WWW-Authenticate")?;
                if self.register_had_auth && !challenge.stale {
                    anyhow::bail!("registration refused: wrong user name or password");
                }
                self.register_auth = Some(DigestCache::new(challenge));
                self.send_register().await
            }
            200..=299 => {
                let granted = granted_expires(&resp).unwrap_or(REGISTER_EXPIRES).max(10);
                self.refresh_at = Instant::now() + Duration::from_secs(u64::from(granted) * 4 / 5);
                if !self.registered {
                    info!(aor = %self.aor, granted, "registered");
                }
                self.registered = true;
                Ok(())
            }
            _ => anyhow::bail!("registration refused with {code}"),
        }
    }
}

/// The first challenge of this header we can answer.
fn first_challenge(resp: &rsip::Response, name: &str) -> anyhow::Result<Challenge> {
    sip::header_all(&resp.headers, name)
        .iter()
        .find_map(|v| Challenge::parse(v).ok())
        .ok_or_else(|| anyhow::anyhow!("{name} missing or unusable"))
}

/// The AOR in `P-Asserted-Identity: <sip:alice@domain>`.
fn asserted_identity(req: &rsip::Request) -> Option<String> {
    let value = sip::header(&req.headers, "P-Asserted-Identity")?;
    let uri = match (value.find('<'), value.find('>')) {
        (Some(start), Some(end)) if start < end => &value[start + 1..end],
        _ => value.trim(),
    };
    let parsed = rsip::Uri::try_from(uri).ok()?;
    Some(sip::aor(&parsed))
}

/// The lifetime the registrar granted: the Contact's `expires` or `Expires`.
fn granted_expires(resp: &rsip::Response) -> Option<u32> {
    let from_contact = sip::header(&resp.headers, "Contact").and_then(|c| {
        c.split(';')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("expires"))
            .and_then(|(_, v)| v.trim().parse().ok())
    });
    from_contact.or_else(|| sip::header(&resp.headers, "Expires").and_then(|v| v.trim().parse().ok()))
}
