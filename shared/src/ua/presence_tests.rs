//! Presence watching against a scripted presence agent that answers and
//! notifies the way the IM server does (`backend/src/im_server/presence.rs`):
//! 407 for a SUBSCRIBE without credentials, a 200 with its To tag, `Expires`
//! and a Contact, then NOTIFYs from the presentity in that dialog, with
//! `Subscription-State` and a PIDF body.

use crate::digest::Algorithm;
use crate::pidf;
use crate::sip::{self, rsip};

use super::subscriber::{REQUESTED_EXPIRES, RETRY_MS};
use super::tests::{
    answer, challenge, challenged, credentials, events, ha1, list_request, new_ua, registered_ua, sent_request, sent_requests,
    sent_response,
};
use super::{Event, Output, UserAgent};

const BOB: &str = "sip:bob@rollcall.local";
const CAROL: &str = "sip:carol@rollcall.local";
/// The presence agent's To tag.
pub(super) const PA_TAG: &str = "pa1";

/// The SUBSCRIBEs among `outputs` (a tick may also refresh the
/// registration).
pub(super) fn subscribes(outputs: &[Output]) -> Vec<rsip::Request> {
    sent_requests(outputs).into_iter().filter(|r| r.method == rsip::Method::Subscribe).collect()
}

/// The one SUBSCRIBE among `outputs`.
pub(super) fn sent_subscribe(outputs: &[Output]) -> rsip::Request {
    let mut found = subscribes(outputs);
    assert_eq!(found.len(), 1, "expected one SUBSCRIBE in {outputs:#?}");
    found.remove(0)
}

pub(super) fn header(message: &rsip::Request, name: &str) -> Option<String> {
    sip::header(&message.headers, name)
}

pub(super) fn cseq(request: &rsip::Request) -> u32 {
    sip::cseq(request).unwrap().0
}

fn presence(aor: &str, online: bool) -> Event {
    Event::Presence { aor: aor.into(), online }
}

/// The presence agent's 200: its To tag, the granted Expires, a Contact.
pub(super) fn accepted(subscribe: &rsip::Request, expires: u32) -> String {
    let mut ok = sip::response(subscribe, 200, None, Some(PA_TAG));
    ok.headers.push(sip::make_header("Expires", expires.to_string()));
    ok.headers.push(sip::make_header("Contact", "<sip:rollcall.local;transport=ws>"));
    ok.to_string()
}

/// What the IM server's `presence::pidf` writes.
fn pidf_document(entity: &str, basic: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"{entity}\">\
         <tuple id=\"rollcall\"><status><basic>{basic}</basic></status><contact>{entity}</contact></tuple>\
         </presence>"
    )
}

/// A NOTIFY in `subscribe`'s dialog, as the presence agent sends it: to
/// the SUBSCRIBE's Contact, From the presentity with the agent's tag, To
/// the subscriber with its tag.
fn notify(subscribe: &rsip::Request, n: u32, state: &str, basic: &str) -> String {
    let target = sip::parse_name_addr(&header(subscribe, "Contact").unwrap()).unwrap().uri;
    let presentity = sip::aor(&subscribe.uri);
    sip::RequestBuilder::new(rsip::Method::Notify, &target)
        .via("rollcall.local", &sip::new_branch())
        .from(&presentity, None, PA_TAG)
        .to(&sip::from_aor(subscribe).unwrap(), sip::from_tag(subscribe).as_deref())
        .call_id(&sip::call_id(subscribe).unwrap())
        .cseq(n)
        .contact("<sip:rollcall.local;transport=ws>")
        .header("Event", "presence")
        .header("Subscription-State", state)
        .body(pidf::CONTENT_TYPE, pidf_document(&presentity, basic))
        .build()
        .unwrap()
        .to_string()
}

