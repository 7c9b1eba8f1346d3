//! The SIP bridge dials real phones and mixes their audio: three Debian
//! baresip phones, each sending a tone of its own, are called straight at
//! their addresses (routes by number, no proxy). From what each recorded,
//! each hears the other two tones and not its own; once one phone's leg
//! is hung up, its tone leaves the others' mix. And the whole system on
//! it: a conference started with a SOAP request over SIP rings the real
//! phones, shows them connected, and ends them all.
//!
//! `make test` installs baresip (scripts/test-deps.sh); without it the
//! test says so and passes.

mod common;

use std::time::Duration;

use common::flow::{add, read_until, signed_in, Seen};
use common::TestServer;
use rollcall_shared::soap::conference::{EndConference, Request};
use rollcall_shared::soap::{ConferenceState, ParticipantState};

use common::audio::Recording;
use common::baresip::{self, Baresip, Options};
use common::sip_phones::{all_answered, bridge_config, ended, margin, phones, PHONES};
use rollcall::bridge::sip::{SipBridge, SipBridgeConfig};
use rollcall::bridge::{BridgeDriver, BridgeEventKind, EventReceiver, LegId};
use rollcall_shared::soap::Cause;

/// A whole Rollcall whose bridge calls the phones at `routes`, RTP on `rtp`;
/// alice signed in, her conference from the first phone active.
async fn conference_on_phones(routes: Vec<(String, String)>, rtp: (u16, u16)) -> (TestServer, common::Client, Seen, String) {
    let server = TestServer::start_with(|options| {
        options.sip_bridge = Some(SipBridgeConfig { rtp_ports: rtp, ..bridge_config(routes) });
    })
    .await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = common::flow::active_conference(&mut alice, &mut seen, PHONES[0].0).await;
    (server, alice, seen, conference_id)
}

/// Reads replies until participant `leg` is connected (real phones answer
/// at once: it may be already, before the next AddParticipant's answer).
async fn connected(alice: &mut common::Client, seen: &mut Seen, leg: &str) {
    while !seen.states_of(leg).iter().any(|(state, _)| *state == ParticipantState::Connected) {
        read_until(alice, seen, |_| true).await;
    }
}

#[tokio::test]
async fn three_phones_hear_each_other_and_not_themselves() {
    if !baresip::available("sip_bridge") {
        return;
    }
    let (mut phones, routes) = phones(3).await;
    let (bridge, mut events) = SipBridge::start(bridge_config(routes)).await.expect("the bridge starts");

    let legs = [LegId(1), LegId(2), LegId(3)];
    for (leg, (number, _)) in legs.iter().zip(PHONES) {
        bridge.dial_into("conference-1", *leg, number, "demo-team").expect("dials");
    }
    all_answered(&mut events, &legs).await;
    for phone in &phones {
        phone.hears_for(1.5).await;
    }
    // Phone 3 leaves; the others go on hearing for a while.
    bridge.hang_up(LegId(3));
    let (event, quality) = ended(&mut events).await;
    assert_eq!((event.leg, event.kind), (LegId(3), BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)));
    // Its audio, as RTCP and the jitter buffer saw it: a loopback loses nothing.
    let quality = quality.expect("an answered leg's quality comes before its end");
    assert_eq!(quality.rx_loss_permille, 0, "{quality:?}");
    let heard_before: Vec<f64> = phones.iter().map(Baresip::heard_seconds).collect();
    for phone in &phones[..2] {
        phone.hears_for(1.5).await;
    }
    for leg in &legs[..2] {
        bridge.hang_up(*leg);
    }
    for _ in 0..2 {
        assert_eq!(ended(&mut events).await.0.kind, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING));
    }
    for phone in phones.iter_mut() {
        phone.stop();
    }

    let tones: Vec<u32> = PHONES.iter().map(|(_, tone)| *tone).collect();
    for (i, phone) in phones.iter().enumerate() {
        let recording = Recording::read(&phone.heard());
        // While all three were in: the two others, not its own (skipping the
        // first half second: the jitter buffers fill, the phones start).
        let all_in = recording.span(0.5, heard_before[i] - 0.1);
        let others: Vec<u32> = tones.iter().copied().filter(|&t| t != tones[i]).collect();
        let m = margin(&recording, all_in, tones[i], &others);
        let powers: Vec<String> = tones.iter().map(|&t| format!("{t} Hz: {:.1}", recording.tone(all_in, t as f64))).collect();
        eprintln!("phone {}: the others {m:.0}× louder than itself ({powers:?})", i + 1);
        assert!(
            m > 20.0,
            "phone {} hears the others {m:.1}× louder than itself (want > 20×): {powers:?} over {:.1} s",
            i + 1,
            all_in.len() as f64 / recording.rate as f64
        );
    }
    for (i, phone) in phones[..2].iter().enumerate() {
        let recording = Recording::read(&phone.heard());
        let after = recording.span(heard_before[i] + 0.3, recording.seconds());
        let other = tones[1 - i];
        let gone = recording.tone(after, tones[2] as f64);
        let stays = recording.tone(after, other as f64);
        eprintln!("phone {}: after phone 3 left, {other} Hz at {stays:.1}, phone 3's {} Hz at {gone:.3}", i + 1, tones[2]);
        assert!(stays > 20.0 * gone.max(1e-9), "phone {}: phone 3's tone left the mix ({stays:.1} vs {gone:.3})", i + 1);
    }
}

