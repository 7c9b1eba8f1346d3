//! Opening the SIP port: UDP and TCP on one address (RFC 3261 §18: a
//! server listens on both), TLS on another.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::{TcpListener, UdpSocket};
use tokio_rustls::TlsAcceptor;
use tracing::warn;

use super::{tcp, udp};
use crate::edge::{SipAddress, SipPorts};
use crate::im_server::ImServer;

/// The SIP addresses actually bound.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bound {
    /// UDP and TCP.
    pub plain: Option<SocketAddr>,
    pub tls: Option<SocketAddr>,
}

/// Opens what `ports` asks for and serves it in the background; TLS with
/// `tls` (the public port's certificate). A default address that cannot be
/// bound is skipped with a warning; one asked for is an error.
pub async fn listen(server: &Arc<ImServer>, ports: &SipPorts, tls: Option<Arc<rustls::ServerConfig>>) -> anyhow::Result<Bound> {
    let mut bound = Bound::default();
    if let Some(wanted) = ports.plain {
        match bind_plain(wanted.addr).await {
            Ok((tcp_listener, udp_socket, addr)) => {
                let sent_by = sent_by(ports, &server.config.domain, addr);
                tcp::spawn(Arc::clone(server), tcp_listener, None, sent_by.clone());
                udp::spawn(Arc::clone(server), udp_socket, sent_by);
                bound.plain = Some(addr);
            }
            Err(e) => skip_or_fail(wanted, e)?,
        }
    }
    if let (Some(wanted), Some(config)) = (ports.tls, tls) {
        match TcpListener::bind(wanted.addr).await.with_context(|| format!("binding {} for SIP over TLS", wanted.addr)) {
            Ok(listener) => {
                let addr = listener.local_addr()?;
                tcp::spawn(
                    Arc::clone(server),
                    listener,
                    Some(TlsAcceptor::from(config)),
                    sent_by(ports, &server.config.domain, addr),
                );
                bound.tls = Some(addr);
            }
            Err(e) => skip_or_fail(wanted, e)?,
        }
    }
    Ok(bound)
}

/// TCP and UDP on one port: with port 0, TCP picks it and UDP follows.
async fn bind_plain(addr: SocketAddr) -> anyhow::Result<(TcpListener, UdpSocket, SocketAddr)> {
    let tcp = TcpListener::bind(addr).await.with_context(|| format!("binding {addr} (TCP) for SIP"))?;
    let bound = tcp.local_addr()?;
    let udp = UdpSocket::bind(bound).await.with_context(|| format!("binding {bound} (UDP) for SIP"))?;
    Ok((tcp, udp, bound))
}

fn skip_or_fail(wanted: SipAddress, error: anyhow::Error) -> anyhow::Result<()> {
    if wanted.required {
        return Err(error);
    }
    warn!(error = format!("{error:#}"), "SIP port not opened (pass --sip ADDR for another, or --sip off)");
    Ok(())
}

/// The host:port named in our Vias on connections of `bound`.
fn sent_by(ports: &SipPorts, domain: &str, bound: SocketAddr) -> String {
    if let Some(host) = &ports.host {
        return if host.contains(':') && !host.starts_with('[') { host.clone() } else { format!("{host}:{}", bound.port()) };
    }
    if bound.ip().is_unspecified() {
        format!("{domain}:{}", bound.port())
    } else {
        bound.to_string()
    }
}
