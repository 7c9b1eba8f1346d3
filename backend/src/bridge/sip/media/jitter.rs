//! A small adaptive jitter buffer for one incoming stream of 20 ms frames.
//!
//! Frames are kept by RTP timestamp and played one a tick. Playing starts
//! (and starts again after running dry) once the buffer holds the target
//! depth, which follows the stream's measured interarrival jitter (RFC 3550
//! §6.4.1): twice the jitter plus one frame, between [`MIN_DEPTH`] and
//! [`MAX_DEPTH`] frames. A frame that arrives after its turn is dropped; a
//! missing one is played as nothing (the mixer hears silence from that
//! leg). The buffer never holds more than [`CAPACITY`] frames: a stream
//! that runs ahead of the clock loses its oldest frames, counted.

use std::collections::BTreeMap;

use super::codec::{Frame, FRAME_SAMPLES};

/// The least depth played from, in frames (20 ms).
pub const MIN_DEPTH: u32 = 1;
/// The most depth the target grows to, in frames (200 ms).
pub const MAX_DEPTH: u32 = 10;
/// The most frames held, whatever arrives.
pub const CAPACITY: usize = 50;

const STEP: u32 = FRAME_SAMPLES as u32;

/// What happened to the frames of a stream, for its quality figure.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JitterStats {
    pub played: u64,
    /// Turns with nothing to play while playing (lost or late frames).
    pub missing: u64,
    /// Frames that came after their turn.
    pub late: u64,
    /// Frames dropped because the buffer was full.
    pub overflow: u64,
    /// Times the buffer ran dry and waited to fill again.
    pub underruns: u64,
}

#[derive(Debug, Default)]
pub struct JitterBuffer {
    /// By extended timestamp: the RTP timestamp unwrapped (RFC 3550 A.1's
    /// idea, for timestamps), so that order survives the wrap at 2³².
    frames: BTreeMap<i64, Frame>,
    /// The extended timestamp to play next, once playing.
    next: Option<i64>,
    /// The last timestamp seen and its extended value.
    last: Option<(u32, i64)>,
    /// Interarrival jitter in timestamp units (RFC 3550 A.8), and the last
    /// transit time it was measured from.
    jitter: f64,
    transit: Option<i64>,
    pub stats: JitterStats,
}

impl JitterBuffer {
    /// The current target depth, in frames.
    pub fn target_depth(&self) -> u32 {
        let frames = (2.0 * self.jitter / STEP as f64).ceil() as u32 + 1;
        frames.clamp(MIN_DEPTH, MAX_DEPTH)
    }

    /// The interarrival jitter, in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter / 8.0
    }

    /// `timestamp` unwrapped: within 2³¹ of the last one seen.
    fn extend(&mut self, timestamp: u32) -> i64 {
        let extended = match self.last {
            None => timestamp as i64,
            Some((last, last_extended)) => last_extended + timestamp.wrapping_sub(last) as i32 as i64,
        };
        self.last = Some((timestamp, extended));
        extended
    }

    /// A frame with RTP `timestamp`, arriving at `arrival` (in the same
    /// 8 kHz units, from any origin).
    pub fn push(&mut self, timestamp: u32, arrival: u64, frame: Frame) {
        let key = self.extend(timestamp);
        // RFC 3550 A.8: J += (|D| - J) / 16.
        let transit = arrival as i64 - key;
        if let Some(previous) = self.transit.replace(transit) {
            self.jitter += ((transit - previous).abs() as f64 - self.jitter) / 16.0;
        }
        if self.next.is_some_and(|next| key < next) {
            self.stats.late += 1;
            return;
        }
        self.frames.insert(key, frame);
        while self.frames.len() > CAPACITY {
            self.frames.pop_first();
            self.stats.overflow += 1;
        }
    }

    /// The frame to play this tick, if any.
    pub fn pop(&mut self) -> Option<Frame> {
        let Some(&first) = self.frames.keys().next() else {
            if self.next.is_some() {
                self.ran_dry();
            }
            return None;
        };
        let next = match self.next {
            // Playing, and what is held is not too far on (a new talkspurt
            // after a pause, frames dropped for room): go on in turn.
            Some(next) if first - next <= (MAX_DEPTH * STEP) as i64 => next,
            Some(_) => first,
            // Not playing: start once the target depth is there.
            None if (self.frames.len() as u32) < self.target_depth() => return None,
            None => first,
        };
        self.next = Some(next + STEP as i64);
        match self.frames.remove(&next) {
            Some(frame) => {
                self.stats.played += 1;
                Some(frame)
            }
            None => {
                self.stats.missing += 1;
                None
            }
        }
    }

    /// Called when a tick found the buffer empty while playing: it waits
    /// to fill to the target depth again.
    fn ran_dry(&mut self) {
        self.next = None;
        self.stats.underruns += 1;
        self.stats.missing += 1;
    }

    /// Frames held now.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

#[cfg(test)]
mod tests;