/// Sends `notify` to `ua`: checks it was answered with `code` in its
/// dialog, returns the events.
pub(super) fn deliver(ua: &mut UserAgent, notify: &str, code: u16, now: u64) -> Vec<Event> {
    let out = ua.received(notify, now);
    let response = sent_response(&out);
    assert_eq!(response.status_code.code(), code, "{out:#?}");
    let request = match sip::parse(notify).unwrap() {
        rsip::SipMessage::Request(r) => r,
        _ => unreachable!(),
    };
    assert_eq!(sip::call_id(&response), sip::call_id(&request));
    assert_eq!(sip::cseq(&response), sip::cseq(&request));
    assert_eq!(sip::from_tag(&response), sip::from_tag(&request));
    if let Some(tag) = sip::to_tag(&request) {
        assert_eq!(sip::to_tag(&response), Some(tag), "answered in the dialog");
    }
    events(&out)
}

/// A registered user agent watching bob, its subscription challenged
/// (407, SHA-256 nonce `p1`), answered and accepted for 600 s at 1 s, and
/// bob reported online. Returns the accepted SUBSCRIBE.
fn watching_bob_online() -> (UserAgent, rsip::Request) {
    let mut ua = registered_ua();
    let first = sent_request(&ua.watch(vec![BOB.into()], 100));
    let retry = sent_request(&ua.received(&challenged(&first, 407, &[challenge(Algorithm::Sha256, "p1", false)]), 110));
    assert!(events(&ua.received(&accepted(&retry, 600), 1_000)).is_empty());
    assert_eq!(deliver(&mut ua, &notify(&retry, 1, "active;expires=600", "open"), 200, 1_001), vec![presence(BOB, true)]);
    (ua, retry)
}

#[test]
fn subscribes_after_registration_answering_the_407() {
    let mut ua = new_ua();
    assert!(ua.watch(vec![BOB.into()], 0).is_empty(), "nothing goes out before registration");
    let register = sent_request(&ua.connected(1));
    assert!(ua.watch(vec![BOB.into()], 2).is_empty(), "still registering");
    let register = sent_request(&ua.received(&challenged(&register, 401, &[challenge(Algorithm::Sha256, "n1", false)]), 3));
    let out = ua.received(&answer(&register, 200), 4);
    assert_eq!(events(&out), vec![Event::Registered { again: false }]);

    let first = sent_request(&out);
    assert_eq!(first.method, rsip::Method::Subscribe);
    assert_eq!(first.uri.to_string(), BOB);
    assert_eq!(sip::to_aor(&first).unwrap(), BOB);
    assert_eq!(sip::to_tag(&first), None, "a new dialog");
    assert_eq!(sip::from_aor(&first).unwrap(), "sip:alice@rollcall.local");
    assert!(sip::from_tag(&first).is_some());
    assert_eq!(header(&first, "Event").as_deref(), Some("presence"));
    assert_eq!(header(&first, "Accept").as_deref(), Some("application/pidf+xml"));
    assert_eq!(header(&first, "Expires"), Some(REQUESTED_EXPIRES.to_string()));
    assert!(header(&first, "Contact").unwrap().contains(".invalid;transport=ws"));
    assert!(header(&first, "Proxy-Authorization").is_none());

    // 407, as for a MESSAGE: same Call-ID and tag, next CSeq, credentials.
    let out = ua.received(&challenged(&first, 407, &[challenge(Algorithm::Sha256, "p1", false)]), 10);
    let retry = sent_request(&out);
    assert_eq!(retry.method, rsip::Method::Subscribe);
    assert_eq!(sip::call_id(&retry), sip::call_id(&first));
    assert_eq!(sip::from_tag(&retry), sip::from_tag(&first));
    assert_eq!(cseq(&retry), cseq(&first) + 1);
    let creds = credentials(&retry, "Proxy-Authorization");
    assert_eq!((creds.nonce.as_str(), creds.nc), ("p1", Some(1)));
    assert_eq!(creds.uri, BOB);
    assert!(creds.verify(&ha1(Algorithm::Sha256), "SUBSCRIBE"));
    assert!(events(&out).is_empty());

    // Accepted: nothing to report until the NOTIFY says something.
    assert!(events(&ua.received(&accepted(&retry, 600), 20)).is_empty());
    assert_eq!(deliver(&mut ua, &notify(&retry, 1, "active;expires=600", "closed"), 200, 21), vec![presence(BOB, false)]);

    // One nonce cache for MESSAGE and SUBSCRIBE: the next MESSAGE answers
    // the SUBSCRIBE's challenge at once, with the next nc.
    let message = sent_request(&ua.send(list_request(1), 30));
    let creds = credentials(&message, "Proxy-Authorization");
    assert_eq!((creds.nonce.as_str(), creds.nc), ("p1", Some(2)));
    assert!(creds.verify(&ha1(Algorithm::Sha256), "MESSAGE"));
}

