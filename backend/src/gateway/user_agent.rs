//! The gateway's SIP user agent over a tokio-tungstenite WebSocket.
//!
//! One task owns the connection. It registers (answering the 401 digest
//! challenge), refreshes the registration at 80 % of its lifetime, answers
//! incoming MESSAGEs with 200 OK and hands their bodies on, and sends
//! outgoing MESSAGEs one at a time *per recipient* — each waits for its
//! final response, answering a 407 when needed — so that a user sees
//! events in the order they were sent, while a recipient who is slow to
//! answer (a frozen tab: up to the 32 s transaction timer) holds up only
//! their own messages, not everyone's. When the connection drops, it
//! reconnects with exponential backoff, registers again and resends what
//! was in flight.

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

use super::GatewayConfig;

/// Requested registration lifetime, seconds.
const REGISTER_EXPIRES: u32 = 300;
/// How long a request waits for its final response (RFC 3261 Timer F).
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(32);
/// At most this many MESSAGEs in flight at once (to distinct recipients).
const MAX_IN_FLIGHT: usize = 64;
/// Most MESSAGEs waiting for one recipient (a frozen tab, a user whose
/// events pile up): past it new ones are dropped and logged. A client that
/// then sees a gap in `c:sequence` resyncs by snapshot (PROTOCOL.md §2).
const MAX_QUEUED_PER_RECIPIENT: usize = 1000;
/// Most MESSAGEs waiting in all.
const MAX_QUEUED: usize = 20_000;
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
    waiting: VecDeque<Outgoing>,
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
    let mut queue = VecDeque::new();
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

/// Queues `message` unless its recipient, or the queue, is full.
fn enqueue(queue: &mut VecDeque<Outgoing>, message: Outgoing) -> bool {
    let full = queue.len() >= MAX_QUEUED
        || queue.iter().filter(|m| m.to == message.to).nth(MAX_QUEUED_PER_RECIPIENT - 1).is_some();
    if full {
        warn!(to = %message.to, queued = queue.len(), "MESSAGE dropped: too many waiting");
        return false;
    }
    queue.push_back(message);
    true
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
        let cnonce = sip::random_hex(8);
        self.challenge.answer(&config.user, &config.password, method, uri, &cnonce, self.nc).to_header_value()
    }
}

struct InFlight {
    message: Outgoing,
    call_id: String,
    cseq: u32,
    deadline: Instant,
    challenged: u32,
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
    /// At most one per recipient (`to`).
    in_flight: Vec<InFlight>,
    /// Recipients that were not registered, with their MESSAGEs.
    offline: HashMap<String, Offline>,
    /// The gateway is shutting down (its outbox closed): finish what is
    /// queued and in flight, then end.
    outbox_closed: bool,
}

