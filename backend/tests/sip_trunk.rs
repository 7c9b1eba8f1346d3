//! The SIP bridge through a carrier's trunk: Kamailio from Debian, started
//! here with scripts/test/kamailio-trunk.cfg, challenges every INVITE with
//! digest and routes the numbers — to real baresip phones registered with
//! it, or to the answers a carrier gives (busy, unknown number, no circuit
//! with a Q.850 Reason). Each outcome reaches the conference service as
//! the bridge event and Q.850 cause docs/operations.md promises, and two
//! phones called through the trunk hear each other — over UDP, over one
//! TCP connection, and over TLS to a trunk that challenges with SHA-256.
//!
//! Needs root (Kamailio is installed and started by scripts/bench/kamailio.sh)
//! and baresip (scripts/test-deps.sh); without them the test says so and
//! passes.

mod common;

use std::time::Duration;

use common::audio::Recording;
use common::baresip::{self, Baresip, Options};
use common::kamailio::{self, Extras, Kamailio};
use rollcall::bridge::sip::{SipBridge, SipBridgeConfig};
use rollcall::bridge::{BridgeDriver, BridgeEvent, BridgeEventKind, EventReceiver, LegId};
use rollcall_shared::sip::Transport;
use rollcall_shared::soap::Cause;

const ALICE: (&str, u32) = ("+14255550101", 500);
const BOB: (&str, u32) = ("+14255550102", 900);
/// Registered, rings, never answers.
const NOBODY_HOME: &str = "+15005550003";

fn bridge_config(trunk: &Kamailio, password: &str, rtp: (u16, u16)) -> SipBridgeConfig {
    SipBridgeConfig {
        trunk: Some(trunk.addr.to_string()),
        trunk_transport: Transport::Udp,
        routes: vec![],
        user: "rollcall".into(),
        password: password.into(),
        domain: "rollcall.local".into(),
        sip_bind: "127.0.0.1:0".parse().unwrap(),
        media_address: "127.0.0.1".parse().unwrap(),
        rtp_ports: rtp,
        ring_timeout: Duration::from_secs(2),
        silence_limit: Duration::from_secs(10),
    }
}

/// The events of `leg`, up to and including its final one.
async fn events_of(events: &mut EventReceiver, leg: LegId, others: &mut Vec<BridgeEvent>) -> Vec<BridgeEventKind> {
    let mut kinds: Vec<BridgeEventKind> = others.iter().filter(|e| e.leg == leg).map(|e| e.kind).collect();
    others.retain(|e| e.leg != leg);
    while !kinds.last().is_some_and(|k| k.is_final()) {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv()).await.expect("in time").expect("running");
        if event.leg == leg && !matches!(event.kind, BridgeEventKind::Quality(_)) {
            kinds.push(event.kind);
        } else {
            others.push(event);
        }
    }
    kinds
}

/// Waits until `phone` has registered with the trunk.
async fn registered(phone: &Baresip) {
    assert!(phone.printed("[1 binding]").await, "baresip registers with the trunk; it printed:\n{}", phone.output());
}

