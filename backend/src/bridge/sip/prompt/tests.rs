use super::*;

/// The power of `hz` in `samples` at `rate` (Goertzel), normalised by length.
fn tone(samples: &[i16], rate: u32, hz: f64) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * hz / rate as f64).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s = x as f64 + k * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.len().max(1) as f64).powi(2)
}

fn sine(hz: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<i16> {
    let n = (rate as f64 * seconds) as usize;
    (0..n).map(|i| (amplitude * (2.0 * std::f64::consts::PI * hz * i as f64 / rate as f64).sin()) as i16).collect()
}

#[test]
fn the_resampler_keeps_the_telephone_band() {
    let input = sine(1000.0, 22_050, 1.0, 10_000.0);
    let out = resample::resample(&input, 22_050, 8_000);
    assert_eq!(out.len(), 8_000);
    // Past the kernel's edges, the tone is there at its strength (a sine
    // of amplitude A: power A²/4 by this measure).
    let middle = &out[100..7_900];
    let power = tone(middle, 8_000, 1000.0);
    let expected = 10_000.0f64.powi(2) / 4.0;
    assert!((power / expected - 1.0).abs() < 0.05, "1 kHz at {power:.0}, want {expected:.0}");
    let constant = resample::resample(&[1234; 2205], 22_050, 8_000);
    assert!(constant[100..700].iter().all(|&s| (s - 1234).abs() <= 1), "a constant stays");
}

#[test]
fn the_resampler_lets_nothing_above_4_khz_fold_down() {
    // 6 kHz at 8 kHz would alias to 2 kHz; 5 kHz to 3 kHz.
    for (hz, alias) in [(6000.0, 2000.0), (5000.0, 3000.0)] {
        let out = resample::resample(&sine(hz, 22_050, 1.0, 10_000.0), 22_050, 8_000);
        let folded = tone(&out[100..7_900], 8_000, alias);
        let would_be = 10_000.0f64.powi(2) / 4.0;
        assert!(folded < would_be * 1e-4, "{hz} Hz folded to {alias} Hz at {folded:.1} (-40 dB is {:.1})", would_be * 1e-4);
    }
    assert!(resample::resample(&[], 22_050, 8_000).is_empty());
    assert_eq!(resample::resample(&[1, 2, 3], 8_000, 8_000), [1, 2, 3]);
}

/// A WAV as espeak-ng writes one to a pipe: the sizes say "very long".
fn streamed_wav(rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let mut out = b"RIFF\x24\xf0\xff\x7fWAVEfmt \x10\0\0\0\x01\0".to_vec();
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2 * channels as u32).to_le_bytes());
    out.extend_from_slice(&(2 * channels).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data\x00\xf0\xff\x7f");
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[test]
fn wav_files_as_espeak_writes_them_are_read_and_others_refused() {
    assert_eq!(wav::read(&streamed_wav(22_050, 1, &[1, -2, 3])), Ok((22_050, vec![1, -2, 3])));
    assert_eq!(wav::read(&streamed_wav(8_000, 2, &[1, 9, -2, 9, 3])), Ok((8_000, vec![1, -2])), "the first channel");
    let mut eight_bit = streamed_wav(8_000, 1, &[]);
    eight_bit[34] = 8;
    assert!(wav::read(&eight_bit).is_err());
    assert!(wav::read(b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0").is_err(), "a short fmt chunk");
    assert!(wav::read(b"RIFF\0\0\0\0WAVEdata\x04\0\0\0abcd").is_err(), "data before fmt");
    assert!(wav::read(b"not a wav").is_err());
    assert!(wav::read(&streamed_wav(8_000, 1, &[1])[..40]).is_err(), "cut before the data chunk");
}

#[test]
fn a_strangers_text_is_cut_and_cleaned() {
    assert_eq!(speakable("  Q3 budget\r\n\tplanning  "), "Q3 budget   planning");
    assert_eq!(speakable(&"é".repeat(1000)).chars().count(), MAX_TEXT_CHARS);
    assert_eq!(speakable("\u{7}\u{0}"), "");
}

#[test]
fn the_announcement_plays_once_then_again_after_a_pause() {
    let pending = Announcement::default();
    let mut player = Player::new(pending.clone());
    let mut frame = [1i16; FRAME_SAMPLES];
    player.next_frame(&mut frame);
    assert_eq!(frame, SILENCE, "silence until it is ready");
    let _ = pending.0.set((1..=400).collect::<Vec<i16>>().into());
    let mut heard = Vec::new();
    for _ in 0..3 + PAUSE_FRAMES + 3 {
        player.next_frame(&mut frame);
        heard.push(frame);
    }
    // 400 samples: two whole frames and 80 samples, then silence to the frame's end.
    assert_eq!(heard[0][0], 1);
    assert_eq!(heard[2][79], 400);
    assert_eq!(heard[2][80..], [0; 80]);
    assert!(heard[3..3 + PAUSE_FRAMES as usize].iter().all(|f| *f == SILENCE), "a pause");
    assert_eq!(heard[3 + PAUSE_FRAMES as usize][0], 1, "then again from the start");
}

#[test]
fn the_fallback_prompt_is_there() {
    let fallback = Announcement::fallback();
    let seconds = fallback.samples().expect("ready").len() as f64 / SAMPLE_RATE as f64;
    assert!((2.0..10.0).contains(&seconds), "the recorded prompt is {seconds:.1} s");
}

#[tokio::test]
async fn without_espeak_synthesis_fails_and_with_it_speaks() {
    assert!(speak("/nonexistent/espeak-ng", "hello").await.is_err());
    assert!(speak("espeak-ng", "").await.is_err(), "nothing to say");
    if std::process::Command::new("espeak-ng").arg("--version").output().is_err() {
        return eprintln!("espeak-ng is not installed: its half of this test is skipped");
    }
    // A text that looks like an option is spoken, not obeyed.
    let samples = speak("espeak-ng", "-w /tmp/rollcall-prompt-test.wav").await.expect("spoken");
    assert!(!std::path::Path::new("/tmp/rollcall-prompt-test.wav").exists());
    let rms = (samples.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    assert!(samples.len() > SAMPLE_RATE as usize / 2 && rms > 100.0, "{} samples, RMS {rms:.0}", samples.len());
}

#[tokio::test]
async fn a_leg_whose_announcement_cannot_be_spoken_hears_the_recorded_prompt() {
    let announcement = Announcement::spoken_by("/nonexistent/espeak-ng", LegId(1), "Weekly planning");
    let deadline = tokio::time::Instant::now() + TIME_LIMIT;
    while announcement.samples().is_none() {
        assert!(tokio::time::Instant::now() < deadline, "ready within the time limit");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(announcement.samples(), Announcement::fallback().samples());
}

/// Makes `backend/assets/announcement-fallback.ulaw` again:
/// `cargo test -p rollcall --lib write_the_fallback_prompt -- --ignored`.
#[tokio::test]
#[ignore = "writes the asset; run by hand with espeak-ng installed"]
async fn write_the_fallback_prompt() {
    let samples = speak("espeak-ng", FALLBACK_TEXT).await.expect("espeak-ng speaks");
    let ulaw: Vec<u8> = samples.iter().map(|&s| audio_codec_algorithms::encode_ulaw(s)).collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/announcement-fallback.ulaw");
    std::fs::write(path, ulaw).expect("written");
}