#[tokio::test]
async fn a_conference_from_the_browsers_protocol_rings_real_phones() {
    if !baresip::available("sip_bridge") {
        return;
    }
    let (phones, routes) = phones(3).await;
    let (server, mut alice, mut seen, conference_id) = conference_on_phones(routes, (42_100, 42_199)).await;
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", PHONES[1].0).await;
    let carol = add(&mut alice, &mut seen, &conference_id, "carol", PHONES[2].0).await;
    for leg in [&bob, &carol] {
        connected(&mut alice, &mut seen, leg).await;
    }
    // Each of them rang first, as a real phone does.
    for leg in [&bob, &carol] {
        let states: Vec<_> = seen.states_of(leg).into_iter().map(|(state, _)| state).collect();
        assert_eq!(states, [ParticipantState::Dialing, ParticipantState::Ringing, ParticipantState::Connected], "{leg}");
    }
    phones[0].hears_for(1.0).await;
    alice.send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id })).await;
    read_until(&mut alice, &mut seen, common::flow::is_conference(ConferenceState::Terminated)).await;
    for leg in [&bob, &carol] {
        let last = seen.states_of(leg).last().copied();
        assert_eq!(last, Some((ParticipantState::Disconnected, Some(16))), "{leg}");
    }
    let recording = Recording::read(&phones[0].heard());
    let heard = recording.span(0.5, recording.seconds());
    assert!(
        margin(&recording, heard, PHONES[0].1, &[PHONES[1].1, PHONES[2].1]) > 20.0,
        "the initiator's phone hears the two others"
    );
    // Each answered leg's audio quality is in its call record (loopback:
    // nothing lost).
    let store = rollcall::store::Store::open(&server.db).await.expect("the database");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let records = store.call_records().recent(10).await.expect("call records");
        let rated: Vec<_> = records.iter().filter_map(|r| r.quality).collect();
        if rated.len() == 3 {
            assert!(rated.iter().all(|q| q.rx_loss_permille == 0), "{rated:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "three legs with their quality: {records:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_stopping_server_hangs_up_its_calls() {
    if !baresip::available("sip_bridge") {
        return;
    }
    let (phones, routes) = phones(2).await;
    let (server, mut alice, mut seen, conference_id) = conference_on_phones(routes, (42_800, 42_899)).await;
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", PHONES[1].0).await;
    connected(&mut alice, &mut seen, &bob).await;
    server.running.stop().await;
    for phone in &phones {
        assert!(phone.printed("BYE sip:").await, "the phone was hung up; it printed:\n{}", phone.output());
    }
    // The conference ended as a restart would end it, and its records say so.
    let store = rollcall::store::Store::open(&server.db).await.expect("the database");
    let records = store.call_records().recent(10).await.expect("records");
    assert_eq!(records.len(), 2, "{records:#?}");
    assert!(records.iter().all(|r| r.record.final_state == "disconnected" && r.record.cause == Some(41)), "{records:#?}");
}

/// One phone, dialled directly; the bridge and its events once it answered.
async fn one_answered_call(phone: &Baresip, rtp: (u16, u16), silence_limit: Duration) -> (SipBridge, EventReceiver) {
    phone.ready().await;
    let routes = vec![(PHONES[0].0.to_string(), phone.addr.to_string())];
    let config = SipBridgeConfig { rtp_ports: rtp, silence_limit, ..bridge_config(routes) };
    let (bridge, mut events) = SipBridge::start(config).await.expect("the bridge starts");
    bridge.dial_into("c", LegId(1), PHONES[0].0, "demo-team").expect("dials");
    all_answered(&mut events, &[LegId(1)]).await;
    (bridge, events)
}

#[tokio::test]
async fn a_phone_that_hangs_up_ends_its_leg() {
    if !baresip::available("sip_bridge") {
        return;
    }
    let phone = Baresip::start(Options::direct(PHONES[0].0));
    let (_bridge, mut events) = one_answered_call(&phone, (42_600, 42_609), Duration::from_secs(30)).await;
    phone.hears_for(0.5).await;
    phone.command("hangup", "").await;
    let (event, quality) = ended(&mut events).await;
    assert_eq!((event.leg, event.kind), (LegId(1), BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)), "a BYE from the phone");
    assert!(quality.is_some(), "with its audio quality");
}

#[tokio::test]
async fn a_phone_that_goes_silent_is_hung_up_after_the_silence_limit() {
    if !baresip::available("sip_bridge") {
        return;
    }
    let phone = Baresip::start(Options::direct(PHONES[0].0));
    let (_bridge, mut events) = one_answered_call(&phone, (42_610, 42_619), Duration::from_millis(600)).await;
    phone.hears_for(0.5).await;
    phone.freeze();
    let (event, _) = ended(&mut events).await;
    phone.thaw();
    // Q.850 102: recovery on timer expiry.
    assert_eq!((event.leg, event.kind), (LegId(1), BridgeEventKind::HungUp(Cause(102))));
    assert!(phone.printed("BYE sip:").await, "the phone got the BYE once it woke");
}
