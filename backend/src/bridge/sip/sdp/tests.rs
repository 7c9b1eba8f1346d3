use super::*;

/// What Debian's baresip 1.0 answers (trimmed of nothing).
const BARESIP: &str = "v=0\r\no=- 2890382 2890383 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
    m=audio 10046 RTP/AVP 0 101\r\nb=AS:80\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
    a=fmtp:101 0-15\r\na=sendrecv\r\na=label:1\r\na=ssrc:1185361423 cname:sip:bob@127.0.0.1\r\na=rtcp-rsize\r\n";

#[test]
fn our_offer_reads_back_as_an_answer() {
    let sdp = offer(7, "192.0.2.10".parse().unwrap(), 40_000);
    let read = answer(&sdp).expect("our own offer reads");
    assert_eq!(read.rtp, "192.0.2.10:40000".parse().unwrap());
    assert_eq!(read.rtcp, "192.0.2.10:40001".parse().unwrap());
    assert_eq!(read.codec, Codec::Pcmu);
    assert_eq!(read.telephone_event, Some(TELEPHONE_EVENT));
    assert!(read.sends);
}

#[test]
fn a_real_phones_answer() {
    let read = answer(BARESIP).expect("baresip's answer reads");
    assert_eq!(read.rtp, "127.0.0.1:10046".parse().unwrap());
    assert_eq!(read.codec, Codec::Pcmu);
    assert_eq!(read.telephone_event, Some(101));
}

#[test]
fn a_law_rtcp_port_and_direction_are_taken() {
    let sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\nc=IN IP4 10.0.0.2\r\n\
        a=rtcp:5010\r\na=recvonly\r\n";
    let read = answer(sdp).expect("reads");
    assert_eq!(read.rtp, "10.0.0.2:5004".parse().unwrap(), "the media-level address wins");
    assert_eq!(read.rtcp.port(), 5010);
    assert_eq!(read.codec, Codec::Pcma);
    assert!(!read.sends);
}

#[test]
fn unusable_answers_say_why() {
    let base = |m: &str| format!("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n{m}");
    assert_eq!(answer(&base("m=audio 0 RTP/AVP 0\r\n")), Err(SdpError::Refused));
    assert_eq!(answer(&base("m=audio 5004 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n")), Err(SdpError::NoCodec));
    assert_eq!(answer(&base("m=video 5004 RTP/AVP 96\r\n")), Err(SdpError::NoAudio));
    assert!(matches!(answer("not sdp"), Err(SdpError::Unreadable(_))));
}

#[test]
fn the_phones_telephone_event_payload_type_is_learnt() {
    let base = |m: &str| format!("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n{m}");
    let other = answer(&base("m=audio 5004 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n"));
    assert_eq!(other.expect("reads").telephone_event, Some(96), "the phone's own number, not ours");
    let none = answer(&base("m=audio 5004 RTP/AVP 0\r\n")).expect("reads");
    assert_eq!(none.telephone_event, None, "a phone that takes no events sends none we would read");
    let offered = offer(1, "192.0.2.10".parse().unwrap(), 40_000);
    assert!(offered.contains("m=audio 40000 RTP/AVP 0 8 101\r\n") && offered.contains("a=fmtp:101 0-16\r\n"), "{offered}");
}
