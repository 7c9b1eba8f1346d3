//! One conference's audio: a task that, every 20 ms, takes in what each
//! answered leg sent (RTP into its jitter buffer, RTCP reports), plays one
//! frame of each, mixes what each listener hears ([`Mixer`]) and sends it.
//!
//! Sockets are read without waiting (`try_recv`) on the tick, a bounded
//! number of datagrams a leg, so a flood costs one leg's share and no
//! memory. RTP is taken from the address the phone's answer named (by
//! IP; the port is learnt from what arrives, for phones behind NAT).
//! Telephone events (the keys pressed, RFC 4733) in the same stream are
//! never decoded as audio: each key is reported once
//! ([`RoomEvent::Digit`]).
//!
//! A muted leg is left out of everyone's mix and hears it. A screened leg
//! (placed with an announcement) is left out of everyone's mix and hears
//! only its announcement ([`Player`]) until it is admitted.
//! A leg that has sent nothing for `silence_limit` is reported once
//! ([`RoomEvent::Silent`]); the signalling ends its call.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::media::codec::{Frame, FRAME_SAMPLES, SILENCE};
use super::media::dtmf::Keys;
use super::media::jitter::JitterBuffer;
use super::media::mixer::Mixer;
use super::media::rtcp::{self, ReportBlock};
use super::media::rtp::{self, ReceiveStats, Sender};
use super::ports::PortPair;
use super::prompt::{Announcement, Player};
use super::sdp::Answer;
use crate::bridge::{LegId, LegQuality};

/// The frame clock.
pub const FRAME: Duration = Duration::from_millis(20);
/// How often each leg gets a receiver report (RFC 3550 §6.2: 5 s minimum).
const RTCP_EVERY: Duration = Duration::from_secs(5);
/// Datagrams read from one socket a tick at most (a phone sends one).
const READS_PER_TICK: usize = 16;

/// How good a leg's audio was, both ways.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quality {
    /// Of the phone's packets: the fraction lost, and the interarrival
    /// jitter in ms.
    pub loss: f64,
    pub jitter_ms: f64,
    /// Of ours, as the phone's last receiver report said, if it sent one.
    pub remote_loss: Option<f64>,
    pub remote_jitter_ms: Option<f64>,
    /// Frames the jitter buffer played, and turns it had nothing.
    pub played: u64,
    pub missing: u64,
}

impl Quality {
    /// As the call record keeps it.
    pub fn figure(&self) -> LegQuality {
        let permille = |fraction: f64| (fraction * 1000.0).round().clamp(0.0, 1000.0) as u16;
        let micros = |ms: f64| (ms * 1000.0).round().clamp(0.0, u32::MAX as f64) as u32;
        LegQuality {
            rx_loss_permille: permille(self.loss),
            rx_jitter_us: micros(self.jitter_ms),
            tx_loss_permille: self.remote_loss.map(permille),
            tx_jitter_us: self.remote_jitter_ms.map(micros),
        }
    }
}

/// A leg's media once its call is answered.
#[derive(Debug)]
pub struct MediaLeg {
    pub leg: LegId,
    pub ports: PortPair,
    pub answer: Answer,
    /// Where RTP actually comes from (latched on the first packet from the
    /// answer's IP).
    source: Option<SocketAddr>,
    sender: Sender,
    stats: ReceiveStats,
    jitter: JitterBuffer,
    /// When the last RTP came (or the leg joined), and whether silence
    /// was reported already.
    heard: Instant,
    silence_reported: bool,
    /// The last sender report: its NTP middle and when it came.
    last_sr: Option<(u32, Instant)>,
    remote_report: Option<ReportBlock>,
    next_rtcp: Instant,
    /// Mixed frames sent to the phone.
    pub sent: u64,
    /// Left out of everyone else's mix; it still hears them.
    muted: bool,
    /// Screened: left out of the mix, hearing only its announcement.
    screen: Option<Player>,
    keys: Keys,
}

impl MediaLeg {
    pub fn new(leg: LegId, ports: PortPair, answer: Answer) -> MediaLeg {
        let now = Instant::now();
        MediaLeg {
            leg,
            ports,
            answer,
            source: None,
            sender: Sender::new(),
            stats: ReceiveStats::default(),
            jitter: JitterBuffer::default(),
            heard: now,
            silence_reported: false,
            last_sr: None,
            remote_report: None,
            next_rtcp: now + RTCP_EVERY,
            sent: 0,
            muted: false,
            screen: None,
            keys: Keys::default(),
        }
    }

