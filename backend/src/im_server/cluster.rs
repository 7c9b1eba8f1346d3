//! Several IM server nodes as one (issue 14; docs/operations.md "A cluster
//! of IM servers"): each node holds its own connections, and the nodes
//! tell each other over NATS which AORs are bound where, so that any node
//! reaches any user.
//!
//! - A node announces each binding it makes or drops, and each of its
//!   connections that closes. The other nodes keep such a binding as one of
//!   a *stand-in* ([`Connection::stand_in`]): what is sent to a stand-in
//!   is logged on that node as sent and carried to the node that holds the
//!   real connection, which sends it on (and logs it there as sent too).
//! - A response to a request forked on another node — the fork's Via
//!   branch ends with that node's name ([`Cluster::branch`]) — is carried
//!   back to it; that node logs it as received from the stand-in and hands
//!   it to its relay as if the stand-in had answered.
//! - Every node says it is alive each heartbeat; a node not heard for the
//!   timeout, or saying goodbye, is gone: its stand-ins close, the forks
//!   waiting on them are answered `408`, and watchers of its users' AORs
//!   are told.
//! - A node that starts, or hears of a node it did not know, asks for the
//!   bindings it missed (`hello`).
//! - A conference subscription (RFC 4575) whose subscriber is on another
//!   node than its gateway: the gateway's node notes the dialog as the
//!   gateway's 2xx passes through it, and carries the gateway's NOTIFYs in
//!   it to the subscriber's node (on the subject of responses, after the
//!   2xx), which relays them as its own.
//!
//! Ordering: NATS keeps one publisher's order on a subject, and each node
//! handles each subject in one task, so a sender's messages reach a
//! recipient on another node in the order sent (docs/architecture.md).
//!
//! Bounded: at most [`MAX_NODES`] other nodes and [`MAX_STAND_INS`]
//! stand-ins in all are kept (more are refused, logged at warn), and at
//! most [`OUTBOX`] messages wait to be published (more are dropped and
//! counted; the requests among them time out like any unanswered fork).

pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use rollcall_shared::sip::{self, rsip};
use rollcall_shared::sync::LockExt;
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::connection::{self, Connection};
use super::transport::Transport;
use super::{conference_route, presence, relay, ImServer, Stats};
use crate::store::{Direction, LogReceipt};
use wire::{Announcement, Carried, Reached, Subjects};

/// Other nodes kept at most.
pub const MAX_NODES: usize = 64;
/// Stand-ins (other nodes' connections with bindings) kept at most, in all.
pub const MAX_STAND_INS: usize = 1_000_000;
/// Messages waiting to be published at most.
pub const OUTBOX: usize = 65_536;
/// Other nodes' conference subscription dialogs known at most.
pub const MAX_REMOTE_DIALOGS: usize = super::conference_route::MAX_DIALOGS;

/// A conference subscription dialog: Call-ID, subscriber's tag, notifier's tag.
pub type DialogKey = (String, String, String);

/// How a node joins its cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// The NATS server(s), `nats://host:4222` (comma-separated for several).
    pub url: String,
    /// The first token of every subject (`rollcall`): clusters sharing a
    /// NATS server keep apart by it.
    pub prefix: String,
    /// This node's name ([`wire::valid_node_name`]); random when `None`.
    pub node: Option<String>,
    /// How often a node says it is alive.
    pub heartbeat: Duration,
    /// A node not heard for this long is gone.
    pub timeout: Duration,
}

impl ClusterConfig {
    pub fn new(url: &str) -> ClusterConfig {
        ClusterConfig {
            url: url.to_string(),
            prefix: "rollcall".to_string(),
            node: None,
            heartbeat: Duration::from_secs(1),
            timeout: Duration::from_secs(3),
        }
    }
}

