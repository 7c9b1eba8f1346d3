//! The keys a phone presses, as RFC 4733 telephone events in its RTP
//! stream (the payload type its SDP answer gave `telephone-event`).
//!
//! One key press is one event: a run of packets that share an RTP
//! timestamp, each saying how long the key has been held so far, the last
//! (the end bit set) sent three times (§2.5.1.4). A key is reported once,
//! at the first packet of its event that arrives — whichever that is, so a
//! lost start still counts and the repeated ends never count twice.
//!
//! What a phone sends is not trusted to be a person's pace: a new event is
//! taken at most every [`MIN_GAP`] of arrival time (DTMF itself needs
//! 40 ms of tone and 40 ms of pause, ITU-T Q.24), so a phone sending an
//! event in every packet costs a digit per 40 ms at most, never a queue.

/// The least arrival time between two keys taken, in 8 kHz units (40 ms).
pub const MIN_GAP: u64 = 320;

/// One telephone-event packet's payload (§2.3), as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The key: `0`–`9`, `*`, `#`, `A`–`D`.
    pub key: char,
    /// The end bit: the key was released.
    pub end: bool,
    /// How long the key has been held, in timestamp units.
    pub duration: u16,
}

/// The key of DTMF event code `code` (§3.2): 0–9, then `*` (10), `#`
/// (11), `A`–`D` (12–15); anything else (flash, tones) is no key.
pub fn key(code: u8) -> Option<char> {
    match code {
        0..=9 => Some((b'0' + code) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + code - 12) as char),
        _ => None,
    }
}

/// Reads a telephone-event payload; `None` when it is shorter than one
/// event or names no key. Only the first event of a payload is read (the
/// others, when a phone stacks several, are earlier ones repeated).
pub fn read(payload: &[u8]) -> Option<Event> {
    let [code, flags, high, low, ..] = *payload else { return None };
    Some(Event { key: key(code)?, end: flags & 0x80 != 0, duration: u16::from_be_bytes([high, low]) })
}

/// The keys of one incoming stream, each reported once.
#[derive(Debug, Default)]
pub struct Keys {
    /// The RTP timestamp of the last event reported, and when (8 kHz
    /// arrival units) it was.
    last: Option<(u32, u64)>,
}

impl Keys {
    /// A telephone-event packet with RTP `timestamp` and `payload`,
    /// arriving at `arrival` (8 kHz units): the key, if this is the first
    /// packet of a new key press.
    pub fn packet(&mut self, timestamp: u32, payload: &[u8], arrival: u64) -> Option<char> {
        let event = read(payload)?;
        if let Some((last, at)) = self.last {
            if last == timestamp || arrival.saturating_sub(at) < MIN_GAP {
                return None;
            }
        }
        self.last = Some((timestamp, arrival));
        Some(event.key)
    }
}

#[cfg(test)]
mod tests;