#[tokio::test]
async fn calls_through_a_trunk_that_authenticates_and_routes() {
    if !baresip::available("sip_trunk") || !kamailio::available("sip_trunk") {
        return;
    }
    let trunk = Kamailio::start();
    let phone = |(number, tone): (&str, u32), answermode| {
        Baresip::start(Options { tone, registrar: Some((trunk.addr, "udp")), answermode, ..Options::direct(number) })
    };
    let mut alice = phone(ALICE, "auto");
    let mut bob = phone(BOB, "auto");
    let nobody = phone((NOBODY_HOME, 300), "manual");
    for p in [&alice, &bob, &nobody] {
        registered(p).await;
    }
    let (bridge, mut events) = SipBridge::start(bridge_config(&trunk, "trunk-pw", (42_200, 42_299))).await.expect("starts");
    let mut others = Vec::new();

    // Two phones through the trunk, in one conference.
    bridge.dial_into("c1", LegId(1), ALICE.0, "demo-team").unwrap();
    bridge.dial_into("c1", LegId(2), BOB.0, "demo-team").unwrap();
    // And the carrier's answers.
    bridge.dial_into("c2", LegId(3), "+15005550002", "demo-team").unwrap();
    bridge.dial_into("c2", LegId(4), "+15005550004", "demo-team").unwrap();
    bridge.dial_into("c2", LegId(5), "+15005550005", "demo-team").unwrap();
    bridge.dial_into("c2", LegId(6), NOBODY_HOME, "demo-team").unwrap();

    use BridgeEventKind::*;
    assert_eq!(events_of(&mut events, LegId(3), &mut others).await, [Busy], "486 → busy (17)");
    assert_eq!(events_of(&mut events, LegId(4), &mut others).await, [Failed(Cause(1))], "404 → failed 1");
    assert_eq!(events_of(&mut events, LegId(5), &mut others).await, [Failed(Cause(34))], "503 with Reason Q.850 34");
    assert_eq!(events_of(&mut events, LegId(6), &mut others).await, [Ringing, NoAnswer], "rang past the timeout: CANCEL");
    // Removed while it rings: CANCEL, confirmed as a normal release.
    bridge.dial_into("c2", LegId(7), NOBODY_HOME, "demo-team").unwrap();
    let mut ringing = Vec::new();
    while !ringing.contains(&Ringing) {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv()).await.expect("in time").expect("running");
        if event.leg == LegId(7) {
            ringing.push(event.kind);
        } else {
            others.push(event);
        }
    }
    bridge.hang_up(LegId(7));
    assert_eq!(events_of(&mut events, LegId(7), &mut others).await, [HungUp(Cause::NORMAL_CLEARING)]);
    assert!(nobody.printed("CANCEL sip:").await, "the phone saw the CANCEL");

    // The phones answered; they hear each other for a while.
    let answered = |kinds: &[BridgeEventKind]| kinds.contains(&Answered);
    let mut first = Vec::new();
    for leg in [LegId(1), LegId(2)] {
        while !answered(&first.iter().filter(|e: &&BridgeEvent| e.leg == leg).map(|e| e.kind).collect::<Vec<_>>()) {
            let pending: Vec<BridgeEvent> = others.iter().copied().filter(|e| e.leg == leg).collect();
            if pending.iter().any(|e| e.kind == Answered) {
                first.extend(pending);
                others.retain(|e| e.leg != leg);
                break;
            }
            let event = tokio::time::timeout(Duration::from_secs(20), events.recv()).await.expect("in time").expect("running");
            assert!(!event.kind.is_final(), "{} ended: {:?}", event.leg, event.kind);
            first.push(event);
        }
    }
    alice.hears_for(1.5).await;
    bob.hears_for(1.5).await;
    bridge.hang_up(LegId(1));
    bridge.hang_up(LegId(2));
    for leg in [LegId(1), LegId(2)] {
        let kinds = events_of(&mut events, leg, &mut others).await;
        assert_eq!(kinds.last(), Some(&HungUp(Cause::NORMAL_CLEARING)), "{leg}: {kinds:?}");
    }
    alice.stop();
    bob.stop();
    for (phone, own, other) in [(&alice, ALICE.1, BOB.1), (&bob, BOB.1, ALICE.1)] {
        let recording = Recording::read(&phone.heard());
        let heard = recording.span(0.5, recording.seconds());
        let (theirs, mine) = (recording.tone(heard, other as f64), recording.tone(heard, own as f64));
        eprintln!("through the trunk: {other} Hz at {theirs:.1}, own {own} Hz at {mine:.3}");
        assert!(theirs > 20.0 * mine.max(1e-9), "hears the other phone, not itself");
    }
}

