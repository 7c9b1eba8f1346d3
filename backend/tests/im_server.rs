//! The IM server over a real WebSocket: registration, challenges, relay
//! rules, bad input. docs/protocol.md §1.

mod common;

use common::{TestServer, DOMAIN, GATEWAY};
use rollcall_shared::sip::{self, rsip, RequestBuilder};

#[tokio::test]
async fn register_with_good_and_bad_password() {
    let server = TestServer::start().await;
    let mut bad = server.client("alice").await;
    let refused = bad.register_with("not-the-password", 300).await;
    assert_eq!(refused.status_code.code(), 401, "a wrong password is challenged again");
    let challenges = sip::header_all(&refused.headers, "WWW-Authenticate");
    assert_eq!(challenges.len(), 2, "one challenge per algorithm");
    assert!(challenges[0].contains("SHA-256") && challenges[1].contains("MD5"), "SHA-256 first: {challenges:?}");
    assert!(challenges.iter().all(|c| c.contains("qop=\"auth\"")));

    let mut good = server.client("alice").await;
    let ok = good.register_with("alice-pw", 300).await;
    assert_eq!(ok.status_code.code(), 200);
    let contact = sip::header(&ok.headers, "Contact").expect("200 lists the binding");
    assert!(contact.contains("expires=300"), "{contact}");
}

#[tokio::test]
async fn message_is_challenged_then_relayed_with_asserted_identity() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let mut bob = server.client("bob").await;
    bob.register().await;

    // Without credentials: 407 with a Proxy-Authenticate per algorithm.
    let unauthenticated = RequestBuilder::new(rsip::Method::Message, "sip:bob@rollcall.local")
        .via("x.invalid", &sip::new_branch())
        .from(&alice.aor, None, &sip::new_tag())
        .to("sip:bob@rollcall.local", None)
        .call_id(&sip::new_call_id())
        .cseq(1)
        .header("P-Asserted-Identity", "<sip:carol@rollcall.local>")
        .body("text/plain", "hi".into())
        .build()
        .expect("builds");
    alice.send_raw(&unauthenticated.to_string()).await;
    let challenge = alice.recv_response().await;
    assert_eq!(challenge.status_code.code(), 407);
    assert_eq!(sip::header_all(&challenge.headers, "Proxy-Authenticate").len(), 2);

    // With credentials: bob gets it, with alice's identity asserted by the server.
    let sender = tokio::spawn(async move {
        let r = alice.message_to("sip:bob@rollcall.local", "hello bob").await;
        r.status_code.code()
    });
    let relayed = bob.next_request().await;
    assert_eq!(relayed.method, rsip::Method::Message);
    assert_eq!(sip::header(&relayed.headers, "P-Asserted-Identity").as_deref(), Some("<sip:alice@rollcall.local>"));
    assert!(sip::header(&relayed.headers, "Proxy-Authorization").is_none(), "credentials are not passed on");
    assert_eq!(relayed.body, b"hello bob");
    bob.answer(&relayed, 200).await;
    assert_eq!(sender.await.expect("sender"), 200, "bob's 200 travels back to alice");
}

/// A recipient whose connection closes with a MESSAGE unanswered: the
/// sender gets `408` at once, not after the 32 s transaction timer (one
/// closed browser tab must not hold up the gateway's queue).
#[tokio::test]
async fn a_recipient_that_goes_away_unanswered_gets_the_sender_a_408_at_once() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let mut bob = server.client("bob").await;
    bob.register().await;

    let sender =
        tokio::spawn(async move { alice.message_to("sip:bob@rollcall.local", "anyone there?").await.status_code.code() });
    let relayed = bob.next_request().await;
    assert_eq!(relayed.method, rsip::Method::Message);
    drop(bob); // the tab closes without answering
    let code = tokio::time::timeout(std::time::Duration::from_secs(5), sender)
        .await
        .expect("answered long before the transaction timer")
        .expect("sender");
    assert_eq!(code, 408);
}

