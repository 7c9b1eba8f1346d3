//! Dispatch of one received SIP message by kind and method.

use std::sync::Arc;
use std::time::Duration;

use rollcall_shared::digest::Challenge;
use rollcall_shared::sip::{self, rsip};
use rollcall_shared::MAX_MESSAGE_BYTES;
use tracing::{debug, warn, Instrument};

use super::auth::Verdict;
use super::connection::{self, Connection};
use super::refusal::{self, ALLOW};
use super::{conference_route, presence, relay, ImServer, Stats};

/// Handles one message. Returns `false` for input that could not be
/// answered at all — not SIP enough to form a response from, nor a
/// response to hand on — which the connection counts as garbage; a
/// malformed request that could be answered (`400` and kin) is not.
pub async fn handle(server: &Arc<ImServer>, conn: &Arc<Connection>, text: &str) -> bool {
    if text.trim().is_empty() {
        return true; // a CRLF keep-alive
    }
    if text.len() > MAX_MESSAGE_BYTES {
        // 513 needs only the raw headers a response copies.
        send_or_count(server, conn, sip::response_to_unparsed(text, 513, Some("Message Too Large"), None, &[])).await;
        return true;
    }
    match sip::parse(text) {
        Ok(rsip::SipMessage::Request(mut req)) => {
            if req.method == rsip::Method::Ack {
                return true; // never answered, not even when malformed
            }
            if !conn.transport.is_websocket() {
                stamp_source(conn, &mut req);
            }
            if let Err(e) = sip::check_request(&req) {
                reply(server, conn, &req, e.status_code().unwrap_or(400), Some(&e.reason()), Vec::new()).await;
                return true;
            }
            if let Some((code, headers)) = refusal::refusal(&req) {
                reply(server, conn, &req, code, None, headers).await;
                return true;
            }
            let span = tracing::debug_span!("sip", method = %req.method, call_id = sip::call_id(&req).unwrap_or_default());
            handle_request(server, conn, req).instrument(span).await;
            true
        }
        Ok(rsip::SipMessage::Response(resp)) => {
            relay::on_response(server, conn, resp, connection::acting_on()).await;
            true
        }
        Err(e) => {
            debug!(error = %e, "unparseable SIP");
            let answer = refusal::to_unparsed(text, &e);
            let answered = answer.is_some();
            send_or_count(server, conn, answer).await;
            answered
        }
    }
}

/// Writes where the request came from into its top Via (RFC 3261 §18.2.1,
/// RFC 3581 `rport`): the answers and relayed responses carry it back. A
/// WebSocket client's Via names no address to begin with (RFC 7118 §5).
fn stamp_source(conn: &Connection, req: &mut rsip::Request) {
    let mut headers: Vec<rsip::Header> = std::mem::take(&mut req.headers).into();
    if let Some(via) = headers.iter_mut().find(|h| matches!(h, rsip::Header::Via(_))) {
        let stamped = sip::stamp_received(sip::header_name_value(via).1, conn.peer_ip, conn.peer_port);
        *via = sip::make_header("Via", stamped);
    }
    req.headers = headers.into();
}

/// A message that could not be logged: a request gets `500 Server
/// Internal Error`, and is not acted on; anything else is only counted.
pub async fn refuse_unlogged(server: &ImServer, conn: &Connection, text: &str) {
    match sip::parse(text) {
        Ok(rsip::SipMessage::Request(req)) if req.method != rsip::Method::Ack => {
            let retry = vec![sip::make_header("Retry-After", "5")];
            reply(server, conn, &req, 500, Some("Server Internal Error (message log unavailable)"), retry).await
        }
        _ => Stats::count(&server.stats.dropped),
    }
}

/// Answers what a stream transport could not cut into a message (its header
/// section): `513` for one over the limit, `400` for one without a usable
/// `Content-Length`; counted as dropped when no answer can be formed.
pub async fn refuse_unreadable(server: &ImServer, conn: &Connection, head: &str, status: u16) {
    let reason = if status == 513 { "Message Too Large" } else { "Bad Request (no usable Content-Length)" };
    send_or_count(server, conn, sip::response_to_unparsed(head, status, Some(reason), None, &[])).await
}

/// Sends a response formed from raw text, or counts the input as dropped.
async fn send_or_count(server: &ImServer, conn: &Connection, answer: Option<String>) {
    match answer {
        Some(answer) => conn.send(server, answer).await,
        None => Stats::count(&server.stats.dropped),
    }
}

/// Acts on a request that [`refusal::refusal`] let through.
async fn handle_request(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    match req.method {
        rsip::Method::Register => register(server, conn, req).await,
        rsip::Method::Message => message(server, conn, req).await,
        rsip::Method::Subscribe => subscribe(server, conn, req).await,
        rsip::Method::Notify => conference_route::notify(server, conn, req).await,
        rsip::Method::Options => {
            let headers = vec![sip::make_header("Allow", ALLOW), sip::make_header("Accept", "application/soap+xml")];
            reply(server, conn, &req, 200, None, headers).await
        }
        _ => {} // refused before (refusal.rs)
    }
}

