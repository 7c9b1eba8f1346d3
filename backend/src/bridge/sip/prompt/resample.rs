//! Sample-rate conversion for the announcement (espeak-ng's 22,050 Hz to
//! the bridge's 8 kHz), by band-limited interpolation: each output sample
//! is the input around its instant weighted by a windowed sinc (Blackman,
//! [`TAPS`] taps) that also low-passes below the lower rate's Nyquist
//! frequency, so nothing above 4 kHz folds down into the telephone band.
//! The kernel is tabled at [`PHASES`] fractional offsets once per call.
//! Speed is not a concern (a few seconds of speech, once per leg, off
//! the runtime); being right and small is.

use std::f64::consts::PI;

/// Taps of the kernel: its half width in input samples is `TAPS / 2`.
pub const TAPS: usize = 96;
/// Fractional offsets the kernel is tabled at.
pub const PHASES: usize = 256;
/// The cutoff, as a fraction of the lower of the two rates (3.4 kHz at 8 kHz).
const CUTOFF: f64 = 0.425;

/// `input` at `from` Hz, resampled to `to` Hz.
pub fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == 0 || to == 0 || input.is_empty() {
        return Vec::new();
    }
    if from == to {
        return input.to_vec();
    }
    let half = (TAPS / 2) as i64;
    // The cutoff in cycles per input sample.
    let fc = CUTOFF * from.min(to) as f64 / from as f64;
    let table: Vec<f64> = (0..PHASES)
        .flat_map(|phase| {
            let frac = phase as f64 / PHASES as f64;
            let taps: Vec<f64> = (0..TAPS).map(|j| kernel(frac - (j as i64 - half + 1) as f64, fc, half as f64)).collect();
            // Each phase sums to one: a constant stays that constant.
            let sum: f64 = taps.iter().sum();
            taps.into_iter().map(move |t| t / sum)
        })
        .collect();
    let step = from as f64 / to as f64;
    let count = (input.len() as u64 * to as u64 / from as u64) as usize;
    (0..count)
        .map(|n| {
            let t = n as f64 * step;
            let center = t.floor() as i64;
            let phase = (((t - center as f64) * PHASES as f64) as usize).min(PHASES - 1);
            let taps = &table[phase * TAPS..(phase + 1) * TAPS];
            let mut sum = 0.0;
            for (j, tap) in taps.iter().enumerate() {
                let k = center + j as i64 - half + 1;
                if let Some(&x) = usize::try_from(k).ok().and_then(|k| input.get(k)) {
                    sum += x as f64 * tap;
                }
            }
            sum.round().clamp(i16::MIN as f64, i16::MAX as f64) as i16
        })
        .collect()
}

/// The windowed sinc at `x` input samples from its centre.
fn kernel(x: f64, fc: f64, half: f64) -> f64 {
    if x.abs() >= half {
        return 0.0;
    }
    let u = 2.0 * fc * x;
    let sinc = if u == 0.0 { 1.0 } else { (PI * u).sin() / (PI * u) };
    let window = 0.42 + 0.5 * (PI * x / half).cos() + 0.08 * (2.0 * PI * x / half).cos();
    2.0 * fc * sinc * window
}
