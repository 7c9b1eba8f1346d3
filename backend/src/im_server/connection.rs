//! One SIP connection, whatever its transport ([`super::transport`]): a
//! reader that handles each message in order, a writer fed by a bounded
//! queue, and the message log in between. Every message is logged before it is acted on (in) or sent
//! (out), without waiting one by one: the reader hands each message of an
//! authenticated peer to the log as it arrives and a handler acts on them
//! in order as each becomes durable; the writer sends each outgoing message
//! once it is durable, in the order queued. So a burst costs one log
//! transaction (the log's group commit), not one per message.
//!
//! A MESSAGE and a response to one are relayed without waiting for their
//! own log write: the relay works out what to send at once, and everything
//! it sends carries the received message's receipt, so it goes out only
//! once both are durable ([`ACTING_ON`]). The received message and what it
//! causes to be sent land in one log transaction instead of two in a row —
//! nothing leaves the server because of a message before that message is
//! logged. If its write fails, what it caused is not sent (counted as
//! unlogged) and the request is answered `500`, as if it had waited.
//! Everything else (REGISTER, SUBSCRIBE, responses to
//! NOTIFY, strangers' messages) changes state, and is acted on only once
//! durable.
//!
//! The limits of [`super::limits`] are enforced here: time to
//! authenticate, unauthenticated messages per address (and how much of
//! them is logged), the send queue, pings and the idle timeout, and the
//! close code each violation deserves (RFC 6455 §7.4.1, for transports that
//! have close frames).

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use rollcall_shared::sync::LockExt;
use rollcall_shared::MAX_MESSAGE_BYTES;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::{Duration, Instant};
use tracing::{info, warn, Instrument};

use super::limits::{truncated_for_log, Admission};
use super::transport::{close_code, Closing, Inbound, Outbound, Peer, Transport};
use super::{handler, ImServer, Stats};
use crate::edge::rate::Bucket;
use crate::store::{Direction, LogReceipt};

/// After this many messages in a row that could not be answered at all
/// (garbage: not SIP enough to form a response from) the connection is
/// closed. A malformed request that was answered (`400` and kin) is not
/// garbage and does not count (RFC 4475: invalid messages get an answer,
/// valid ones after them are served).
const MAX_GARBAGE_IN_A_ROW: u32 = 10;

/// Messages of one authenticated connection read ahead of the one being
/// handled (logged meanwhile); past it the reader waits, and TCP pushes back.
/// Only messages within SIP's size limit are read ahead, so one connection
/// holds at most this many times [`MAX_MESSAGE_BYTES`].
const READ_AHEAD: usize = 32;

/// After this many unauthenticated messages over the address's rate the
/// connection is closed.
const MAX_RATE_LIMITED: u32 = 20;

/// How long the close frame may take to go out before the socket is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

tokio::task_local! {
    /// The received message this task acts on before its log write is
    /// durable: whatever is sent meanwhile waits for it too.
    static ACTING_ON: LogReceipt;
}

/// The receipt of the message this task is acting on early, if any.
pub fn acting_on() -> Option<LogReceipt> {
    ACTING_ON.try_with(LogReceipt::clone).ok()
}

/// A message queued for the writer: it goes out once `logged` is durable,
/// and `after` — the received message that caused it, when that was acted
/// on before it was durable — too.
struct Outgoing {
    logged: LogReceipt,
    after: Option<LogReceipt>,
    text: String,
}

impl Outgoing {
    /// Once everything it depends on is in the log: the text to send, or
    /// `None` when the message that caused it could not be logged (it is
    /// then not sent; the cause is answered `500` instead). An error when
    /// this message itself could not be logged.
    async fn ready(self) -> anyhow::Result<Option<String>> {
        let cause_logged = match self.after {
            Some(after) => after.settled().await.is_ok(),
            None => true,
        };
        self.logged.durable().await?;
        Ok(cause_logged.then_some(self.text))
    }
}

/// What other tasks hold to reach a connection.
pub struct Connection {
    pub id: u64,
    pub peer: String,
    /// How the peer reached us: the Via of what is sent to it names it.
    pub transport: Transport,
    /// Our host[:port] in the Vias of what is sent on this connection.
    pub sent_by: String,
    /// The peer's address, which limits and failure counters go by.
    pub peer_ip: std::net::IpAddr,
    /// …and its port (for `rport`).
    pub peer_port: u16,
    /// The writer's queue: each message with its log receipts.
    tx: mpsc::Sender<Outgoing>,
    /// The user this connection last authenticated as (logged with each message).
    user: Mutex<Option<String>>,
    /// Set as soon as the peer has gone, before its bindings are dropped.
    closed: AtomicBool,
    /// Held by another node of the cluster ([`Connection::stand_in`]).
    stand_in: bool,
    /// Signalled when the connection must end: the peer stopped reading
    /// (its send queue is full), or a message for it could not be logged.
    trouble: Notify,
    /// Which of the two ([`Trouble`]), for the close frame.
    trouble_kind: Mutex<Option<Trouble>>,
}

