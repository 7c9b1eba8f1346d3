//! One SIP-over-WebSocket connection: a reader that handles each text frame
//! in order, a writer fed by a channel, and the message log in between.
//! Every message is logged before it is acted on (in) or sent (out).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tracing::{debug, info, warn, Instrument};

use super::{handler, ImServer, Stats};
use crate::store::Direction;

/// The WebSocket layer refuses frames above this; SIP's own limit
/// (64 KiB, answered with 513) sits below it so that it can be answered.
pub const MAX_FRAME_BYTES: usize = 256 * 1024;

/// After this many unparseable messages in a row the connection is closed.
const MAX_GARBAGE_IN_A_ROW: u32 = 10;

/// What other tasks hold to reach a connection.
pub struct Connection {
    pub id: u64,
    pub peer: String,
    /// The peer's address, which limits and failure counters go by.
    pub peer_ip: std::net::IpAddr,
    tx: mpsc::UnboundedSender<String>,
    /// The user this connection last authenticated as (logged with each message).
    user: Mutex<Option<String>>,
    /// Set as soon as the peer has gone, before its bindings are dropped.
    closed: AtomicBool,
}

impl Connection {
    pub fn user(&self) -> Option<String> {
        self.user.lock().map(|u| u.clone()).unwrap_or(None)
    }

    /// The peer has gone: nothing sent now will be answered.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub fn set_user(&self, user: &str) {
        if let Ok(mut u) = self.user.lock() {
            *u = Some(user.to_string());
        }
    }

    /// Logs `message` and queues it for sending. A closed connection is not
    /// an error here: the message is logged and dropped, and the relay
    /// answers for it (`relay::Relay::connection_closed`).
    pub async fn send(&self, server: &ImServer, message: String) {
        let user = self.user();
        if let Err(e) = server.store.message_log().record(self.id, &self.peer, Direction::Out, user.as_deref(), &message).await {
            warn!(error = %e, "message log write failed; not sending");
            return;
        }
        Stats::count(&server.stats.sent);
        let _ = self.tx.send(message);
    }
}

/// Runs one connection until the peer closes it, then drops its bindings.
pub async fn serve(server: Arc<ImServer>, socket: WebSocket, peer: SocketAddr) {
    let id = server.next_connection_id();
    let span = tracing::info_span!("ws", conn = id, %peer);
    async move {
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let conn = Arc::new(Connection { id, peer: peer.to_string(), peer_ip: peer.ip(), tx, user: Mutex::new(None), closed: AtomicBool::new(false) });
        info!("connected");

        let writer = tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        let mut garbage_in_a_row = 0;
        while let Some(frame) = stream.next().await {
            let text = match frame {
                Ok(Message::Text(t)) => t.to_string(),
                Ok(Message::Binary(b)) => match String::from_utf8(b.to_vec()) {
                    Ok(t) => t,
                    Err(_) => {
                        Stats::count(&server.stats.dropped);
                        continue;
                    }
                },
                Ok(Message::Close(_)) => break,
                Ok(_) => continue, // ping/pong are answered by the WebSocket layer
                Err(e) => {
                    debug!(error = %e, "read failed");
                    break;
                }
            };
            Stats::count(&server.stats.received);
            if let Err(e) = server.store.message_log().record(id, &conn.peer, Direction::In, conn.user().as_deref(), &text).await {
                warn!(error = %e, "message log write failed; message not processed");
                continue;
            }
            if handler::handle(&server, &conn, &text).await {
                garbage_in_a_row = 0;
            } else {
                garbage_in_a_row += 1;
                if garbage_in_a_row >= MAX_GARBAGE_IN_A_ROW {
                    warn!("closing: too much unparseable input");
                    break;
                }
            }
        }

        // First mark it closed, then answer the forks waiting on it: a fork
        // registered after that sees the mark (relay::forward).
        conn.closed.store(true, Ordering::SeqCst);
        server.relay.connection_closed(id);
        super::presence::connection_closed(&server, id);
        for aor in server.registrar.remove_connection(id) {
            super::presence::changed(&server, &aor).await;
        }
        drop(conn);
        writer.abort();
        info!("disconnected");
    }
    .instrument(span)
    .await
}