/// This node's membership of the cluster.
pub struct Cluster {
    /// Its name in the cluster: `--node`'s, and a suffix of this run's.
    node: String,
    /// The NATS servers, `host:port,…` (no credentials: for the log).
    servers: String,
    subjects: Subjects,
    /// What waits to be published once its log write is durable, in order:
    /// subject, payload, and that write (responses and NOTIFYs received
    /// here, carried on before they are acted on).
    outbox: mpsc::Sender<(String, Vec<u8>, Option<LogReceipt>)>,
    /// What is published at once, in order: announcements and heartbeats,
    /// and what stand-ins send (logged already). Never behind a log write,
    /// so a slow database does not silence the node.
    immediate: mpsc::Sender<(String, Vec<u8>, Option<LogReceipt>)>,
    state: Mutex<State>,
    client: async_nats::Client,
}

struct State {
    limits: Limits,
    /// This node's connections that hold (or held) bindings, by id: where
    /// deliveries go.
    local: HashMap<u64, Weak<Connection>>,
    /// The other nodes as last heard.
    nodes: HashMap<String, Node>,
    /// Stand-ins kept, over all nodes.
    stand_ins: usize,
    /// Other nodes' conference subscription dialogs, and until when.
    dialogs: HashMap<DialogKey, (String, Instant)>,
}

/// How much of other nodes a node keeps ([`MAX_NODES`],
/// [`MAX_STAND_INS`], [`MAX_REMOTE_DIALOGS`]; smaller in tests).
#[derive(Debug, Clone, Copy)]
struct Limits {
    nodes: usize,
    stand_ins: usize,
    dialogs: usize,
}

impl Default for State {
    fn default() -> State {
        let limits = Limits { nodes: MAX_NODES, stand_ins: MAX_STAND_INS, dialogs: MAX_REMOTE_DIALOGS };
        State { limits, local: HashMap::new(), nodes: HashMap::new(), stand_ins: 0, dialogs: HashMap::new() }
    }
}

impl State {
    /// `node` was heard now; `true` when it was not known before (and is
    /// now, unless there are as many nodes as the limit).
    fn heard(&mut self, node: &str) -> bool {
        if let Some(known) = self.nodes.get_mut(node) {
            known.heard = Instant::now();
            return false;
        }
        if self.nodes.len() >= self.limits.nodes {
            return false;
        }
        self.nodes.insert(node.to_string(), Node { heard: Instant::now(), stand_ins: HashMap::new() });
        true
    }

    /// May one more stand-in of `node` be kept? Why not, when not.
    fn room_for_stand_in(&self, node: &str) -> Result<(), &'static str> {
        if self.stand_ins >= self.limits.stand_ins {
            return Err("too many stand-ins: a binding of another node is not kept");
        }
        if self.nodes.len() >= self.limits.nodes && !self.nodes.contains_key(node) {
            return Err("too many nodes: a binding of another node is not kept");
        }
        Ok(())
    }

    /// Keeps `node`'s dialog `key` until `until`, the expired ones
    /// forgotten when the table is full; `false` when it is full of live ones.
    fn keep_dialog(&mut self, node: String, key: DialogKey, until: Instant) -> bool {
        if self.dialogs.len() >= self.limits.dialogs {
            let now = Instant::now();
            self.dialogs.retain(|_, (_, until)| *until > now);
        }
        if self.dialogs.len() >= self.limits.dialogs && !self.dialogs.contains_key(&key) {
            return false;
        }
        self.dialogs.insert(key, (node, until));
        true
    }
}

struct Node {
    heard: Instant,
    /// Its connections' stand-ins, by its connection id.
    stand_ins: HashMap<u64, Arc<Connection>>,
}

