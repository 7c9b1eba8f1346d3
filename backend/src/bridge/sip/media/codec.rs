//! G.711 (ITU-T G.711, RFC 3551 §4.5.14): PCMU (µ-law, payload type 0)
//! and PCMA (A-law, 8), 8 kHz mono, one byte a sample. The companding is
//! the `audio-codec-algorithms` crate's; decoding goes through a table
//! made from it once, since every frame of every leg is decoded.

use std::sync::LazyLock;

use audio_codec_algorithms::{decode_alaw, decode_ulaw, encode_alaw, encode_ulaw};

/// Samples a second.
pub const SAMPLE_RATE: u32 = 8_000;
/// Samples in one 20 ms frame (`a=ptime:20`): also the RTP timestamp step.
pub const FRAME_SAMPLES: usize = 160;
/// One frame of linear 16-bit audio.
pub type Frame = [i16; FRAME_SAMPLES];
/// A frame of silence.
pub const SILENCE: Frame = [0; FRAME_SAMPLES];

/// The audio codecs the bridge offers and accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Pcmu,
    Pcma,
}

static ULAW: LazyLock<[i16; 256]> = LazyLock::new(|| std::array::from_fn(|b| decode_ulaw(b as u8)));
static ALAW: LazyLock<[i16; 256]> = LazyLock::new(|| std::array::from_fn(|b| decode_alaw(b as u8)));

impl Codec {
    /// Its static RTP payload type (RFC 3551 Table 4).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    pub fn from_payload_type(payload_type: u8) -> Option<Codec> {
        match payload_type {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// Its encoding name in SDP (`a=rtpmap:0 PCMU/8000`).
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    pub fn from_name(name: &str) -> Option<Codec> {
        [Codec::Pcmu, Codec::Pcma].into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Decodes one frame's payload into `out`; a payload shorter than a
    /// frame leaves the rest silent, a longer one is cut to a frame.
    pub fn decode(self, payload: &[u8], out: &mut Frame) {
        let table: &[i16; 256] = match self {
            Codec::Pcmu => &ULAW,
            Codec::Pcma => &ALAW,
        };
        let n = payload.len().min(FRAME_SAMPLES);
        for (sample, &byte) in out.iter_mut().zip(&payload[..n]) {
            *sample = table[byte as usize];
        }
        out[n..].fill(0);
    }

    /// Encodes one frame.
    pub fn encode(self, frame: &Frame, out: &mut [u8; FRAME_SAMPLES]) {
        match self {
            Codec::Pcmu => frame.iter().zip(out.iter_mut()).for_each(|(&s, b)| *b = encode_ulaw(s)),
            Codec::Pcma => frame.iter().zip(out.iter_mut()).for_each(|(&s, b)| *b = encode_alaw(s)),
        }
    }
}

#[cfg(test)]
mod tests;
