//! The SIP interface (10) and the conference bridge behind it (16A) of the
//! seed's Figure 1: every leg is a SIP call placed through a trunk (or a
//! route to a PBX or phone), its audio mixed here with the others of its
//! conference. `rollcall serve --bridge sip` runs it instead of the
//! simulated network; docs/operations.md says how to point it at a
//! carrier or a PBX.
//!
//! | part | here |
//! |---|---|
//! | the driver the conference service holds | [`SipBridge`] |
//! | the calls: dialling, progress, hang-up, routes | [`signalling`] |
//! | how its SIP messages travel (UDP, or TCP/TLS to the trunk) | [`wire`] |
//! | what a call's end means to the conference (Q.850) | [`outcome`] |
//! | the keys a phone sends as SIP INFO | [`info`] |
//! | the offer/answer of each leg | [`sdp`] |
//! | one conference's mix, 20 ms at a time | [`room`] |
//! | the audio: codecs, RTP and RTCP, jitter buffer, the mix | [`media`] |
//! | the RTP port range | [`ports`] |
//! | the announcement a screened leg hears (espeak-ng, resampling) | [`prompt`] |

pub mod info;
pub mod media;
pub mod outcome;
pub mod ports;
pub mod prompt;
pub mod room;
pub mod sdp;
pub mod signalling;
pub mod wire;

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rollcall_shared::sip::{self, Transport};
use rollcall_shared::soap::is_e164;
use rollcall_shared::sync::LockExt;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use self::ports::PortPool;
use self::signalling::{Command, Plan, Signalling};
use crate::bridge::{BridgeDriver, BridgeError, Dial, EventReceiver, LegId};

/// How the SIP bridge reaches phones.
#[derive(Debug, Clone)]
pub struct SipBridgeConfig {
    /// The carrier's or PBX's address, `host[:port]`: numbers no route
    /// takes are dialled at `sip:<number>@<trunk>`.
    pub trunk: Option<String>,
    /// How the trunk is reached: UDP, or one TCP or TLS connection that
    /// carries every message (`;transport=tcp`, `;transport=tls`, `sips:`).
    pub trunk_transport: Transport,
    /// Number prefixes dialled elsewhere (`+1425555=10.0.0.5:5060`), the
    /// longest match first.
    pub routes: Vec<(String, String)>,
    /// Credentials for the trunk's digest challenges.
    pub user: String,
    pub password: String,
    /// The domain of the caller-ID address (`sip:<account>@<domain>`).
    pub domain: String,
    /// Where the bridge's SIP socket listens (UDP).
    pub sip_bind: SocketAddr,
    /// The address phones reach the bridge at: in SDP, Via and Contact.
    pub media_address: IpAddr,
    /// RTP ports, even ones for RTP and the next for RTCP.
    pub rtp_ports: (u16, u16),
    /// How long a leg may ring before it is `no-answer`.
    pub ring_timeout: Duration,
    /// How long an answered leg may send no RTP before it is ended.
    pub silence_limit: Duration,
}

/// The `host[:port]` and transport of a trunk given as
/// `sip:HOST[:PORT][;transport=udp|tcp|tls]`, `sips:HOST[:PORT]` (TLS) or
/// bare `HOST[:PORT]` (UDP).
pub fn trunk(uri: &str) -> Result<(String, Transport), String> {
    let (mut transport, rest) = match uri.strip_prefix("sips:") {
        Some(rest) => (Transport::Tls, rest),
        None => (Transport::Udp, uri.strip_prefix("sip:").unwrap_or(uri)),
    };
    let (hostport, params) = rest.split_once(';').unwrap_or((rest, ""));
    for param in params.split(';').filter(|p| !p.is_empty()) {
        transport = match param.split_once('=').map(|(n, v)| (n, v.to_ascii_lowercase())) {
            Some(("transport", v)) if v == "udp" && transport != Transport::Tls => Transport::Udp,
            Some(("transport", v)) if v == "tcp" && transport != Transport::Tls => Transport::Tcp,
            Some(("transport", v)) if v == "tls" => Transport::Tls,
            Some(("transport", v)) => return Err(format!("transport={v}: the SIP bridge speaks UDP, TCP and TLS")),
            _ => return Err(format!("unknown trunk parameter `{param}`")),
        };
    }
    Ok((trunk_host(hostport, uri)?, transport))
}

