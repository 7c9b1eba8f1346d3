//! The SIP port's stream listener: TCP (default `0.0.0.0:5060`,
//! `--sip ADDR`), or TLS (`--sip-tls ADDR`, 5061, with the server's
//! certificate). Each connection is admitted by the same per-address and
//! overall limits as a WebSocket, then served like one.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info, warn};

use super::{stream, Peer, Transport};
use crate::im_server::{connection, ImServer};

/// A TLS handshake must be done within this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts SIP connections on `listener` until shutdown, TLS when `tls` is
/// given. `sent_by` is the host[:port] this server puts in the Vias of
/// what it sends on them.
pub fn spawn(server: Arc<ImServer>, listener: TcpListener, tls: Option<TlsAcceptor>, sent_by: String) {
    let transport = if tls.is_some() { Transport::Tls } else { Transport::Tcp };
    info!(address = ?listener.local_addr().ok(), transport = transport.via_name(), "SIP listening");
    tokio::spawn(async move {
        let shutdown = server.config.shutdown.clone();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = shutdown.begun() => return,
            };
            let (socket, addr) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, typically: wait, do not spin.
                    warn!(error = %e, "SIP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let admission = match server.peers.admit(addr.ip()) {
                Ok(admission) => admission,
                Err(refused) => {
                    warn!(peer = %addr, %refused, "SIP connection refused");
                    continue; // dropped: closed at once
                }
            };
            let _ = socket.set_nodelay(true);
            let server = Arc::clone(&server);
            let tls = tls.clone();
            let peer = Peer { addr, transport, sent_by: sent_by.clone() };
            tokio::spawn(async move {
                match tls {
                    None => {
                        let (sink, stream) = stream::split(socket);
                        connection::serve(server, peer, sink, stream, admission).await
                    }
                    Some(acceptor) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await {
                        Ok(Ok(tls)) => {
                            let (sink, stream) = stream::split(tls);
                            connection::serve(server, peer, sink, stream, admission).await
                        }
                        Ok(Err(e)) => debug!(peer = %addr, error = %e, "TLS handshake failed"),
                        Err(_) => debug!(peer = %addr, "TLS handshake timed out"),
                    },
                }
            });
        }
    });
}
