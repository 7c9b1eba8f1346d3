use super::*;

#[test]
fn packets_count_up_and_the_first_is_marked() {
    let mut sender = Sender::new();
    let first_ts = sender.timestamp();
    let a = sender.packet(0, &[0xFF; 160]);
    let b = sender.packet(0, &[0xFF; 160]);
    let (ra, rb) = (read(&a).expect("RTP"), read(&b).expect("RTP"));
    assert_eq!(ra.ssrc, sender.ssrc);
    assert_eq!(ra.timestamp, first_ts);
    assert_eq!(rb.timestamp, first_ts.wrapping_add(160));
    assert_eq!(rb.sequence, ra.sequence.wrapping_add(1));
    assert!(RtpReader::new(&a).expect("RTP").mark());
    assert!(!RtpReader::new(&b).expect("RTP").mark());
    assert_eq!(ra.payload.len(), 160);
    assert_eq!(a.len(), 12 + 160);
    assert_eq!((sender.packets, sender.octets), (2, 320));
}

#[test]
fn what_is_not_rtp_is_not_read() {
    assert_eq!(read(&[]), None);
    assert_eq!(read(&[0x00; 20]), None, "version 0");
    assert_eq!(read(b"OPTIONS sip:x SIP/2.0\r\n"), None);
}

#[test]
fn loss_is_counted_across_the_sequence_wrap() {
    let mut stats = ReceiveStats::default();
    for seq in [65_533u16, 65_534, 65_535, 1, 2] {
        stats.count(7, seq); // 0 is lost
    }
    assert_eq!(stats.expected(), 6);
    assert_eq!(stats.received, 5);
    assert_eq!(stats.lost(), 1);
    assert_eq!(stats.extended_max(), 65_536 + 2);
    assert_eq!(stats.fraction_lost_since_last(), (256 / 6) as u8);
    stats.count(7, 3);
    assert_eq!(stats.fraction_lost_since_last(), 0, "none lost in the new interval");
}

#[test]
fn a_late_duplicate_does_not_move_the_highest_and_a_new_ssrc_starts_again() {
    let mut stats = ReceiveStats::default();
    stats.count(1, 100);
    stats.count(1, 101);
    stats.count(1, 99);
    assert_eq!(stats.extended_max(), 101);
    stats.count(2, 5000);
    assert_eq!((stats.expected(), stats.received, stats.ssrc), (1, 1, Some(2)));
}