/// Waits (bounded) until `aor` has exactly `n` bindings: the server has
/// seen a connection close.
async fn bindings(server: &TestServer, aor: &str, n: usize) {
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    while server.running.im.registrar.lookup(aor).len() != n {
        assert!(tokio::time::Instant::now() < deadline, "{aor} has {n} bindings in time");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Two tabs of bob's: one refuses and then closes, the other accepts. The
/// closed tab's answer was already final, so the close adds nothing, and
/// the acceptance wins. And a tab that goes away unanswered never beats a
/// real answer: our own 408 ranks below bob's 486.
#[tokio::test]
async fn a_closed_fork_never_outranks_what_the_other_forks_answer() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let mut tab1 = server.client("bob").await;
    tab1.register().await;
    let mut tab2 = server.client("bob").await;
    tab2.register().await;

    let sender = tokio::spawn(async move {
        let code = alice.message_to("sip:bob@rollcall.local", "first").await.status_code.code();
        (alice, code)
    });
    let first = tab1.next_request().await;
    tab1.answer(&first, 486).await;
    drop(tab1);
    bindings(&server, "sip:bob@rollcall.local", 1).await;
    let second = tab2.next_request().await;
    tab2.answer(&second, 200).await;
    let (mut alice, code) = sender.await.expect("sender");
    assert_eq!(code, 200, "the other tab accepted");

    let mut tab3 = server.client("bob").await;
    tab3.register().await;
    let sender = tokio::spawn(async move { alice.message_to("sip:bob@rollcall.local", "second").await.status_code.code() });
    let busy = tab2.next_request().await;
    let _ = tab3.next_request().await;
    tab2.answer(&busy, 486).await;
    drop(tab3); // goes away without answering
    assert_eq!(sender.await.expect("sender"), 486, "bob's real answer, not our 408");
}

#[tokio::test]
async fn relay_refusals() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    assert_eq!(alice.message_to("sip:nobody@rollcall.local", "x").await.status_code.code(), 404);
    assert_eq!(alice.message_to("sip:carol@rollcall.local", "x").await.status_code.code(), 480, "carol is offline");
}

#[tokio::test]
async fn from_must_be_the_authenticated_user() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    // Authenticate as alice but claim to be bob in From.
    // (On the wire as it is: no user agent of ours would send it.)
    alice.aor = "sip:bob@rollcall.local".into();
    let r = alice.proxied(rsip::Method::Message, GATEWAY, |b| b.body("text/plain", "x".into())).await;
    assert_eq!(r.status_code.code(), 403);
}

#[tokio::test]
async fn malformed_sip_gets_400_and_the_connection_lives_on() {
    let server = TestServer::start().await;
    let mut client = server.client("alice").await;
    // A request line and the headers a response needs, but a CSeq that is not one.
    client
        .send_raw(
            "MESSAGE sip:bob@rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKbad\r\n\
             From: <sip:alice@rollcall.local>;tag=1\r\nTo: <sip:bob@rollcall.local>\r\nCall-ID: bad1\r\n\
             CSeq: banana\r\nContent-Length: 0\r\n\r\n",
        )
        .await;
    let r = client.recv_response().await;
    assert_eq!(r.status_code.code(), 400);
    // Garbage that cannot be answered is dropped; the connection survives.
    client.send_raw("\u{1}\u{2} this is not SIP").await;
    let options = RequestBuilder::new(rsip::Method::Options, &format!("sip:{DOMAIN}"))
        .via("x.invalid", &sip::new_branch())
        .from("sip:alice@rollcall.local", None, &sip::new_tag())
        .to(&format!("sip:{DOMAIN}"), None)
        .call_id(&sip::new_call_id())
        .cseq(1)
        .build()
        .expect("builds");
    client.send_raw(&options.to_string()).await;
    assert_eq!(client.recv_response().await.status_code.code(), 200, "still served after garbage");
    assert!(server.running.im.stats.dropped.load(std::sync::atomic::Ordering::Relaxed) >= 1, "the drop is counted");
}

