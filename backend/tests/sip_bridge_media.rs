//! What the SIP bridge does to a leg's audio beyond mixing it, with real
//! baresip phones each sending a tone of its own (as `sip_bridge.rs`):
//! a muted phone is left out of the others' mix but hears them; a
//! screened phone hears only its announcement and nobody hears it until
//! it is admitted; the keys a phone presses (RFC 4733) come out as
//! digits.
//!
//! `make test` installs baresip (scripts/test-deps.sh); without it the
//! tests say so and pass.

mod common;

use std::time::Duration;

use common::audio::Recording;
use common::baresip::{self, Baresip};
use common::sip_phones::{all_answered, bridge_config, ended, margin, next, phones, PHONES};
use rollcall::bridge::sip::{SipBridge, SipBridgeConfig};
use rollcall::bridge::{BridgeDriver, BridgeEventKind, Dial, EventReceiver, LegId};

/// A bridge on RTP ports `rtp` that calls the phones at `routes`.
async fn bridge(routes: Vec<(String, String)>, rtp: (u16, u16)) -> (SipBridge, EventReceiver) {
    SipBridge::start(SipBridgeConfig { rtp_ports: rtp, ..bridge_config(routes) }).await.expect("the bridge starts")
}

/// Hangs every leg up, waits for their ends, and stops the phones so that
/// their recordings are complete.
async fn finish(bridge: &SipBridge, events: &mut EventReceiver, legs: &[LegId], phones: &mut [Baresip]) {
    for leg in legs {
        bridge.hang_up(*leg);
    }
    for _ in legs {
        assert!(ended(events).await.0.kind.is_final());
    }
    for phone in phones.iter_mut() {
        phone.stop();
    }
}

/// The power of `hz` in phone `phone`'s recording between `from` and `to`
/// seconds.
fn power(phone: &Baresip, from: f64, to: f64, hz: u32) -> f64 {
    let recording = Recording::read(&phone.heard());
    recording.tone(recording.span(from, to), hz as f64)
}

#[tokio::test]
async fn a_muted_phone_is_left_out_of_the_mix_until_unmuted_and_still_hears() {
    if !baresip::available("sip_bridge_media") {
        return;
    }
    let (mut phones, routes) = phones(3).await;
    let (bridge, mut events) = bridge(routes, (43_000, 43_099)).await;
    let legs = [LegId(1), LegId(2), LegId(3)];
    for (leg, (number, _)) in legs.iter().zip(PHONES) {
        bridge.dial_into("c", *leg, number, "demo-team").expect("dials");
    }
    // Muted while it is still being called: it joins muted.
    bridge.set_muted(LegId(1), true);
    all_answered(&mut events, &legs).await;
    for phone in &phones {
        phone.hears_for(1.5).await;
    }
    let unmuted_at: Vec<f64> = phones.iter().map(Baresip::heard_seconds).collect();
    bridge.set_muted(LegId(1), false);
    for phone in &phones {
        phone.hears_for(1.5).await;
    }
    finish(&bridge, &mut events, &legs, &mut phones).await;

    let tones: Vec<u32> = PHONES.iter().map(|(_, tone)| *tone).collect();
    let muted = tones[0];
    // Phone 1, muted, still hears both others.
    let recording = Recording::read(&phones[0].heard());
    let m = margin(&recording, recording.span(0.5, unmuted_at[0] - 0.1), muted, &tones[1..]);
    assert!(m > 20.0, "the muted phone hears the others {m:.1}× louder than itself (want > 20×)");
    for i in 1..3 {
        let other = tones[3 - i];
        let during = (power(&phones[i], 0.5, unmuted_at[i] - 0.1, muted), power(&phones[i], 0.5, unmuted_at[i] - 0.1, other));
        let end = Recording::read(&phones[i].heard()).seconds();
        let after = (power(&phones[i], unmuted_at[i] + 0.3, end, muted), power(&phones[i], unmuted_at[i] + 0.3, end, other));
        eprintln!(
            "phone {}: {muted} Hz muted {:.3}, unmuted {:.1}; {other} Hz {:.1}, {:.1}",
            i + 1,
            during.0,
            after.0,
            during.1,
            after.1
        );
        assert!(during.1 > 20.0 * during.0.max(1e-9), "phone {}: the muted phone's tone is out of its mix", i + 1);
        assert!(after.0 > 20.0 * during.0.max(1e-9), "phone {}: the unmuted phone's tone is back in its mix", i + 1);
        assert!(after.1 > 20.0 * during.0.max(1e-9), "phone {}: it heard phone {} throughout", i + 1, 4 - i);
    }
}