#[test]
fn notifies_are_answered_and_report_only_changes() {
    let (mut ua, subscribe) = watching_bob_online();
    let n = |i, basic| notify(&subscribe, i, "active;expires=500", basic);
    assert!(deliver(&mut ua, &n(2, "open"), 200, 2_000).is_empty(), "no news");
    assert_eq!(deliver(&mut ua, &n(3, "closed"), 200, 3_000), vec![presence(BOB, false)]);
    assert!(deliver(&mut ua, &n(4, "closed"), 200, 4_000).is_empty());
    assert_eq!(deliver(&mut ua, &n(5, "open"), 200, 5_000), vec![presence(BOB, true)]);
}

#[test]
fn unknown_dialogs_get_481_and_other_events_489() {
    let (mut ua, subscribe) = watching_bob_online();
    let good = notify(&subscribe, 2, "active", "closed");

    let call_id = sip::call_id(&subscribe).unwrap();
    let stranger = good.replace(&call_id, "someone-elses-call-id");
    assert!(deliver(&mut ua, &stranger, 481, 2_000).is_empty());

    let our_tag = sip::from_tag(&subscribe).unwrap();
    let wrong_tag = good.replace(&format!("tag={our_tag}"), "tag=not-ours");
    assert!(deliver(&mut ua, &wrong_tag, 481, 2_001).is_empty());

    let other_notifier = good.replace(&format!("tag={PA_TAG}"), "tag=pa2");
    assert!(deliver(&mut ua, &other_notifier, 481, 2_002).is_empty());

    let dialog_event = good.replace("Event: presence", "Event: dialog");
    assert!(deliver(&mut ua, &dialog_event, 489, 2_003).is_empty());

    // None of those changed anything.
    assert_eq!(deliver(&mut ua, &good, 200, 2_004), vec![presence(BOB, false)]);
}

#[test]
fn refreshes_in_the_dialog_before_expiry() {
    let (mut ua, subscribe) = watching_bob_online();
    // Accepted at 1 s for 600 s: refresh at 80 %, 480 s later.
    assert!(subscribes(&ua.tick(1_000 + 479_999)).is_empty());
    let refresh = sent_subscribe(&ua.tick(1_000 + 480_000));
    assert_eq!(refresh.method, rsip::Method::Subscribe);
    assert_eq!(refresh.uri.to_string(), BOB);
    assert_eq!(sip::call_id(&refresh), sip::call_id(&subscribe));
    assert_eq!(sip::from_tag(&refresh), sip::from_tag(&subscribe));
    assert_eq!(sip::to_tag(&refresh).as_deref(), Some(PA_TAG), "in the dialog");
    assert_eq!(cseq(&refresh), cseq(&subscribe) + 1);
    assert_eq!(header(&refresh, "Expires"), Some(REQUESTED_EXPIRES.to_string()));
    let creds = credentials(&refresh, "Proxy-Authorization");
    assert!(creds.verify(&ha1(Algorithm::Sha256), "SUBSCRIBE"));
    assert!(subscribes(&ua.tick(482_000)).is_empty(), "one refresh at a time");

    // Granted less this time; the server's NOTIFY follows, unchanged.
    assert!(ua.received(&accepted(&refresh, 100), 482_000).is_empty());
    assert!(deliver(&mut ua, &notify(&refresh, 2, "active;expires=100", "open"), 200, 482_001).is_empty());
    assert!(subscribes(&ua.tick(482_000 + 79_999)).is_empty());
    assert_eq!(sent_subscribe(&ua.tick(482_000 + 80_000)).method, rsip::Method::Subscribe);
}

