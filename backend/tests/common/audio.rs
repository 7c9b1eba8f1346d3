//! What a phone heard, from the WAV file baresip's `aufile` player wrote:
//! samples, and how strong a tone is in them (the Goertzel algorithm).

#![allow(dead_code)]

use std::path::Path;

/// Mono samples (the first channel) and their rate.
pub struct Recording {
    pub rate: u32,
    pub samples: Vec<i16>,
}

impl Recording {
    /// Reads a 16-bit PCM WAV file. A file whose writer did not finish
    /// (the data size still 0) is read to its end.
    pub fn read(path: &Path) -> Recording {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE", "{} is not a WAV file", path.display());
        let (mut at, mut rate, mut channels) = (12, 0u32, 1usize);
        while at + 8 <= bytes.len() {
            let id = &bytes[at..at + 4];
            let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            let body = at + 8;
            if id == b"fmt " {
                channels = u16::from_le_bytes(bytes[body + 2..body + 4].try_into().unwrap()) as usize;
                rate = u32::from_le_bytes(bytes[body + 4..body + 8].try_into().unwrap());
                let bits = u16::from_le_bytes(bytes[body + 14..body + 16].try_into().unwrap());
                assert_eq!(bits, 16, "16-bit PCM");
            } else if id == b"data" {
                let end = if size == 0 || body + size > bytes.len() { bytes.len() } else { body + size };
                let samples = bytes[body..end].chunks_exact(2 * channels).map(|f| i16::from_le_bytes([f[0], f[1]])).collect();
                return Recording { rate, samples };
            }
            at = body + size + (size & 1);
        }
        panic!("{}: no data chunk", path.display());
    }

    /// Seconds of audio.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / self.rate as f64
    }

    /// The samples from `from` to `to` seconds.
    pub fn span(&self, from: f64, to: f64) -> &[i16] {
        let at = |s: f64| ((s * self.rate as f64) as usize).min(self.samples.len());
        &self.samples[at(from)..at(to)]
    }

    /// The power of `hz` in `samples` (Goertzel), normalised by length.
    pub fn tone(&self, samples: &[i16], hz: f64) -> f64 {
        let k = 2.0 * (2.0 * std::f64::consts::PI * hz / self.rate as f64).cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in samples {
            let s = x as f64 + k * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.len().max(1) as f64).powi(2)
    }
}
