//! Following conferences (RFC 4575) against a scripted notifier that
//! answers and notifies the way the gateway does through the IM server
//! (`backend/src/gateway/notifier.rs`): 407 for a SUBSCRIBE without
//! credentials, a 200 with its To tag and `Expires`, then NOTIFYs from the
//! conference's URI in that dialog with conference-info documents. The
//! subscription machinery is presence's (`presence_tests.rs` tests it in
//! depth); this tests what differs.

use crate::conference_info::CONTENT_TYPE;
use crate::digest::Algorithm;
use crate::sip::{self, rsip};

use super::conference::{MAX_CONFERENCES, TOO_MANY};
use super::presence_tests::{accepted, cseq, deliver, header, sent_subscribe, subscribes, PA_TAG};
use super::subscriber::{REQUESTED_EXPIRES, RETRY_MS};
use super::tests::{answer, challenge, challenged, credentials, events, ha1, registered_ua, sent_request, sent_response};
use super::{Event, UserAgent};

const CONF: &str = "sip:conf-0123456789abcdef@rollcall.local";

fn conf(n: usize) -> String {
    format!("sip:conf-{n:016x}@rollcall.local")
}

/// A document as the application sees it (the user agent does not read it).
fn document(version: u32, state: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" \
         entity=\"{CONF}\" state=\"{state}\" version=\"{version}\"/>"
    )
}

/// A NOTIFY in `subscribe`'s dialog, from the conference with the
/// notifier's tag, carrying `body` (none when empty).
fn notify(subscribe: &rsip::Request, n: u32, state: &str, body: &str) -> String {
    let target = sip::parse_name_addr(&header(subscribe, "Contact").unwrap()).unwrap().uri;
    let builder = sip::RequestBuilder::new(rsip::Method::Notify, &target)
        .via("rollcall.local", &sip::new_branch())
        .from(&sip::aor(&subscribe.uri), None, PA_TAG)
        .to(&sip::from_aor(subscribe).unwrap(), sip::from_tag(subscribe).as_deref())
        .call_id(&sip::call_id(subscribe).unwrap())
        .cseq(n)
        .contact("<sip:conference@rollcall.local;transport=ws>")
        .header("Event", "conference")
        .header("Subscription-State", state);
    let builder = if body.is_empty() { builder } else { builder.body(CONTENT_TYPE, body.to_string()) };
    builder.build().unwrap().to_string()
}

fn info(body: &str, terminated: Option<&str>) -> Event {
    Event::ConferenceInfo { uri: CONF.into(), body: body.into(), terminated: terminated.map(str::to_string) }
}

/// A registered user agent following CONF, its SUBSCRIBE challenged
/// (407), answered and accepted for 600 s at 1 s, and the full document
/// reported. Returns the accepted SUBSCRIBE.
fn following() -> (UserAgent, rsip::Request) {
    let mut ua = registered_ua();
    let first = sent_request(&ua.follow_conference(CONF, 100));
    assert_eq!(first.method, rsip::Method::Subscribe);
    assert_eq!(first.uri.to_string(), CONF);
    assert_eq!(sip::to_aor(&first).unwrap(), CONF);
    assert_eq!(header(&first, "Event").as_deref(), Some("conference"));
    assert_eq!(header(&first, "Accept").as_deref(), Some(CONTENT_TYPE));
    assert_eq!(header(&first, "Expires"), Some(REQUESTED_EXPIRES.to_string()));
    assert!(header(&first, "Proxy-Authorization").is_none());

    let retry = sent_request(&ua.received(&challenged(&first, 407, &[challenge(Algorithm::Sha256, "p1", false)]), 110));
    assert_eq!((sip::call_id(&retry), cseq(&retry)), (sip::call_id(&first), cseq(&first) + 1));
    let creds = credentials(&retry, "Proxy-Authorization");
    assert_eq!(creds.uri, CONF);
    assert!(creds.verify(&ha1(Algorithm::Sha256), "SUBSCRIBE"));

    assert!(events(&ua.received(&accepted(&retry, 600), 1_000)).is_empty());
    let full = document(1, "full");
    assert_eq!(deliver(&mut ua, &notify(&retry, 1, "active;expires=600", &full), 200, 1_001), vec![info(&full, None)]);
    (ua, retry)
}

#[test]
fn full_then_partial_documents_are_reported_in_order() {
    let (mut ua, subscribe) = following();
    let (two, three) = (document(2, "partial"), document(3, "partial"));
    let mut reported = deliver(&mut ua, &notify(&subscribe, 2, "active;expires=599", &two), 200, 2_000);
    reported.extend(deliver(&mut ua, &notify(&subscribe, 3, "active;expires=598", &three), 200, 2_001));
    assert_eq!(reported, vec![info(&two, None), info(&three, None)]);
    // A NOTIFY without a body (RFC 6665 allows one) reports nothing.
    assert!(deliver(&mut ua, &notify(&subscribe, 4, "active", ""), 200, 2_002).is_empty());
    // Presence's NOTIFY in this dialog is another package's.
    let presence = notify(&subscribe, 5, "active", &two).replace("Event: conference", "Event: presence");
    assert!(deliver(&mut ua, &presence, 489, 2_003).is_empty());
}