    /// The leg joins muted (the service muted it before it answered).
    pub fn muted(mut self, muted: bool) -> MediaLeg {
        self.muted = muted;
        self
    }

    /// The leg joins screened, hearing `announcement` until
    /// [`RoomCommand::Admit`].
    pub fn screened(mut self, announcement: Announcement) -> MediaLeg {
        self.screen = Some(Player::new(announcement));
        self
    }

    pub fn quality(&self) -> Quality {
        let expected = self.stats.expected();
        Quality {
            loss: if expected == 0 { 0.0 } else { self.stats.lost() as f64 / expected as f64 },
            jitter_ms: self.jitter.jitter_ms(),
            remote_loss: self.remote_report.map(|r| r.fraction_lost as f64 / 256.0),
            remote_jitter_ms: self.remote_report.map(|r| r.jitter as f64 / 8.0),
            played: self.jitter.stats.played,
            missing: self.jitter.stats.missing,
        }
    }

    /// Reads what the phone sent since the last tick; the key it pressed,
    /// if a new one came (at most one a tick: [`dtmf::MIN_GAP`](super::media::dtmf::MIN_GAP)).
    fn take_in(&mut self, now: Instant, clock: u64, buf: &mut [u8]) -> Option<char> {
        let mut key = None;
        for _ in 0..READS_PER_TICK {
            let Ok((n, from)) = self.ports.rtp.try_recv_from(buf) else { break };
            if from.ip() != self.answer.rtp.ip() || self.source.is_some_and(|s| s != from) {
                continue;
            }
            let Some(packet) = rtp::read(&buf[..n]) else { continue };
            let audio = packet.payload_type == self.answer.codec.payload_type();
            let event = self.answer.telephone_event == Some(packet.payload_type);
            if !audio && !event {
                continue; // comfort noise, anything not negotiated: not mixed
            }
            self.source = Some(from);
            self.heard = now;
            // Events share the stream's sequence numbers: counted, or
            // every key pressed would look like packets lost.
            self.stats.count(packet.ssrc, packet.sequence);
            if event {
                key = self.keys.packet(packet.timestamp, packet.payload, clock).or(key);
                continue;
            }
            let mut frame = SILENCE;
            self.answer.codec.decode(packet.payload, &mut frame);
            self.jitter.push(packet.timestamp, clock, frame);
        }
        for _ in 0..READS_PER_TICK {
            let Ok((n, from)) = self.ports.rtcp.try_recv_from(buf) else { break };
            if from.ip() != self.answer.rtcp.ip() {
                continue;
            }
            let Some(heard) = rtcp::read(&buf[..n]) else { continue };
            if let Some((_, middle)) = heard.sender_report {
                self.last_sr = Some((middle, now));
            }
            if let Some(block) = heard.blocks.iter().find(|b| b.ssrc == self.sender.ssrc) {
                self.remote_report = Some(*block);
            }
        }
        key
    }

    /// Sends the phone its mix, and a receiver report when one is due.
    fn send_out(&mut self, mix: &Frame, now: Instant) {
        let mut payload = [0u8; FRAME_SAMPLES];
        self.answer.codec.encode(mix, &mut payload);
        let packet = self.sender.packet(self.answer.codec.payload_type(), &payload);
        let to = self.source.unwrap_or(self.answer.rtp);
        let _ = self.ports.rtp.try_send_to(&packet, to);
        self.sent += 1;
        if now >= self.next_rtcp {
            self.next_rtcp = now + RTCP_EVERY;
            let block = self.stats.ssrc.map(|ssrc| ReportBlock {
                ssrc,
                fraction_lost: self.stats.fraction_lost_since_last(),
                cumulative_lost: self.stats.lost().min(0x7F_FFFF) as u32,
                extended_highest_sequence: self.stats.extended_max(),
                jitter: (self.jitter.jitter_ms() * 8.0) as u32,
                last_sr: self.last_sr.map_or(0, |(middle, _)| middle),
                delay_since_last_sr: self.last_sr.map_or(0, |(_, at)| (now.duration_since(at).as_secs_f64() * 65_536.0) as u32),
            });
            let report = rtcp::receiver_report(self.sender.ssrc, block, "bridge@rollcall");
            let _ = self.ports.rtcp.try_send_to(&report, self.answer.rtcp);
        }
    }
}

/// What the room is asked.
#[derive(Debug)]
pub enum RoomCommand {
    Join(Box<MediaLeg>),
    /// The leg leaves the mix; its last quality figure comes back.
    Leave(LegId),
    /// Mute or unmute what the leg says (it still hears the others).
    Mute(LegId, bool),
    /// A screened leg joins the mix.
    Admit(LegId),
}

