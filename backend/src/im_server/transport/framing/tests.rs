use super::*;

const OPTIONS: &str =
    "OPTIONS sip:rollcall.local SIP/2.0\r\nVia: SIP/2.0/TCP a;branch=z9hG4bK1\r\nContent-Length: 5\r\n\r\nhello";

fn all(framer: &mut Framer) -> Vec<Framed> {
    std::iter::from_fn(|| framer.next_framed()).collect()
}

#[test]
fn messages_split_anywhere_come_out_whole_and_in_order() {
    let stream = format!("{OPTIONS}{OPTIONS}");
    for cut in 0..stream.len() {
        let mut framer = Framer::default();
        framer.push(&stream.as_bytes()[..cut]);
        let mut got = all(&mut framer);
        framer.push(&stream.as_bytes()[cut..]);
        got.extend(all(&mut framer));
        assert_eq!(got, vec![Framed::Message(OPTIONS.into()), Framed::Message(OPTIONS.into())], "cut at {cut}");
        assert_eq!(framer.held(), 0);
    }
}

#[test]
fn double_crlf_is_a_ping_and_a_lone_crlf_a_pong() {
    let mut framer = Framer::default();
    framer.push(b"\r\n\r\n");
    assert_eq!(all(&mut framer), vec![Framed::Ping]);
    framer.push(b"\r\n");
    assert_eq!(all(&mut framer), vec![], "a pong or the start of a ping: wait");
    framer.push(OPTIONS.as_bytes());
    assert_eq!(all(&mut framer), vec![Framed::Message(OPTIONS.into())], "it was a pong");
}

#[test]
fn without_content_length_there_is_no_body() {
    let mut framer = Framer::default();
    framer.push(b"OPTIONS sip:x SIP/2.0\r\nVia: v\r\n\r\nOPTIONS sip:y SIP/2.0\r\n\r\n");
    let got = all(&mut framer);
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn oversized_and_unframeable_input_is_reported_once_and_dropped() {
    let mut framer = Framer::default();
    framer.push(format!("MESSAGE sip:x SIP/2.0\r\nl: {}\r\n\r\n", MAX_MESSAGE_BYTES).as_bytes());
    assert!(matches!(framer.next_framed(), Some(Framed::TooBig(head)) if head.starts_with("MESSAGE sip:x")));
    assert_eq!(framer.held(), 0);

    let mut framer = Framer::default();
    framer.push(&vec![b'x'; MAX_MESSAGE_BYTES + 1]);
    assert!(matches!(framer.next_framed(), Some(Framed::TooBig(_))), "a header section without end");

    for bad in ["MESSAGE sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n", "M sip:x SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\nab"] {
        let mut framer = Framer::default();
        framer.push(bad.as_bytes());
        assert!(matches!(framer.next_framed(), Some(Framed::Unframeable(_))), "{bad:?}");
    }
    let mut framer = Framer::default();
    framer.push(b"MESSAGE sip:x SIP/2.0\r\nl: 2\r\n\r\n\xff\xfe");
    assert!(matches!(framer.next_framed(), Some(Framed::Unframeable(_))), "not UTF-8");
}
