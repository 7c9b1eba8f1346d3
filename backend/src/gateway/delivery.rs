//! What the gateway sends to users, and when, over the one SIP user agent
//! ([`crate::sip_client`], which registers, answers challenges, keeps one
//! recipient's MESSAGEs in order across a new nonce and reconnects).
//!
//! The gateway sends with a small window *per recipient*: the IM server
//! relays one connection's messages in order, so a user sees events in the
//! order they were sent, while a recipient who is slow to answer (a frozen
//! tab: up to the 32 s transaction timer) holds up only their own
//! messages, not everyone's. A recipient who is not registered (480, or
//! 408 because their tab went away) keeps their MESSAGEs for a while, tried
//! again with backoff; one that does not answer at all loses its backlog.
//! When the connection drops, what was in flight is sent again after the
//! next registration, in the order it first went out.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use rollcall_shared::soap::CONTENT_TYPE;
use rollcall_shared::ua::notifier::NotifierEvent;
use rollcall_shared::ua::{Event, Message, Undelivered};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{error, warn};

use super::outbox::Outbox;
use super::GatewayConfig;
use crate::sip_client::{ClientConfig, ClientState, SipClient};

/// At most this many MESSAGEs in flight at once…
const MAX_IN_FLIGHT: usize = 256;
/// …and this many to one recipient.
const WINDOW_PER_RECIPIENT: usize = 8;
/// A recipient that is not registered keeps its MESSAGEs this long, tried
/// again after [`OFFLINE_RETRY`], then twice as long each time: a tab that
/// reconnects in time gets them in order, and one gone for good costs a
/// handful of tries, not sixty.
const OFFLINE_KEEP: Duration = Duration::from_secs(60);
const OFFLINE_RETRY: Duration = Duration::from_secs(1);

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

/// Handle of the gateway's sending side.
#[derive(Clone)]
pub struct Delivery {
    outbox: mpsc::UnboundedSender<Outgoing>,
    client: SipClient,
}

impl Delivery {
    /// Registers as the gateway's user and starts delivering; incoming
    /// requests arrive on the first receiver returned, SUBSCRIBEs and the
    /// fate of NOTIFYs (for [`super::notifier`]) on the second.
    pub fn start(config: &GatewayConfig) -> (Delivery, mpsc::UnboundedReceiver<Inbound>, mpsc::UnboundedReceiver<NotifierEvent>) {
        let (client, events) = SipClient::start(ClientConfig {
            url: config.im_url.clone(),
            user: config.user.clone(),
            password: config.password.clone(),
            domain: config.domain.clone(),
            // Only the IM server asserts identities, and only on this connection.
            require_asserted: true,
            event_packages: vec![rollcall_shared::conference_info::EVENT_PACKAGE.to_string()],
        });
        let (outbox, outbox_rx) = mpsc::unbounded_channel();
        let (inbound_tx, inbound_rx) = mpsc::unbounded_channel();
        let (notifier_tx, notifier_rx) = mpsc::unbounded_channel();
        tokio::spawn(Sender::new(client.clone()).run(events, outbox_rx, inbound_tx, notifier_tx));
        (Delivery { outbox, client }, inbound_rx, notifier_rx)
    }

    /// Queues a MESSAGE; it is sent once registered, in queue order.
    pub fn send(&self, message: Outgoing) {
        let _ = self.outbox.send(message);
    }

    pub fn state(&self) -> ClientState {
        self.client.state()
    }

    /// The user agent's driver (the notifier answers and notifies through it).
    pub fn client(&self) -> SipClient {
        self.client.clone()
    }

    /// Waits until registered; `false` after `limit` (or once refused).
    pub async fn wait_registered(&self, limit: Duration) -> bool {
        self.client.wait_registered(limit).await
    }
}

/// A recipient found offline, and what waits for it.
struct Offline {
    /// When it was first found offline.
    since: Instant,
    /// When to try again; `None` while its MESSAGEs are being tried.
    retry_at: Option<Instant>,
    /// The MESSAGEs refused for it, by send order ([`Sender::next_seq`]):
    /// refusals may come back in another order than the MESSAGEs went out.
    waiting: VecDeque<(u64, Outgoing)>,
    /// The wait before the next try.
    backoff: Duration,
}

/// The delivery task's state.
struct Sender {
    client: SipClient,
    queue: Outbox,
    /// By send order (the MESSAGE's id at the user agent).
    in_flight: HashMap<u64, Outgoing>,
    /// MESSAGEs in flight per recipient.
    windows: HashMap<String, usize>,
    offline: HashMap<String, Offline>,
    /// Lost with the connection, to go out again first after it.
    lost: Vec<(u64, Outgoing)>,
    next_seq: u64,
    registered: bool,
    /// Recipients whose window opened since the queue last heard.
    woken: Vec<String>,
}

