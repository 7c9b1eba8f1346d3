use super::*;

fn constant(value: i16) -> Frame {
    [value; FRAME_SAMPLES]
}

#[test]
fn everyone_hears_everyone_but_themselves() {
    let (a, b, c) = (constant(100), constant(20), constant(3));
    let mut mixer = Mixer::default();
    let mut out = [constant(0); 3];
    mixer.mix(&[Some(a), Some(b), Some(c)], &mut out);
    assert_eq!(out[0][0], 23);
    assert_eq!(out[1][0], 103);
    assert_eq!(out[2][0], 120);
}

#[test]
fn a_silent_or_muted_participant_hears_everyone() {
    let (a, b) = (constant(100), constant(20));
    let mut mixer = Mixer::default();
    let mut out = [constant(7); 3];
    mixer.mix(&[Some(a), None, Some(b)], &mut out);
    assert_eq!([out[0][0], out[1][0], out[2][0]], [20, 120, 100]);
}

#[test]
fn a_loud_sum_is_turned_down_not_clipped_and_recovers_slowly() {
    let loud = constant(30_000);
    let mut mixer = Mixer::default();
    let mut out = [constant(0); 3];
    // Listener 0 hears 60,000: turned down to exactly full scale.
    mixer.mix(&[Some(loud), Some(loud), Some(loud)], &mut out);
    assert!((32_700..=i16::MAX).contains(&out[0][0]), "{}", out[0][0]);
    // Quiet again: the gain comes back a step a frame, not at once.
    let quiet = constant(1_000);
    mixer.mix(&[Some(quiet), Some(quiet), Some(quiet)], &mut out);
    assert!(out[0][0] < 2_000 && out[0][0] > 1_000, "{}", out[0][0]);
    for _ in 0..30 {
        mixer.mix(&[Some(quiet), Some(quiet), Some(quiet)], &mut out);
    }
    assert_eq!(out[0][0], 2_000, "unity again");
}

#[test]
fn negative_peaks_count_too() {
    let low = constant(-30_000);
    let mut mixer = Mixer::default();
    let mut out = [constant(0); 3];
    mixer.mix(&[Some(low), Some(low), Some(low)], &mut out);
    assert!(out[0][0] <= -32_700, "{}", out[0][0]);
}