#[test]
fn a_notify_can_bring_the_refresh_forward() {
    let (mut ua, subscribe) = watching_bob_online();
    // The server says 60 s are left: refresh at 80 % of that.
    let out = deliver(&mut ua, &notify(&subscribe, 2, "active;expires=60", "open"), 200, 10_000);
    assert!(out.is_empty());
    assert!(subscribes(&ua.tick(10_000 + 47_999)).is_empty());
    let refresh = sent_subscribe(&ua.tick(10_000 + 48_000));
    assert_eq!(sip::to_tag(&refresh).as_deref(), Some(PA_TAG));
}

#[test]
fn unwatching_sends_expires_zero_and_reports_offline() {
    let (mut ua, subscribe) = watching_bob_online();
    let out = ua.watch(Vec::new(), 5_000);
    assert_eq!(events(&out), vec![presence(BOB, false)], "no stale online");
    let unsubscribe = sent_request(&out);
    assert_eq!(unsubscribe.method, rsip::Method::Subscribe);
    assert_eq!(header(&unsubscribe, "Expires").as_deref(), Some("0"));
    assert_eq!(sip::call_id(&unsubscribe), sip::call_id(&subscribe));
    assert_eq!(sip::to_tag(&unsubscribe).as_deref(), Some(PA_TAG));
    assert_eq!(cseq(&unsubscribe), cseq(&subscribe) + 1);
    assert!(header(&unsubscribe, "Proxy-Authorization").is_some());

    // 200, then the final NOTIFY (with bob's state): answered, no news.
    assert!(ua.received(&accepted(&unsubscribe, 0), 5_001).is_empty());
    let last = notify(&subscribe, 2, "terminated", "open");
    assert!(deliver(&mut ua, &last, 200, 5_002).is_empty());
    // The dialog is gone now.
    let late = notify(&subscribe, 3, "active", "open");
    assert!(deliver(&mut ua, &late, 481, 5_003).is_empty());
    assert!(subscribes(&ua.tick(10_000_000)).is_empty(), "nothing to refresh");
}

#[test]
fn watch_sets_the_list_subscribing_and_unsubscribing_the_difference() {
    let (mut ua, bob) = watching_bob_online();
    // Same list (another spelling): nothing to do.
    assert!(ua.watch(vec!["sip:bob@Rollcall.Local".into(), BOB.into()], 2_000).is_empty());

    // Carol joins, bob stays.
    let out = ua.watch(vec![BOB.into(), CAROL.into()], 2_100);
    let carol = sent_request(&out);
    assert_eq!(carol.uri.to_string(), CAROL);
    assert_ne!(sip::call_id(&carol), sip::call_id(&bob));
    assert!(header(&carol, "Proxy-Authorization").is_some(), "nonce cached");
    assert!(events(&out).is_empty());

    // Carol is dropped while her SUBSCRIBE is unanswered: she is
    // unsubscribed once the 200 names the dialog.
    assert!(ua.watch(vec![BOB.into()], 2_200).is_empty());
    let out = ua.received(&accepted(&carol, 600), 2_300);
    let unsubscribe = sent_request(&out);
    assert_eq!(header(&unsubscribe, "Expires").as_deref(), Some("0"));
    assert_eq!(sip::to_tag(&unsubscribe).as_deref(), Some(PA_TAG));
    assert!(events(&out).is_empty());
    // Her first NOTIFY, crossing the unsubscribe, is answered but not news.
    assert!(deliver(&mut ua, &notify(&carol, 1, "active;expires=600", "open"), 200, 2_301).is_empty());
}