/// Joins the cluster: connects to NATS, listens, says hello, and keeps
/// saying it is alive. Gives `server` its [`Cluster`].
pub async fn join(server: &Arc<ImServer>, config: ClusterConfig) -> anyhow::Result<Arc<Cluster>> {
    let name = match &config.node {
        Some(node) => {
            anyhow::ensure!(wire::valid_node_name(node), "`{node}` is not a node name (letters, digits, - and _; at most 32)");
            node.clone()
        }
        None => rollcall_shared::random::random_hex(8),
    };
    // The name and this run's own suffix: a node that restarts under its
    // name (faster than the others' timeout) is a new node to them, so
    // its new connections' ids never meet stand-ins of its last run's.
    let node = format!("{name}-{}", rollcall_shared::random::random_hex(4));
    let (servers, options) = connect_options(&config.url)?;
    let shown = servers.iter().map(|s| format!("{}:{}", s.host(), s.port())).collect::<Vec<_>>().join(",");
    let client = options
        .name(format!("rollcall im-server {node}"))
        .connect(servers)
        .await
        .with_context(|| format!("connecting to NATS at {shown}"))?;
    let subjects = Subjects::new(&config.prefix);
    let announcements = client.subscribe(subjects.announcements()).await?;
    let to_me = client.subscribe(subjects.announcements_to(&node)).await?;
    let deliveries = client.subscribe(subjects.deliveries_to(&node)).await?;
    let responses = client.subscribe(subjects.responses_to(&node)).await?;
    let (outbox, queued) = mpsc::channel(OUTBOX);
    let (immediate, queued_now) = mpsc::channel(OUTBOX);
    let cluster =
        Arc::new(Cluster { node, servers: shown, subjects, outbox, immediate, state: Mutex::default(), client: client.clone() });
    if server.cluster.set(Arc::clone(&cluster)).is_err() {
        anyhow::bail!("this IM server is in a cluster already");
    }
    tokio::spawn(publish(client.clone(), queued, Arc::clone(server)));
    tokio::spawn(publish(client.clone(), queued_now, Arc::clone(server)));
    let weak = Arc::downgrade(server);
    tokio::spawn(on_announcements(weak.clone(), futures_util::stream::select(announcements, to_me)));
    tokio::spawn(each_carried(weak.clone(), deliveries, deliver));
    tokio::spawn(each_carried(weak.clone(), responses, answered));
    tokio::spawn(keep_alive(weak, config.heartbeat, config.timeout));
    cluster.announce(&Announcement::Hello { node: cluster.node.clone() });
    info!(node = %cluster.node, nats = %cluster.servers, "joined the cluster");
    Ok(cluster)
}

/// The NATS servers of `urls` (comma-separated), and how to sign in to
/// them: the user and password, or the token (a user without a password),
/// the first of them names.
fn connect_options(urls: &str) -> anyhow::Result<(Vec<async_nats::ServerAddr>, async_nats::ConnectOptions)> {
    let servers: Vec<async_nats::ServerAddr> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| u.parse().map_err(|e| anyhow::anyhow!("a --cluster URL is not a NATS URL: {e}")))
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!servers.is_empty(), "no NATS server given (--cluster)");
    let credentials = servers.iter().find_map(|s| s.username().map(|user| (user.to_string(), s.password().map(str::to_string))));
    let options = match credentials {
        Some((user, Some(password))) => async_nats::ConnectOptions::with_user_and_password(user, password),
        Some((token, None)) => async_nats::ConnectOptions::with_token(token),
        None => async_nats::ConnectOptions::new(),
    };
    Ok((servers, options))
}

impl Cluster {
    /// This node's name.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The NATS servers it joined through, `host:port,…` (no credentials).
    pub fn servers(&self) -> &str {
        &self.servers
    }

    /// A new Via branch for a fork sent from this node: it ends with the
    /// node's name, so that the node holding the recipient's connection
    /// knows where the response goes.
    pub fn branch(&self) -> String {
        format!("{}.{}", sip::new_branch(), self.node)
    }

    /// Tells the others that `aor` is bound to this node's `conn`.
    pub fn bound(&self, aor: &str, conn: &Arc<Connection>, contact: &str, expires: Duration) {
        self.state.locked().local.insert(conn.id, Arc::downgrade(conn));
        self.announce(&self.bind_announcement(aor, conn, contact, expires));
    }