/// REGISTER (RFC 3261 §10.3): authenticate, then bind, refresh or unbind.
async fn register(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    let credentials = sip::header_all(&req.headers, "Authorization");
    let user = match authenticate(server, conn, &req, &credentials, 401).await {
        Some(user) => user,
        None => return,
    };
    let aor = server.config.aor(&user);
    if sip::to_aor(&req).ok().as_deref() != Some(aor.as_str()) {
        return reply(server, conn, &req, 403, Some("You may only register your own address"), Vec::new()).await;
    }
    let expires = sip::expires(&req).unwrap_or(3600).min(server.config.max_expires);
    let was_online = server.registrar.is_online(&aor);
    match sip::header(&req.headers, "Contact") {
        Some(contact) if contact.trim() == "*" || expires == 0 => {
            server.registrar.unbind(&aor, conn.id);
            if let Some(cluster) = server.cluster() {
                cluster.unbound(&aor, conn.id);
            }
        }
        Some(contact) => {
            let contact = strip_expires_param(&contact);
            let expires = Duration::from_secs(u64::from(expires));
            server.registrar.bind(&aor, conn, &contact, expires);
            if let Some(cluster) = server.cluster() {
                cluster.bound(&aor, conn, &contact, expires);
            }
        }
        None => {} // a query: just list the bindings
    }
    let contacts = server
        .registrar
        .contacts(&aor)
        .into_iter()
        .map(|(c, left)| sip::make_header("Contact", format!("{c};expires={left}")))
        .collect();
    reply(server, conn, &req, 200, None, contacts).await;
    if server.registrar.is_online(&aor) != was_online {
        presence::changed_soon(server, &aor);
    }
}

/// MESSAGE (RFC 3428): authenticate, check the From, relay.
async fn message(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    let credentials = sip::header_all(&req.headers, "Proxy-Authorization");
    let Some(user) = authenticate(server, conn, &req, &credentials, 407).await else { return };
    if sip::from_aor(&req).ok().as_deref() != Some(server.config.aor(&user).as_str()) {
        return reply(server, conn, &req, 403, Some("From is not your address"), Vec::new()).await;
    }
    relay::forward(server, conn, req, &user).await
}

/// SUBSCRIBE (RFC 6665): authenticated like MESSAGE, then the presence agent,
/// or for `Event: conference` the gateway (docs/protocol.md §7).
async fn subscribe(server: &Arc<ImServer>, conn: &Arc<Connection>, req: rsip::Request) {
    let credentials = sip::header_all(&req.headers, "Proxy-Authorization");
    let Some(user) = authenticate(server, conn, &req, &credentials, 407).await else { return };
    if sip::from_aor(&req).ok().as_deref() != Some(server.config.aor(&user).as_str()) {
        return reply(server, conn, &req, 403, Some("From is not your address"), Vec::new()).await;
    }
    if conference_route::routes_subscribe(server, &req) {
        return conference_route::subscribe(server, conn, req, &user).await;
    }
    presence::subscribe(server, conn, req).await
}

/// Checks credentials; on failure answers the challenge (`401` or `407`)
/// and returns `None`.
async fn authenticate(
    server: &Arc<ImServer>,
    conn: &Arc<Connection>,
    req: &rsip::Request,
    credentials: &[String],
    challenge_code: u16,
) -> Option<String> {
    let verdict = match server.auth.check(&server.store.users(), credentials, &req.method.to_string(), conn.peer_ip).await {
        Ok(v) => v,
        Err(e) => {
            warn!(error = %e, "user lookup failed");
            reply(server, conn, req, 500, None, Vec::new()).await;
            return None;
        }
    };
    let stale = match verdict {
        Verdict::Authenticated(user) => {
            conn.set_user(&user);
            return Some(user);
        }
        Verdict::Challenge => false,
        Verdict::Stale => true,
        Verdict::Refused { retry_after } => {
            // RFC 3261 has no 429; 403 with Retry-After says "not now, and why".
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            let headers = vec![sip::make_header("Retry-After", seconds.to_string())];
            reply(server, conn, req, 403, Some("Too Many Failed Attempts"), headers).await;
            return None;
        }
    };
    let name = if challenge_code == 401 { "WWW-Authenticate" } else { "Proxy-Authenticate" };
    let headers = server.auth.challenges(stale).iter().map(|c: &Challenge| sip::make_header(name, c.to_header_value())).collect();
    reply(server, conn, req, challenge_code, None, headers).await;
    None
}

/// Sends a response to `req` with extra headers.
pub async fn reply(
    server: &ImServer,
    conn: &Connection,
    req: &rsip::Request,
    code: u16,
    reason: Option<&str>,
    extra: Vec<rsip::Header>,
) {
    let tag = (code > 100).then(sip::new_tag);
    let mut resp = sip::response(req, code, reason, tag.as_deref());
    for h in extra {
        resp.headers.push(h);
    }
    conn.send(server, resp.to_string()).await
}

/// Removes `;expires=N` from a Contact value so that the 200 OK can state
/// the lifetime the registrar granted.
fn strip_expires_param(contact: &str) -> String {
    let (head, params) = match contact.rfind('>') {
        Some(end) => contact.split_at(end + 1),
        None => (contact, ""),
    };
    let kept: String = params
        .split(';')
        .filter(|p| !p.trim().to_ascii_lowercase().starts_with("expires"))
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!(";{}", p.trim()))
        .collect();
    if head == contact {
        // No angle brackets: parameters belong to the URI; keep as is.
        return contact.trim().to_string();
    }
    format!("{}{kept}", head.trim())
}

#[cfg(test)]
mod tests;