/// `host[:port]` checked as a SIP URI's host part.
fn trunk_host(hostport: &str, uri: &str) -> Result<String, String> {
    let host = sip::uri_hop(&format!("sip:{hostport}")).map_err(|e| format!("`{uri}` is not a SIP address: {e}"))?;
    if hostport.contains('@') {
        return Err(format!("`{uri}`: a trunk is a host, without a user part"));
    }
    Ok(if hostport.contains(':') && !hostport.ends_with(']') { host.address() } else { host.host })
}

/// A route as `--sip-route PREFIX=HOST[:PORT]` gives it.
pub fn route(text: &str) -> Result<(String, String), String> {
    let (prefix, target) = text.split_once('=').ok_or_else(|| format!("`{text}`: want PREFIX=HOST[:PORT]"))?;
    if !prefix.starts_with('+') || !prefix[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{prefix}`: a route's prefix is the start of an E.164 number (+1425…)"));
    }
    match trunk(target)? {
        (host, Transport::Udp) => Ok((prefix.to_owned(), host)),
        _ => Err(format!("`{target}`: routes are reached over UDP (a TCP or TLS trunk carries every call itself)")),
    }
}

/// The driver: fire-and-forget commands to the signalling task.
pub struct SipBridge {
    commands: mpsc::UnboundedSender<Command>,
    in_use: Arc<Mutex<HashSet<LegId>>>,
    local: SocketAddr,
}

impl SipBridge {
    /// Binds the SIP socket and starts the bridge; its events arrive on
    /// the receiver.
    pub async fn start(config: SipBridgeConfig) -> std::io::Result<(SipBridge, EventReceiver)> {
        let socket = UdpSocket::bind(config.sip_bind).await?;
        let local = socket.local_addr()?;
        let (events, events_rx) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (room_events, room_events_rx) = mpsc::unbounded_channel();
        let in_use = Arc::new(Mutex::new(HashSet::new()));
        let pool = PortPool::new(config.rtp_ports.0, config.rtp_ports.1, config.media_address);
        let trunk = config.trunk.clone().map(|host| (host, config.trunk_transport));
        let plan = Plan {
            trunk: config.trunk,
            routes: config.routes,
            domain: config.domain,
            media_address: config.media_address,
            ring_timeout: config.ring_timeout,
            silence_limit: config.silence_limit,
        };
        let signalling =
            Signalling::new(socket, trunk, plan, config.user, config.password, pool, events, Arc::clone(&in_use), room_events)
                .await?;
        tokio::spawn(signalling.run(commands_rx, room_events_rx));
        tracing::info!(%local, "SIP bridge listening (UDP)");
        Ok((SipBridge { commands, in_use, local }, events_rx))
    }

    /// The bridge's SIP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    fn command(&self, command: Command) -> Result<(), BridgeError> {
        self.commands.send(command).map_err(|_| BridgeError::Unavailable("the SIP bridge has stopped".into()))
    }
}

impl BridgeDriver for SipBridge {
    fn place(&self, call: &Dial<'_>) -> Result<(), BridgeError> {
        let Dial { room, leg, number, caller, announcement } = *call;
        if !is_e164(number) {
            return Err(BridgeError::InvalidNumber(number.to_owned()));
        }
        if !self.in_use.locked().insert(leg) {
            return Err(BridgeError::LegInUse(leg));
        }
        let command = Command::Dial {
            room: room.to_owned(),
            leg,
            number: number.to_owned(),
            caller: caller.to_owned(),
            announcement: announcement.map(str::to_owned),
        };
        self.command(command).inspect_err(|_| {
            self.in_use.locked().remove(&leg);
        })
    }

    fn admit(&self, leg: LegId) {
        let _ = self.command(Command::Admit(leg));
    }

    fn set_muted(&self, leg: LegId, muted: bool) {
        let _ = self.command(Command::Mute(leg, muted));
    }

    fn hang_up(&self, leg: LegId) {
        let _ = self.command(Command::HangUp(leg));
    }

    fn crash(&self, legs: &[LegId]) -> Result<(), BridgeError> {
        self.command(Command::Crash(legs.to_vec()))
    }

    fn live_calls(&self) -> usize {
        self.in_use.locked().len()
    }
}

#[cfg(test)]
mod tests;
