//! The accept loop under every HTTP server of Rollcall: plain TCP or TLS
//! (rustls), HTTP/1.1 with upgrades (WebSocket), the peer's address for
//! the handlers (`ConnectInfo`), `TCP_NODELAY`, and time limits a stranger
//! cannot hold a connection past: the TLS handshake and each request's
//! headers must arrive within [`ListenerOptions`]' timeouts.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rollcall_shared::sync::LockExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::edge::rate::address_key;
use crate::shutdown::Shutdown;

/// How a listener treats each connection.
#[derive(Debug, Clone)]
pub struct ListenerOptions {
    /// Serve TLS (HTTPS, WSS) with this configuration; plain when `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The TLS handshake must be done within this.
    pub handshake_timeout: Duration,
    /// A request's headers must have arrived within this (slowloris, and
    /// connections opened and left silent).
    pub header_read_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request from
    /// one of them is treated as coming from the address the proxy names,
    /// so that per-address limits see the real client.
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// Connections open at once, in all… (until they become WebSockets:
    /// those are counted by the IM server's own limits,
    /// [`crate::im_server::limits`]).
    pub max_connections: usize,
    /// …and from one address (trusted proxies excepted); a connection past
    /// either is closed at once.
    pub max_connections_per_ip: usize,
    /// When it begins, the listener stops accepting and each HTTP
    /// connection finishes the request in hand, then closes.
    pub shutdown: Shutdown,
}

impl Default for ListenerOptions {
    fn default() -> Self {
        ListenerOptions {
            tls: None,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            trusted_proxies: Arc::default(),
            max_connections: 10_000,
            max_connections_per_ip: 256,
            shutdown: Shutdown::new(),
        }
    }
}

impl ListenerOptions {
    /// Plain HTTP with the default timeouts.
    pub fn plain() -> Self {
        ListenerOptions::default()
    }

    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// Open connections, in all and by address.
#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// One open connection's place in [`Open`]; given back on drop.
struct Slot {
    open: Arc<Mutex<Open>>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.locked();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.key);
            }
        }
    }
}

/// A slot for a connection from `peer`, or `None` past the limits.
fn take_slot(open: &Arc<Mutex<Open>>, peer: IpAddr, options: &ListenerOptions) -> Option<Slot> {
    let key = address_key(peer);
    let exempt = options.trusted_proxies.contains(&peer);
    let mut table = open.locked();
    let from_here = table.by_address.get(&key).copied().unwrap_or(0);
    if table.total >= options.max_connections || (!exempt && from_here >= options.max_connections_per_ip) {
        return None;
    }
    table.total += 1;
    *table.by_address.entry(key).or_insert(0) += 1;
    Some(Slot { open: Arc::clone(open), key })
}

/// Serves `router` on `listener` in the background until the runtime ends.
pub fn spawn(listener: TcpListener, router: Router, options: ListenerOptions) {
    let acceptor = options.tls.clone().map(TlsAcceptor::from);
    let open = Arc::new(Mutex::new(Open::default()));
    tokio::spawn(async move {
        let mut refused: u64 = 0;
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = options.shutdown.begun() => return, // stop accepting: the listener closes
            };
            let (tcp, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Some(slot) = take_slot(&open, peer.ip(), &options) else {
                refused += 1;
                if refused.is_power_of_two() {
                    tracing::warn!(%peer, refused, "connection refused: too many open");
                }
                drop(tcp);
                continue;
            };
            let (router, acceptor, options) = (router.clone(), acceptor.clone(), options.clone());
            tokio::spawn(async move {
                connection(tcp, peer, router, acceptor, &options).await;
                drop(slot);
            });
        }
    });
}

async fn connection(tcp: TcpStream, peer: SocketAddr, router: Router, acceptor: Option<TlsAcceptor>, options: &ListenerOptions) {
    // SIP and SOAP exchanges are small writes in quick succession, which
    // Nagle's algorithm plus delayed ACKs would hold back ~40 ms.
    let _ = tcp.set_nodelay(true);
    match acceptor {
        None => http(TokioIo::new(tcp), peer, router, options).await,
        Some(acceptor) => match tokio::time::timeout(options.handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => http(TokioIo::new(tls), peer, router, options).await,
            Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        },
    }
}

async fn http<I>(io: I, peer: SocketAddr, router: Router, options: &ListenerOptions)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let trusted = Arc::clone(&options.trusted_proxies);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let client = client_address(peer, request.headers(), &trusted);
        request.extensions_mut().insert(ConnectInfo(client));
        router.clone().oneshot(request.map(axum::body::Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .serve_connection(io, service)
        .with_upgrades();
    tokio::pin!(connection);
    let served = tokio::select! {
        served = connection.as_mut() => served,
        () = options.shutdown.begun() => {
            // Finish the request in hand (bounded), then close.
            connection.as_mut().graceful_shutdown();
            tokio::time::timeout(Duration::from_secs(5), connection.as_mut()).await.unwrap_or(Ok(()))
        }
    };
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
    }
}

/// Who a request is from: `peer`, or — when `peer` is a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy itself
/// (the header is read right to left: each proxy appends the address it
/// saw, and only the entries our proxies added can be believed).
fn client_address(peer: SocketAddr, headers: &hyper::HeaderMap, trusted: &[IpAddr]) -> SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    let client =
        forwarded.rsplit(',').map(str::trim).map_while(|entry| entry.parse::<IpAddr>().ok()).find(|ip| !trusted.contains(ip));
    client.map_or(peer, |ip| SocketAddr::new(ip, 0))
}

#[cfg(test)]
mod tests;