impl<'a> Session<'a> {
    fn new(config: &'a GatewayConfig, ws: Ws) -> Self {
        let instance = sip::random_hex(6);
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
            in_flight: Vec::new(),
            offline: HashMap::new(),
            outbox_closed: false,
        }
    }

    async fn run(
        &mut self,
        outbox: &mut mpsc::UnboundedReceiver<Outgoing>,
        queue: &mut VecDeque<Outgoing>,
        inbound: &mpsc::UnboundedSender<Inbound>,
        state: &watch::Sender<UaState>,
        backoff: &mut Duration,
    ) -> anyhow::Result<()> {
        let result = self.drive(outbox, queue, inbound, state, backoff).await;
        // Resent after reconnecting, each before its recipient's later ones.
        for lost in self.in_flight.drain(..) {
            queue.push_front(lost.message);
        }
        for (_, offline) in self.offline.drain() {
            for message in offline.waiting.into_iter().rev() {
                queue.push_front(message);
            }
        }
        result
    }

    async fn drive(
        &mut self,
        outbox: &mut mpsc::UnboundedReceiver<Outgoing>,
        queue: &mut VecDeque<Outgoing>,
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
            if self.registered && self.in_flight.len() < MAX_IN_FLIGHT {
                if let Some(next) = self.next_sendable(queue) {
                    self.send_message(next).await?;
                    continue;
                }
            }
            let far = Instant::now() + Duration::from_secs(3600);
            let message_deadline = self.in_flight.iter().map(|f| f.deadline).min().unwrap_or(far);
            let register_deadline = self.register_deadline.unwrap_or(far);
            let offline_retry = self.offline.values().filter_map(|o| o.retry_at).min().unwrap_or(far);
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
                        enqueue(queue, message);
                    }
                    None => self.outbox_closed = true,
                },
                _ = tokio::time::sleep_until(self.refresh_at), if self.registered && self.register_deadline.is_none() => {
                    self.send_register().await?
                }
                _ = tokio::time::sleep_until(register_deadline) => anyhow::bail!("REGISTER timed out"),
                _ = tokio::time::sleep_until(message_deadline) => {
                    let now = Instant::now();
                    let lost: Vec<InFlight> = self.in_flight.extract_if(.., |f| f.deadline <= now).collect();
                    for lost in lost {
                        // A recipient that does not answer in 32 s is frozen or
                        // gone: what waits for it would only wait as long, each,
                        // holding a share of the queue. Dropped; its client
                        // resyncs by snapshot when it comes back.
                        let before = queue.len();
                        queue.retain(|m| m.to != lost.message.to);
                        warn!(to = %lost.message.to, backlog = before - queue.len(), "MESSAGE timed out; dropped with the recipient's backlog");
                    }
                }
            }
        }
    }

    /// The oldest queued message whose recipient has none in flight and
    /// is not waiting to be tried again.
    fn next_sendable(&self, queue: &mut VecDeque<Outgoing>) -> Option<Outgoing> {
        let waiting = |to: &str| self.offline.get(to).is_some_and(|o| o.retry_at.is_some());
        let busy = |to: &str| self.in_flight.iter().any(|f| f.message.to == to) || waiting(to);
        let index = queue.iter().position(|m| !busy(&m.to))?;
        queue.remove(index)
    }

    /// Offline recipients whose time to try again has come go back to the
    /// front of the queue (their MESSAGEs are older than any queued); those
    /// offline for longer than [`OFFLINE_KEEP`] lose them.
    fn retry_offline(&mut self, queue: &mut VecDeque<Outgoing>) {
        let now = Instant::now();
        for (to, offline) in self.offline.iter_mut() {
            if offline.retry_at.is_none_or(|at| at > now) {
                continue;
            }
            if now.duration_since(offline.since) >= OFFLINE_KEEP {
                let before = queue.len();
                queue.retain(|m| m.to != *to);
                let dropped = offline.waiting.len() + before - queue.len();
                warn!(%to, dropped, "recipient offline too long; its MESSAGEs dropped");
                offline.waiting.clear();
                offline.retry_at = None;
                continue;
            }
            offline.retry_at = None; // sendable again; refused again, it waits again
            for message in offline.waiting.drain(..).rev() {
                queue.push_front(message);
            }
        }
        self.offline.retain(|_, o| o.retry_at.is_some() || now.duration_since(o.since) < OFFLINE_KEEP);
    }

    /// `message` was refused because its recipient is not registered: it
    /// waits, with any later ones, to be tried again.
    fn wait_for_recipient(&mut self, message: Outgoing) {
        let now = Instant::now();
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
        offline.waiting.push_back(message);
    }

    async fn send_text(&mut self, text: String) -> anyhow::Result<()> {
        self.ws.send(Message::Text(text.into())).await?;
        Ok(())
    }

    async fn send_register(&mut self) -> anyhow::Result<()> {
        self.register_cseq += 1;
        let uri = format!("sip:{}", self.config.domain);
        let mut builder = RequestBuilder::new(rsip::Method::Register, &uri)
            .via(&format!("{}.invalid", sip::random_hex(4)), &sip::new_branch())
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
        self.transmit(message, call_id, 1, 0).await
    }

    async fn transmit(&mut self, message: Outgoing, call_id: String, cseq: u32, challenged: u32) -> anyhow::Result<()> {
        let mut builder = RequestBuilder::new(rsip::Method::Message, &message.to)
            .via(&format!("{}.invalid", sip::random_hex(4)), &sip::new_branch())
            .from(&self.aor, None, &sip::new_tag())
            .to(&message.to, None)
            .call_id(&call_id)
            .cseq(cseq)
            .body(CONTENT_TYPE, message.body.clone());
        if let Some(cache) = self.proxy_auth.as_mut() {
            builder = builder.header("Proxy-Authorization", &cache.credentials(self.config, "MESSAGE", &message.to));
        }
        let request = builder.build()?;
        self.in_flight.push(InFlight { message, call_id, cseq, deadline: Instant::now() + TRANSACTION_TIMEOUT, challenged });
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
        let Some(index) = self.in_flight.iter().position(|f| f.call_id == call_id) else { return Ok(()) };
        let flight = self.in_flight.swap_remove(index);
        match code {
            407 if flight.challenged < 2 => {
                let challenge = match first_challenge(&resp, "Proxy-Authenticate") {
                    Ok(challenge) => challenge,
                    Err(e) => {
                        // Kept in flight: resent after the reconnect this error causes.
                        self.in_flight.push(flight);
                        return Err(e);
                    }
                };
                self.proxy_auth = Some(DigestCache::new(challenge));
                self.transmit(flight.message, flight.call_id, flight.cseq + 1, flight.challenged + 1).await
            }
            200..=299 => {
                self.offline.remove(&flight.message.to);
                Ok(())
            }
            // Not registered (480), or its connection went away (408): it
            // may come back soon — a tab reloading, a network change.
            480 | 408 => {
                self.wait_for_recipient(flight.message);
                Ok(())
            }
            _ => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_bounded_per_recipient() {
        let mut queue = VecDeque::new();
        let to = |who: &str| Outgoing { to: who.to_string(), body: String::new() };
        for _ in 0..MAX_QUEUED_PER_RECIPIENT {
            assert!(enqueue(&mut queue, to("sip:frozen@x")));
        }
        assert!(!enqueue(&mut queue, to("sip:frozen@x")), "that recipient is full");
        assert!(enqueue(&mut queue, to("sip:alice@x")), "others are not held up");
    }
}
