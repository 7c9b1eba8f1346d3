//! "Every message is logged before it is acted on or sent" (docs/protocol.md §1)
//! when the log cannot be written (disk full, database locked past its
//! timeout): the IM server answers `500` and does not act on or relay the
//! message; a message it cannot log is not sent, and its connection is
//! closed. The database is made to fail with a trigger, as a full disk
//! would.

mod common;

use common::flow::signed_in;
use common::{TestServer, DOMAIN};
use rollcall_shared::sip;

/// Makes inserts into the message log fail `when` (an SQL condition on NEW).
async fn break_the_log(server: &TestServer, when: &str) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", server.db)).await.expect("a second connection");
    sqlx::query(&format!(
        "CREATE TRIGGER log_fails BEFORE INSERT ON message_log WHEN {when} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    ))
    .execute(&pool)
    .await
    .expect("trigger");
}

#[tokio::test]
async fn a_request_that_cannot_be_logged_is_refused_and_not_relayed() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let _bob = signed_in(&server, "bob").await;
    break_the_log(&server, "NEW.direction = 'in' AND NEW.first_line LIKE 'MESSAGE %'").await;

    let r = alice.message_to(&format!("sip:bob@{DOMAIN}"), "never relayed").await;
    assert_eq!(r.status_code.code(), 500, "{r}");
    assert!(sip::header(&r.headers, "Retry-After").is_some());
    let log = server.running.store.message_log().recent(500).await.expect("log");
    assert!(log.iter().all(|e| !e.message.contains("never relayed")), "not relayed: nothing to bob was logged");
    assert!(server.running.im.stats.unlogged.load(std::sync::atomic::Ordering::Relaxed) >= 1, "counted");
}

/// With a nonce in hand the MESSAGE is relayed at once (connection.rs), its
/// fork waiting for the request's own log write: that write fails, so bob
/// gets nothing, alice gets 500, and bob's connection stays up.
#[tokio::test]
async fn an_authenticated_message_that_cannot_be_logged_is_refused_and_not_relayed() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut bob = signed_in(&server, "bob").await;
    let bob_uri = format!("sip:bob@{DOMAIN}");
    let first = tokio::join!(alice.message_to(&bob_uri, "logged"), async {
        let req = bob.next_request().await;
        bob.answer(&req, 200).await;
    });
    assert_eq!(first.0.status_code.code(), 200, "{}", first.0);
    break_the_log(&server, "NEW.direction = 'in' AND NEW.message LIKE '%never relayed%'").await;

    let r = alice.message_to(&bob_uri, "never relayed").await;
    assert_eq!(r.status_code.code(), 500, "{r}");
    assert!(sip::header(&r.headers, "Retry-After").is_some());
    // Bob is still connected and gets the next message, not the refused one.
    let next = tokio::join!(alice.message_to(&bob_uri, "after the gap"), async {
        let req = bob.next_request().await;
        bob.answer(&req, 200).await;
        req
    });
    assert_eq!(next.0.status_code.code(), 200, "{}", next.0);
    assert!(String::from_utf8_lossy(&next.1.body).contains("after the gap"), "{}", next.1);
    assert!(server.running.im.stats.unlogged.load(std::sync::atomic::Ordering::Relaxed) >= 1, "counted");
}

/// Bob's 200 cannot be logged on its way in: it is not relayed to alice,
/// who gets 500 instead; both stay connected.
#[tokio::test]
async fn a_relayed_answer_that_cannot_be_logged_is_replaced_by_500() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut bob = signed_in(&server, "bob").await;
    break_the_log(&server, "NEW.direction = 'in' AND NEW.first_line LIKE 'SIP/2.0 202%'").await;
    let bob_uri = format!("sip:bob@{DOMAIN}");
    let answered = tokio::join!(alice.message_to(&bob_uri, "answered 202"), async {
        let req = bob.next_request().await;
        bob.answer(&req, 202).await;
    });
    assert_eq!(answered.0.status_code.code(), 500, "{}", answered.0);
    let next = tokio::join!(alice.message_to(&bob_uri, "still here"), async {
        let req = bob.next_request().await;
        bob.answer(&req, 200).await;
    });
    assert_eq!(next.0.status_code.code(), 200, "{}", next.0);
}

#[tokio::test]
async fn a_response_that_cannot_be_logged_closes_the_connection() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    break_the_log(&server, "1").await;
    alice
        .send_raw(&format!(
            "OPTIONS sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bKx1\r\nFrom: <sip:alice@{DOMAIN}>;tag=1\r\n\
         To: <sip:{DOMAIN}>\r\nCall-ID: unlogged-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ))
        .await;
    assert_eq!(alice.closed_with().await, Some(1011), "closed, not answered unlogged");
}