/// What the room reports.
#[derive(Debug, Clone, PartialEq)]
pub enum RoomEvent {
    /// Nothing came from the leg for the silence limit.
    Silent(LegId),
    /// The leg left; how its audio was.
    Left(LegId, Quality),
    /// The phone pressed a key (RFC 4733).
    Digit(LegId, char),
}

/// How the room's clock kept time: frames made, and how late.
#[derive(Debug, Default)]
pub struct ClockStats {
    pub frames: AtomicU64,
    /// Frames made a whole frame (20 ms) or more after their time.
    pub late: AtomicU64,
    /// The latest a frame was made, in µs after its time.
    pub worst_us: AtomicU64,
}

/// A running room: its commands. Dropping it ends the task (and every
/// leg still in it).
#[derive(Debug, Clone)]
pub struct Room {
    commands: mpsc::UnboundedSender<RoomCommand>,
    stats: Arc<ClockStats>,
}

impl Room {
    /// Starts a room whose events go to `events`.
    pub fn start(silence_limit: Duration, events: mpsc::UnboundedSender<RoomEvent>) -> Room {
        let (commands, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(ClockStats::default());
        tokio::spawn(run(rx, events, silence_limit, Arc::clone(&stats)));
        Room { commands, stats }
    }

    /// How its clock has kept time so far.
    pub fn stats(&self) -> &ClockStats {
        &self.stats
    }

    pub fn send(&self, command: RoomCommand) {
        let _ = self.commands.send(command);
    }
}

async fn run(
    mut commands: mpsc::UnboundedReceiver<RoomCommand>,
    events: mpsc::UnboundedSender<RoomEvent>,
    silence: Duration,
    stats: Arc<ClockStats>,
) {
    let mut members: Vec<Box<MediaLeg>> = Vec::new();
    let mut mixer = Mixer::default();
    let mut played: Vec<Option<Frame>> = Vec::new();
    let mut mixes: Vec<Frame> = Vec::new();
    let mut buf = vec![0u8; 2048];
    let started = Instant::now();
    let mut clock = tokio::time::interval(FRAME);
    // Behind (a busy machine): the frames owed are made at once, so that
    // every phone gets 50 a second.
    clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(RoomCommand::Join(media)) => members.push(media),
                Some(RoomCommand::Leave(leg)) => {
                    if let Some(index) = members.iter().position(|m| m.leg == leg) {
                        let member = members.remove(index);
                        mixer.remove(index);
                        let _ = events.send(RoomEvent::Left(leg, member.quality()));
                    }
                }
                Some(RoomCommand::Mute(leg, muted)) => {
                    if let Some(member) = members.iter_mut().find(|m| m.leg == leg) {
                        member.muted = muted;
                    }
                }
                Some(RoomCommand::Admit(leg)) => {
                    if let Some(member) = members.iter_mut().find(|m| m.leg == leg) {
                        member.screen = None;
                    }
                }
                None => return,
            },
            due = clock.tick() => {
                let now = Instant::now();
                // 8 kHz units since the room started: the jitter buffer's arrival clock.
                let units = now.duration_since(started).as_micros() as u64 * 8 / 1000;
                played.clear();
                for member in members.iter_mut() {
                    if let Some(key) = member.take_in(now, units, &mut buf) {
                        let _ = events.send(RoomEvent::Digit(member.leg, key));
                    }
                    let frame = member.jitter.pop();
                    played.push(if member.muted || member.screen.is_some() { None } else { frame });
                    if !member.silence_reported && now.duration_since(member.heard) >= silence {
                        member.silence_reported = true;
                        let _ = events.send(RoomEvent::Silent(member.leg));
                    }
                }
                mixes.resize(members.len(), SILENCE);
                mixer.mix(&played, &mut mixes);
                for (member, mix) in members.iter_mut().zip(mixes.iter_mut()) {
                    // A screened leg hears its announcement instead.
                    if let Some(player) = member.screen.as_mut() {
                        player.next_frame(mix);
                    }
                    member.send_out(mix, now);
                }
                // Sent a whole frame after its time: late (the phones' jitter
                // buffers hide some of that; a steady backlog they cannot).
                let behind = Instant::now().duration_since(due);
                stats.frames.fetch_add(1, Ordering::Relaxed);
                if behind >= FRAME {
                    stats.late.fetch_add(1, Ordering::Relaxed);
                }
                stats.worst_us.fetch_max(behind.as_micros() as u64, Ordering::Relaxed);
            }
        }
    }
}
