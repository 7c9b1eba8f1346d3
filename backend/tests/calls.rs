//! The one SIP user agent (`rollcall_shared::ua`) places real calls:
//! Debian's baresip, started here with a config of its own, answers over
//! UDP (or rings until cancelled). The user agent's INVITE, its ACK, the
//! far end's SDP answer, CANCEL and BYE go over a real socket to software
//! we did not write — the groundwork of the SIP bridge.
//!
//! `make test` installs baresip (scripts/test-deps.sh); without it the test
//! says so and passes.

mod common;

use common::baresip::{self, Baresip, Options};
use common::phone::Phone;
use rollcall_shared::ua::call::{CallEnd, CallEvent};

/// Our offer: G.711 µ-law on a port nobody listens on (the test is about
/// signalling; baresip's RTP goes nowhere).
const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
    m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

#[tokio::test]
async fn a_call_to_baresip_is_answered_with_its_sdp_and_hung_up() {
    if !baresip::available("calls") {
        return;
    }
    let baresip = Baresip::start(Options::direct("bob"));
    baresip.ready().await;
    let mut phone = Phone::new(baresip.addr, "alice", "unused").await;
    let to = format!("sip:bob@{}", baresip.addr);
    let outputs = phone.ua.invite(1, &to, Some(OFFER.into()), phone.now());
    phone.run(outputs).await;
    let answered = phone.until_call(|e| matches!(e, CallEvent::Answered { .. } | CallEvent::Ended(_))).await;
    let CallEvent::Answered { sdp: Some(answer) } = answered else { panic!("not answered: {answered:?}") };
    assert!(answer.contains("m=audio ") && answer.contains("PCMU/8000"), "baresip's answer:\n{answer}");
    let outputs = phone.ua.hang_up(1, phone.now());
    phone.run(outputs).await;
    assert_eq!(phone.until_call(|e| matches!(e, CallEvent::Ended(_))).await, CallEvent::Ended(CallEnd::HungUp));
}

#[tokio::test]
async fn a_ringing_call_to_baresip_is_cancelled() {
    if !baresip::available("calls") {
        return;
    }
    let baresip = Baresip::start(Options { answermode: "manual", ..Options::direct("bob") });
    baresip.ready().await;
    let mut phone = Phone::new(baresip.addr, "alice", "unused").await;
    let to = format!("sip:bob@{}", baresip.addr);
    let outputs = phone.ua.invite(1, &to, Some(OFFER.into()), phone.now());
    phone.run(outputs).await;
    assert_eq!(phone.until_call(|e| matches!(e, CallEvent::Progress { .. })).await, CallEvent::Progress { code: 180, sdp: None });
    let outputs = phone.ua.hang_up(1, phone.now());
    phone.run(outputs).await;
    let ended = phone.until_call(|e| matches!(e, CallEvent::Ended(_))).await;
    assert!(matches!(ended, CallEvent::Ended(CallEnd::Failed(487, ..))), "{ended:?}");
}
