//! MESSAGE relay (RFC 3428 through an RFC 3261 proxy core): the request is
//! forked in parallel to every connection bound to the Request-URI's AOR,
//! with the server's own Via on top and the authenticated identity asserted
//! in `P-Asserted-Identity` (RFC 3325); the best final response goes back.
//!
//! Over UDP the relay keeps a client transaction's Timer E (RFC 3261
//! §17.1.2.2): a fork nobody has answered yet is sent again after T1, then
//! at doubling intervals up to T2, until an answer comes or Timer F ends
//! the transaction.
//!
//! A fork whose connection closes before it answers is answered at once
//! with `408 Request Timeout` on the recipient's behalf (RFC 3261 §16.9
//! treats a transport failure as a final response): the sender is not kept
//! waiting for the transaction timer by a browser tab that has gone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rollcall_shared::sip::rsip::headers::UntypedHeader;
use rollcall_shared::sip::{self, rsip};
use rollcall_shared::sync::LockExt;
use tokio::sync::mpsc;
use tracing::debug;

use super::connection::{self, Connection};
use super::handler::reply;
use super::{ImServer, Stats};
use crate::store::LogReceipt;

/// A fork waiting for its response.
struct Fork {
    /// Where its response goes (the relaying task).
    tx: mpsc::UnboundedSender<Answer>,
    /// The connection it was sent on.
    connection: u64,
    /// The forked request, to answer it ourselves if that connection closes.
    request: rsip::Request,
    /// Something came back for it (a provisional or final response): no
    /// more retransmissions.
    heard: bool,
    /// Told of its final response as soon as it arrives ([`AfterAnswer`]).
    after: Option<AfterAnswer>,
}

impl Fork {
    /// The final response on behalf of a recipient that has gone.
    fn answer_gone(&self) {
        let response = sip::response(&self.request, 408, Some("Recipient Went Away"), None);
        let _ = self.tx.send(Answer { response, ours: true, logged: None });
    }
}

/// A final (or provisional) answer to a fork.
struct Answer {
    response: rsip::Response,
    /// Made by us for a recipient that went away, not sent by it: any real
    /// final answer ranks above it.
    ours: bool,
    /// The received response's log receipt while it may not be durable
    /// yet: relaying it waits for that.
    logged: Option<LogReceipt>,
}

/// Relayed requests waiting for responses, by the branch of our Via.
#[derive(Default)]
pub struct Relay {
    pending: Mutex<HashMap<String, Fork>>,
}

impl Relay {
    fn register(&self, branch: &str, fork: Fork) {
        self.pending.locked().insert(branch.to_string(), fork);
    }

    /// Connection `id` closed: every fork still waiting on it is answered
    /// `408` now.
    pub fn connection_closed(&self, id: u64) {
        let mut p = self.pending.locked();
        let gone: Vec<String> = p.iter().filter(|(_, f)| f.connection == id).map(|(b, _)| b.clone()).collect();
        for branch in gone {
            if let Some(fork) = p.remove(&branch) {
                fork.answer_gone();
            }
        }
    }

    /// Answers fork `branch` with `408` unless that was done already.
    fn gone(&self, branch: &str) {
        let fork = self.pending.locked().remove(branch);
        if let Some(fork) = fork {
            fork.answer_gone();
        }
    }

    fn forget(&self, branches: &[String]) {
        let mut p = self.pending.locked();
        for b in branches {
            p.remove(b);
        }
    }

    /// Where the answer on `branch` goes, and who else is told of a final
    /// one. A final answer ends the fork: it is forgotten at once, so a
    /// connection closing afterwards does not answer it a second time.
    fn waiting(&self, branch: &str, is_final: bool) -> Option<(mpsc::UnboundedSender<Answer>, Option<AfterAnswer>)> {
        let mut pending = self.pending.locked();
        if is_final {
            pending.remove(branch).map(|f| (f.tx, f.after))
        } else {
            pending.get_mut(branch).map(|f| {
                f.heard = true;
                (f.tx.clone(), None)
            })
        }
    }