    /// Tells the others that `aor` is no longer bound to this node's connection `id`.
    pub fn unbound(&self, aor: &str, id: u64) {
        self.announce(&Announcement::Unbind { node: self.node.clone(), connection: id, aor: aor.to_string() });
    }

    /// This node's connection `id` has closed.
    pub fn closed(&self, id: u64) {
        if self.state.locked().local.remove(&id).is_some() {
            self.announce(&Announcement::Closed { node: self.node.clone(), connection: id });
        }
    }

    /// Says goodbye (the others drop this node's bindings at once) and
    /// waits until that is sent.
    pub async fn leave(&self) {
        self.announce(&Announcement::Bye { node: self.node.clone() });
        // The outbox publishes in order: once a flush after the goodbye is
        // through, so is the goodbye.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.flush()).await;
    }

    /// A NOTIFY from this node's `from` (the gateway) in dialog `key`, which
    /// another node keeps: carried there (once `logged` is durable) and
    /// `true`; `false` when no node keeps it.
    pub fn carry_notify(&self, from: &Connection, key: &DialogKey, req: &rsip::Request, logged: Option<LogReceipt>) -> bool {
        let node = {
            let state = self.state.locked();
            state.dialogs.get(key).filter(|(_, until)| *until > Instant::now()).map(|(node, _)| node.clone())
        };
        let Some(node) = node else { return false };
        // On the subject of responses, in the same order: the gateway's 2xx
        // that made the dialog there is handled before its first NOTIFY.
        let carried = Carried { node: self.node.clone(), connection: from.id, text: req.to_string() };
        self.send(self.subjects.responses_to(&node), carried.encode(), logged);
        true
    }

    /// `node` keeps dialog `key` until `until` (the oldest forgotten when
    /// the table is full).
    fn keep_remote_dialog(&self, node: String, key: DialogKey, until: Instant) {
        if !self.state.locked().keep_dialog(node.clone(), key, until) {
            warn!(%node, "too many other nodes' conference dialogs: one is not kept");
        }
    }

    /// `resp`, received on this node's `from`, answers no fork of this
    /// node: when its branch names another node, it is carried there (once
    /// `logged`, its own log write, is durable) and `true` is returned.
    pub fn carry_response(
        &self,
        server: &ImServer,
        from: &Connection,
        resp: &rsip::Response,
        logged: Option<LogReceipt>,
    ) -> bool {
        // Only an authenticated connection's answers go on (a stranger's
        // would be carried, and noted, for nothing).
        let Some(user) = from.user() else { return false };
        let Some(branch) = sip::header(&resp.headers, "Via").as_deref().and_then(relay::branch_param) else { return false };
        let Some((_, node)) = branch.rsplit_once('.') else { return false };
        if node == self.node || !self.state.locked().nodes.contains_key(node) {
            return false;
        }
        // A 2xx to a SUBSCRIBE (the gateway accepting a conference
        // subscription): that node keeps the dialog, so the gateway's
        // NOTIFYs in it, which come here, go there.
        let from_notifier = user == server.config.conference_user;
        let accepted = (200..300).contains(&resp.status_code.code());
        if from_notifier && accepted && matches!(sip::cseq(resp), Ok((_, rsip::Method::Subscribe))) {
            if let (Ok(call_id), Some(subscriber_tag), Some(notifier_tag)) =
                (sip::call_id(resp), sip::from_tag(resp), sip::to_tag(resp))
            {
                let until = Instant::now() + conference_route::granted(resp) + conference_route::GRACE;
                self.keep_remote_dialog(node.to_string(), (call_id, subscriber_tag, notifier_tag), until);
            }
        }
        let carried = Carried { node: self.node.clone(), connection: from.id, text: resp.to_string() };
        self.send(self.subjects.responses_to(node), carried.encode(), logged);
        true
    }

