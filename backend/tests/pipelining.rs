//! Pipelined requests (docs/protocol.md §1): a client with several MESSAGEs in
//! flight on one cached nonce may have them arrive out of order; any `nc`
//! not seen before within the window is accepted, and a replayed one is
//! still refused.

mod common;

use common::flow::signed_in;
use common::{TestServer, DOMAIN};
use rollcall_shared::sip::{self, rsip, RequestBuilder};

fn message(to: &str, call_id: &str, credentials: &str) -> String {
    RequestBuilder::new(rsip::Method::Message, to)
        .via("client.invalid", &sip::new_branch())
        .from(&format!("sip:alice@{DOMAIN}"), None, &sip::new_tag())
        .to(to, None)
        .call_id(call_id)
        .cseq(1)
        .header("Proxy-Authorization", credentials)
        .body("text/plain", "hi".to_string())
        .build()
        .expect("builds")
        .to_string()
}

#[tokio::test]
async fn out_of_order_nc_values_are_accepted_once_each() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    // Carol is not signed in: an accepted MESSAGE to her gets 480 at once,
    // a refused one 407.
    let to = format!("sip:carol@{DOMAIN}");
    // A 407 gives the nonce the four MESSAGEs will share.
    let challenge = alice.challenge_for_proxy(&to).await;
    let answer = |nc: u32| challenge.answer("alice", "alice-pw", "MESSAGE", &to, "c0ffee", nc).to_header_value();
    // Sent as 4, 2, 3, 1: as concurrent requests may arrive.
    for nc in [4, 2, 3, 1] {
        alice.send_raw(&message(&to, &format!("pipe-{nc}"), &answer(nc))).await;
    }
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(alice.recv_response().await.status_code.code());
    }
    assert_eq!(codes, [480, 480, 480, 480], "all accepted, none challenged again");
    // A replayed nc is refused (a fresh challenge, stale).
    alice.send_raw(&message(&to, "pipe-replay", &answer(3))).await;
    let replay = alice.recv_response().await;
    assert_eq!(replay.status_code.code(), 407, "{replay}");
}

/// A burst sent without waiting: the IM server reads ahead (logging each
/// message as it arrives) yet relays them in the order sent, each already
/// in the log — in from alice and out to bob — when bob sees it.
#[tokio::test]
async fn a_burst_is_relayed_in_order_and_logged_first() {
    let server = TestServer::start_with(|o| {
        o.edge.connection_limits.authenticated_per_second = 1e6;
        o.edge.connection_limits.authenticated_burst = 1e6;
    })
    .await;
    let mut alice = signed_in(&server, "alice").await;
    let mut bob = signed_in(&server, "bob").await;
    let to = format!("sip:bob@{DOMAIN}");
    let challenge = alice.challenge_for_proxy(&to).await;
    const BURST: u32 = 200;
    for n in 1..=BURST {
        let credentials = challenge.answer("alice", "alice-pw", "MESSAGE", &to, "c0ffee", n).to_header_value();
        let text = message(&to, &format!("burst-{n:03}"), &credentials).replace("\r\n\r\nhi", &format!("\r\n\r\nburst-{n:03}"));
        alice.send_raw(&text.replace("Content-Length: 2", "Content-Length: 9")).await;
    }
    let log = server.running.store.message_log();
    for n in 1..=BURST {
        let req = bob.next_request().await;
        let body = sip::body_text(&req).expect("text");
        assert_eq!(body, format!("burst-{n:03}"), "relayed in the order sent");
        let filter = rollcall::store::LogFilter { call_id: Some(format!("burst-{n:03}")), ..Default::default() };
        let logged: Vec<String> = log.search(&filter, 10).await.expect("log").into_iter().map(|e| e.direction).collect();
        assert!(
            logged.iter().any(|d| d == "in") && logged.iter().any(|d| d == "out"),
            "{n}: logged in and out before bob saw it: {logged:?}"
        );
        bob.answer(&req, 200).await;
    }
    for _ in 1..=BURST {
        assert_eq!(alice.recv_response().await.status_code.code(), 200);
    }
}
