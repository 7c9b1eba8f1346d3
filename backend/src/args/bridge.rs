//! `--bridge` and the SIP bridge's flags (docs/operations.md, "Real phone
//! calls").

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use rollcall::bridge::sip::{self as sip_bridge, SipBridgeConfig};

/// Which conference bridge the conference web service drives
/// (docs/operations.md, "Real phone calls").
#[derive(Args)]
pub(crate) struct BridgeArgs {
    /// `simulator`: the simulated telephone network (nothing to set up);
    /// `sip`: real calls through a SIP trunk (--sip-trunk or --sip-route).
    #[arg(long, default_value = "simulator", value_parser = ["simulator", "sip"], env = "ROLLCALL_BRIDGE")]
    pub(crate) bridge: String,
    /// The carrier's or PBX's SIP address: numbers are dialled at
    /// sip:NUMBER@HOST[:PORT], over UDP, or over one TCP or TLS connection
    /// with `;transport=tcp`, `;transport=tls` or `sips:`.
    #[arg(long, value_name = "sip:HOST[:PORT][;transport=udp|tcp|tls]", env = "ROLLCALL_SIP_TRUNK")]
    pub(crate) sip_trunk: Option<String>,
    /// The user name for the trunk's digest challenges.
    #[arg(long, env = "ROLLCALL_SIP_TRUNK_USER", default_value = "rollcall")]
    pub(crate) sip_trunk_user: String,
    #[arg(long, env = "ROLLCALL_SIP_TRUNK_PASSWORD", default_value = "")]
    pub(crate) sip_trunk_password: String,
    /// Numbers starting with PREFIX go to HOST[:PORT] instead of the
    /// trunk (a PBX's extensions, a desk phone); repeat for more.
    #[arg(long = "sip-route", value_name = "PREFIX=HOST[:PORT]", env = "ROLLCALL_SIP_ROUTES", value_delimiter = ',')]
    pub(crate) sip_routes: Vec<String>,
    /// RTP ports for the calls' audio: two a call (RTP, RTCP).
    #[arg(long, default_value = "40000-40999", value_name = "LOW-HIGH", env = "ROLLCALL_RTP_PORTS")]
    pub(crate) rtp_ports: String,
    /// The address phones and the trunk reach the bridge at (in SDP, Via
    /// and Contact): this machine's public or LAN address.
    #[arg(long, default_value = "127.0.0.1", env = "ROLLCALL_MEDIA_ADDRESS")]
    pub(crate) media_address: std::net::IpAddr,
    /// Where the bridge's own SIP socket listens (UDP).
    #[arg(long, default_value = "0.0.0.0:5080", env = "ROLLCALL_BRIDGE_SIP")]
    pub(crate) bridge_sip: SocketAddr,
    /// The host of the caller-ID address, sip:ACCOUNT@HOST (default: the
    /// SIP domain; for `conference-service`, the media address).
    #[arg(long, env = "ROLLCALL_SIP_FROM_DOMAIN")]
    pub(crate) sip_from_domain: Option<String>,
    /// How long a phone may ring before the call is `no-answer`, in ms.
    #[arg(long, default_value_t = 45_000, env = "ROLLCALL_RING_TIMEOUT_MS")]
    pub(crate) ring_timeout_ms: u64,
    /// How long an answered call may send no audio before it is ended, in ms.
    #[arg(long, default_value_t = 30_000, env = "ROLLCALL_RTP_TIMEOUT_MS")]
    pub(crate) rtp_timeout_ms: u64,
}

impl BridgeArgs {
    /// The SIP bridge's configuration with `--bridge sip`; `None` for the
    /// simulator. `domain` is the caller ID's host unless --sip-from-domain.
    pub(crate) fn sip(&self, domain: Option<&str>) -> anyhow::Result<Option<SipBridgeConfig>> {
        if self.bridge != "sip" {
            return Ok(None);
        }
        let trunk = self.sip_trunk.as_deref().map(sip_bridge::trunk).transpose().map_err(anyhow::Error::msg)?;
        let (trunk, trunk_transport) = match trunk {
            Some((host, transport)) => (Some(host), transport),
            None => (None, rollcall_shared::sip::Transport::Udp),
        };
        let routes =
            self.sip_routes.iter().map(|r| sip_bridge::route(r)).collect::<Result<Vec<_>, _>>().map_err(anyhow::Error::msg)?;
        if trunk.is_none() && routes.is_empty() {
            anyhow::bail!("--bridge sip needs --sip-trunk or at least one --sip-route");
        }
        let (low, high) = self
            .rtp_ports
            .split_once('-')
            .and_then(|(l, h)| Some((l.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)))
            .filter(|(l, h)| l < h)
            .ok_or_else(|| anyhow::anyhow!("--rtp-ports `{}`: want LOW-HIGH, e.g. 40000-40999", self.rtp_ports))?;
        Ok(Some(SipBridgeConfig {
            trunk,
            trunk_transport,
            routes,
            user: self.sip_trunk_user.clone(),
            password: self.sip_trunk_password.clone(),
            domain: self.sip_from_domain.clone().or(domain.map(str::to_owned)).unwrap_or_else(|| self.media_address.to_string()),
            sip_bind: self.bridge_sip,
            media_address: self.media_address,
            rtp_ports: (low, high),
            ring_timeout: Duration::from_millis(self.ring_timeout_ms),
            silence_limit: Duration::from_millis(self.rtp_timeout_ms),
        }))
    }
}