    fn bind_announcement(&self, aor: &str, conn: &Connection, contact: &str, expires: Duration) -> Announcement {
        Announcement::Bind {
            node: self.node.clone(),
            connection: conn.id,
            aor: aor.to_string(),
            contact: contact.to_string(),
            expires_ms: expires.as_millis() as u64,
            reached: Reached {
                peer: conn.peer.clone(),
                transport: conn.transport.via_name().to_string(),
                sent_by: conn.sent_by.clone(),
                user: conn.user(),
            },
        }
    }

    fn announce(&self, announcement: &Announcement) {
        self.announce_on(self.subjects.announcements(), announcement);
    }

    fn announce_on(&self, subject: String, announcement: &Announcement) {
        match serde_json::to_vec(announcement) {
            Ok(payload) => self.send(subject, payload, None),
            Err(e) => warn!(error = %e, "an announcement could not be written"),
        }
    }

    fn send(&self, subject: String, payload: Vec<u8>, after: Option<LogReceipt>) {
        let queue = if after.is_some() { &self.outbox } else { &self.immediate };
        if queue.try_send((subject, payload, after)).is_err() {
            warn!("the cluster's outbox is full: a message to another node is dropped");
            crate::metrics::global().cluster_dropped.inc();
        }
    }

    /// The stand-in for `connection` of `node`, made (as `reached`) if new;
    /// `None` when the limits are reached.
    fn stand_in(
        self: &Arc<Self>,
        server: &Arc<ImServer>,
        node: &str,
        connection: u64,
        reached: &Reached,
    ) -> Option<Arc<Connection>> {
        let mut state = self.state.locked();
        if let Some(known) = state.nodes.get(node).and_then(|n| n.stand_ins.get(&connection)) {
            return Some(Arc::clone(known));
        }
        if let Err(why) = state.room_for_stand_in(node) {
            warn!(%node, "{why}");
            return None;
        }
        let Some(transport) = Transport::from_via_name(&reached.transport) else {
            warn!(%node, transport = %reached.transport, "a binding over an unknown transport is not kept");
            return None;
        };
        let (cluster, subject, to) = (Arc::downgrade(self), self.subjects.deliveries_to(node), node.to_string());
        let carry = move |text: String| {
            if let Some(cluster) = cluster.upgrade() {
                cluster.send(subject.clone(), Carried { node: cluster.node.clone(), connection, text }.encode(), None);
            }
        };
        let peer = format!("{} via node {to}", reached.peer);
        let stand_in = Connection::stand_in(server, peer, transport, reached.sent_by.clone(), reached.user.clone(), carry);
        let entry =
            state.nodes.entry(node.to_string()).or_insert_with(|| Node { heard: Instant::now(), stand_ins: HashMap::new() });
        entry.stand_ins.insert(connection, Arc::clone(&stand_in));
        state.stand_ins += 1;
        Some(stand_in)
    }

    /// `node` was heard now; `true` when it was not known before.
    fn heard(&self, node: &str) -> bool {
        self.state.locked().heard(node)
    }

    /// Removes the stand-in for `connection` of `node`, if any.
    fn take_stand_in(&self, node: &str, connection: u64) -> Option<Arc<Connection>> {
        let mut state = self.state.locked();
        let taken = state.nodes.get_mut(node)?.stand_ins.remove(&connection)?;
        state.stand_ins -= 1;
        Some(taken)
    }

    /// Removes `node` and returns its stand-ins.
    fn take_node(&self, node: &str) -> Vec<Arc<Connection>> {
        let mut state = self.state.locked();
        let Some(gone) = state.nodes.remove(node) else { return Vec::new() };
        state.stand_ins -= gone.stand_ins.len();
        gone.stand_ins.into_values().collect()
    }

    /// The nodes not heard for `timeout`.
    fn silent(&self, timeout: Duration) -> Vec<String> {
        let state = self.state.locked();
        state.nodes.iter().filter(|(_, n)| n.heard.elapsed() > timeout).map(|(name, _)| name.clone()).collect()
    }

