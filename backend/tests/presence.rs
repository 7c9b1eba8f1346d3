//! The presence agent (PROTOCOL.md §1, RFC 3856): SUBSCRIBE to a user's
//! `presence`, NOTIFY with PIDF `open` while they are registered, `closed`
//! otherwise, on every change and when the subscription ends.

mod common;

use common::{Client, TestServer};
use rollcall_shared::sip::{self, rsip};

/// SUBSCRIBE alice → `presentity` with this lifetime; the final response.
async fn subscribe(client: &mut Client, presentity: &str, expires: u32) -> rsip::Response {
    client
        .proxied(rsip::Method::Subscribe, presentity, |b| {
            b.header("Event", "presence").header("Accept", "application/pidf+xml").contact("<sip:w@watch.invalid;transport=ws>").expires(expires)
        })
        .await
}

/// The next NOTIFY: its `basic` status and Subscription-State. Answered 200.
async fn next_notify(client: &mut Client) -> (String, String) {
    loop {
        let req = client.next_request().await;
        client.answer(&req, 200).await;
        if req.method != rsip::Method::Notify {
            continue;
        }
        assert_eq!(sip::header(&req.headers, "Event").as_deref(), Some("presence"));
        assert_eq!(sip::header(&req.headers, "Content-Type").as_deref(), Some("application/pidf+xml"));
        let body = String::from_utf8(req.body.clone()).expect("utf-8");
        let basic = body.split("<basic>").nth(1).and_then(|b| b.split("</basic>").next()).expect("a basic status");
        let state = sip::header(&req.headers, "Subscription-State").expect("Subscription-State");
        return (basic.to_string(), state);
    }
}

#[tokio::test]
async fn notify_on_subscribe_on_register_and_on_disconnect() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;

    let ok = subscribe(&mut alice, "sip:bob@rollcall.local", 600).await;
    assert_eq!(ok.status_code.code(), 200);
    assert!(sip::to_tag(&ok).is_some(), "the 200 starts a dialog");
    let (basic, state) = next_notify(&mut alice).await;
    assert_eq!(basic, "closed", "bob is not registered yet");
    assert!(state.starts_with("active;expires="), "{state}");

    let mut bob = server.client("bob").await;
    bob.register().await;
    assert_eq!(next_notify(&mut alice).await.0, "open", "bob registered");

    drop(bob); // the connection closes: bob's binding goes at once
    assert_eq!(next_notify(&mut alice).await.0, "closed", "bob's connection closed");
}

#[tokio::test]
async fn unsubscribe_and_expiry_end_the_subscription() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;

    // Expires: 0 — a fetch: one NOTIFY, terminated.
    assert_eq!(subscribe(&mut alice, "sip:bob@rollcall.local", 0).await.status_code.code(), 200);
    let (_, state) = next_notify(&mut alice).await;
    assert!(state.starts_with("terminated"), "{state}");

    // A one-second subscription ends by itself with reason=timeout.
    assert_eq!(subscribe(&mut alice, "sip:carol@rollcall.local", 1).await.status_code.code(), 200);
    assert!(next_notify(&mut alice).await.1.starts_with("active"));
    assert_eq!(next_notify(&mut alice).await.1, "terminated;reason=timeout");
}

#[tokio::test]
async fn subscriptions_are_authenticated_and_checked() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    assert_eq!(subscribe(&mut alice, "sip:nobody@rollcall.local", 60).await.status_code.code(), 404);
    let wrong_event = alice.proxied(rsip::Method::Subscribe, "sip:bob@rollcall.local", |b| b.header("Event", "dialog")).await;
    assert_eq!(wrong_event.status_code.code(), 489);
    assert_eq!(sip::header(&wrong_event.headers, "Allow-Events").as_deref(), Some("presence"));
}