/// The next digit on the event channel; panics on anything final.
async fn digit(events: &mut EventReceiver) -> (LegId, char) {
    loop {
        let event = next(events).await;
        match event.kind {
            BridgeEventKind::Digit(key) => return (event.leg, key),
            kind if kind.is_final() => panic!("{} ended while a key was awaited: {kind:?}", event.leg),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_key_pressed_on_a_phone_is_one_digit() {
    if !baresip::available("sip_bridge_media") {
        return;
    }
    let (mut phones, routes) = phones(1).await;
    let (bridge, mut events) = bridge(routes, (43_100, 43_109)).await;
    bridge.dial_into("c", LegId(1), PHONES[0].0, "demo-team").expect("dials");
    all_answered(&mut events, &[LegId(1)]).await;
    phones[0].hears_for(0.3).await;
    // baresip sends each key as RFC 4733 events (its `sndcode` command):
    // a run of packets, the end three times — one digit each.
    phones[0].command("sndcode", "1").await;
    assert_eq!(digit(&mut events).await, (LegId(1), '1'));
    phones[0].command("sndcode", "#").await;
    assert_eq!(digit(&mut events).await, (LegId(1), '#'), "the next key, not the first one again");
    bridge.hang_up(LegId(1));
    let (event, quality) = ended(&mut events).await;
    assert_eq!(event.kind, BridgeEventKind::HungUp(rollcall_shared::soap::Cause::NORMAL_CLEARING));
    // The events' packets are part of the stream: none counted lost.
    assert_eq!(quality.expect("the leg's quality").rx_loss_permille, 0);
    phones[0].stop();
}

/// The root-mean-square level of phone `phone`'s recording between `from`
/// and `to` seconds.
fn level(phone: &Baresip, from: f64, to: f64) -> f64 {
    let recording = Recording::read(&phone.heard());
    let samples = recording.span(from, to);
    (samples.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / samples.len().max(1) as f64).sqrt()
}

#[tokio::test]
async fn a_screened_phone_hears_its_announcement_alone_until_it_presses_1_and_is_admitted() {
    if !baresip::available("sip_bridge_media") {
        return;
    }
    let (mut phones, routes) = phones(3).await;
    let (bridge, mut events) = bridge(routes, (43_200, 43_299)).await;
    let legs = [LegId(1), LegId(2), LegId(3)];
    for (leg, (number, _)) in legs[..2].iter().zip(PHONES) {
        bridge.dial_into("c", *leg, number, "demo-team").expect("dials");
    }
    let announcement = Some("Alice calls you into the weekly planning. Press 1 to join.");
    bridge.place(&Dial { room: "c", leg: LegId(3), number: PHONES[2].0, caller: "demo-team", announcement }).expect("dials");
    all_answered(&mut events, &legs).await;
    for phone in &phones {
        phone.hears_for(2.0).await;
    }
    let screened_until: Vec<f64> = phones.iter().map(Baresip::heard_seconds).collect();
    // The screened party presses 1 (RFC 4733); the service would admit them.
    phones[2].command("sndcode", "1").await;
    assert_eq!(digit(&mut events).await, (LegId(3), '1'));
    bridge.admit(LegId(3));
    let admitted_at: Vec<f64> = phones.iter().map(Baresip::heard_seconds).collect();
    for phone in &phones {
        phone.hears_for(1.5).await;
    }
    finish(&bridge, &mut events, &legs, &mut phones).await;

    let tones: Vec<u32> = PHONES.iter().map(|(_, tone)| *tone).collect();
    let end = |i: usize| Recording::read(&phones[i].heard()).seconds();
    // Phone 3: the announcement (speech: energy) and none of the others'
    // tones while screened; the others' tones once admitted.
    let spoken = level(&phones[2], 0.5, screened_until[2] - 0.1);
    eprintln!("phone 3 while screened: level {spoken:.0}");
    assert!(spoken > 300.0, "the screened phone hears its announcement (level {spoken:.0})");
    for &other in &tones[..2] {
        let before = power(&phones[2], 0.5, screened_until[2] - 0.1, other);
        let after = power(&phones[2], admitted_at[2] + 0.3, end(2), other);
        eprintln!("phone 3: {other} Hz screened {before:.3}, admitted {after:.1}");
        assert!(after > 20.0 * before.max(1e-9), "phone 3 hears {other} Hz only once admitted ({before:.3} vs {after:.1})");
    }
    // Phones 1 and 2: phone 3's tone only once it is admitted; each other throughout.
    for i in 0..2 {
        let before = power(&phones[i], 0.5, screened_until[i] - 0.1, tones[2]);
        let after = power(&phones[i], admitted_at[i] + 0.3, end(i), tones[2]);
        let other = power(&phones[i], 0.5, screened_until[i] - 0.1, tones[1 - i]);
        eprintln!("phone {}: {} Hz screened {before:.3}, admitted {after:.1}; {} Hz {other:.1}", i + 1, tones[2], tones[1 - i]);
        assert!(after > 20.0 * before.max(1e-9), "phone {}: the screened phone is heard only once admitted", i + 1);
        assert!(other > 20.0 * before.max(1e-9), "phone {}: it heard phone {} meanwhile", i + 1, 2 - i);
    }
}

/// The whole system on real phones (docs/protocol.md §6): Alice's
/// conference asks its participants to confirm; the phone that presses 1
/// (RFC 4733 from baresip) joins, the one that does not is ended
/// `no-answer` (19) when the confirmation time runs out; and once muted by
/// Alice, the joined phone's tone leaves her phone's mix.
#[tokio::test]
async fn on_real_phones_who_presses_1_joins_and_who_does_not_is_ended_no_answer() {
    use common::flow::{confirmed_conference, party, read_until, signed_in, Seen};
    use common::TestServer;
    use rollcall::bridge::sip::SipBridgeConfig;
    use rollcall_shared::soap::conference::{MuteParticipant, Reply, Request};
    use rollcall_shared::soap::ParticipantState;

    if !baresip::available("sip_bridge_media") {
        return;
    }
    let (mut phones, routes) = phones(3).await;
    let server = TestServer::start_with(|options| {
        options.sip_bridge = Some(SipBridgeConfig { rtp_ports: (43_300, 43_399), ..bridge_config(routes) });
        options.confirm_timeout = Duration::from_secs(8);
    })
    .await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    alice
        .send_request(&confirmed_conference(
            party("Alice", PHONES[0].0),
            vec![party("Bob", PHONES[1].0), party("Carol", PHONES[2].0)],
            "the test plan",
        ))
        .await;
    let confirming = |r: &Reply| matches!(r, Reply::ParticipantStatus(s) if s.state == ParticipantState::Confirming);
    let Reply::ParticipantStatus(first) = read_until(&mut alice, &mut seen, confirming).await else { unreachable!() };
    let Reply::ParticipantStatus(second) = read_until(&mut alice, &mut seen, confirming).await else { unreachable!() };
    // Which participant is Bob's phone: the snapshot says.
    let snapshot = common::flow::snapshot(&mut alice, &mut seen, &first.conference_id).await;
    let id_of = |number: &str| {
        snapshot.participants.iter().find(|p| p.phone == number).map(|p| p.participant_id.clone()).expect("a participant")
    };
    let (bob, carol) = (id_of(PHONES[1].0), id_of(PHONES[2].0));
    assert!([&first.participant_id, &second.participant_id].iter().all(|id| **id == bob || **id == carol));

    phones[1].command("sndcode", "1").await;
    // Bob joins; Carol's confirmation time runs out (in either order).
    let settled = |seen: &Seen, id: &str| seen.states_of(id).last().is_some_and(|(s, _)| *s == Connected || s.is_final());
    use ParticipantState::*;
    while !settled(&seen, &bob) || !settled(&seen, &carol) {
        read_until(&mut alice, &mut seen, |_| true).await;
    }
    assert_eq!(seen.states_of(&bob), [(Dialing, None), (Ringing, None), (Confirming, None), (Connected, None)]);
    assert_eq!(seen.states_of(&carol), [(Dialing, None), (Ringing, None), (Confirming, None), (NoAnswer, Some(19))]);

    // Bob's tone reaches Alice; muted, it does not.
    phones[0].hears_for(1.0).await;
    let unmuted_until = phones[0].heard_seconds();
    alice
        .send_request(&Request::MuteParticipant(MuteParticipant {
            request_id: "mute-bob".into(),
            conference_id: first.conference_id.clone(),
            participant_id: bob.clone(),
            muted: true,
        }))
        .await;
    read_until(&mut alice, &mut seen, |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == bob && s.muted)).await;
    let muted_from = phones[0].heard_seconds() + 0.3;
    phones[0].hears_for(1.5).await;
    for phone in phones.iter_mut() {
        phone.stop();
    }
    let heard = power(&phones[0], unmuted_until - 0.8, unmuted_until, PHONES[1].1);
    let muted = power(&phones[0], muted_from, muted_from + 1.0, PHONES[1].1);
    eprintln!("Bob's {} Hz at Alice: {heard:.1} before the mute, {muted:.3} after", PHONES[1].1);
    assert!(heard > 20.0 * muted.max(1e-9), "muting Bob takes his tone out of Alice's mix ({heard:.1} vs {muted:.3})");
}
