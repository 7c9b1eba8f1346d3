//! The bridge's side of the SDP offer/answer exchange (RFC 3264, SDP RFC
//! 8866): every leg's INVITE carries an offer of G.711 µ-law and A-law and
//! RFC 4733 telephone events at 20 ms packets; the phone's answer says
//! where to send RTP and which of the two codecs it took. Answers are
//! parsed by Mozilla's `webrtc-sdp` crate; the offer, a fixed text with
//! three values in it, is written here.

use std::net::{IpAddr, SocketAddr};

use webrtc_sdp::address::ExplicitlyTypedAddress;
use webrtc_sdp::attribute_type::{SdpAttribute, SdpAttributeType};
use webrtc_sdp::media_type::{SdpFormatList, SdpMediaValue};

use super::media::codec::Codec;

/// The dynamic payload type offered for telephone events (RFC 4733).
pub const TELEPHONE_EVENT: u8 = 101;

/// The offer for a leg whose RTP is at `address`:`port` (RTCP on the next
/// port). `session` is the `o=` line's id and version.
pub fn offer(session: u64, address: IpAddr, port: u16) -> String {
    let family = if address.is_ipv6() { "IP6" } else { "IP4" };
    format!(
        "v=0\r\n\
         o=rollcall {session} {session} IN {family} {address}\r\n\
         s=Rollcall\r\n\
         c=IN {family} {address}\r\n\
         t=0 0\r\n\
         m=audio {port} RTP/AVP 0 8 {TELEPHONE_EVENT}\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{TELEPHONE_EVENT} telephone-event/8000\r\n\
         a=fmtp:{TELEPHONE_EVENT} 0-16\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    )
}

/// What an answer settled for a leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Where to send RTP, and RTCP (`a=rtcp`, else the next port).
    pub rtp: SocketAddr,
    pub rtcp: SocketAddr,
    /// The codec the phone chose: the first of its formats we offered.
    pub codec: Codec,
    /// Its payload type for telephone events, if it takes them.
    pub telephone_event: Option<u8>,
    /// The phone sends audio (not `recvonly` or `inactive`).
    pub sends: bool,
}

/// Why an answer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("unreadable SDP: {0}")]
    Unreadable(String),
    #[error("no audio stream in the answer")]
    NoAudio,
    #[error("the audio stream was refused (port 0)")]
    Refused,
    #[error("no codec in common (offered PCMU and PCMA)")]
    NoCodec,
    #[error("no connection address, or a host name (only IP addresses are taken)")]
    NoAddress,
}

/// Reads the phone's answer to [`offer`].
pub fn answer(sdp: &str) -> Result<Answer, SdpError> {
    let session = webrtc_sdp::parse_sdp(sdp, false).map_err(|e| SdpError::Unreadable(e.to_string()))?;
    let media = session.media.iter().find(|m| *m.get_type() == SdpMediaValue::Audio).ok_or(SdpError::NoAudio)?;
    let port = u16::try_from(media.get_port()).map_err(|_| SdpError::Refused)?;
    if port == 0 {
        return Err(SdpError::Refused);
    }
    let formats = match media.get_formats() {
        SdpFormatList::Integers(formats) => formats.clone(),
        _ => Vec::new(),
    };
    let codec =
        formats.iter().find_map(|&pt| u8::try_from(pt).ok().and_then(Codec::from_payload_type)).ok_or(SdpError::NoCodec)?;
    let telephone_event = media.get_attributes_of_type(SdpAttributeType::Rtpmap).into_iter().find_map(|a| match a {
        SdpAttribute::Rtpmap(map) if map.codec_name.eq_ignore_ascii_case("telephone-event") => Some(map.payload_type),
        _ => None,
    });
    let connection = media.get_connection().as_ref().or(session.connection.as_ref()).ok_or(SdpError::NoAddress)?;
    let ExplicitlyTypedAddress::Ip(ip) = connection.address else { return Err(SdpError::NoAddress) };
    let rtcp_port = match media.get_attribute(SdpAttributeType::Rtcp) {
        Some(SdpAttribute::Rtcp(rtcp)) => rtcp.port,
        _ => port.wrapping_add(1),
    };
    let direction = |t: fn() -> SdpAttributeType| media.get_attribute(t()).is_some() || session.get_attribute(t()).is_some();
    let sends = !direction(|| SdpAttributeType::Recvonly) && !direction(|| SdpAttributeType::Inactive);
    Ok(Answer { rtp: SocketAddr::new(ip, port), rtcp: SocketAddr::new(ip, rtcp_port), codec, telephone_event, sends })
}

#[cfg(test)]
mod tests;
