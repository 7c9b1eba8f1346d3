use super::*;
use crate::bridge::sip::media::codec::SILENCE;

/// A frame that says which one it is.
fn frame(n: i16) -> Frame {
    let mut f = SILENCE;
    f[0] = n;
    f
}

fn played(buffer: &mut JitterBuffer) -> Option<i16> {
    buffer.pop().map(|f| f[0])
}

#[test]
fn frames_in_order_play_in_order_after_the_target_depth() {
    let mut jb = JitterBuffer::default();
    assert_eq!(jb.target_depth(), 1);
    jb.push(1000, 0, frame(1));
    jb.push(1160, 160, frame(2));
    assert_eq!(played(&mut jb), Some(1));
    assert_eq!(played(&mut jb), Some(2));
    assert_eq!(jb.stats.played, 2);
}

#[test]
fn reordered_frames_are_put_back_in_order() {
    let mut jb = JitterBuffer::default();
    jb.push(160, 0, frame(2));
    jb.push(0, 10, frame(1));
    jb.push(320, 20, frame(3));
    let order: Vec<_> = (0..3).filter_map(|_| played(&mut jb)).collect();
    assert_eq!(order, vec![1, 2, 3]);
}

#[test]
fn a_lost_frame_is_a_gap_and_a_late_one_is_dropped() {
    let mut jb = JitterBuffer::default();
    jb.push(0, 0, frame(1));
    jb.push(320, 320, frame(3)); // 2 is missing
    assert_eq!(played(&mut jb), Some(1));
    assert_eq!(played(&mut jb), None, "frame 2's turn: nothing");
    jb.push(160, 400, frame(2)); // too late
    assert_eq!(jb.stats.late, 1);
    assert_eq!(played(&mut jb), Some(3));
    assert_eq!(jb.stats.missing, 1);
}

#[test]
fn running_dry_waits_to_refill() {
    let mut jb = JitterBuffer::default();
    jb.push(0, 0, frame(1));
    assert_eq!(played(&mut jb), Some(1));
    assert_eq!(played(&mut jb), None);
    assert_eq!(jb.stats.underruns, 1);
    jb.push(800, 800, frame(6)); // a new talkspurt, further on
    assert_eq!(played(&mut jb), Some(6), "plays from what came, not from where it stopped");
    // Playing, then a jump far ahead: resynchronised, not waited out.
    jb.push(800 + 160 * 100, 900, frame(7));
    assert_eq!(played(&mut jb), Some(7));
}

#[test]
fn jitter_raises_the_target_depth_up_to_its_limit() {
    let mut jb = JitterBuffer::default();
    // Arrivals swinging ±40 ms around a steady clock.
    for i in 0..200u32 {
        let swing: i64 = if i % 2 == 0 { 320 } else { -320 };
        jb.push(i * 160, (i as i64 * 160 + 1000 + swing) as u64, frame(1));
        let _ = jb.pop();
    }
    assert!(jb.jitter_ms() > 40.0, "{}", jb.jitter_ms());
    assert!(jb.target_depth() > 4 && jb.target_depth() <= MAX_DEPTH, "{}", jb.target_depth());
}

#[test]
fn a_stream_that_runs_ahead_is_held_to_the_capacity() {
    let mut jb = JitterBuffer::default();
    for i in 0..(CAPACITY as u32 + 20) {
        jb.push(i * 160, 0, frame(i as i16));
    }
    assert_eq!(jb.len(), CAPACITY);
    assert_eq!(jb.stats.overflow, 20);
    assert_eq!(played(&mut jb), Some(20), "the oldest went");
}

#[test]
fn timestamps_wrap() {
    let mut jb = JitterBuffer::default();
    jb.push(u32::MAX - 159, 0, frame(1));
    jb.push(0, 160, frame(2));
    assert_eq!(played(&mut jb), Some(1));
    assert_eq!(played(&mut jb), Some(2));
}