    /// Is fork `branch` still waiting, with nothing heard?
    fn unheard(&self, branch: &str) -> bool {
        self.pending.locked().get(branch).is_some_and(|f| !f.heard)
    }
}

/// Told of each final response to a relayed request as it arrives, before
/// the next message from that connection is read (the conference route
/// keeps the dialog a SUBSCRIBE's 2xx makes before the NOTIFY after it
/// comes in).
pub type AfterAnswer = Arc<dyn Fn(&rsip::Response) + Send + Sync>;

/// Forwards an authenticated `req` of `user` to every binding of its target
/// — or, for the gateway (its own AOR, or a conference's `conf-…`:
/// [`super::conference_route`]), to one of its bindings ([`gateway_for`]).
pub async fn forward(server: &Arc<ImServer>, from: &Arc<Connection>, req: rsip::Request, user: &str) {
    let target = sip::aor(&req.uri);
    let targets = match target_user(&target, &server.config.domain) {
        Some(name) if super::conference_route::is_conference(name) || name == server.config.conference_user => {
            gateway_for(server, user)
        }
        Some(name) if server.store.users().get(name).await.ok().flatten().is_some() => server.registrar.lookup(&target),
        _ => return reply(server, from, &req, 404, None, Vec::new()).await,
    };
    forward_to(server, from, req, user, targets, None).await
}

/// The gateway binding that takes `user`'s requests. Several gateways may
/// register as the conference AOR (docs/operations.md); a request reaches
/// exactly one of them, never all (a user's request must be carried out
/// once), and the same one for a user while the set of gateways stays the
/// same, so that a user's requests keep their order and a subscription
/// dialog its notifier. When a gateway goes, its users move to the others.
pub fn gateway_for(server: &ImServer, user: &str) -> Vec<(Arc<Connection>, String)> {
    use std::hash::{Hash, Hasher};
    let mut bindings = server.registrar.lookup(&server.config.aor(&server.config.conference_user));
    bindings.retain(|(connection, _)| !connection.is_closed());
    // In a cluster, a gateway on this node before those of others (no hop
    // over NATS, and a conference subscription's dialog stays on one node).
    if bindings.iter().any(|(connection, _)| !connection.is_stand_in()) {
        bindings.retain(|(connection, _)| !connection.is_stand_in());
    }
    if bindings.len() <= 1 {
        return bindings;
    }
    bindings.sort_by(|a, b| (a.0.id, &a.1).cmp(&(b.0.id, &b.1)));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    user.hash(&mut hasher);
    let chosen = (hasher.finish() % bindings.len() as u64) as usize;
    vec![bindings.swap_remove(chosen)]
}