impl Sender {
    fn new(client: SipClient) -> Sender {
        Sender {
            client,
            queue: Outbox::default(),
            in_flight: HashMap::new(),
            windows: HashMap::new(),
            offline: HashMap::new(),
            lost: Vec::new(),
            next_seq: 0,
            registered: false,
            woken: Vec::new(),
        }
    }

    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        mut outbox: mpsc::UnboundedReceiver<Outgoing>,
        inbound: mpsc::UnboundedSender<Inbound>,
        notifier: mpsc::UnboundedSender<NotifierEvent>,
    ) {
        let mut outbox_open = true;
        loop {
            if !outbox_open && self.queue.is_empty() && self.in_flight.is_empty() {
                return; // the gateway is shutting down: everything went out
            }
            self.retry_offline();
            for to in self.woken.drain(..) {
                self.queue.wake(&to);
            }
            while self.registered && self.in_flight.len() < MAX_IN_FLIGHT {
                let Some(next) = self.next_sendable() else { break };
                self.next_seq += 1;
                self.transmit(self.next_seq, next);
            }
            let far = Instant::now() + Duration::from_secs(3600);
            // A recipient with MESSAGEs still on their way is tried again
            // once they are answered, not on a timer.
            let offline_retry = self
                .offline
                .iter()
                .filter(|(to, _)| !self.windows.contains_key(*to))
                .filter_map(|(_, o)| o.retry_at)
                .min()
                .unwrap_or(far);
            tokio::select! {
                _ = tokio::time::sleep_until(offline_retry), if !self.offline.is_empty() => {}
                event = events.recv() => match event {
                    Some(Event::Notifier(event)) => {
                        let _ = notifier.send(event);
                    }
                    Some(event) => self.on_event(event, &inbound),
                    None => return, // the user agent stopped (refused)
                },
                next = outbox.recv(), if outbox_open => match next {
                    Some(message) => {
                        self.queue.push_back(message);
                    }
                    None => outbox_open = false,
                },
            }
        }
    }

    fn on_event(&mut self, event: Event, inbound: &mpsc::UnboundedSender<Inbound>) {
        match event {
            Event::Registered { .. } => self.registered = true,
            Event::Lost => {
                self.registered = false;
                // Sent again after reconnecting — those in flight and those
                // waiting for a recipient who was away alike — in the order
                // they first went out, each before its recipient's later ones.
                let mut lost = std::mem::take(&mut self.lost);
                for (_, offline) in self.offline.drain() {
                    lost.extend(offline.waiting);
                }
                lost.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
                for (_, message) in lost {
                    self.queue.push_front(message);
                }
            }
            Event::Refused(why) => {
                error!(%why, "the gateway cannot register with the IM server; nothing will be delivered");
                self.registered = false;
            }
            Event::Received(received) => {
                let _ = inbound.send(Inbound { asserted_identity: received.from, body: received.body });
            }
            Event::Delivered { id } => {
                self.complete(id);
            }
            Event::Undelivered { id, why } => {
                let Some(message) = self.complete(id) else { return };
                match why {
                    // Not registered (480), or its connection went away (408): it
                    // waits for the recipient to come back.
                    Undelivered::Status(480 | 408, _) => self.wait_for_recipient(id, message),
                    Undelivered::ConnectionLost => self.lost.push((id, message)),
                    // A recipient that does not answer in 32 s is frozen or
                    // gone: what waits for it would only wait as long, each,
                    // holding a share of the queue. Dropped; its client
                    // resyncs by snapshot when it comes back.
                    Undelivered::Timeout => {
                        let backlog = self.queue.remove_recipient(&message.to);
                        warn!(to = %message.to, backlog, "MESSAGE timed out; dropped with the recipient's backlog");
                    }
                    other => warn!(to = %message.to, why = %other, "MESSAGE refused; dropped"),
                }
            }
            Event::Presence { .. } | Event::Call { .. } | Event::Notifier(_) | Event::ConferenceInfo { .. } => {}
        }
    }

    /// The next queued message whose recipient has room in its window and
    /// is not waiting to be tried again.
    fn next_sendable(&mut self) -> Option<Outgoing> {
        let (windows, offline) = (&self.windows, &self.offline);
        let waiting = |to: &str| offline.get(to).is_some_and(|o| o.retry_at.is_some());
        let full = |to: &str| windows.get(to).is_some_and(|count| *count >= WINDOW_PER_RECIPIENT);
        self.queue.next(|to| full(to) || waiting(to))
    }

    /// Hands `message` to the user agent as MESSAGE `seq`.
    fn transmit(&mut self, seq: u64, message: Outgoing) {
        *self.windows.entry(message.to.clone()).or_default() += 1;
        self.client.send(Message {
            id: seq,
            to: message.to.clone(),
            content_type: CONTENT_TYPE.into(),
            body: message.body.clone(),
        });
        self.in_flight.insert(seq, message);
    }

    /// Takes MESSAGE `id` off its recipient's window (whose turn may then
    /// come again).
    fn complete(&mut self, id: u64) -> Option<Outgoing> {
        let message = self.in_flight.remove(&id)?;
        if let Some(count) = self.windows.get_mut(&message.to) {
            *count -= 1;
            if *count == 0 {
                self.windows.remove(&message.to);
            }
        }
        self.woken.push(message.to.clone());
        Some(message)
    }

    /// Offline recipients whose time to try again has come go back to the
    /// front of the queue (their MESSAGEs are older than any queued); those
    /// offline for longer than [`OFFLINE_KEEP`] lose them.
    fn retry_offline(&mut self) {
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
                let dropped = offline.waiting.len() + self.queue.remove_recipient(to);
                warn!(%to, dropped, "recipient offline too long; its MESSAGEs dropped");
                offline.waiting.clear();
                offline.retry_at = None;
                continue;
            }
            offline.retry_at = None; // sendable again; refused again, it waits again
            for (_, message) in offline.waiting.drain(..).rev() {
                self.queue.push_front(message);
            }
            self.queue.wake(to);
        }
        self.offline.retain(|_, o| o.retry_at.is_some() || now.duration_since(o.since) < OFFLINE_KEEP);
    }

    /// MESSAGE `seq` was refused because its recipient is not registered:
    /// it waits, with the others refused, in the order they were sent, to
    /// be tried again.
    fn wait_for_recipient(&mut self, seq: u64, message: Outgoing) {
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
        let at = offline.waiting.partition_point(|(s, _)| *s < seq);
        offline.waiting.insert(at, (seq, message));
    }
}
