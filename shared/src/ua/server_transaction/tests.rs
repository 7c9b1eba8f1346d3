use super::*;
use crate::sip::message::{parse, Parsed};

fn request(method: &str, branch: &str) -> Request {
    let text = format!(
        "{method} sip:alice@192.0.2.9:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7;branch={branch}\r\n\
         From: <sip:bob@example.net>;tag=b\r\nTo: <sip:alice@rollcall.local>\r\nCall-ID: c1\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    );
    match parse(&text) {
        Ok(Parsed::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_retransmitted_request_gets_the_same_answer_until_timer_j() {
    let mut server = ServerTransactions::default();
    let message = request("MESSAGE", "z9hG4bK1");
    assert_eq!(server.seen(&message, false, 0), Seen::New);
    server.answered(&message, "SIP/2.0 200 OK\r\n\r\n", false, 0);
    assert_eq!(server.seen(&message, false, 100), Seen::Again("SIP/2.0 200 OK\r\n\r\n".into()));
    assert_eq!(server.seen(&request("MESSAGE", "z9hG4bK2"), false, 100), Seen::New, "another transaction");
    server.tick(TIMER_J_MS);
    assert_eq!(server.seen(&message, false, TIMER_J_MS), Seen::New, "forgotten after Timer J");
}

#[test]
fn on_a_reliable_transport_nothing_is_kept() {
    let mut server = ServerTransactions::default();
    let message = request("MESSAGE", "z9hG4bK1");
    server.answered(&message, "SIP/2.0 200 OK\r\n\r\n", true, 0);
    assert_eq!(server.seen(&message, true, 1), Seen::New);
}

#[test]
fn an_invites_failure_is_sent_again_on_timer_g_until_its_ack() {
    let mut server = ServerTransactions::default();
    let invite = request("INVITE", "z9hG4bKi");
    server.answered(&invite, "SIP/2.0 488 Not Acceptable Here\r\n\r\n", false, 0);
    assert!(server.tick(499).is_empty());
    assert_eq!(server.tick(500).len(), 1, "T1");
    assert!(server.tick(1_499).is_empty());
    assert_eq!(server.tick(1_500).len(), 1, "2·T1 later");
    assert_eq!(server.seen(&request("ACK", "z9hG4bKi"), false, 1_600), Seen::Absorbed);
    assert!(server.tick(10_000).is_empty(), "no more after the ACK");
    assert_eq!(server.seen(&request("ACK", "z9hG4bKi"), false, 1_700), Seen::New, "Timer I (T4) ran out at 6.6 s");
}

#[test]
fn timer_h_gives_up_on_an_ack_that_never_comes() {
    let mut server = ServerTransactions::default();
    let invite = request("INVITE", "z9hG4bKi");
    server.answered(&invite, "SIP/2.0 486 Busy Here\r\n\r\n", false, 0);
    let sent: usize = (1..=TIMER_H_MS).step_by(100).map(|now| server.tick(now).len()).sum();
    assert!(sent >= 7, "{sent} retransmissions");
    assert_eq!(server.seen(&invite, false, TIMER_H_MS + 1), Seen::New);
}
