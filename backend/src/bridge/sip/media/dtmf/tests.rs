use super::*;

/// One packet of an event: `code`, the end bit, the duration so far.
fn payload(code: u8, end: bool, duration: u16) -> [u8; 4] {
    let [high, low] = duration.to_be_bytes();
    [code, if end { 0x80 | 10 } else { 10 }, high, low]
}

#[test]
fn every_code_has_its_key() {
    let keys: String = (0..16).filter_map(key).collect();
    assert_eq!(keys, "0123456789*#ABCD");
    assert_eq!(key(16), None, "flash is no key");
    assert_eq!(read(&payload(11, true, 800)), Some(Event { key: '#', end: true, duration: 800 }));
    assert_eq!(read(&[1, 0, 0]), None, "shorter than an event");
    assert_eq!(read(&payload(16, false, 0)), None);
}

#[test]
fn a_key_press_is_reported_once_at_its_first_packet() {
    let mut keys = Keys::default();
    // '1' held 100 ms: packets every 20 ms at one timestamp, the end three times.
    let mut reported = Vec::new();
    for (i, duration) in [160u16, 320, 480, 640, 800].into_iter().enumerate() {
        reported.extend(keys.packet(5000, &payload(1, false, duration), i as u64 * 160));
    }
    for i in 5..8 {
        reported.extend(keys.packet(5000, &payload(1, true, 800), i * 160));
    }
    assert_eq!(reported, ['1']);
    // The same key again, later: a new event, a new timestamp.
    assert_eq!(keys.packet(9000, &payload(1, false, 160), 4000), Some('1'));
    assert_eq!(keys.packet(9000, &payload(1, true, 480), 4320), None);
    // A press whose first packets were lost counts at the first that came.
    assert_eq!(keys.packet(12_000, &payload(11, true, 640), 8000), Some('#'));
}

#[test]
fn a_flood_of_events_costs_a_key_per_forty_ms_at_most() {
    let mut keys = Keys::default();
    // A new timestamp in every packet, 16 packets per 20 ms for one second.
    let taken = (0..800u64).filter_map(|i| keys.packet(i as u32 * 7, &payload(5, false, 160), i * 10)).count();
    assert!(taken <= 8000 / MIN_GAP as usize + 1, "{taken} keys from one second of flood");
    assert!(taken >= 20, "but keys that come at a person's pace are all taken: {taken}");
}