/// Forwards an authenticated `req` of `user` to `targets` (each a
/// connection and the Contact it registered); `480` when there are none.
/// The forks are queued in order before this returns (so that a sender's
/// MESSAGEs reach the recipient in the order sent); waiting for the answers
/// happens in a task of its own; `after` is told of every final answer.
pub async fn forward_to(
    server: &Arc<ImServer>,
    from: &Arc<Connection>,
    mut req: rsip::Request,
    user: &str,
    targets: Vec<(Arc<Connection>, String)>,
    after: Option<AfterAnswer>,
) {
    let max_forwards = match sip::max_forwards(&req) {
        Ok(n) => n.unwrap_or(70),
        Err(e) => return reply(server, from, &req, 400, Some(&e.reason()), Vec::new()).await,
    };
    if max_forwards == 0 {
        return reply(server, from, &req, 483, None, Vec::new()).await;
    }
    if targets.is_empty() {
        return reply(server, from, &req, 480, None, Vec::new()).await;
    }

    let original = req.clone();
    for name in ["Max-Forwards", "P-Asserted-Identity", "Proxy-Authorization"] {
        sip::without_header(&mut req.headers, name);
    }
    req.headers.push(sip::make_header("Max-Forwards", (max_forwards - 1).to_string()));
    req.headers.push(sip::make_header("P-Asserted-Identity", format!("<{}>", server.config.aor(user))));

    // Relayed before the request's own log write is durable (connection.rs):
    // if that write fails the forks are not sent, and the request is
    // answered 500 by its connection, not here.
    let request_logged = connection::acting_on();
    let (tx, rx) = mpsc::unbounded_channel();
    let mut branches = Vec::with_capacity(targets.len());
    for (target, contact) in &targets {
        let branch = server.new_branch();
        let fork = fork_for(&req, target, contact, &branch);
        let text = fork.to_string();
        let fork = Fork { tx: tx.clone(), connection: target.id, request: fork, heard: false, after: after.clone() };
        server.relay.register(&branch, fork);
        if target.is_closed() {
            // Closed since the lookup, perhaps before `connection_closed`
            // could see this fork: answer for it here (once).
            server.relay.gone(&branch);
        } else {
            if !target.transport.is_reliable() {
                tokio::spawn(retransmit(Arc::clone(server), Arc::clone(target), branch.clone(), text.clone()));
            }
            target.send(server, text).await;
        }
        branches.push(branch);
    }
    drop(tx);

    let server = Arc::clone(server);
    let from = Arc::clone(from);
    let started = std::time::Instant::now();
    tokio::spawn(async move {
        if let Some(logged) = request_logged {
            if logged.settled().await.is_err() {
                server.relay.forget(&branches);
                return;
            }
        }
        let best = collect_best_response(rx, targets.len(), server.config.transaction_timeout).await;
        crate::metrics::global().relay_seconds.observe(started.elapsed().as_secs_f64());
        server.relay.forget(&branches);
        let Some(answer) = best else {
            return reply(&server, &from, &original, 408, None, Vec::new()).await;
        };
        // The answer goes back once it is logged, in and out; if its way in
        // could not be logged it is held back, and the sender gets 500.
        let answer_logged = answer.logged.clone();
        from.send_after(&server, without_top_via(answer.response).to_string(), answer.logged).await;
        if let Some(logged) = answer_logged {
            if logged.settled().await.is_err() {
                let retry = vec![sip::make_header("Retry-After", "5")];
                reply(&server, &from, &original, 500, Some("Server Internal Error (message log unavailable)"), retry).await;
            }
        }
    });
}

/// Timer E of a fork sent over UDP: sent again (and logged again) while it
/// is unanswered, after T1, then at doubling intervals up to T2; Timer F
/// (the relaying task's deadline) ends it by answering the sender.
async fn retransmit(server: Arc<ImServer>, target: Arc<Connection>, branch: String, text: String) {
    use rollcall_shared::ua::transaction::{T1_MS, T2_MS};
    let mut interval = std::time::Duration::from_millis(T1_MS);
    loop {
        tokio::time::sleep(interval).await;
        if !server.relay.unheard(&branch) || target.is_closed() {
            return;
        }
        target.send_after(&server, text.clone(), None).await;
        interval = (interval * 2).min(std::time::Duration::from_millis(T2_MS));
    }
}

/// A response arrived on `from` (its log write `logged`): hand it to the
/// relayed request it answers — or, for a NOTIFY the presence agent sent,
/// to the presence agent; or, answering a fork of another node of the
/// cluster, to that node.
pub async fn on_response(server: &ImServer, from: &Connection, resp: rsip::Response, logged: Option<LogReceipt>) {
    let branch = sip::header(&resp.headers, "Via").as_deref().and_then(branch_param);
    let is_final = resp.status_code.code() >= 200;
    match branch.and_then(|b| server.relay.waiting(&b, is_final)) {
        Some((tx, after)) => {
            if let Some(after) = after {
                after(&resp);
            }
            let _ = tx.send(Answer { response: resp, ours: false, logged });
        }
        None if matches!(sip::cseq(&resp), Ok((_, rsip::Method::Notify))) => super::presence::on_notify_response(server, &resp),
        None if server.cluster().is_some_and(|c| c.carry_response(server, from, &resp, logged.clone())) => {}
        None => {
            debug!("stray response dropped");
            Stats::count(&server.stats.dropped);
        }
    }
}

