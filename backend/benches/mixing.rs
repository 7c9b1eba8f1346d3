//! The SIP bridge's audio: `cargo bench -p rollcall --bench mixing` (or
//! `make bench`). No assertions: speed is read here, never asserted.
//!
//! 1. CPU: the mix, per participant per 20 ms frame, for rooms of 3 to 100;
//!    and one leg's whole per-frame work besides (G.711 decode, jitter
//!    buffer, encode, RTP packet).
//! 2. Legs one core sustains: rooms of five legs on a one-thread runtime,
//!    their phones played by another thread sending G.711 every 20 ms over
//!    loopback UDP; for each count, the frames the rooms made late (sent a
//!    whole frame after their time) and the worst lateness.
//! 3. The delay the bridge adds: from a loud frame reaching the bridge to
//!    the first packet that carries it to another leg (jitter buffer, the
//!    wait for the clock, the mix), over loopback.

use std::hint::black_box;
use std::net::UdpSocket;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rollcall::bridge::sip::media::codec::{Codec, Frame, FRAME_SAMPLES, SILENCE};
use rollcall::bridge::sip::media::jitter::JitterBuffer;
use rollcall::bridge::sip::media::mixer::Mixer;
use rollcall::bridge::sip::media::rtp::{self, Sender};
use rollcall::bridge::sip::ports::PortPool;
use rollcall::bridge::sip::room::{MediaLeg, Room, RoomCommand};
use rollcall::bridge::sip::sdp::Answer;
use rollcall::bridge::LegId;

mod timing;

/// Mean time of `f`.
fn per_op(f: impl FnMut()) -> Duration {
    timing::per_op(f).0
}

/// The answer of a phone whose RTP (and RTCP) socket is at `addr`.
fn answer_at(addr: std::net::SocketAddr) -> Answer {
    Answer { rtp: addr, rtcp: addr, codec: Codec::Pcmu, telephone_event: None, sends: true }
}

fn tone(hz: f64) -> Frame {
    std::array::from_fn(|i| ((i as f64 * 2.0 * std::f64::consts::PI * hz / 8000.0).sin() * 8000.0) as i16)
}

fn cpu() -> Duration {
    println!("== CPU per 20 ms frame ==");
    let mut per_participant = Duration::ZERO;
    for n in [3usize, 10, 30, 100] {
        let frames: Vec<Frame> = (0..n).map(|i| tone(300.0 + 50.0 * i as f64)).collect();
        let inputs: Vec<Option<Frame>> = frames.iter().copied().map(Some).collect();
        let mut outputs = vec![SILENCE; n];
        let mut mixer = Mixer::default();
        let each = per_op(|| mixer.mix(black_box(&inputs), black_box(&mut outputs)));
        per_participant = each / n as u32;
        println!(
            "mix, {n:>3} talking                       {:>8.2} µs/frame   {:>6.3} µs per participant",
            each.as_secs_f64() * 1e6,
            per_participant.as_secs_f64() * 1e6
        );
    }
    // One leg's own work each frame besides the mix.
    let codec = Codec::Pcmu;
    let mut encoded = [0u8; FRAME_SAMPLES];
    codec.encode(&tone(440.0), &mut encoded);
    let mut sender = Sender::new();
    let mut jitter = JitterBuffer::default();
    let mut timestamp = 0u32;
    let leg = per_op(|| {
        let packet = sender.packet(0, &encoded);
        let read = rtp::read(&packet).expect("RTP");
        let mut frame = SILENCE;
        codec.decode(read.payload, &mut frame);
        jitter.push(timestamp, timestamp as u64, frame);
        timestamp = timestamp.wrapping_add(160);
        let played = jitter.pop().unwrap_or(SILENCE);
        let mut out = [0u8; FRAME_SAMPLES];
        codec.encode(black_box(&played), &mut out);
        black_box(out);
    });
    println!("one leg: RTP read+write, decode, jitter, encode {:>8.2} µs/frame", leg.as_secs_f64() * 1e6);
    let budget = Duration::from_millis(20);
    println!(
        "=> one core's 20 ms holds the CPU work of about {} legs (mix + leg work, no sockets)",
        (budget.as_secs_f64() / (per_participant + leg).as_secs_f64()) as u64
    );
    per_participant + leg
}

/// Phones for `legs` bridge ports: sockets that send one frame each every
/// 20 ms (and drain what the bridge sends), on a thread of their own.
fn phones(targets: Vec<(UdpSocket, std::net::SocketAddr)>, run_for: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut senders: Vec<Sender> = targets.iter().map(|_| Sender::new()).collect();
        let mut payload = [0u8; FRAME_SAMPLES];
        Codec::Pcmu.encode(&tone(440.0), &mut payload);
        let mut buf = [0u8; 2048];
        let start = Instant::now();
        let mut next = start;
        while start.elapsed() < run_for {
            for ((socket, to), sender) in targets.iter().zip(senders.iter_mut()) {
                let _ = socket.send_to(&sender.packet(0, &payload), to);
                while socket.recv_from(&mut buf).is_ok() {}
            }
            next += Duration::from_millis(20);
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    })
}

