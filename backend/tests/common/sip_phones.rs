//! The SIP bridge against real baresip phones, for the tests that call
//! them: the phones (each sending a tone of its own), a bridge that routes
//! their numbers straight to them, and waiting on its events.

use std::time::Duration;

use rollcall::bridge::sip::SipBridgeConfig;
use rollcall::bridge::{BridgeEvent, BridgeEventKind, EventReceiver, LegId, LegQuality};

use super::audio::Recording;
use super::baresip::{Baresip, Options};

/// Each phone's number and tone (Hz): far apart, no harmonics of each other.
pub const PHONES: [(&str, u32); 3] = [("+14255550101", 400), ("+14255550102", 700), ("+14255550103", 1100)];

/// A bridge that reaches the phones at `routes`, RTP on 42,000–42,099.
pub fn bridge_config(routes: Vec<(String, String)>) -> SipBridgeConfig {
    SipBridgeConfig {
        trunk: None,
        trunk_transport: rollcall_shared::sip::Transport::Udp,
        routes,
        user: "rollcall".into(),
        password: String::new(),
        domain: "rollcall.local".into(),
        sip_bind: "127.0.0.1:0".parse().unwrap(),
        media_address: "127.0.0.1".parse().unwrap(),
        rtp_ports: (42_000, 42_099),
        ring_timeout: Duration::from_secs(20),
        silence_limit: Duration::from_secs(10),
    }
}

pub async fn next(events: &mut EventReceiver) -> BridgeEvent {
    tokio::time::timeout(Duration::from_secs(20), events.recv()).await.expect("a bridge event in time").expect("bridge running")
}

/// The next final event, and the quality report that came just before it.
pub async fn ended(events: &mut EventReceiver) -> (BridgeEvent, Option<LegQuality>) {
    let mut quality = None;
    loop {
        let event = next(events).await;
        match event.kind {
            BridgeEventKind::Quality(q) => quality = Some((event.leg, q)),
            kind if kind.is_final() => {
                let q = quality.filter(|(leg, _)| *leg == event.leg).map(|(_, q)| q);
                return (event, q);
            }
            _ => {}
        }
    }
}

/// Waits until every leg of `legs` is answered; panics on anything final.
pub async fn all_answered(events: &mut EventReceiver, legs: &[LegId]) {
    let mut answered = Vec::new();
    while answered.len() < legs.len() {
        let event = next(events).await;
        match event.kind {
            BridgeEventKind::Answered => answered.push(event.leg),
            BridgeEventKind::Ringing => {}
            other => panic!("{} ended before it was answered: {other:?}", event.leg),
        }
    }
}

/// The first `n` phones, started and ready, and the routes that reach them.
pub async fn phones(n: usize) -> (Vec<Baresip>, Vec<(String, String)>) {
    let phones: Vec<Baresip> =
        PHONES[..n].iter().map(|(number, tone)| Baresip::start(Options { tone: *tone, ..Options::direct(number) })).collect();
    for phone in &phones {
        phone.ready().await;
    }
    let routes = PHONES.iter().zip(&phones).map(|((number, _), phone)| (number.to_string(), phone.addr.to_string())).collect();
    (phones, routes)
}

/// How much stronger the weakest of `others` is than `own` in `samples`.
pub fn margin(recording: &Recording, samples: &[i16], own: u32, others: &[u32]) -> f64 {
    let own_power = recording.tone(samples, own as f64).max(1e-9);
    others.iter().map(|&hz| recording.tone(samples, hz as f64)).fold(f64::INFINITY, f64::min) / own_power
}