/// Why a connection is ended from outside its reader.
#[derive(Debug, Clone, Copy)]
enum Trouble {
    /// The peer does not read what is sent to it.
    Overrun,
    /// A message to the peer could not be logged, so it was not sent.
    Unlogged,
    /// The peer sent too much that is not SIP.
    Garbage,
}

impl Connection {
    pub fn user(&self) -> Option<String> {
        self.user.locked().clone()
    }

    /// The peer has gone: nothing sent now will be answered.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Asks the reader to end the connection, for `why`.
    fn end(&self, why: Trouble) {
        self.trouble_kind.locked().get_or_insert(why);
        self.trouble.notify_one();
    }

    /// A connection held by another node of the cluster, as this node
    /// reaches it (`super::cluster`): what is sent to it is logged here as
    /// sent, like anything sent, and then handed to `carry`, which takes
    /// it to that node. Its id is one of this node's.
    pub(crate) fn stand_in(
        server: &Arc<ImServer>,
        peer: String,
        transport: Transport,
        sent_by: String,
        user: Option<String>,
        carry: impl Fn(String) + Send + 'static,
    ) -> Arc<Connection> {
        let (tx, mut rx) = mpsc::channel::<Outgoing>(server.peers.limits().send_queue.max(1));
        let conn = Arc::new(Connection {
            id: server.next_connection_id(),
            peer,
            transport,
            sent_by,
            peer_ip: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            peer_port: 0,
            tx,
            user: Mutex::new(user),
            closed: AtomicBool::new(false),
            stand_in: true,
            trouble: Notify::new(),
            trouble_kind: Mutex::new(None),
        });
        let stats = Arc::clone(server);
        // Ends when the stand-in is dropped (its queue's sender with it).
        tokio::spawn(async move {
            while let Some(outgoing) = rx.recv().await {
                match outgoing.ready().await {
                    Ok(Some(text)) => carry(text),
                    Ok(None) | Err(_) => stats.stats.count_unlogged(),
                }
            }
        });
        conn
    }

    /// Is it another node's connection ([`Connection::stand_in`])?
    pub fn is_stand_in(&self) -> bool {
        self.stand_in
    }