    /// This node's connection `id`, if it is still open.
    fn local(&self, id: u64) -> Option<Arc<Connection>> {
        self.state.locked().local.get(&id).and_then(Weak::upgrade).filter(|c| !c.is_closed())
    }
}

/// Publishes what the outbox holds, in order, each once its log write is
/// durable (a message whose write failed is not sent).
async fn publish(
    client: async_nats::Client,
    mut queued: mpsc::Receiver<(String, Vec<u8>, Option<LogReceipt>)>,
    server: Arc<ImServer>,
) {
    while let Some((subject, payload, after)) = queued.recv().await {
        if let Some(after) = after {
            if after.settled().await.is_err() {
                server.stats.count_unlogged();
                continue;
            }
        }
        if let Err(e) = client.publish(subject, payload.into()).await {
            warn!(error = %e, "publishing to the cluster failed");
            crate::metrics::global().cluster_dropped.inc();
        }
    }
}

/// Every node's announcements, and those for this node alone.
async fn on_announcements(server: Weak<ImServer>, mut messages: impl futures_util::Stream<Item = async_nats::Message> + Unpin) {
    while let Some(message) = messages.next().await {
        let Some(server) = server.upgrade() else { return };
        let Some(cluster) = server.cluster().cloned() else { return };
        let announcement: Announcement = match serde_json::from_slice(&message.payload) {
            Ok(a) => a,
            Err(e) => {
                warn!(error = %e, "an unreadable announcement from the cluster is dropped");
                Stats::count(&server.stats.dropped);
                continue;
            }
        };
        let node = announcement.node().to_string();
        if node == cluster.node {
            continue;
        }
        if !matches!(announcement, Announcement::Bye { .. }) && cluster.heard(&node) {
            // A node this one did not know (it started, or this one did):
            // ask it for its bindings.
            info!(%node, "a node joined the cluster");
            cluster.announce_on(cluster.subjects.announcements_to(&node), &Announcement::Hello { node: cluster.node.clone() });
        }
        on_announcement(&server, &cluster, announcement);
    }
}

fn on_announcement(server: &Arc<ImServer>, cluster: &Arc<Cluster>, announcement: Announcement) {
    match announcement {
        Announcement::Heartbeat { .. } => {}
        Announcement::Hello { node } => {
            // Every binding of this node's own connections, to it alone —
            // however many: each waits for room in the queue rather than
            // being dropped when it is full.
            let subject = cluster.subjects.announcements_to(&node);
            let binds: Vec<Vec<u8>> = server
                .registrar
                .all()
                .into_iter()
                .filter(|(_, conn, _, _)| cluster.local(conn.id).is_some())
                .filter_map(|(aor, conn, contact, left)| {
                    serde_json::to_vec(&cluster.bind_announcement(&aor, &conn, &contact, left)).ok()
                })
                .collect();
            let queue = cluster.immediate.clone();
            tokio::spawn(async move {
                for payload in binds {
                    if queue.send((subject.clone(), payload, None)).await.is_err() {
                        return;
                    }
                }
            });
        }
        Announcement::Bye { node } => {
            info!(%node, "a node left the cluster");
            drop_node(server, cluster, &node);
        }
        Announcement::Bind { node, connection, aor, contact, expires_ms, reached } => {
            let Some(stand_in) = cluster.stand_in(server, &node, connection, &reached) else { return };
            let was_online = server.registrar.is_online(&aor);
            // No longer than a registration may last here (and no overflow).
            let most = u64::from(server.config.max_expires) * 1000;
            server.registrar.bind(&aor, &stand_in, &contact, Duration::from_millis(expires_ms.min(most)));
            if !was_online {
                presence::changed_soon(server, &aor);
            }
        }
        Announcement::Unbind { node, connection, aor } => {
            let Some(stand_in) = cluster.state.locked().nodes.get(&node).and_then(|n| n.stand_ins.get(&connection).cloned())
            else {
                return;
            };
            let was_online = server.registrar.is_online(&aor);
            server.registrar.unbind(&aor, stand_in.id);
            if was_online && !server.registrar.is_online(&aor) {
                presence::changed_soon(server, &aor);
            }
        }
        Announcement::Closed { node, connection } => {
            if let Some(stand_in) = cluster.take_stand_in(&node, connection) {
                close(server, &stand_in);
            }
        }
    }
}

