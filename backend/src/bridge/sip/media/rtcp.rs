//! RTCP (RFC 3550 §6) as the bridge needs it, written here: the few
//! fixed-layout packets below are shorter to write than to adapt a
//! general crate's types to (the maintained ones come with a WebRTC
//! stack's worth of dependencies).
//!
//! - What it sends on each leg, every few seconds: a compound packet of a
//!   receiver report (PT 201) with one report block on the phone's stream,
//!   and an SDES with its CNAME (§6.1: every compound packet has one).
//! - What it reads: sender reports (PT 200, for the LSR/DLSR of its own
//!   reports) and the report blocks phones send about the bridge's
//!   stream; the rest is skipped by its length.

/// One report block (§6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The stream reported on.
    pub ssrc: u32,
    /// Lost since the last report, in 1/256.
    pub fraction_lost: u8,
    /// Lost since the start (24 bits, clamped).
    pub cumulative_lost: u32,
    pub extended_highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// The middle 32 bits of the NTP time of the last sender report
    /// received from `ssrc`, and the delay since, in 1/65536 s.
    pub last_sr: u32,
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        let lost = self.cumulative_lost.min(0x7F_FFFF);
        out.extend_from_slice(&(((self.fraction_lost as u32) << 24) | lost).to_be_bytes());
        out.extend_from_slice(&self.extended_highest_sequence.to_be_bytes());
        out.extend_from_slice(&self.jitter.to_be_bytes());
        out.extend_from_slice(&self.last_sr.to_be_bytes());
        out.extend_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }

    fn read(b: &[u8]) -> ReportBlock {
        let word = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        ReportBlock {
            ssrc: word(0),
            fraction_lost: b[4],
            cumulative_lost: word(4) & 0xFF_FFFF,
            extended_highest_sequence: word(8),
            jitter: word(12),
            last_sr: word(16),
            delay_since_last_sr: word(20),
        }
    }
}

/// What a compound packet from a phone said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heard {
    /// From a sender report: its SSRC and the middle 32 bits of its NTP time.
    pub sender_report: Option<(u32, u32)>,
    /// Report blocks, from sender and receiver reports.
    pub blocks: Vec<ReportBlock>,
    /// A BYE came.
    pub bye: bool,
}

const SR: u8 = 200;
const RR: u8 = 201;
const SDES: u8 = 202;
const BYE: u8 = 203;
/// Report blocks read from one compound packet at most.
const MAX_BLOCKS: usize = 31;

/// A receiver report from `ssrc` (with `block`, once something was
/// received) and an SDES carrying `cname`.
pub fn receiver_report(ssrc: u32, block: Option<ReportBlock>, cname: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let count = block.is_some() as u8;
    out.extend_from_slice(&[0x80 | count, RR]);
    out.extend_from_slice(&(1 + 6 * count as u16).to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(block) = block {
        block.write(&mut out);
    }
    // SDES: one chunk, the CNAME item, then zeros to a 32-bit boundary
    // (at least one: the list's end).
    let cname = &cname.as_bytes()[..cname.len().min(255)];
    let mut chunk = ssrc.to_be_bytes().to_vec();
    chunk.extend_from_slice(&[1, cname.len() as u8]);
    chunk.extend_from_slice(cname);
    chunk.push(0);
    while !chunk.len().is_multiple_of(4) {
        chunk.push(0);
    }
    out.extend_from_slice(&[0x81, SDES]);
    out.extend_from_slice(&((chunk.len() / 4) as u16).to_be_bytes());
    out.extend_from_slice(&chunk);
    out
}

/// Reads a compound packet; `None` if it is not RTCP version 2 or a
/// length does not add up.
pub fn read(datagram: &[u8]) -> Option<Heard> {
    let mut heard = Heard::default();
    let mut rest = datagram;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        if rest.len() < 4 || rest[0] >> 6 != 2 {
            return None;
        }
        let count = (rest[0] & 0x1F) as usize;
        let kind = rest[1];
        let len = (u16::from_be_bytes([rest[2], rest[3]]) as usize + 1) * 4;
        if len > rest.len() {
            return None;
        }
        let body = &rest[4..len];
        let blocks_at = match kind {
            SR if body.len() >= 24 => {
                let ssrc = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let middle = u32::from_be_bytes(body[6..10].try_into().ok()?);
                heard.sender_report = Some((ssrc, middle));
                Some(24)
            }
            RR if body.len() >= 4 => Some(4),
            BYE => {
                heard.bye = true;
                None
            }
            _ => None,
        };
        if let Some(at) = blocks_at {
            for block in body[at..].chunks_exact(24).take(count) {
                if heard.blocks.len() < MAX_BLOCKS {
                    heard.blocks.push(ReportBlock::read(block));
                }
            }
        }
        rest = &rest[len..];
    }
    Some(heard)
}

#[cfg(test)]
mod tests;
