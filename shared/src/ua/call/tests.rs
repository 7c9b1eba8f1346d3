//! Calls against a scripted far end: what a SIP trunk or phone would
//! answer, message by message.

use crate::sip::Transport;
use crate::ua::{Config, Event, Output, UserAgent};

use super::{CallEnd, CallEvent, TIMER_B_MS};
use crate::digest::Algorithm;
use crate::sip::{self, rsip};
use crate::ua::tests::{answer, challenge, challenged, credentials, events, ha1, sent_request, sent_requests};

const BOB: &str = "sip:bob@trunk.example.net";
const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

fn ua(transport: Transport) -> UserAgent {
    let config = Config {
        user: "alice".into(),
        domain: "rollcall.local".into(),
        transport,
        local: Some("192.0.2.9:5070".into()),
        require_asserted: false,
    };
    UserAgent::new(config, "demo-pass".into())
}

fn call_events(outputs: &[Output]) -> Vec<CallEvent> {
    events(outputs)
        .into_iter()
        .filter_map(|e| match e {
            Event::Call { id: 1, event } => Some(event),
            _ => None,
        })
        .collect()
}

/// A response to `request` from the far end, with its tag, a Contact and
/// an optional body.
fn reply(request: &rsip::Request, code: u16, body: Option<&str>) -> String {
    let mut response = sip::response(request, code, None, Some("far"));
    response.headers.push(sip::make_header("Contact", "<sip:bob@198.51.100.7:5060>"));
    if (200..300).contains(&code) {
        response.headers.push(sip::make_header("Record-Route", "<sip:proxy.example.net;lr>"));
    }
    let response = match body {
        Some(body) => sip::with_body(response, "application/sdp", body.to_owned()),
        None => response,
    };
    response.to_string()
}

#[test]
fn a_call_rings_is_answered_acked_and_hung_up_with_bye() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, Some(SDP.into()), 0));
    assert_eq!(invite.method, rsip::Method::Invite);
    assert_eq!(invite.uri.to_string(), BOB);
    assert_eq!(sip::body_text(&invite).unwrap(), SDP);
    assert!(sip::header(&invite.headers, "Contact").is_some());

    let out = ua.received(&reply(&invite, 180, None), 10);
    assert_eq!(call_events(&out), vec![CallEvent::Progress { code: 180, sdp: None }]);
    // Ringing for longer than Timer B is fine once it rings.
    assert!(call_events(&ua.tick(TIMER_B_MS + 10)).is_empty());

    let out = ua.received(&reply(&invite, 200, Some("v=0 answer")), TIMER_B_MS + 20);
    assert_eq!(call_events(&out), vec![CallEvent::Answered { sdp: Some("v=0 answer".into()) }]);
    let ack = sent_request(&out);
    assert_eq!(ack.method, rsip::Method::Ack);
    assert_eq!(ack.uri.to_string(), "sip:bob@198.51.100.7:5060", "to the remote target");
    assert_eq!(sip::to_tag(&ack).as_deref(), Some("far"));
    assert_eq!(sip::header(&ack.headers, "Route").as_deref(), Some("<sip:proxy.example.net;lr>"));
    assert_ne!(sip::header(&ack.headers, "Via"), sip::header(&invite.headers, "Via"), "a 2xx's ACK has a branch of its own");
    // A retransmitted 200 is ACKed again.
    let again = ua.received(&reply(&invite, 200, Some("v=0 answer")), TIMER_B_MS + 30);
    assert_eq!(sent_request(&again).method, rsip::Method::Ack);
    assert!(call_events(&again).is_empty());

    let bye = sent_request(&ua.hang_up(1, TIMER_B_MS + 40));
    assert_eq!(bye.method, rsip::Method::Bye);
    assert_eq!(bye.uri.to_string(), "sip:bob@198.51.100.7:5060");
    assert_eq!(sip::cseq(&bye).unwrap().0, sip::cseq(&invite).unwrap().0 + 1);
    let out = ua.received(&answer(&bye, 200), TIMER_B_MS + 50);
    assert_eq!(call_events(&out), vec![CallEvent::Ended(CallEnd::HungUp)]);
}