#[test]
fn resubscribes_after_a_reconnect_reporting_only_changes() {
    let (mut ua, old) = watching_bob_online();
    // Disconnect: nothing new is reported; nothing is sent without a connection.
    assert_eq!(events(&ua.disconnected()), vec![Event::Lost]);
    assert!(ua.tick(2_000).is_empty());

    let register = sent_request(&ua.connected(3_000));
    let out = ua.received(&answer(&register, 200), 3_001);
    assert_eq!(events(&out), vec![Event::Registered { again: true }]);
    let fresh = sent_request(&out);
    assert_eq!(fresh.method, rsip::Method::Subscribe);
    assert_ne!(sip::call_id(&fresh), sip::call_id(&old), "a new subscription");
    assert_eq!(sip::to_tag(&fresh), None);
    assert!(header(&fresh, "Proxy-Authorization").is_some(), "credentials at once");

    assert!(ua.received(&accepted(&fresh, 600), 3_002).is_empty());
    assert!(deliver(&mut ua, &notify(&fresh, 1, "active;expires=600", "open"), 200, 3_003).is_empty(), "still online: not news");
    assert_eq!(deliver(&mut ua, &notify(&fresh, 2, "active;expires=600", "closed"), 200, 3_004), vec![presence(BOB, false)]);
    // The old connection's dialog is gone.
    assert!(deliver(&mut ua, &notify(&old, 5, "active", "open"), 481, 3_005).is_empty());
}

#[test]
fn watching_while_disconnected_is_kept_for_the_next_registration() {
    let mut ua = registered_ua();
    ua.disconnected();
    assert!(ua.watch(vec![CAROL.into()], 10).is_empty());
    let register = sent_request(&ua.connected(20));
    let subscribe = sent_request(&ua.received(&answer(&register, 200), 21));
    assert_eq!(subscribe.uri.to_string(), CAROL);
}

#[test]
fn terminated_reports_offline_and_resubscribes_after_a_timeout() {
    let (mut ua, subscribe) = watching_bob_online();
    let out = ua.received(&notify(&subscribe, 2, "terminated;reason=timeout", "open"), 700_000);
    assert_eq!(sent_response(&out).status_code.code(), 200);
    assert_eq!(events(&out), vec![presence(BOB, false)]);
    let again = sent_request(&out);
    assert_eq!(again.method, rsip::Method::Subscribe);
    assert_eq!(again.uri.to_string(), BOB);
    assert_ne!(sip::call_id(&again), sip::call_id(&subscribe));
    assert_eq!(sip::to_tag(&again), None);

    assert!(ua.received(&accepted(&again, 600), 700_001).is_empty());
    assert_eq!(deliver(&mut ua, &notify(&again, 1, "active;expires=600", "open"), 200, 700_002), vec![presence(BOB, true)]);
}

#[test]
fn terminated_without_reason_retries_later_and_rejected_not_at_all() {
    let (mut ua, subscribe) = watching_bob_online();
    let out = ua.received(&notify(&subscribe, 2, "terminated", "closed"), 10_000);
    assert_eq!(events(&out), vec![presence(BOB, false)]);
    assert!(subscribes(&out).is_empty());
    assert!(subscribes(&ua.tick(10_000 + RETRY_MS - 1)).is_empty());
    let again = sent_subscribe(&ua.tick(10_000 + RETRY_MS));
    assert!(ua.received(&accepted(&again, 600), 50_000).is_empty());

    let out = ua.received(&notify(&again, 1, "terminated;reason=rejected", "closed"), 50_001);
    assert_eq!(sent_response(&out).status_code.code(), 200);
    assert!(events(&out).is_empty(), "offline already");
    assert!(subscribes(&ua.tick(10_000_000)).is_empty(), "rejected: no retry");
}

