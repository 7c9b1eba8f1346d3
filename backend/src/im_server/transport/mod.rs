//! How SIP reaches the IM server (RFC 3261 §18, RFC 7118): each transport
//! turns its bytes into whole SIP messages for a [`super::connection`] and
//! carries that connection's messages back, so that digest, identity, the
//! From check, logging and limits are one implementation for all of them.
//!
//! - [`websocket`]: SIP over WebSocket at `/sip` (RFC 7118), `WS` or `WSS`.
//! - [`stream`]: SIP over TCP or TLS, cut into messages by [`framing`].
//! - [`tcp`]: the SIP port's TCP (and TLS) listener.
//! - [`udp`]: SIP over UDP on the same port, one flow per peer address.
//! - [`ports`]: opening them (`--sip`, `--sip-tls`).

pub mod framing;
pub mod ports;
pub mod stream;
pub mod tcp;
pub mod udp;
pub mod websocket;

use std::net::SocketAddr;

pub use rollcall_shared::sip::Transport;

/// Where a connection's messages come from.
#[derive(Debug, Clone)]
pub struct Peer {
    pub addr: SocketAddr,
    pub transport: Transport,
    /// The host[:port] this server puts in the Vias of what it sends on the
    /// connection (RFC 3261 §18.1.1): where a UDP peer sends its answers.
    pub sent_by: String,
}

/// Why the server ends a connection: a WebSocket close code (RFC 6455
/// §7.4.1) and a reason for the peer. Transports without close frames just
/// close.
pub type Closing = (u16, &'static str);

/// RFC 6455 §7.4.1 close codes, the connection's vocabulary for why it ends.
pub mod close_code {
    pub const GOING_AWAY: u16 = 1001;
    pub const INVALID_DATA: u16 = 1007;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
}

/// What a transport hands its connection.
#[derive(Debug)]
pub enum Inbound {
    /// One SIP message's text (or a keep-alive the handler ignores).
    Message(String),
    /// Traffic that is not a message (a WebSocket ping or pong): the peer
    /// is alive.
    Heard,
    /// A keep-alive ping (RFC 5626 §3.5.1 double CRLF): answer with a pong.
    Ping,
    /// Bytes the transport could not make a message of, and cannot read
    /// past: the header section (to answer `status` from, when it is a
    /// request); the connection then ends.
    Unreadable { head: String, status: u16 },
    /// The peer closed the connection.
    Closed,
    /// The peer broke the transport's rules; the connection ends so.
    Refused(Closing),
}

/// What a connection hands its transport.
#[derive(Debug)]
pub enum Outbound {
    Message(String),
    /// Is the peer still there? (A WebSocket ping, a double CRLF.)
    Ping,
    /// The answer to the peer's keep-alive ping (a CRLF).
    Pong,
    /// The last thing sent: the connection ends, for this reason.
    Close(Closing),
}
