//! The presence agent (docs/protocol.md §1, RFC 3856): SUBSCRIBE to a user's
//! `presence`, NOTIFY with PIDF `open` while they are registered, `closed`
//! otherwise, on every change and when the subscription ends.

mod common;

use std::time::Duration;

use common::{Client, Dialog, TestServer, DOMAIN};
use rollcall_shared::sip::{self, rsip, RequestBuilder};

/// SUBSCRIBE alice → `presentity` with this lifetime; the final response.
async fn subscribe(client: &mut Client, presentity: &str, expires: u32) -> rsip::Response {
    client.proxied(rsip::Method::Subscribe, presentity, |b| subscribe_headers(b, expires)).await
}

/// An in-dialog SUBSCRIBE (refresh, or unsubscribe with 0) to Request-URI `uri`.
async fn resubscribe(client: &mut Client, uri: &str, dialog: &Dialog, expires: u32) -> rsip::Response {
    client.in_dialog(rsip::Method::Subscribe, uri, dialog, |b| subscribe_headers(b, expires)).await
}

fn subscribe_headers(b: RequestBuilder, expires: u32) -> RequestBuilder {
    b.header("Event", "presence")
        .header("Accept", "application/pidf+xml")
        .contact("<sip:w@watch.invalid;transport=ws>")
        .expires(expires)
}

/// The seconds left in `active;expires=N`.
fn active_for(state: &str) -> u64 {
    state.strip_prefix("active;expires=").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("not an active state: {state}"))
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

/// Alice, registered, watching bob for `expires` seconds: the 200's dialog,
/// once the first (active) NOTIFY has come.
async fn alice_watching_bob(server: &TestServer, expires: u32) -> (Client, Dialog) {
    let mut alice = server.client("alice").await;
    alice.register().await;
    let ok = subscribe(&mut alice, "sip:bob@rollcall.local", expires).await;
    assert_eq!(ok.status_code.code(), 200);
    let dialog = Dialog::of(&ok);
    assert!(next_notify(&mut alice).await.1.starts_with("active"));
    (alice, dialog)
}

/// RFC 3261 §12.2.1.1 / RFC 6665 §4.1.2.2: a refresh goes to the remote
/// target, the 200's Contact, not to the presentity's AOR. Both work.
#[tokio::test]
async fn refresh_to_the_contact_or_the_aor_extends_the_subscription() {
    let server = TestServer::start().await;
    let (mut alice, dialog) = alice_watching_bob(&server, 2).await;
    assert_ne!(dialog.target, "sip:bob@rollcall.local", "the server's Contact is its own, not the presentity");

    // What the Rollcall browser sends: the refresh to the watched AOR.
    let refreshed = resubscribe(&mut alice, "sip:bob@rollcall.local", &dialog, 2).await;
    assert_eq!(refreshed.status_code.code(), 200);
    assert_eq!(sip::to_tag(&refreshed).as_deref(), Some(dialog.remote_tag.as_str()), "the same dialog");
    assert!(next_notify(&mut alice).await.1.starts_with("active"));

    // A standards-following client: the refresh to the 200's Contact.
    let refreshed = resubscribe(&mut alice, &dialog.target, &dialog, 60).await;
    assert_eq!(refreshed.status_code.code(), 200, "an in-dialog SUBSCRIBE to the Contact is matched by dialog");
    assert_eq!(sip::to_tag(&refreshed).as_deref(), Some(dialog.remote_tag.as_str()), "the same dialog");
    assert_eq!(sip::header(&refreshed.headers, "Expires").as_deref(), Some("60"));
    let (basic, state) = next_notify(&mut alice).await;
    assert_eq!(basic, "closed", "still bob's presence");
    assert!((59..=60).contains(&active_for(&state)), "{state}");

    // Past the first lifetime the subscription lives on and NOTIFYs continue.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut bob = server.client("bob").await;
    bob.register().await;
    let (basic, state) = next_notify(&mut alice).await;
    assert_eq!(basic, "open", "bob registered");
    assert!(active_for(&state) > 50, "extended, not timed out: {state}");
}

#[tokio::test]
async fn unsubscribe_to_the_contact_ends_the_subscription() {
    let server = TestServer::start().await;
    let (mut alice, dialog) = alice_watching_bob(&server, 600).await;

    let ended = resubscribe(&mut alice, &dialog.target, &dialog, 0).await;
    assert_eq!(ended.status_code.code(), 200);
    assert_eq!(sip::header(&ended.headers, "Expires").as_deref(), Some("0"));
    let (basic, state) = next_notify(&mut alice).await;
    assert_eq!(basic, "closed", "bob's presence");
    assert_eq!(state, "terminated");

    // The dialog is gone: a refresh to the Contact or the AOR finds nothing.
    assert_eq!(resubscribe(&mut alice, &dialog.target, &dialog, 60).await.status_code.code(), 481);
    assert_eq!(resubscribe(&mut alice, "sip:bob@rollcall.local", &dialog, 60).await.status_code.code(), 481);
}

#[tokio::test]
async fn in_dialog_subscribe_of_an_unknown_dialog_gets_481() {
    let server = TestServer::start().await;
    let (mut alice, dialog) = alice_watching_bob(&server, 600).await;

    // A To tag the server never gave, in this dialog or a made-up one.
    let wrong_tag = Dialog { remote_tag: sip::new_tag(), ..dialog.clone() };
    let made_up = Dialog { call_id: sip::new_call_id(), local_tag: sip::new_tag(), ..wrong_tag.clone() };
    for (uri, d) in [(&dialog.target, &wrong_tag), (&dialog.target, &made_up), (&dialog.remote, &made_up)] {
        let r = resubscribe(&mut alice, uri, d, 60).await;
        assert_eq!(r.status_code.code(), 481, "to {uri}");
    }
    // Nor is the Contact taken for an unknown user.
    let unsubscribe = resubscribe(&mut alice, &dialog.target, &made_up, 0).await;
    assert_eq!(unsubscribe.status_code.code(), 481);

    // Another user cannot use alice's dialog ids.
    let mut carol = server.client("carol").await;
    carol.register().await;
    assert_eq!(resubscribe(&mut carol, &dialog.target, &dialog, 0).await.status_code.code(), 481);

    // Alice's subscription is untouched by all that.
    let refreshed = resubscribe(&mut alice, &dialog.target, &dialog, 600).await;
    assert_eq!(refreshed.status_code.code(), 200);
    assert!(next_notify(&mut alice).await.1.starts_with("active"));
}

/// A user holds a bounded number of subscriptions (`403` beyond).
#[tokio::test]
async fn subscriptions_per_user_are_capped() {
    let server = TestServer::start_with(|o| o.edge.connection_limits.max_subscriptions_per_user = 2).await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    for presentity in ["bob", "carol"] {
        let r = subscribe(&mut alice, &format!("sip:{presentity}@{DOMAIN}"), 600).await;
        assert_eq!(r.status_code.code(), 200);
        next_notify(&mut alice).await;
    }
    let r = subscribe(&mut alice, &format!("sip:bob@{DOMAIN}"), 600).await;
    assert_eq!(r.status_code.code(), 403, "{r}");
    // Bob's own subscriptions are his.
    let mut bob = server.client("bob").await;
    bob.register().await;
    assert_eq!(subscribe(&mut bob, &format!("sip:alice@{DOMAIN}"), 600).await.status_code.code(), 200);
}
