//! "Every message is logged before it is acted on or sent" (PROTOCOL.md §1)
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

#[tokio::test]
async fn a_response_that_cannot_be_logged_closes_the_connection() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    break_the_log(&server, "1").await;
    alice.send_raw(&format!(
        "OPTIONS sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bKx1\r\nFrom: <sip:alice@{DOMAIN}>;tag=1\r\n\
         To: <sip:{DOMAIN}>\r\nCall-ID: unlogged-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    ))
    .await;
    assert_eq!(alice.closed_with().await, Some(1011), "closed, not answered unlogged");
}