fn capacity() {
    println!("== legs one core sustains (rooms of 5, loopback UDP, 3 s each) ==");
    rollcall::edge::fd_limit::raise();
    let pool = PortPool::new(40_000, 52_999, "127.0.0.1".parse().unwrap());
    for legs in [400usize, 1200, 2000, 2400] {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let run_for = Duration::from_secs(3);
        let (events, _events_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut rooms = Vec::new();
        let mut targets = Vec::new();
        runtime.block_on(async {
            for i in 0..legs {
                if i % 5 == 0 {
                    rooms.push(Room::start(Duration::from_secs(60), events.clone()));
                }
                let Some(ports) = pool.take() else { break };
                let phone = UdpSocket::bind("127.0.0.1:0").expect("phone socket");
                phone.set_nonblocking(true).expect("non-blocking");
                let answer = answer_at(phone.local_addr().unwrap());
                targets.push((phone, std::net::SocketAddr::from(([127, 0, 0, 1], ports.port))));
                rooms.last().unwrap().send(RoomCommand::Join(Box::new(MediaLeg::new(LegId(i as u64), ports, answer))));
            }
        });
        let made = targets.len();
        let sender = phones(targets, run_for);
        let cpu_before = thread_cpu();
        runtime.block_on(async { tokio::time::sleep(run_for).await });
        let cpu = thread_cpu() - cpu_before;
        sender.join().expect("phones");
        let frames: u64 = rooms.iter().map(|r| r.stats().frames.load(Ordering::Relaxed)).sum();
        let late: u64 = rooms.iter().map(|r| r.stats().late.load(Ordering::Relaxed)).sum();
        let worst = rooms.iter().map(|r| r.stats().worst_us.load(Ordering::Relaxed)).max().unwrap_or(0);
        println!(
            "{made:>4} legs in {:>3} rooms: {frames:>6} room frames, {late:>5} late, worst {:>7.2} ms after its time, bridge thread CPU {:>5.1} %",
            rooms.len(),
            worst as f64 / 1000.0,
            100.0 * cpu.as_secs_f64() / run_for.as_secs_f64()
        );
        drop(rooms);
        runtime.block_on(async { tokio::time::sleep(Duration::from_millis(100)).await });
    }
}

/// CPU time of this thread so far.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn delay() {
    println!("== delay the bridge adds (loud frame in, first packet carrying it out), 100 tries ==");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let pool = PortPool::new(53_000, 53_009, "127.0.0.1".parse().unwrap());
    let mut samples = Vec::new();
    runtime.block_on(async {
        let (events, _rx) = tokio::sync::mpsc::unbounded_channel();
        let room = Room::start(Duration::from_secs(60), events);
        let talker = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let listener = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut ports = Vec::new();
        for (i, phone) in [&talker, &listener].into_iter().enumerate() {
            let pair = pool.take().expect("ports");
            ports.push(pair.port);
            let answer = answer_at(phone.local_addr().unwrap());
            room.send(RoomCommand::Join(Box::new(MediaLeg::new(LegId(i as u64), pair, answer))));
        }
        let to_bridge = std::net::SocketAddr::from(([127, 0, 0, 1], ports[0]));
        let mut sender = Sender::new();
        let (mut quiet, mut loud) = ([0u8; FRAME_SAMPLES], [0u8; FRAME_SAMPLES]);
        Codec::Pcmu.encode(&SILENCE, &mut quiet);
        Codec::Pcmu.encode(&[20_000; FRAME_SAMPLES], &mut loud);
        let mut buf = [0u8; 2048];
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for round in 0..(100 * 10) {
            tick.tick().await;
            let is_loud = round % 10 == 9;
            let sent_at = Instant::now();
            talker.send_to(&sender.packet(0, if is_loud { &loud } else { &quiet }), to_bridge).await.unwrap();
            if !is_loud {
                while listener.try_recv_from(&mut buf).is_ok() {}
                continue;
            }
            // The first packet out to the listener that carries it.
            loop {
                let Ok(Ok((n, _))) = tokio::time::timeout(Duration::from_millis(500), listener.recv_from(&mut buf)).await else {
                    break;
                };
                let Some(packet) = rtp::read(&buf[..n]) else { continue };
                let mut frame = SILENCE;
                Codec::Pcmu.decode(packet.payload, &mut frame);
                if frame.iter().any(|s| s.abs() > 10_000) {
                    samples.push(sent_at.elapsed());
                    break;
                }
            }
        }
    });
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "added delay                              p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  (n={})",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        samples.len()
    );
    println!("(a steady loopback stream: the jitter buffer holds one frame; the rest is the wait for the 20 ms clock)");
}

fn main() {
    let per_leg = cpu();
    println!();
    capacity();
    println!();
    delay();
    println!();
    println!("per leg per frame, CPU only: {:.2} µs", per_leg.as_secs_f64() * 1e6);
}