/// A stand-in's connection has gone.
fn close(server: &ImServer, stand_in: &Connection) {
    stand_in.mark_closed();
    connection::forget(server, stand_in.id);
}

fn drop_node(server: &ImServer, cluster: &Cluster, node: &str) {
    for stand_in in cluster.take_node(node) {
        close(server, &stand_in);
    }
}

/// Hands each SIP message carried to this node on `messages` to
/// `handle`, in the order they came.
async fn each_carried<F, Fut>(server: Weak<ImServer>, mut messages: async_nats::Subscriber, handle: F)
where
    F: Fn(Arc<ImServer>, Arc<Cluster>, Carried) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    while let Some(message) = messages.next().await {
        let Some(server) = server.upgrade() else { return };
        let Some(cluster) = server.cluster().cloned() else { return };
        match Carried::decode(&message.payload) {
            Some(carried) => handle(server, cluster, carried).await,
            None => Stats::count(&server.stats.dropped),
        }
    }
}

/// A request from another node for this node's connection: sent on (and
/// logged as sent). One for a connection that has gone is answered by
/// saying so: the sender's relay answers `408`.
async fn deliver(server: Arc<ImServer>, cluster: Arc<Cluster>, carried: Carried) {
    match cluster.local(carried.connection) {
        Some(conn) => conn.send(&server, carried.text).await,
        None => cluster.announce(&Announcement::Closed { node: cluster.node.clone(), connection: carried.connection }),
    }
}

/// What another node carries back on this node's `response` subject, in
/// the order sent: responses from that node's connections to requests
/// this node forked — logged as received from the stand-in, then handed to
/// the relay — and NOTIFYs of a gateway there in conference subscription
/// dialogs this node keeps — logged so too, then relayed to the subscriber
/// as if the gateway were here.
async fn answered(server: Arc<ImServer>, cluster: Arc<Cluster>, carried: Carried) {
    let stand_in = cluster.state.locked().nodes.get(&carried.node).and_then(|n| n.stand_ins.get(&carried.connection).cloned());
    let (Some(stand_in), Ok(message)) = (stand_in, sip::parse(&carried.text)) else {
        return Stats::count(&server.stats.dropped);
    };
    Stats::count(&server.stats.received);
    let user = stand_in.user();
    let logged =
        server.store.message_log().submit(stand_in.id, &stand_in.peer, Direction::In, user.as_deref(), &carried.text).await;
    match message {
        rsip::SipMessage::Response(resp) => relay::on_response(&server, &stand_in, resp, Some(logged)).await,
        rsip::SipMessage::Request(req) if req.method == rsip::Method::Notify => {
            if logged.durable().await.is_err() {
                return server.stats.count_unlogged();
            }
            conference_route::notify(&server, &stand_in, req).await;
        }
        rsip::SipMessage::Request(_) => Stats::count(&server.stats.dropped),
    }
}

/// Says this node is alive every `heartbeat`, and drops the nodes not
/// heard for `timeout`.
async fn keep_alive(server: Weak<ImServer>, heartbeat: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval(heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(server) = server.upgrade() else { return };
        let Some(cluster) = server.cluster().cloned() else { return };
        cluster.announce(&Announcement::Heartbeat { node: cluster.node.clone() });
        for node in cluster.silent(timeout) {
            warn!(%node, "a node of the cluster went silent: its connections are dropped");
            drop_node(&server, &cluster, &node);
        }
    }
}

#[cfg(test)]
mod tests;
