//! How the SIP bridge's messages travel ([`Wire`]): one UDP socket to
//! many peers, or one TCP or TLS connection to the trunk that carries
//! every message, opened again when it drops. The signalling task owns it.

use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use crate::sip_link::Link;

/// How the bridge's SIP messages travel.
pub enum Wire {
    /// One UDP socket, to many peers.
    Udp(UdpSocket),
    /// A TCP or TLS connection to the trunk (`sip:host:port;transport=…`),
    /// opened again when it drops.
    Trunk { url: String, link: Option<Link>, retry_at: Instant },
}

impl Wire {
    /// The next message that arrives (never, while a trunk is not connected).
    pub async fn recv(&mut self, buf: &mut [u8]) -> Option<String> {
        match self {
            Wire::Udp(socket) => match socket.recv_from(buf).await {
                Ok((n, _)) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
                // ICMP port unreachable from an earlier send: the timers cope.
                Err(_) => None,
            },
            Wire::Trunk { link, retry_at, .. } => {
                let Some(connected) = link.as_mut() else { return std::future::pending().await };
                let message = connected.recv().await;
                if message.is_none() {
                    tracing::warn!("the connection to the SIP trunk dropped; opening it again");
                    *retry_at = Instant::now();
                    *link = None;
                }
                message
            }
        }
    }

    /// Opens the trunk connection again when it is down and a second has
    /// passed since the last try.
    pub async fn reconnect(&mut self) {
        let Wire::Trunk { url, link: link @ None, retry_at } = self else { return };
        if Instant::now() < *retry_at {
            return;
        }
        *retry_at = Instant::now() + RECONNECT_EVERY;
        match Link::connect(url).await {
            Ok((connected, _)) => {
                tracing::info!(%url, "connected to the SIP trunk");
                *link = Some(connected);
            }
            Err(e) => tracing::warn!(%url, error = %e, "cannot connect to the SIP trunk"),
        }
    }
}

/// How long between tries to open a dropped trunk connection.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);