#[tokio::test]
async fn a_wrong_trunk_password_is_refused_not_retried() {
    if !baresip::available("sip_trunk") || !kamailio::available("sip_trunk") {
        return;
    }
    let trunk = Kamailio::start();
    let (bridge, mut events) =
        SipBridge::start(bridge_config(&trunk, "not-the-password", (42_300, 42_309))).await.expect("starts");
    bridge.dial_into("c", LegId(1), ALICE.0, "demo-team").unwrap();
    let mut others = Vec::new();
    // 407 again after answering it: the credentials are refused (RFC 3398: 21).
    assert_eq!(events_of(&mut events, LegId(1), &mut others).await, [BridgeEventKind::Failed(Cause::CALL_REJECTED)]);
}

#[tokio::test]
async fn over_one_tcp_connection_to_the_trunk() {
    if !baresip::available("sip_trunk") || !kamailio::available("sip_trunk") {
        return;
    }
    let trunk = Kamailio::start();
    let phone = |(number, tone): (&str, u32)| {
        Baresip::start(Options { tone, registrar: Some((trunk.addr, "udp")), ..Options::direct(number) })
    };
    let (mut alice, mut bob) = (phone(ALICE), phone(BOB));
    for p in [&alice, &bob] {
        registered(p).await;
    }
    let config = SipBridgeConfig { trunk_transport: Transport::Tcp, ..bridge_config(&trunk, "trunk-pw", (42_400, 42_499)) };
    let (bridge, mut events) = SipBridge::start(config).await.expect("connects to the trunk over TCP");
    let mut others = Vec::new();
    bridge.dial_into("c", LegId(1), ALICE.0, "demo-team").unwrap();
    bridge.dial_into("c", LegId(2), BOB.0, "demo-team").unwrap();
    bridge.dial_into("c", LegId(3), "+15005550002", "demo-team").unwrap();
    assert_eq!(events_of(&mut events, LegId(3), &mut others).await, [BridgeEventKind::Busy]);
    alice.hears_for(1.0).await;
    bob.hears_for(1.0).await;
    // BYE over the same connection, along the trunk's Record-Route.
    bridge.hang_up(LegId(1));
    bridge.hang_up(LegId(2));
    for leg in [LegId(1), LegId(2)] {
        let kinds = events_of(&mut events, leg, &mut others).await;
        assert!(kinds.contains(&BridgeEventKind::Answered), "{leg}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)), "{leg}: {kinds:?}");
    }
    alice.stop();
    bob.stop();
    let recording = Recording::read(&alice.heard());
    let heard = recording.span(0.5, recording.seconds());
    assert!(recording.tone(heard, BOB.1 as f64) > 20.0 * recording.tone(heard, ALICE.1 as f64).max(1e-9), "alice hears bob");
    assert!(bob.printed("BYE sip:").await, "bob's phone got the BYE");
}

#[tokio::test]
async fn over_tls_to_a_trunk_that_challenges_with_sha_256() {
    if !baresip::available("sip_trunk") || !kamailio::available("sip_trunk") {
        return;
    }
    let trunk = Kamailio::start_with(Extras { tls: true, sha256: true });
    let tls = trunk.tls.expect("a TLS port");
    let alice = Baresip::start(Options { tone: ALICE.1, registrar: Some((trunk.addr, "udp")), ..Options::direct(ALICE.0) });
    registered(&alice).await;
    let config = SipBridgeConfig {
        trunk: Some(tls.to_string()),
        trunk_transport: Transport::Tls,
        ..bridge_config(&trunk, "trunk-pw", (42_700, 42_709))
    };
    let (bridge, mut events) = SipBridge::start(config).await.expect("connects to the trunk over TLS");
    let mut others = Vec::new();
    bridge.dial_into("c", LegId(1), "+15005550002", "demo-team").unwrap();
    assert_eq!(
        events_of(&mut events, LegId(1), &mut others).await,
        [BridgeEventKind::Busy],
        "authenticated (SHA-256), then busy"
    );
    bridge.dial_into("c", LegId(2), ALICE.0, "demo-team").unwrap();
    alice.hears_for(0.5).await;
    bridge.hang_up(LegId(2));
    let kinds = events_of(&mut events, LegId(2), &mut others).await;
    assert!(kinds.contains(&BridgeEventKind::Answered), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)), "{kinds:?}");
}
