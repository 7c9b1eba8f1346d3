use super::*;

#[test]
fn a_receiver_report_reads_back() {
    let block = ReportBlock {
        ssrc: 0x1234_5678,
        fraction_lost: 25,
        cumulative_lost: 7,
        extended_highest_sequence: 70_000,
        jitter: 80,
        last_sr: 0xAABB_CCDD,
        delay_since_last_sr: 65_536,
    };
    let packet = receiver_report(42, Some(block), "bridge@rollcall.local");
    assert!(packet.len().is_multiple_of(4));
    assert_eq!(&packet[..2], &[0x81, 201]);
    assert_eq!(u16::from_be_bytes([packet[2], packet[3]]), 7, "(4 + 24) / 4 - 1 words");
    let heard = read(&packet).expect("reads");
    assert_eq!(heard.blocks, vec![block]);
    assert_eq!(heard.sender_report, None);
    assert!(!heard.bye);
}

#[test]
fn an_empty_report_has_no_block_and_the_cname_is_padded() {
    let packet = receiver_report(42, None, "abc");
    // RR of 8 bytes, SDES of 4 + (4 + 2 + 3 + 1 → 12).
    assert_eq!(packet.len(), 8 + 16);
    assert_eq!(read(&packet).expect("reads"), Heard::default());
}

#[test]
fn a_sender_report_gives_its_ntp_middle_and_blocks() {
    let mut sr = vec![0x81, 200, 0, 12];
    sr.extend_from_slice(&9u32.to_be_bytes()); // SSRC
    sr.extend_from_slice(&[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]); // NTP
    sr.extend_from_slice(&[0; 12]); // RTP time, packets, octets
    let block = ReportBlock { ssrc: 42, jitter: 3, ..ReportBlock::default() };
    block.write(&mut sr);
    sr.extend_from_slice(&[0x81, 203, 0, 1, 0, 0, 0, 9]); // BYE
    let heard = read(&sr).expect("reads");
    assert_eq!(heard.sender_report, Some((9, 0x3344_5566)));
    assert_eq!(heard.blocks, vec![block]);
    assert!(heard.bye);
}

#[test]
fn broken_packets_are_refused() {
    assert_eq!(read(&[]), None);
    assert_eq!(read(&[0x81, 201, 0, 9, 0, 0, 0, 1]), None, "longer than the datagram");
    assert_eq!(read(&[0x01, 201, 0, 1, 0, 0, 0, 1]), None, "version 0");
    // A count that claims more blocks than are there reads what is there.
    let heard = read(&[0x9F, 201, 0, 1, 0, 0, 0, 1]).expect("reads");
    assert!(heard.blocks.is_empty());
}
