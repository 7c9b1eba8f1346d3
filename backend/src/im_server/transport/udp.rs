//! SIP over UDP on the SIP port (RFC 3261 §18): each datagram one message.
//! A peer's address (IP and port) is its flow, served as one connection —
//! the registrar binds to it, and everything for that peer goes back to
//! that address (RFC 3581 symmetric response routing, which is what gets
//! through NATs). A flow ends when its connection would: not
//! authenticated in time, or silent past the idle timeout.
//!
//! A request over [`UDP_MTU_SAFE`] bytes for a flow goes over TCP to the
//! same address instead (RFC 3261 §18.1.1: a big datagram fragments, and
//! a lost fragment loses it all), its top Via saying `TCP`; what comes
//! back on that connection is read as the flow's. If the peer takes no TCP
//! connection, the request goes as a datagram after all.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Sink, SinkExt, StreamExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::{stream, Inbound, Outbound, Peer, Transport};
use crate::im_server::{connection, ImServer, Stats};

/// Datagrams of one flow waiting for its connection; more are dropped (UDP
/// senders retransmit).
const FLOW_QUEUE: usize = 32;

/// The largest datagram read (the UDP maximum).
const MAX_DATAGRAM: usize = 65_535;

/// Requests larger than this go to a UDP peer over TCP (RFC 3261 §18.1.1:
/// 1300 bytes when the path MTU is unknown).
pub const UDP_MTU_SAFE: usize = 1300;

/// How long a TCP connection to a UDP peer may take to open.
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How often flows whose connection has ended are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// Serves SIP over UDP on `socket` until shutdown. `sent_by` is the
/// host:port this server puts in the Vias of what it sends.
pub fn spawn(server: Arc<ImServer>, socket: UdpSocket, sent_by: String) {
    info!(address = ?socket.local_addr().ok(), transport = "UDP", "SIP listening");
    let socket = Arc::new(socket);
    tokio::spawn(async move {
        let shutdown = server.config.shutdown.clone();
        let mut flows: HashMap<SocketAddr, mpsc::Sender<Inbound>> = HashMap::new();
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            let (len, from) = tokio::select! {
                received = socket.recv_from(&mut buf) => match received {
                    Ok(received) => received,
                    Err(e) => {
                        // ICMP port unreachable from an earlier send, typically.
                        debug!(error = %e, "UDP receive failed");
                        continue;
                    }
                },
                _ = sweep.tick() => {
                    flows.retain(|_, tx| !tx.is_closed());
                    continue;
                }
                () = shutdown.begun() => return,
            };
            Stats::count(&server.stats.received);
            let Ok(text) = std::str::from_utf8(&buf[..len]) else {
                Stats::count(&server.stats.dropped);
                continue;
            };
            if text.trim().is_empty() {
                continue; // a keep-alive
            }
            let live = flows.get(&from).filter(|tx| !tx.is_closed());
            let tx = match live {
                Some(tx) => tx.clone(),
                None => match open_flow(&server, &socket, from, &sent_by) {
                    Some(tx) => {
                        flows.insert(from, tx.clone());
                        tx
                    }
                    None => {
                        Stats::count(&server.stats.dropped);
                        continue;
                    }
                },
            };
            if tx.try_send(Inbound::Message(text.to_owned())).is_err() {
                Stats::count(&server.stats.dropped);
            }
        }
    });
}

/// A new flow for `from`, admitted by the same limits as any connection.
fn open_flow(server: &Arc<ImServer>, socket: &Arc<UdpSocket>, from: SocketAddr, sent_by: &str) -> Option<mpsc::Sender<Inbound>> {
    let admission = match server.peers.admit(from.ip()) {
        Ok(admission) => admission,
        Err(refused) => {
            warn!(peer = %from, %refused, "SIP over UDP refused");
            return None;
        }
    };
    let (tx, rx) = mpsc::channel(FLOW_QUEUE);
    let stream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|inbound| (inbound, rx)) }));
    let peer = Peer { addr: from, transport: Transport::Udp, sent_by: sent_by.to_owned() };
    let sink = sink_to(Arc::clone(socket), from, tx.clone());
    tokio::spawn(connection::serve(Arc::clone(server), peer, sink, stream, admission));
    Some(tx)
}

/// What a flow's connection sends, as datagrams to `to` — or, for a big
/// request, over a TCP connection to `to` whose messages come back into
/// the flow (`inbound`). Pings and pongs have no UDP form here (RFC 5626
/// uses STUN for that); closing sends nothing.
fn sink_to(
    socket: Arc<UdpSocket>,
    to: SocketAddr,
    inbound: mpsc::Sender<Inbound>,
) -> impl Sink<Outbound, Error = std::io::Error> + Send + Unpin + 'static {
    let state = Sending { socket, tcp: None };
    Box::pin(futures_util::sink::unfold(state, move |mut state, out: Outbound| {
        let inbound = inbound.clone();
        async move {
            let Outbound::Message(text) = out else { return Ok(state) };
            if text.len() > UDP_MTU_SAFE && !text.starts_with("SIP/") {
                match state.over_tcp(to, &text, inbound).await {
                    Ok(()) => return Ok(state),
                    Err(e) => debug!(peer = %to, error = %e, "no TCP to a UDP peer; sending the big request as a datagram"),
                }
            }
            if let Err(e) = state.socket.send_to(text.as_bytes(), to).await {
                // Too big for a datagram, or the peer's port is gone: as
                // lost on the way, which UDP senders expect.
                debug!(peer = %to, error = %e, bytes = text.len(), "UDP send failed");
            }
            Ok(state)
        }
    }))
}

/// A flow's ways out: the SIP port's socket, and the TCP connection to the
/// peer once a big request needed one.
struct Sending {
    socket: Arc<UdpSocket>,
    tcp: Option<std::pin::Pin<Box<dyn Sink<Outbound, Error = std::io::Error> + Send>>>,
}

impl Sending {
    /// Sends `request` over TCP to `to` (connecting first), its top Via
    /// saying TCP; what the peer sends back on that connection goes to the
    /// flow (`inbound`).
    async fn over_tcp(&mut self, to: SocketAddr, request: &str, inbound: mpsc::Sender<Inbound>) -> std::io::Result<()> {
        if self.tcp.is_none() {
            let socket = tokio::time::timeout(TCP_CONNECT_TIMEOUT, TcpStream::connect(to))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "TCP connect timed out"))??;
            socket.set_nodelay(true)?;
            let (sink, mut messages) = stream::split(socket);
            tokio::spawn(async move {
                while let Some(item) = messages.next().await {
                    match item {
                        Inbound::Message(_) => {
                            if inbound.send(item).await.is_err() {
                                break; // the flow has ended
                            }
                        }
                        Inbound::Closed | Inbound::Refused(_) | Inbound::Unreadable { .. } => break,
                        Inbound::Heard | Inbound::Ping => {}
                    }
                }
            });
            self.tcp = Some(Box::pin(sink));
        }
        let request = request.replacen("\r\nVia: SIP/2.0/UDP ", "\r\nVia: SIP/2.0/TCP ", 1);
        let sent = match self.tcp.as_mut() {
            Some(tcp) => tcp.send(Outbound::Message(request)).await,
            None => Ok(()),
        };
        if sent.is_err() {
            self.tcp = None; // the next big request connects again
        }
        sent
    }
}
