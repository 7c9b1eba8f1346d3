//! The accept loop under every HTTP server of Rollcall: plain TCP or TLS
//! (rustls), HTTP/1.1 with upgrades (WebSocket), the peer's address for
//! the handlers (`ConnectInfo`), `TCP_NODELAY`, and time limits a stranger
//! cannot hold a connection past: the TLS handshake and each request's
//! headers must arrive within [`ListenerOptions`]' timeouts.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

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
}

impl Default for ListenerOptions {
    fn default() -> Self {
        ListenerOptions {
            tls: None,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            trusted_proxies: Arc::default(),
        }
    }
}

impl ListenerOptions {
    /// Plain HTTP with the default timeouts.
    pub fn plain() -> Self {
        ListenerOptions::default()
    }

    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}

/// Serves `router` on `listener` in the background until the runtime ends.
pub fn spawn(listener: TcpListener, router: Router, options: ListenerOptions) {
    let acceptor = options.tls.clone().map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let (router, acceptor, options) = (router.clone(), acceptor.clone(), options.clone());
            tokio::spawn(async move { connection(tcp, peer, router, acceptor, &options).await });
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
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .serve_connection(io, service)
        .with_upgrades()
        .await;
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
    let client = forwarded
        .rsplit(',')
        .map(str::trim)
        .map_while(|entry| entry.parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip));
    client.map_or(peer, |ip| SocketAddr::new(ip, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> hyper::HeaderMap {
        let mut h = hyper::HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().expect("value"));
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let stranger: SocketAddr = "192.0.2.7:5000".parse().expect("addr");
        let trusted = [proxy.ip()];
        assert_eq!(client_address(proxy, &headers("198.51.100.4"), &trusted).ip().to_string(), "198.51.100.4");
        assert_eq!(client_address(stranger, &headers("198.51.100.4"), &trusted), stranger, "a stranger's header is ignored");
        // A client-supplied first entry cannot hide the address our proxy saw.
        assert_eq!(client_address(proxy, &headers("10.9.9.9, 198.51.100.4"), &trusted).ip().to_string(), "198.51.100.4");
        assert_eq!(client_address(proxy, &hyper::HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_address(proxy, &headers("garbage"), &trusted), proxy);
    }
}
