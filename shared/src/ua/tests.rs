//! The user agent against a scripted registrar/relay: what a server would
//! answer, frame by frame, checked with the same digest code the IM server
//! uses to verify.

use crate::digest::{self, Algorithm, Challenge, Credentials};
use crate::sip::Transport;
use crate::sip::{self, rsip};

use super::{Config, Event, Message, Output, Received, Undelivered, UserAgent};

const CONTENT_TYPE: &str = "application/soap+xml";

pub(super) const GATEWAY: &str = "sip:conference@rollcall.local";
const REALM: &str = "rollcall.local";

pub(super) fn new_ua() -> UserAgent {
    let config = Config {
        user: "alice".into(),
        domain: "rollcall.local".into(),
        transport: Transport::Ws,
        local: None,
        require_asserted: false,
    };
    UserAgent::new(config, "demo-pass".into())
}

/// Every request among `outputs`.
pub(super) fn sent_requests(outputs: &[Output]) -> Vec<rsip::Request> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Send(text) => match sip::parse(text) {
                Ok(rsip::SipMessage::Request(r)) => Some(r),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The one request among `outputs`.
pub(super) fn sent_request(outputs: &[Output]) -> rsip::Request {
    let requests = sent_requests(outputs);
    assert_eq!(requests.len(), 1, "expected one request in {outputs:#?}");
    requests.into_iter().next().unwrap()
}

pub(super) fn sent_response(outputs: &[Output]) -> rsip::Response {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Send(text) => match sip::parse(text) {
                Ok(rsip::SipMessage::Response(r)) => Some(r),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| panic!("no response in {outputs:#?}"))
}

pub(super) fn events(outputs: &[Output]) -> Vec<Event> {
    outputs.iter().filter_map(|o| if let Output::Event(e) = o { Some(e.clone()) } else { None }).collect()
}

pub(super) fn challenge(algorithm: Algorithm, nonce: &str, stale: bool) -> Challenge {
    Challenge { realm: REALM.into(), nonce: nonce.into(), opaque: None, algorithm, qop_auth: true, stale }
}

/// A 401/407 to `request` with these challenges, in order.
pub(super) fn challenged(request: &rsip::Request, code: u16, challenges: &[Challenge]) -> String {
    let name = if code == 401 { "WWW-Authenticate" } else { "Proxy-Authenticate" };
    let mut response = sip::response(request, code, None, Some("srv"));
    for c in challenges {
        response.headers.push(sip::make_header(name, c.to_header_value()));
    }
    response.to_string()
}

pub(super) fn answer(request: &rsip::Request, code: u16) -> String {
    sip::response(request, code, None, Some("srv")).to_string()
}

pub(super) fn credentials(request: &rsip::Request, header: &str) -> Credentials {
    let value = sip::header(&request.headers, header).unwrap_or_else(|| panic!("no {header}"));
    Credentials::parse(&value).expect("credentials parse")
}

pub(super) fn ha1(algorithm: Algorithm) -> String {
    digest::ha1(algorithm, "alice", REALM, "demo-pass")
}

/// Connects and completes registration (401 SHA-256 + MD5, then 200).
pub(super) fn registered_ua() -> UserAgent {
    let mut ua = new_ua();
    let register = sent_request(&ua.connected(0));
    let out = ua.received(
        &challenged(&register, 401, &[challenge(Algorithm::Sha256, "n1", false), challenge(Algorithm::Md5, "n2", false)]),
        10,
    );
    let register = sent_request(&out);
    let out = ua.received(&answer(&register, 200), 20);
    assert_eq!(events(&out), vec![Event::Registered { again: false }]);
    ua
}

/// A MESSAGE to the gateway, numbered `id`.
pub(super) fn list_request(id: u64) -> Message {
    Message { id, to: GATEWAY.into(), content_type: CONTENT_TYPE.into(), body: format!("<list id=\"{id}\"/>") }
}

#[test]
fn registers_answering_the_first_challenge_and_refreshes_at_80_percent() {
    let mut ua = new_ua();
    let first = sent_request(&ua.connected(0));
    assert_eq!(first.method, rsip::Method::Register);
    assert!(sip::header(&first.headers, "Authorization").is_none());
    assert_eq!(sip::from_aor(&first).unwrap(), "sip:alice@rollcall.local");

    // MD5 offered first: MD5 answered.
    let out = ua.received(
        &challenged(&first, 401, &[challenge(Algorithm::Md5, "n1", false), challenge(Algorithm::Sha256, "n2", false)]),
        10,
    );
    let second = sent_request(&out);
    let creds = credentials(&second, "Authorization");
    assert_eq!(creds.algorithm, Algorithm::Md5);
    assert_eq!(creds.uri, "sip:rollcall.local");
    assert_eq!(creds.nc, Some(1));
    assert!(creds.verify(&ha1(Algorithm::Md5), "REGISTER"));
    assert_eq!(sip::call_id(&first), sip::call_id(&second));
    assert_eq!(sip::cseq(&second).unwrap().0, 2);

    let out = ua.received(&answer(&second, 200), 1_000);
    assert_eq!(events(&out), vec![Event::Registered { again: false }]);
    assert!(ua.tick(1_000 + 239_000).is_empty());

    // Refresh at 240 s, credentials sent at once, same nonce, next nc.
    let refresh = sent_request(&ua.tick(1_000 + 240_000));
    let creds = credentials(&refresh, "Authorization");
    assert_eq!((creds.nonce.as_str(), creds.nc), ("n1", Some(2)));
    assert!(creds.verify(&ha1(Algorithm::Md5), "REGISTER"));
    let out = ua.received(&answer(&refresh, 200), 241_500);
    assert!(events(&out).is_empty(), "a refresh is not news: {out:?}");
}

#[test]
fn wrong_password_is_refused_after_the_second_challenge() {
    let mut ua = new_ua();
    let first = sent_request(&ua.connected(0));
    let second = sent_request(&ua.received(&challenged(&first, 401, &[challenge(Algorithm::Sha256, "n1", false)]), 1));
    let out = ua.received(&challenged(&second, 401, &[challenge(Algorithm::Sha256, "n2", false)]), 2);
    assert!(matches!(events(&out).as_slice(), [Event::Refused(_)]), "{out:?}");
    assert!(ua.is_refused());
}

#[test]
fn forbidden_is_refused() {
    let mut ua = new_ua();
    let first = sent_request(&ua.connected(0));
    let out = ua.received(&answer(&first, 403), 1);
    assert!(matches!(events(&out).as_slice(), [Event::Refused(_)]));
}

#[test]
fn stale_nonce_is_answered_again_with_the_new_nonce() {
    let mut ua = registered_ua();
    let refresh = sent_request(&ua.tick(10_000_000));
    let out = ua.received(&challenged(&refresh, 401, &[challenge(Algorithm::Sha256, "fresh", true)]), 10_000_001);
    let again = sent_request(&out);
    let creds = credentials(&again, "Authorization");
    assert_eq!((creds.nonce.as_str(), creds.nc), ("fresh", Some(1)));
    assert!(creds.verify(&ha1(Algorithm::Sha256), "REGISTER"));
    assert!(events(&ua.received(&answer(&again, 200), 10_000_002)).is_empty());
}

#[test]
fn message_answers_407_then_reuses_the_nonce() {
    let mut ua = registered_ua();
    let message = sent_request(&ua.send(list_request(1), 100));
    assert_eq!(message.method, rsip::Method::Message);
    assert_eq!(message.uri.to_string(), GATEWAY);
    assert_eq!(sip::header(&message.headers, "Content-Type").as_deref(), Some(CONTENT_TYPE));
    assert_eq!(sip::body_text(&message).unwrap(), "<list id=\"1\"/>");
    assert!(sip::header(&message.headers, "Proxy-Authorization").is_none());

    let out = ua.received(&challenged(&message, 407, &[challenge(Algorithm::Sha256, "p1", false)]), 110);
    let retry = sent_request(&out);
    let creds = credentials(&retry, "Proxy-Authorization");
    assert_eq!((creds.nonce.as_str(), creds.nc), ("p1", Some(1)));
    assert_eq!(creds.uri, GATEWAY);
    assert!(creds.verify(&ha1(Algorithm::Sha256), "MESSAGE"));
    assert_eq!(sip::call_id(&retry), sip::call_id(&message));
    assert_eq!(sip::cseq(&retry).unwrap().0, sip::cseq(&message).unwrap().0 + 1);
    assert_eq!(sip::body_text(&retry).unwrap(), sip::body_text(&message).unwrap());
    assert_eq!(events(&ua.received(&answer(&retry, 200), 120)), vec![Event::Delivered { id: 1 }]);

    // The next MESSAGE carries credentials at once: same nonce, nc 2.
    let next = sent_request(&ua.send(list_request(2), 200));
    let creds = credentials(&next, "Proxy-Authorization");
    assert_eq!((creds.nonce.as_str(), creds.nc), ("p1", Some(2)));
    assert!(creds.verify(&ha1(Algorithm::Sha256), "MESSAGE"));
}

#[test]
fn requests_wait_for_registration() {
    let mut ua = new_ua();
    let register = sent_request(&ua.connected(0));
    assert!(ua.send(list_request(3), 1).is_empty());
    let out = ua.received(&answer(&register, 200), 2);
    assert_eq!(events(&out), vec![Event::Registered { again: false }]);
    let message = sent_request(&out);
    assert_eq!(message.method, rsip::Method::Message);
}

#[test]
fn failed_message_is_undeliverable() {
    let mut ua = registered_ua();
    let message = sent_request(&ua.send(list_request(1), 100));
    let out = ua.received(&answer(&message, 480), 110);
    assert_eq!(events(&out), vec![Event::Undelivered { id: 1, why: Undelivered::Status(480, "Temporarily Unavailable".into()) }]);
}

#[test]
fn register_without_answer_reconnects_and_registers_again() {
    let mut ua = registered_ua();
    let _refresh = sent_request(&ua.tick(300_000));
    assert!(ua.tick(300_000 + 31_000).is_empty());
    assert!(ua.tick(300_000 + 32_000).contains(&Output::Reconnect));
    assert_eq!(events(&ua.disconnected()), vec![Event::Lost]);
    let register = sent_request(&ua.connected(400_000));
    // Cached challenge: credentials at once.
    assert!(sip::header(&register.headers, "Authorization").is_some());
    let out = ua.received(&answer(&register, 200), 400_001);
    assert_eq!(events(&out), vec![Event::Registered { again: true }]);
}

/// A MESSAGE as the IM server relays it from the gateway.
fn gateway_message(body: String, asserted: &str) -> String {
    sip::RequestBuilder::new(rsip::Method::Message, "sip:alice@abc.invalid;transport=ws")
        .via("im.invalid", &sip::new_branch())
        .from(GATEWAY, None, "gw")
        .to("sip:alice@rollcall.local", None)
        .call_id("c1")
        .cseq(1)
        .header("P-Asserted-Identity", &format!("<{asserted}>"))
        .body(CONTENT_TYPE, body)
        .build()
        .unwrap()
        .to_string()
}

#[test]
fn messages_are_answered_and_handed_on_with_the_asserted_sender() {
    let mut ua = registered_ua();
    let out = ua.received(&gateway_message("<reply/>".into(), GATEWAY), 5);
    assert_eq!(sent_response(&out).status_code.code(), 200);
    let from_gateway = Received { from: GATEWAY.into(), content_type: CONTENT_TYPE.into(), body: "<reply/>".into() };
    assert_eq!(events(&out), vec![Event::Received(from_gateway)]);

    // The IM server's assertion, not the From, names the sender.
    let out = ua.received(&gateway_message("<reply/>".into(), "sip:mallory@rollcall.local"), 6);
    assert_eq!(sent_response(&out).status_code.code(), 200);
    assert!(matches!(events(&out).as_slice(), [Event::Received(r)] if r.from == "sip:mallory@rollcall.local"));
}

#[test]
fn a_dropped_connection_reports_what_was_in_flight() {
    let mut ua = registered_ua();
    let _message = sent_request(&ua.send(list_request(7), 100));
    assert_eq!(events(&ua.disconnected()), vec![Event::Undelivered { id: 7, why: Undelivered::ConnectionLost }, Event::Lost]);
}

#[test]
fn on_udp_an_unanswered_request_is_sent_again_on_timer_e() {
    let config = Config {
        user: "alice".into(),
        domain: "rollcall.local".into(),
        transport: Transport::Udp,
        local: Some("192.0.2.9:5070".into()),
        require_asserted: false,
    };
    let mut ua = UserAgent::new(config, "demo-pass".into());
    let register = sent_request(&ua.connected(0));
    assert!(sip::header(&register.headers, "Via").unwrap().starts_with("SIP/2.0/UDP 192.0.2.9:5070;branch="));
    assert!(sip::header(&register.headers, "Contact").unwrap().ends_with("@192.0.2.9:5070;transport=udp>"));
    assert!(ua.tick(499).is_empty());
    assert_eq!(sent_request(&ua.tick(500)).to_string(), register.to_string(), "the same request, again");
    assert_eq!(sent_request(&ua.tick(1_500)).to_string(), register.to_string());
}

#[test]
fn options_get_200_and_other_methods_405() {
    let mut ua = registered_ua();
    let options = sip::RequestBuilder::new(rsip::Method::Options, "sip:alice@abc.invalid")
        .via("im.invalid", &sip::new_branch())
        .from("sip:rollcall.local", None, "x")
        .to("sip:alice@rollcall.local", None)
        .call_id("o1")
        .cseq(1)
        .build()
        .unwrap();
    assert_eq!(sent_response(&ua.received(&options.to_string(), 1)).status_code.code(), 200);
    let invite = options.to_string().replacen("OPTIONS", "INVITE", 1).replace("1 OPTIONS", "1 INVITE");
    let response = sent_response(&ua.received(&invite, 2));
    assert_eq!(response.status_code.code(), 405);
    assert!(sip::header(&response.headers, "Allow").is_some());
    // A method nobody knows is answered the same way.
    let unknown = options.to_string().replacen("OPTIONS", "FOO", 1).replace("1 OPTIONS", "1 FOO");
    let response = sent_response(&ua.received(&unknown, 3));
    assert_eq!(response.status_code.code(), 405);
    assert!(sip::to_tag(&response).is_some());
    // One that cannot be read gets 400 when it can be answered at all.
    let garbage = options.to_string().replacen("OPTIONS sip:alice@abc.invalid SIP/2.0", "OPTIONS sip:alice@abc.invalid", 1);
    assert_eq!(sent_response(&ua.received(&garbage, 4)).status_code.code(), 400);
    assert!(ua.received("\r\n\r\n", 5).is_empty(), "a keep-alive");
    // ACKs are never answered.
    let ack = options.to_string().replacen("OPTIONS", "ACK", 1).replace("1 OPTIONS", "1 ACK");
    assert!(ua.received(&ack, 6).is_empty());
}

/// A MESSAGE to `to`, numbered `id`.
fn message_to(id: u64, to: &str) -> Message {
    Message { id, to: to.into(), content_type: "text/plain".into(), body: format!("m{id}") }
}

#[test]
fn one_recipients_messages_keep_their_order_across_a_new_proxy_challenge() {
    let bob = "sip:bob@rollcall.local";
    let carol = "sip:carol@rollcall.local";
    let mut ua = registered_ua();
    // A first challenge, answered: the nonce is cached.
    let m1 = sent_request(&ua.send(message_to(1, bob), 100));
    let m1 = sent_request(&ua.received(&challenged(&m1, 407, &[challenge(Algorithm::Md5, "old", false)]), 101));
    assert_eq!(events(&ua.received(&answer(&m1, 200), 102)), vec![Event::Delivered { id: 1 }]);
    // m2 to bob goes out under the old nonce; then carol's MESSAGE brings
    // a new challenge (the old nonce went stale).
    let m2 = sent_request(&ua.send(message_to(2, bob), 200));
    let m3 = sent_request(&ua.send(message_to(3, carol), 201));
    let m3 = sent_request(&ua.received(&challenged(&m3, 407, &[challenge(Algorithm::Md5, "new", true)]), 202));
    assert_eq!(credentials(&m3, "Proxy-Authorization").nonce, "new");
    // m4 to bob must not overtake m2, which may yet come back 407: it waits…
    assert!(sent_requests(&ua.send(message_to(4, bob), 203)).is_empty(), "held behind m2");
    // …carol is not held up by bob…
    assert_eq!(sent_request(&ua.send(message_to(5, carol), 204)).uri.to_string(), carol);
    // …m2 comes back 407 (stale) and goes out again, then m4 after it.
    let out = ua.received(&challenged(&m2, 407, &[challenge(Algorithm::Md5, "new", true)]), 205);
    let sent = sent_requests(&out);
    assert_eq!(sent.iter().map(|r| sip::body_text(r).unwrap().to_owned()).collect::<Vec<_>>(), vec!["m2", "m4"]);
}

#[test]
fn a_ua_that_requires_an_asserted_sender_refuses_the_others() {
    let config = Config {
        user: "gw".into(),
        domain: "rollcall.local".into(),
        transport: Transport::Ws,
        local: None,
        require_asserted: true,
    };
    let mut ua = UserAgent::new(config, "pw".into());
    let unasserted = gateway_message("<x/>".into(), GATEWAY).replace(&format!("P-Asserted-Identity: <{GATEWAY}>\r\n"), "");
    let out = ua.received(&unasserted, 1);
    assert_eq!(sent_response(&out).status_code.code(), 403);
    assert!(events(&out).is_empty());
    let out = ua.received(&gateway_message("<x/>".into(), "sip:alice@rollcall.local"), 2);
    assert!(matches!(events(&out).as_slice(), [Event::Received(r)] if r.from == "sip:alice@rollcall.local"));
}

#[test]
fn on_udp_a_retransmitted_message_is_answered_again_and_handed_on_once() {
    let config = Config {
        user: "alice".into(),
        domain: "rollcall.local".into(),
        transport: Transport::Udp,
        local: Some("192.0.2.9:5070".into()),
        require_asserted: false,
    };
    let mut ua = UserAgent::new(config, "demo-pass".into());
    let message = gateway_message("<x/>".into(), GATEWAY);
    let first = ua.received(&message, 1);
    assert_eq!(events(&first).len(), 1, "handed on");
    let again = ua.received(&message, 2);
    assert!(events(&again).is_empty(), "not twice");
    assert_eq!(sent_response(&again).to_string(), sent_response(&first).to_string(), "the same answer, To tag included");
}