#[test]
fn refreshes_in_the_dialog_before_expiry() {
    let (mut ua, subscribe) = following();
    assert!(subscribes(&ua.tick(1_000 + 479_999)).is_empty());
    let refresh = sent_subscribe(&ua.tick(1_000 + 480_000));
    assert_eq!(refresh.uri.to_string(), CONF);
    assert_eq!(sip::call_id(&refresh), sip::call_id(&subscribe));
    assert_eq!(sip::to_tag(&refresh).as_deref(), Some(PA_TAG), "in the dialog");
    assert_eq!(cseq(&refresh), cseq(&subscribe) + 1);
    assert_eq!(header(&refresh, "Event").as_deref(), Some("conference"));
    // The notifier sends the full document again, with the next version.
    assert!(ua.received(&accepted(&refresh, 600), 481_000).is_empty());
    let again = document(2, "full");
    assert_eq!(deliver(&mut ua, &notify(&refresh, 2, "active;expires=600", &again), 200, 481_001), vec![info(&again, None)]);
}

#[test]
fn a_conference_that_ends_is_reported_and_not_followed_again() {
    let (mut ua, subscribe) = following();
    let last = document(2, "partial");
    let out = ua.received(&notify(&subscribe, 2, "terminated;reason=noresource", &last), 5_000);
    assert_eq!(sent_response(&out).status_code.code(), 200);
    assert_eq!(events(&out), vec![info(&last, Some("noresource"))]);
    assert!(subscribes(&out).is_empty());
    assert!(subscribes(&ua.tick(10_000_000)).is_empty());

    // Not after the next registration either.
    ua.disconnected();
    let register = sent_request(&ua.connected(10_000_001));
    let out = ua.received(&answer(&register, 200), 10_000_002);
    assert_eq!(events(&out), vec![Event::Registered { again: true }]);
    assert!(subscribes(&out).is_empty(), "noresource: the conference is over");
}

#[test]
fn a_timeout_subscribes_again_at_once() {
    let (mut ua, subscribe) = following();
    let out = ua.received(&notify(&subscribe, 2, "terminated;reason=timeout", ""), 700_000);
    assert_eq!(events(&out), vec![info("", Some("timeout"))]);
    let again = sent_subscribe(&out);
    assert_eq!(again.uri.to_string(), CONF);
    assert_ne!(sip::call_id(&again), sip::call_id(&subscribe));
    assert_eq!(sip::to_tag(&again), None, "a new dialog");
}

#[test]
fn refused_subscriptions_are_reported_and_not_retried() {
    for code in [403, 404, 489] {
        let mut ua = registered_ua();
        let subscribe = sent_request(&ua.follow_conference(CONF, 100));
        let out = ua.received(&answer(&subscribe, code), 110);
        assert_eq!(events(&out), vec![info("", Some(&code.to_string()))]);
        assert!(subscribes(&ua.tick(10_000_000)).is_empty(), "{code}: not retried");
    }
    // A transient failure is reported and tried again later.
    let mut ua = registered_ua();
    let subscribe = sent_request(&ua.follow_conference(CONF, 100));
    assert_eq!(events(&ua.received(&answer(&subscribe, 480), 110)), vec![info("", Some("480"))]);
    assert!(subscribes(&ua.tick(110 + RETRY_MS - 1)).is_empty());
    assert_eq!(sent_subscribe(&ua.tick(110 + RETRY_MS)).uri.to_string(), CONF);
}

#[test]
fn unfollowing_ends_the_subscription_quietly() {
    let (mut ua, subscribe) = following();
    // Presence watches are another list: setting them leaves the conference.
    assert!(ua.watch(Vec::new(), 2_000).is_empty());
    let out = ua.unfollow_conference(CONF, 3_000);
    assert!(events(&out).is_empty());
    let bye = sent_subscribe(&out);
    assert_eq!((sip::call_id(&bye), header(&bye, "Expires")), (sip::call_id(&subscribe), Some("0".to_string())));
    assert!(ua.received(&accepted(&bye, 0), 3_001).is_empty());
    let last = notify(&subscribe, 2, "terminated", &document(2, "full"));
    assert!(deliver(&mut ua, &last, 200, 3_002).is_empty(), "nothing more of it is reported");
    assert!(subscribes(&ua.tick(10_000_000)).is_empty());
}

#[test]
fn at_most_so_many_conferences_are_followed_at_once() {
    let mut ua = registered_ua();
    for n in 0..MAX_CONFERENCES {
        let subscribe = sent_subscribe(&ua.follow_conference(&conf(n), 100));
        assert_eq!(subscribe.uri.to_string(), conf(n));
    }
    assert!(ua.follow_conference(&conf(0), 101).is_empty(), "followed already");
    let over = conf(MAX_CONFERENCES);
    let out = ua.follow_conference(&over, 102);
    assert!(subscribes(&out).is_empty());
    assert_eq!(
        events(&out),
        vec![Event::ConferenceInfo { uri: over.clone(), body: String::new(), terminated: Some(TOO_MANY.into()) }]
    );
    // One let go (its SUBSCRIBE still unanswered: it ends on the 2xx) makes room.
    assert!(subscribes(&ua.unfollow_conference(&conf(0), 103)).is_empty());
    assert_eq!(sent_subscribe(&ua.follow_conference(&over, 104)).uri.to_string(), over);
    // Not a SIP URI with a user: refused at once.
    let out = ua.follow_conference("conf-1", 105);
    assert!(subscribes(&out).is_empty());
    assert!(matches!(&events(&out)[..], [Event::ConferenceInfo { terminated: Some(_), .. }]));
}