/// Malformed requests that can be answered are not garbage: any number of
/// them in a row leave the connection open. Ten frames in a row that
/// cannot be answered at all close it (1008).
#[tokio::test]
async fn answered_refusals_are_not_garbage_but_garbage_closes_the_connection() {
    let server = TestServer::start().await;
    let mut client = server.client("alice").await;
    for n in 0..15 {
        // Two spaces after the method: malformed, but answerable.
        client
            .send_raw(&format!(
                "OPTIONS  sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKg{n}\r\n\
                 From: <sip:alice@{DOMAIN}>;tag={n}\r\nTo: <sip:{DOMAIN}>\r\nCall-ID: g{n}\r\nCSeq: 1 OPTIONS\r\n\r\n"
            ))
            .await;
        assert_eq!(client.recv_response().await.status_code.code(), 400, "refusal {n}");
    }
    let options = RequestBuilder::new(rsip::Method::Options, &format!("sip:{DOMAIN}"))
        .via("x.invalid", &sip::new_branch())
        .from("sip:alice@rollcall.local", None, &sip::new_tag())
        .to(&format!("sip:{DOMAIN}"), None)
        .call_id(&sip::new_call_id())
        .cseq(1)
        .build()
        .expect("builds");
    client.send_raw(&options.to_string()).await;
    assert_eq!(client.recv_response().await.status_code.code(), 200, "still served after 15 refusals");
    for _ in 0..10 {
        client.send_raw("\u{1}\u{2} this is not SIP").await;
    }
    assert_eq!(client.closed_with().await, Some(1008), "ten unanswerable frames in a row close it");
}

#[tokio::test]
async fn unknown_method_gets_405_with_allow() {
    let server = TestServer::start().await;
    let mut client = server.client("alice").await;
    let info = RequestBuilder::new(rsip::Method::Info, &format!("sip:{DOMAIN}"))
        .via("x.invalid", &sip::new_branch())
        .from("sip:alice@rollcall.local", None, &sip::new_tag())
        .to(&format!("sip:{DOMAIN}"), None)
        .call_id(&sip::new_call_id())
        .cseq(1)
        .build()
        .expect("builds");
    client.send_raw(&info.to_string()).await;
    let r = client.recv_response().await;
    assert_eq!(r.status_code.code(), 405);
    assert!(sip::header(&r.headers, "Allow").expect("Allow").contains("MESSAGE"));
}

#[tokio::test]
async fn oversized_message_gets_513() {
    let server = TestServer::start().await;
    let mut client = server.client("alice").await;
    client.register().await;
    let huge = "x".repeat(70 * 1024);
    let r = client.message_to(GATEWAY, &huge).await;
    assert_eq!(r.status_code.code(), 513);
}

#[tokio::test]
async fn websocket_without_sip_subprotocol_is_refused() {
    let server = TestServer::start().await;
    let response = reqwest_get_upgrade(&server.running.http.to_string()).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
}

/// A raw upgrade request without `Sec-WebSocket-Protocol`.
async fn reqwest_get_upgrade(addr: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
    let request = format!(
        "GET /sip HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut buf = vec![0u8; 1024];
    let n = stream.read(&mut buf).await.expect("reads");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn every_message_is_logged_in_both_directions() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let log = server.running.store.message_log().recent(200).await.expect("log");
    let alice_lines: Vec<_> = log.iter().filter(|e| e.message.contains("sip:alice@rollcall.local")).collect();
    // REGISTER, 401, REGISTER with credentials, 200.
    assert!(alice_lines.iter().filter(|e| e.direction == "in" && e.first_line.starts_with("REGISTER")).count() >= 2);
    assert!(alice_lines.iter().any(|e| e.direction == "out" && e.first_line.starts_with("SIP/2.0 401")));
    assert!(alice_lines
        .iter()
        .any(|e| e.direction == "out" && e.first_line.starts_with("SIP/2.0 200") && e.auth_user.as_deref() == Some("alice")));
    // Credentials are logged without the digest response (an offline guess needs it).
    let with_credentials: Vec<_> = alice_lines.iter().filter(|e| e.message.contains("Authorization: Digest")).collect();
    assert!(!with_credentials.is_empty());
    for entry in with_credentials {
        assert!(entry.message.contains(r#"response="redacted""#), "{}", entry.message);
    }
}
