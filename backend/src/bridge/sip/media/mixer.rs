//! The conference mix: every listener hears everyone but themselves
//! ("N−1"), at 8 kHz in 20 ms frames.
//!
//! The frame of all talkers is summed once in 32 bits; each listener's
//! mix is that sum less their own voice, so a frame costs one pass over
//! every talker and one over every listener, not N². Where a sum would
//! clip, a limiter per listener lowers the gain at once (to exactly what
//! fits) and lets it recover slowly (back to unity over about half a
//! second), so loud moments are turned down as a whole instead of
//! clipped sample by sample into distortion.

use super::codec::{Frame, FRAME_SAMPLES};

/// Unity gain in Q15.
const UNITY: i32 = 1 << 15;
/// How much gain a frame may recover (Q15): unity from silence in 25 frames.
const RELEASE_PER_FRAME: i32 = UNITY / 25;

/// One listener's limiter.
#[derive(Debug, Clone, Copy)]
struct Limiter {
    /// Q15, at most [`UNITY`].
    gain: i32,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { gain: UNITY }
    }
}

impl Limiter {
    /// `mix` at this limiter's gain, into `out`, the gain lowered first if
    /// even that would clip.
    fn apply(&mut self, mix: &[i32; FRAME_SAMPLES], out: &mut Frame) {
        let peak = mix.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0) as i64;
        let fits = if peak > i16::MAX as i64 { ((i16::MAX as i64) * UNITY as i64 / peak) as i32 } else { UNITY };
        self.gain = (self.gain + RELEASE_PER_FRAME).min(UNITY).min(fits);
        if self.gain == UNITY {
            for (o, &s) in out.iter_mut().zip(mix) {
                *o = s as i16; // fits: peak ≤ i16::MAX
            }
        } else {
            let gain = self.gain as i64;
            for (o, &s) in out.iter_mut().zip(mix) {
                *o = ((s as i64 * gain) >> 15).clamp(i16::MIN as i64, i16::MAX as i64) as i16;
            }
        }
    }
}

/// A room's mixer: one limiter per listener slot.
#[derive(Debug)]
pub struct Mixer {
    limiters: Vec<Limiter>,
    sum: [i32; FRAME_SAMPLES],
}

impl Default for Mixer {
    fn default() -> Self {
        Mixer { limiters: Vec::new(), sum: [0; FRAME_SAMPLES] }
    }
}

impl Mixer {
    /// Mixes one frame. `inputs[i]` is what participant `i` said this
    /// frame (`None`: nothing arrived, or muted); `outputs[i]` becomes what
    /// participant `i` hears. Both have one entry per participant, in the
    /// same order, kept from frame to frame (the limiters are per slot).
    pub fn mix(&mut self, inputs: &[Option<Frame>], outputs: &mut [Frame]) {
        assert_eq!(inputs.len(), outputs.len(), "one output per input");
        self.limiters.resize(inputs.len(), Limiter::default());
        self.sum = [0; FRAME_SAMPLES];
        for frame in inputs.iter().flatten() {
            for (s, &x) in self.sum.iter_mut().zip(frame.iter()) {
                *s += x as i32;
            }
        }
        let sum = &self.sum;
        let mut own = [0i32; FRAME_SAMPLES];
        for ((input, output), limiter) in inputs.iter().zip(outputs.iter_mut()).zip(self.limiters.iter_mut()) {
            match input {
                None => limiter.apply(sum, output),
                Some(mine) => {
                    for ((o, &s), &m) in own.iter_mut().zip(sum).zip(mine.iter()) {
                        *o = s - m as i32;
                    }
                    limiter.apply(&own, output);
                }
            }
        }
    }

    /// Forget slot `index`'s limiter (its participant left; the slots
    /// after it move up).
    pub fn remove(&mut self, index: usize) {
        if index < self.limiters.len() {
            self.limiters.remove(index);
        }
    }
}

#[cfg(test)]
mod tests;