#[test]
fn a_busy_callee_is_acked_on_the_invites_branch_and_fails_the_call() {
    let mut ua = ua(Transport::Udp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0));
    let out = ua.received(&reply(&invite, 486, None), 5);
    assert_eq!(call_events(&out), vec![CallEvent::Ended(CallEnd::Failed(486, "Busy Here".into(), None))]);
    let ack = sent_request(&out);
    assert_eq!(ack.method, rsip::Method::Ack);
    assert_eq!(sip::header(&ack.headers, "Via"), sip::header(&invite.headers, "Via"), "the transaction's own ACK");
    assert_eq!(ack.uri.to_string(), BOB);
    // Timer D: a retransmitted 486 is ACKed again, and reported once.
    let again = ua.received(&reply(&invite, 486, None), 1_000);
    assert_eq!(sent_request(&again).method, rsip::Method::Ack);
    assert!(call_events(&again).is_empty());
}

#[test]
fn on_udp_timer_a_resends_the_invite_and_timer_b_gives_up() {
    let mut ua = ua(Transport::Udp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0)).to_string();
    let resent: Vec<u64> =
        (1..TIMER_B_MS).filter(|&now| sent_requests(&ua.tick(now)).iter().any(|r| r.to_string() == invite)).collect();
    assert_eq!(&resent[..5], &[500, 1_500, 3_500, 7_500, 15_500], "T1, doubling, no cap");
    let out = ua.tick(TIMER_B_MS);
    assert_eq!(call_events(&out), vec![CallEvent::Ended(CallEnd::Failed(408, "Request Timeout".into(), None))]);
}

#[test]
fn hanging_up_before_the_answer_cancels_once_it_rings() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0));
    assert!(sent_requests(&ua.hang_up(1, 1)).is_empty(), "no CANCEL before a provisional response");
    let out = ua.received(&reply(&invite, 180, None), 2);
    let cancel = sent_request(&out);
    assert_eq!(cancel.method, rsip::Method::Cancel);
    assert_eq!(sip::header(&cancel.headers, "Via"), sip::header(&invite.headers, "Via"));
    assert_eq!(sip::cseq(&cancel).unwrap().0, sip::cseq(&invite).unwrap().0);
    assert!(ua.received(&answer(&cancel, 200), 3).iter().all(|o| !matches!(o, Output::Event(_))));
    let out = ua.received(&reply(&invite, 487, None), 4);
    assert_eq!(call_events(&out), vec![CallEvent::Ended(CallEnd::Failed(487, "Request Terminated".into(), None))]);
    assert_eq!(sent_request(&out).method, rsip::Method::Ack);
}

#[test]
fn an_answer_that_crosses_the_cancel_is_acked_and_hung_up() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0));
    ua.received(&reply(&invite, 183, Some("v=0 early")), 1);
    let cancel = sent_request(&ua.hang_up(1, 2));
    assert_eq!(cancel.method, rsip::Method::Cancel);
    let out = ua.received(&reply(&invite, 200, Some("v=0")), 3);
    let methods: Vec<_> = sent_requests(&out).iter().map(|r| r.method).collect();
    assert_eq!(methods, vec![rsip::Method::Ack, rsip::Method::Bye]);
}

#[test]
fn the_far_end_hangs_up_with_bye() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0));
    ua.received(&reply(&invite, 200, Some("v=0")), 1);
    let bye = format!(
        "BYE sip:alice@192.0.2.9:5070 SIP/2.0\r\nVia: SIP/2.0/TCP 198.51.100.7;branch=z9hG4bKbye1\r\n\
         From: <{BOB}>;tag=far\r\nTo: <sip:alice@rollcall.local>;tag={}\r\nCall-ID: {}\r\nCSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n",
        sip::from_tag(&invite).unwrap(),
        sip::call_id(&invite).unwrap()
    );
    let out = ua.received(&bye, 2);
    assert_eq!(call_events(&out), vec![CallEvent::Ended(CallEnd::RemoteHungUp(None))]);
    let ok = crate::ua::tests::sent_response(&out);
    assert_eq!(ok.status_code.code(), 200);
}

#[test]
fn a_reinvite_sends_a_new_offer_in_the_dialog() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, Some(SDP.into()), 0));
    ua.received(&reply(&invite, 200, Some("v=0")), 1);
    let reinvite = sent_request(&ua.reinvite(1, Some("v=0 hold".into()), 2));
    assert_eq!(reinvite.method, rsip::Method::Invite);
    assert_eq!(reinvite.uri.to_string(), "sip:bob@198.51.100.7:5060");
    assert_eq!(sip::to_tag(&reinvite).as_deref(), Some("far"));
    assert_eq!(sip::call_id(&reinvite), sip::call_id(&invite));
    let out = ua.received(&reply(&reinvite, 200, Some("v=0 held")), 3);
    assert_eq!(call_events(&out), vec![CallEvent::Updated { sdp: Some("v=0 held".into()) }]);
    assert_eq!(sent_request(&out).method, rsip::Method::Ack);
}