#[test]
fn failures_report_offline_and_retry_only_when_it_may_help() {
    // 404: no such user; reported offline, not tried again.
    let mut ua = registered_ua();
    let subscribe = sent_request(&ua.watch(vec![CAROL.into()], 100));
    let out = ua.received(&answer(&subscribe, 404), 110);
    assert_eq!(events(&out), vec![presence(CAROL, false)]);
    assert!(subscribes(&ua.tick(10_000_000)).is_empty());

    // 503 with Retry-After: tried again after it.
    let mut ua = registered_ua();
    let subscribe = sent_request(&ua.watch(vec![CAROL.into()], 100));
    let mut unavailable = sip::response(&subscribe, 503, None, Some("srv"));
    unavailable.headers.push(sip::make_header("Retry-After", "5"));
    let out = ua.received(&unavailable.to_string(), 110);
    assert_eq!(events(&out), vec![presence(CAROL, false)]);
    assert!(subscribes(&ua.tick(5_109)).is_empty());
    assert_eq!(sent_subscribe(&ua.tick(5_110)).uri.to_string(), CAROL);

    // A refresh the server no longer knows (481): a new subscription at once.
    let (mut ua, subscribe) = watching_bob_online();
    let refresh = sent_subscribe(&ua.tick(481_000));
    let out = ua.received(&answer(&refresh, 481), 481_010);
    assert!(events(&out).is_empty(), "not offline yet");
    let fresh = sent_request(&out);
    assert_ne!(sip::call_id(&fresh), sip::call_id(&subscribe));
    assert_eq!(sip::to_tag(&fresh), None);
}

#[test]
fn refused_credentials_fail_the_subscription_only() {
    let mut ua = registered_ua();
    let first = sent_request(&ua.watch(vec![BOB.into()], 100));
    let retry = sent_request(&ua.received(&challenged(&first, 407, &[challenge(Algorithm::Sha256, "p1", false)]), 110));
    let out = ua.received(&challenged(&retry, 407, &[challenge(Algorithm::Sha256, "p2", false)]), 120);
    assert_eq!(events(&out), vec![presence(BOB, false)]);
    assert!(!ua.is_refused(), "the registration stands");
    assert!(subscribes(&ua.tick(10_000_000)).is_empty());
}

#[test]
fn a_subscribe_without_answer_fails_and_is_retried() {
    let mut ua = registered_ua();
    let _subscribe = sent_request(&ua.watch(vec![BOB.into()], 100));
    let out = ua.tick(100 + 32_000);
    assert_eq!(events(&out), vec![presence(BOB, false)]);
    assert!(!out.contains(&Output::Reconnect));
    let again = sent_subscribe(&ua.tick(132_000 + RETRY_MS));
    assert_eq!(again.uri.to_string(), BOB);
}

#[test]
fn a_notify_may_come_before_the_200() {
    let mut ua = registered_ua();
    let subscribe = sent_request(&ua.watch(vec![BOB.into()], 100));
    assert_eq!(deliver(&mut ua, &notify(&subscribe, 1, "active;expires=600", "open"), 200, 101), vec![presence(BOB, true)]);
    assert!(ua.received(&accepted(&subscribe, 600), 102).is_empty());
    let refresh = sent_subscribe(&ua.tick(102 + 480_000));
    assert_eq!(sip::to_tag(&refresh).as_deref(), Some(PA_TAG));
}

#[test]
fn an_aor_that_is_no_sip_uri_is_reported_offline_and_not_subscribed() {
    let mut ua = registered_ua();
    for bad in ["not a uri", "bob@rollcall.local", "sip:rollcall.local"] {
        let out = ua.watch(vec![bad.into()], 100);
        assert!(subscribes(&out).is_empty(), "{bad}: {out:#?}");
        assert_eq!(events(&out), vec![presence(bad, false)]);
        assert!(subscribes(&ua.tick(200)).is_empty(), "not retried");
    }
}
