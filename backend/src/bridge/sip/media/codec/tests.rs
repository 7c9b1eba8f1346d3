use super::*;

#[test]
fn payload_types_and_names_are_rfc_3551s() {
    assert_eq!(Codec::Pcmu.payload_type(), 0);
    assert_eq!(Codec::Pcma.payload_type(), 8);
    assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
    assert_eq!(Codec::from_payload_type(101), None);
    assert_eq!(Codec::from_name("pcmu"), Some(Codec::Pcmu));
}

#[test]
fn a_tone_survives_encoding_within_g711s_precision() {
    let tone: Frame = std::array::from_fn(|i| ((i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 8000.0).sin() * 12_000.0) as i16);
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let mut bytes = [0u8; FRAME_SAMPLES];
        codec.encode(&tone, &mut bytes);
        let mut back = SILENCE;
        codec.decode(&bytes, &mut back);
        for (a, b) in tone.iter().zip(&back) {
            // Logarithmic steps: at most 1/16 of the value (plus the smallest step).
            assert!((*a as i32 - *b as i32).abs() <= (*a as i32).abs() / 16 + 16, "{codec:?}: {a} came back {b}");
        }
    }
}

#[test]
fn silence_is_the_codecs_silence_byte_and_short_payloads_are_padded() {
    let mut bytes = [0u8; FRAME_SAMPLES];
    Codec::Pcmu.encode(&SILENCE, &mut bytes);
    assert!(bytes.iter().all(|&b| b == 0xFF), "µ-law silence is 0xFF");
    Codec::Pcma.encode(&SILENCE, &mut bytes);
    assert!(bytes.iter().all(|&b| b == 0xD5), "A-law silence is 0xD5");
    let mut out = [1000i16; FRAME_SAMPLES];
    Codec::Pcmu.decode(&[0x00; 80], &mut out);
    assert!(out[..80].iter().all(|&s| s < -30_000), "0x00 is µ-law's most negative");
    assert!(out[80..].iter().all(|&s| s == 0));
}