    /// Marks it closed (a stand-in whose connection has gone).
    pub(crate) fn mark_closed(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub fn set_user(&self, user: &str) {
        *self.user.locked() = Some(user.to_string());
    }

    /// Logs `message` and queues it for sending; the writer sends it once
    /// it is durable. A closed connection is not an error here: the message
    /// is logged and dropped, and the relay answers for it
    /// (`relay::Relay::connection_closed`). A full queue means the peer
    /// does not read: the connection is closed. A message that cannot be
    /// logged is not sent, and the connection is closed (docs/protocol.md §1:
    /// nothing goes out unlogged, nothing is dropped without a word — the
    /// peer sees the close, the relay answers its forks). Sent while this
    /// task acts on a received message early, it also waits for that one.
    pub async fn send(&self, server: &ImServer, message: String) {
        self.send_after(server, message, acting_on()).await
    }

    /// [`Connection::send`], to go out only once `after` (the received
    /// message that caused it) is durable too.
    pub async fn send_after(&self, server: &ImServer, message: String, after: Option<LogReceipt>) {
        let user = self.user();
        // Answers to strangers echo what they sent: logged in part, as that was.
        let logged = if user.is_none() || message.len() > MAX_MESSAGE_BYTES {
            truncated_for_log(&message, server.peers.limits().log_truncate_bytes)
        } else {
            Cow::Borrowed(message.as_str())
        };
        let receipt = server.store.message_log().submit(self.id, &self.peer, Direction::Out, user.as_deref(), &logged).await;
        Stats::count(&server.stats.sent);
        match self.tx.try_send(Outgoing { logged: receipt, after, text: message }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                Stats::count(&server.stats.dropped);
                self.end(Trouble::Overrun);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// Runs one connection until the peer closes it (or breaks a limit), then
/// drops its bindings: `stream` brings the peer's messages, `sink` takes
/// ours. `admission` holds its place in the address's count.
pub async fn serve<Out, In>(server: Arc<ImServer>, peer: Peer, mut sink: Out, mut stream: In, admission: Admission)
where
    Out: Sink<Outbound> + Send + Unpin + 'static,
    In: Stream<Item = Inbound> + Send + Unpin,
{
    let id = server.next_connection_id();
    let span = tracing::info_span!("sip", conn = id, peer = %peer.addr, transport = peer.transport.via_name());
    async move {
        let limits = server.peers.limits().clone();
        let (tx, mut rx) = mpsc::channel::<Outgoing>(limits.send_queue.max(1));
        // Keep-alives (pings, pongs) for the writer; more than two waiting are dropped.
        let (control_tx, mut control_rx) = mpsc::channel::<Outbound>(2);
        let (close_tx, close_rx) = oneshot::channel::<Closing>();
        let conn = Arc::new(Connection {
            id,
            peer: peer.addr.to_string(),
            transport: peer.transport,
            sent_by: peer.sent_by.clone(),
            peer_ip: peer.addr.ip(),
            peer_port: peer.addr.port(),
            tx,
            user: Mutex::new(None),
            closed: AtomicBool::new(false),
            stand_in: false,
            trouble: Notify::new(),
            trouble_kind: Mutex::new(None),
        });
        info!("connected");

        let unlogged = Arc::downgrade(&conn);
        let stats = Arc::clone(&server);
        let writer = tokio::spawn(async move {
            let mut close_rx = close_rx;
            // Set once a message could not be logged: what follows it is not sent.
            let mut broken = false;
            loop {
                tokio::select! {
                    biased;
                    closing = &mut close_rx => {
                        // What was queued before the end (answers to messages
                        // read ahead, logged as sent) goes out first; the
                        // reader gives all this CLOSE_GRACE.
                        while let (false, Ok(outgoing)) = (broken, rx.try_recv()) {
                            let Ok(ready) = outgoing.ready().await else { break };
                            let Some(text) = ready else { continue };
                            if sink.send(Outbound::Message(text)).await.is_err() {
                                break;
                            }
                        }
                        if let Ok(closing) = closing {
                            let _ = sink.send(Outbound::Close(closing)).await;
                        }
                        break;
                    }
                    Some(control) = control_rx.recv() => {
                        if sink.send(control).await.is_err() {
                            break;
                        }
                    }
                    queued = rx.recv() => {
                        let Some(outgoing) = queued else { break };
                        if broken {
                            continue; // the connection is closing: nothing after the gap goes out
                        }
                        let text = match outgoing.ready().await {
                            Ok(Some(text)) => text,
                            Ok(None) => {
                                stats.stats.count_unlogged();
                                continue;
                            }
                            Err(e) => {
                                warn!(error = %e, "message log write failed; not sending, closing the connection");
                                stats.stats.count_unlogged();
                                if let Some(conn) = unlogged.upgrade() {
                                    conn.end(Trouble::Unlogged);
                                }
                                broken = true;
                                continue;
                            }
                        };
                        if sink.send(Outbound::Message(text)).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = sink.close().await;
        });

        let authenticate_by = Instant::now() + limits.auth_timeout;
        let idle_timeout = idle_timeout(&limits, peer.transport, server.config.max_expires);
        let mut ping = tokio::time::interval_at(Instant::now() + limits.ping_interval, limits.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        let mut garbage_in_a_row = 0;
        // Started at the first authenticated message.
        let mut handling: Option<Handling> = None;
        let mut rate_limited = 0;
        // This connection's allowance once authenticated.
        let mut bucket = Bucket::full(limits.authenticated_burst, std::time::Instant::now());
        let closing: Option<Closing> = loop {
            let frame = tokio::select! {
                frame = stream.next() => frame,
                () = conn.trouble.notified() => {
                    let trouble = *conn.trouble_kind.locked();
                    match trouble {
                        Some(Trouble::Unlogged) => break Some((close_code::INTERNAL, "message log unavailable")),
                        Some(Trouble::Garbage) => {
                            warn!("closing: too much unparseable input");
                            break Some((close_code::POLICY, "too much unparseable input"));
                        }
                        _ => {
                            warn!("closing: the peer does not read what is sent to it");
                            break Some((close_code::POLICY, "send queue full"));
                        }
                    }
                }
                () = server.config.shutdown.begun() => {
                    break Some((close_code::GOING_AWAY, "server shutting down"));
                }
                () = tokio::time::sleep_until(authenticate_by), if conn.user().is_none() => {
                    info!("closing: not authenticated in time");
                    break Some((close_code::POLICY, "authenticate first"));
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() >= idle_timeout {
                        info!("closing: idle");
                        break Some((close_code::GOING_AWAY, "idle"));
                    }
                    if last_heard.elapsed() >= limits.ping_interval {
                        let _ = control_tx.try_send(Outbound::Ping);
                    }
                    continue;
                }
            };
            last_heard = Instant::now();
            let text = match frame {
                None | Some(Inbound::Closed) => break None,
                Some(Inbound::Message(text)) => text,
                Some(Inbound::Heard) => continue,
                Some(Inbound::Ping) => {
                    let _ = control_tx.try_send(Outbound::Pong);
                    continue;
                }
                Some(Inbound::Refused(closing)) => break Some(closing),
                Some(Inbound::Unreadable { head, status }) => {
                    // Logged (in part) and answered like any message, then
                    // the end: the stream cannot be followed past it.
                    let logged = truncated_for_log(&head, limits.log_truncate_bytes);
                    let receipt =
                        server.store.message_log().submit(id, &conn.peer, Direction::In, conn.user().as_deref(), &logged).await;
                    if receipt.durable().await.is_ok() {
                        handler::refuse_unreadable(&server, &conn, &head, status).await;
                    }
                    break Some(if status == 513 {
                        (close_code::TOO_BIG, "message too big")
                    } else {
                        (close_code::POLICY, "unreadable SIP")
                    });
                }
            };
            Stats::count(&server.stats.received);
            let authenticated = conn.user().is_some();
            if !authenticated && !server.peers.take_unauthenticated(conn.peer_ip) {
                // Neither logged nor acted on: counted, and the connection
                // closed if it keeps on.
                Stats::count(&server.stats.dropped);
                rate_limited += 1;
                if rate_limited >= MAX_RATE_LIMITED {
                    warn!("closing: too many unauthenticated messages from this address");
                    break Some((close_code::POLICY, "too many requests"));
                }
                continue;
            }
            if authenticated {
                let metered = !conn.user().is_some_and(|u| server.config.unmetered_users.contains(&u));
                let allowed = !metered
                    || bucket
                        .take(std::time::Instant::now(), limits.authenticated_per_second, limits.authenticated_burst)
                        .is_ok();
                if !allowed {
                    Stats::count(&server.stats.dropped);
                    rate_limited += 1;
                    if rate_limited >= MAX_RATE_LIMITED {
                        warn!(user = ?conn.user(), "closing: over the message rate");
                        break Some((close_code::POLICY, "too many requests"));
                    }
                    continue;
                }
            }
            // Strangers' messages, and anything over the SIP limit, are
            // logged in part: nobody fills the disk through the log.
            let logged = if !authenticated || text.len() > MAX_MESSAGE_BYTES {
                truncated_for_log(&text, limits.log_truncate_bytes)
            } else {
                Cow::Borrowed(text.as_str())
            };
            let user = conn.user();
            let receipt = server.store.message_log().submit(id, &conn.peer, Direction::In, user.as_deref(), &logged).await;
            drop(logged);
            if authenticated && text.len() <= MAX_MESSAGE_BYTES {
                // Read ahead: the handler acts on it once it is durable.
                let handler = handling.get_or_insert_with(|| spawn_handler(&server, &conn));
                if handler.0.send((receipt, text)).await.is_err() {
                    break None;
                }
                continue;
            }
            // A stranger's messages are handled one by one, each before the
            // next is read: whether the next one is authenticated (and so
            // how much of it is logged) depends on this one. So is an
            // oversized one (answered 513), after those read ahead.
            if let Some((queue, task)) = handling.take() {
                drop(queue);
                let _ = task.await;
            }
            if !act_on(&server, &conn, receipt, &text, &mut garbage_in_a_row).await {
                warn!("closing: too much unparseable input");
                break Some((close_code::POLICY, "too much unparseable input"));
            }
        };
        // What was read ahead is handled before the connection's bindings go.
        if let Some((queue, task)) = handling.take() {
            drop(queue);
            let _ = task.await;
        }

        // First mark it closed, then answer the forks waiting on it: a fork
        // registered after that sees the mark (relay::forward).
        conn.closed.store(true, Ordering::SeqCst);
        if let Some(closing) = closing {
            let _ = close_tx.send(closing);
        } else {
            drop(close_tx);
        }
        forget(&server, id);
        if let Some(cluster) = server.cluster() {
            cluster.closed(id);
        }
        drop(conn);
        drop(admission);
        let abort = writer.abort_handle();
        if tokio::time::timeout(CLOSE_GRACE, writer).await.is_err() {
            abort.abort();
        }
        info!("disconnected");
    }
    .instrument(span)
    .await
}

/// Connection `id` has closed (or, for a stand-in, its node says so): the
/// forks waiting on it are answered, its subscriptions and dialogs end,
/// and its bindings go — their watchers are told.
pub(crate) fn forget(server: &ImServer, id: u64) {
    server.relay.connection_closed(id);
    super::presence::connection_closed(server, id);
    server.dialogs.connection_closed(id);
    for aor in server.registrar.remove_connection(id) {
        super::presence::changed_soon(server, &aor);
    }
}

/// How long a connection may stay silent. A WebSocket is pinged, and
/// browsers answer; a SIP phone on TCP or UDP need not answer keep-alives
/// (RFC 5626 is optional), but refreshes its registration within
/// `max_expires`, so that bounds its silence (strangers are still held to
/// the time to authenticate).
fn idle_timeout(limits: &super::limits::ConnectionLimits, transport: Transport, max_expires: u32) -> Duration {
    if transport.is_websocket() {
        limits.idle_timeout
    } else {
        limits.idle_timeout.max(Duration::from_secs(u64::from(max_expires) + 60))
    }
}

/// The queue of messages read ahead, and the task acting on them.
type Handling = (mpsc::Sender<(LogReceipt, String)>, tokio::task::JoinHandle<()>);

/// The task that acts, in order, on an authenticated connection's
/// messages as each becomes durable in the log.
fn spawn_handler(server: &Arc<ImServer>, conn: &Arc<Connection>) -> Handling {
    let (tx, mut rx) = mpsc::channel::<(LogReceipt, String)>(READ_AHEAD);
    let (server, conn) = (Arc::clone(server), Arc::clone(conn));
    let task = tokio::spawn(
        async move {
            let mut garbage_in_a_row = 0;
            while let Some((receipt, text)) = rx.recv().await {
                let go_on = if relayed_at_once(&text) {
                    let answerable = ACTING_ON.scope(receipt.clone(), handler::handle(&server, &conn, &text)).await;
                    refuse_if_unlogged(&server, &conn, receipt, text);
                    counted(answerable, &mut garbage_in_a_row)
                } else {
                    act_on(&server, &conn, receipt, &text, &mut garbage_in_a_row).await
                };
                if !go_on {
                    conn.end(Trouble::Garbage);
                    break;
                }
            }
        }
        .in_current_span(),
    );
    (tx, task)
}

/// Acts on one received message once its log write is durable; a message
/// that could not be logged is refused instead (a request is answered 500,
/// itself logged first, or the connection closes; anything else counted).
/// `false` once too much in a row was garbage.
async fn act_on(
    server: &Arc<ImServer>,
    conn: &Arc<Connection>,
    receipt: LogReceipt,
    text: &str,
    garbage_in_a_row: &mut u32,
) -> bool {
    if let Err(e) = receipt.durable().await {
        warn!(error = %e, "message log write failed; message refused");
        server.stats.count_unlogged();
        handler::refuse_unlogged(server, conn, text).await;
        return true;
    }
    counted(handler::handle(server, conn, text).await, garbage_in_a_row)
}

/// A message acted on early whose log write then failed is refused as if it
/// had waited (what it caused to be sent is held back by the writers).
fn refuse_if_unlogged(server: &Arc<ImServer>, conn: &Arc<Connection>, receipt: LogReceipt, text: String) {
    let (server, conn) = (Arc::clone(server), Arc::clone(conn));
    tokio::spawn(
        async move {
            if let Err(e) = receipt.settled().await {
                warn!(error = %e, "message log write failed; message refused");
                server.stats.count_unlogged();
                handler::refuse_unlogged(&server, &conn, &text).await;
            }
        }
        .in_current_span(),
    );
}

/// Counts garbage in a row (`answerable` is what [`handler::handle`]
/// returned); `false` once there was too much.
fn counted(answerable: bool, garbage_in_a_row: &mut u32) -> bool {
    if answerable {
        *garbage_in_a_row = 0;
    } else {
        *garbage_in_a_row += 1;
    }
    *garbage_in_a_row < MAX_GARBAGE_IN_A_ROW
}

/// A MESSAGE request, or a response to one: relayed before its own log
/// write is durable (what it causes to be sent waits for it instead).
/// Decided from the start line and the CSeq header alone.
fn relayed_at_once(text: &str) -> bool {
    if text.starts_with("MESSAGE ") {
        return true;
    }
    if !text.starts_with("SIP/2.0 ") {
        return false;
    }
    text.lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("CSeq"))
        .is_some_and(|(_, value)| value.split_whitespace().nth(1) == Some("MESSAGE"))
}
