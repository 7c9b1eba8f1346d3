//! RTP (RFC 3550) for one leg: the stream the bridge sends (its SSRC,
//! sequence numbers and timestamps, random at the start as §5.1 asks, the
//! marker on the first packet) and what it learns of the stream it
//! receives (§6.4.1 and Appendix A.1, A.3: sequence cycles, packets
//! expected and lost) for its receiver reports. Packets are read and
//! written by the `rtp-rs` crate.

use rtp_rs::{RtpPacketBuilder, RtpReader, Seq};

use super::codec::FRAME_SAMPLES;

/// The stream the bridge sends on one leg.
#[derive(Debug)]
pub struct Sender {
    pub ssrc: u32,
    sequence: u16,
    timestamp: u32,
    started: bool,
    /// Sent so far (for RTCP sender reports).
    pub packets: u32,
    pub octets: u32,
}

impl Sender {
    /// A stream with a random SSRC, first sequence number and timestamp.
    pub fn new() -> Sender {
        let mut random = [0u8; 10];
        getrandom::getrandom(&mut random).expect("the system's random numbers");
        Sender {
            ssrc: u32::from_be_bytes(random[0..4].try_into().expect("4 bytes")),
            sequence: u16::from_be_bytes(random[4..6].try_into().expect("2 bytes")),
            timestamp: u32::from_be_bytes(random[6..10].try_into().expect("4 bytes")),
            started: false,
            packets: 0,
            octets: 0,
        }
    }

    /// The next packet: `payload` (one 20 ms frame) as `payload_type`.
    pub fn packet(&mut self, payload_type: u8, payload: &[u8]) -> Vec<u8> {
        let packet = RtpPacketBuilder::new()
            .payload_type(payload_type)
            .ssrc(self.ssrc)
            .sequence(Seq::from(self.sequence))
            .timestamp(self.timestamp)
            .marked(!self.started)
            .payload(payload)
            .build()
            .expect("a payload type below 128 and a frame-sized payload");
        self.started = true;
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload.len() as u32);
        packet
    }

    /// The RTP timestamp the next packet will carry.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }
}

impl Default for Sender {
    fn default() -> Self {
        Sender::new()
    }
}

/// One RTP packet as read: what the bridge uses of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received<'a> {
    pub ssrc: u32,
    pub sequence: u16,
    pub timestamp: u32,
    pub payload_type: u8,
    pub payload: &'a [u8],
}

/// Reads an RTP packet; `None` for anything that is not RTP version 2.
pub fn read(datagram: &[u8]) -> Option<Received<'_>> {
    let rtp = RtpReader::new(datagram).ok()?;
    if rtp.version() != 2 {
        return None;
    }
    Some(Received {
        ssrc: rtp.ssrc(),
        sequence: rtp.sequence_number().into(),
        timestamp: rtp.timestamp(),
        payload_type: rtp.payload_type(),
        payload: rtp.payload(),
    })
}

/// What has been learnt of the received stream (RFC 3550 A.1, A.3).
#[derive(Debug, Default, Clone)]
pub struct ReceiveStats {
    pub ssrc: Option<u32>,
    base_seq: u32,
    max_seq: u16,
    cycles: u32,
    pub received: u64,
    expected_prior: u64,
    received_prior: u64,
}

impl ReceiveStats {
    /// Counts a packet. A new SSRC starts the count again (a phone that
    /// restarted its stream).
    pub fn count(&mut self, ssrc: u32, sequence: u16) {
        if self.ssrc != Some(ssrc) {
            *self = ReceiveStats { ssrc: Some(ssrc), base_seq: sequence as u32, max_seq: sequence, ..ReceiveStats::default() };
        } else {
            let delta = sequence.wrapping_sub(self.max_seq);
            if delta != 0 && delta < 0x8000 {
                if sequence < self.max_seq {
                    self.cycles += 1 << 16;
                }
                self.max_seq = sequence;
            }
        }
        self.received += 1;
    }

    /// The extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(self.max_seq as u32)
    }

    /// Packets expected so far.
    pub fn expected(&self) -> u64 {
        if self.ssrc.is_none() {
            return 0;
        }
        (self.extended_max() as u64 + 1).saturating_sub(self.base_seq as u64)
    }

    /// Packets lost so far (negative with duplicates, as A.3 allows; kept
    /// at zero here).
    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received)
    }

    /// The fraction lost since the last call, in 1/256 (A.3), and moves
    /// the interval on.
    pub fn fraction_lost_since_last(&mut self) -> u8 {
        let expected = self.expected() - self.expected_prior;
        let received = self.received - self.received_prior;
        self.expected_prior = self.expected();
        self.received_prior = self.received;
        if expected == 0 || received >= expected {
            return 0;
        }
        (((expected - received) << 8) / expected).min(255) as u8
    }
}

#[cfg(test)]
mod tests;