/// Waits for the final responses of `forks` forks: the first 2xx wins at
/// once; otherwise the lowest final code once all have answered or the
/// timer fires (RFC 3261 §16.7, simplified: no 6xx special case needed for
/// MESSAGE). Our own `408` for a recipient that went away counts as that
/// fork's final answer but loses to any answer a recipient really sent.
async fn collect_best_response(
    mut rx: mpsc::UnboundedReceiver<Answer>,
    forks: usize,
    timeout: std::time::Duration,
) -> Option<Answer> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut best: Option<Answer> = None;
    let mut finals = 0;
    while finals < forks {
        let Ok(Some(answer)) = tokio::time::timeout_at(deadline, rx.recv()).await else { break };
        let code = answer.response.status_code.code();
        if code < 200 {
            continue;
        }
        finals += 1;
        if (200..300).contains(&code) {
            return Some(answer);
        }
        let better = match &best {
            None => true,
            Some(b) => (answer.ours, code) < (b.ours, b.response.status_code.code()),
        };
        if better {
            best = Some(answer);
        }
    }
    best
}

/// The user part of `sip:user@domain` when the domain is ours.
pub(crate) fn target_user<'a>(aor: &'a str, domain: &str) -> Option<&'a str> {
    let rest = aor.strip_prefix("sip:")?;
    let (user, host) = rest.split_once('@')?;
    host.eq_ignore_ascii_case(domain).then_some(user)
}

/// `branch=` of a Via value.
pub(crate) fn branch_param(via: &str) -> Option<String> {
    let first = via.split(',').next()?;
    first
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("branch"))
        .map(|(_, v)| v.trim().to_string())
}

/// The copy of `req` for one binding (RFC 3261 §16.6): our Via on top, for
/// the transport it goes out on. A SIP phone (TCP, UDP, TLS) gets its
/// registered Contact as the Request-URI, and a Via whose sent-by is where
/// to answer, with `rport`; a WebSocket client (which routes nothing, RFC
/// 7118 §5) keeps the AOR the sender addressed.
fn fork_for(req: &rsip::Request, target: &Connection, contact: &str, branch: &str) -> rsip::Request {
    let transport = target.transport.via_name();
    if target.transport.is_websocket() {
        return with_top_via(req, &format!("SIP/2.0/{transport} {};branch={branch}", target.sent_by));
    }
    let mut fork = with_top_via(req, &format!("SIP/2.0/{transport} {};branch={branch};rport", target.sent_by));
    if let Ok(uri) = sip::parse_name_addr(contact).and_then(|c| c.parsed_uri()) {
        fork.uri = uri;
    }
    fork
}

/// `req` with `via` as its topmost Via.
fn with_top_via(req: &rsip::Request, via: &str) -> rsip::Request {
    let mut out = req.clone();
    sip::prepend_header(&mut out.headers, sip::make_header("Via", via));
    out
}

/// `resp` without its topmost Via value (ours), whether the peer sent the
/// Vias as separate headers or folded into one.
fn without_top_via(mut resp: rsip::Response) -> rsip::Response {
    let mut headers: Vec<rsip::Header> = resp.headers.into();
    if let Some(at) = headers.iter().position(|h| matches!(h, rsip::Header::Via(_))) {
        let value = match &headers[at] {
            rsip::Header::Via(v) => v.value().to_string(),
            _ => String::new(),
        };
        match value.split_once(',') {
            Some((_, rest)) => headers[at] = rsip::Header::Via(rsip::headers::Via::new(rest.trim())),
            None => {
                headers.remove(at);
            }
        }
    }
    resp.headers = headers.into();
    resp
}

#[cfg(test)]
mod tests;