#[test]
fn a_trunks_challenge_is_answered_once_and_a_second_fresh_one_fails_the_call() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0));
    let out = ua.received(&challenged(&invite, 407, &[challenge(Algorithm::Md5, "t1", false)]), 1);
    let sent = sent_requests(&out);
    assert_eq!(sent.iter().map(|r| r.method).collect::<Vec<_>>(), vec![rsip::Method::Ack, rsip::Method::Invite]);
    let again = &sent[1];
    let creds = credentials(again, "Proxy-Authorization");
    assert!(creds.verify(&ha1(Algorithm::Md5), "INVITE"));
    assert_eq!(sip::call_id(again), sip::call_id(&invite));
    assert_eq!(sip::to_tag(again), None, "a new INVITE, not in the 407's dialog (the trunk would refuse it)");
    let out = ua.received(&challenged(again, 407, &[challenge(Algorithm::Md5, "t2", false)]), 2);
    assert!(matches!(call_events(&out).as_slice(), [CallEvent::Ended(CallEnd::Failed(407, ..))]), "{out:?}");
}

#[test]
fn a_trunks_q850_reason_and_our_caller_id_are_carried() {
    let mut ua = ua(Transport::Udp);
    let invite = sent_request(&ua.invite_from(1, Some("sip:+14255550100@rollcall.local"), BOB, None, 0));
    assert!(sip::header(&invite.headers, "From").unwrap().contains("sip:+14255550100@rollcall.local"));
    let mut refused = sip::response(&invite, 603, None, Some("far"));
    refused.headers.push(sip::make_header("Reason", "SIP;cause=603, Q.850;cause=21;text=\"Call rejected\""));
    let out = ua.received(&refused.to_string(), 5);
    assert_eq!(call_events(&out), vec![CallEvent::Ended(CallEnd::Failed(603, "Decline".into(), Some(21)))]);
    assert_eq!(sip::header(&sent_request(&out).headers, "From"), sip::header(&invite.headers, "From"), "the ACK's From too");
}

#[test]
fn q850_causes_are_read_from_reason_headers() {
    use super::q850_cause;
    assert_eq!(q850_cause(&["Q.850;cause=17;text=\"User busy\""]), Some(17));
    assert_eq!(q850_cause(&["SIP;cause=486", "q.850 ; cause = 34"]), Some(34));
    assert_eq!(q850_cause(&["SIP;cause=200;text=\"Call completed elsewhere\""]), None);
    assert_eq!(q850_cause(&["Q.850;text=\"no cause\""]), None);
    assert_eq!(q850_cause(&[]), None);
}

#[test]
fn a_key_sent_as_info_is_answered_200_and_reported_and_other_info_415() {
    let mut ua = ua(Transport::Tcp);
    let invite = sent_request(&ua.invite(1, BOB, None, 0));
    ua.received(&reply(&invite, 200, Some("v=0")), 1);
    let info = |cseq: u32, content_type: &str, body: &str| {
        format!(
            "INFO sip:alice@192.0.2.9:5070 SIP/2.0\r\nVia: SIP/2.0/TCP 198.51.100.7;branch=z9hG4bKinfo{cseq}\r\n\
             From: <{BOB}>;tag=far\r\nTo: <sip:alice@rollcall.local>;tag={}\r\nCall-ID: {}\r\nCSeq: {cseq} INFO\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            sip::from_tag(&invite).unwrap(),
            sip::call_id(&invite).unwrap(),
            body.len()
        )
    };
    let out = ua.received(&info(10, "Application/DTMF-Relay", "Signal=1\r\nDuration=160\r\n"), 2);
    assert_eq!(crate::ua::tests::sent_response(&out).status_code.code(), 200);
    let reported = CallEvent::Info { content_type: "application/dtmf-relay".into(), body: "Signal=1\r\nDuration=160\r\n".into() };
    assert_eq!(call_events(&out), vec![reported]);
    let out = ua.received(&info(11, "application/dtmf", "5"), 3);
    assert_eq!(call_events(&out), vec![CallEvent::Info { content_type: "application/dtmf".into(), body: "5".into() }]);
    let out = ua.received(&info(12, "application/media_control+xml", "<media_control/>"), 4);
    let refused = crate::ua::tests::sent_response(&out);
    assert_eq!(refused.status_code.code(), 415);
    assert_eq!(sip::header(&refused.headers, "Accept").as_deref(), Some("application/dtmf-relay, application/dtmf"));
    assert!(call_events(&out).is_empty());
}
