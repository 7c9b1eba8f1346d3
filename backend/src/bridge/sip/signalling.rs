//! The bridge's SIP side: one task that owns the one user agent
//! ([`rollcall_shared::ua`]) and a UDP socket, places a call for every leg
//! the conference service dials, and turns what becomes of each call into
//! the leg's bridge events (the [`BridgeDriver`](crate::bridge::BridgeDriver)
//! contract: optionally ringing, then answered and hung up, or one final
//! failure). Answered legs join their conference's [`Room`].
//!
//! Over UDP, messages go where they say (`sip::next_hop`): an INVITE to
//! the Request-URI the leg was dialled at — the trunk's host, or a
//! route's — and everything in a dialog along its Route set or to the far
//! end's Contact; responses back along their Via. Over TCP or TLS the
//! trunk is the outbound proxy (RFC 3261 §8.1.2): everything goes over
//! the one connection to it, opened again when it drops.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rollcall_shared::sip::{self, Transport};
use rollcall_shared::soap::Cause;
use rollcall_shared::sync::LockExt;
use rollcall_shared::ua::call::{CallEnd, CallEvent};
use rollcall_shared::ua::{Config, Event, Output, UserAgent};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::outcome::{self, Ending};
use super::ports::{PortPair, PortPool};
use super::prompt::Announcement;
use super::room::{MediaLeg, Room, RoomCommand, RoomEvent};
use super::sdp;
use super::wire::Wire;
use crate::bridge::{BridgeEvent, BridgeEventKind, EventSender, LegId};
use crate::sip_link::Link;

/// How often the user agent's timers and the ring timeouts are looked at.
const TICK: Duration = Duration::from_millis(50);
/// Host names remembered once resolved, at most.
const RESOLVED_MAX: usize = 256;

/// What the driver asks of the task.
#[derive(Debug)]
pub enum Command {
    /// Place a call; with an announcement, the leg is screened once it answers.
    Dial {
        room: String,
        leg: LegId,
        number: String,
        caller: String,
        announcement: Option<String>,
    },
    HangUp(LegId),
    /// A screened, answered leg joins its room's mix.
    Admit(LegId),
    /// Leave the leg out of everyone else's mix (or put it back); kept
    /// for a leg not yet answered and applied when it joins.
    Mute(LegId, bool),
    Crash(Vec<LegId>),
}

/// Where the task sends calls and how it behaves.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `host[:port]` a number is dialled at: the longest matching prefix's
    /// route, else the trunk.
    pub trunk: Option<String>,
    pub routes: Vec<(String, String)>,
    /// The domain of the From (caller ID) address.
    pub domain: String,
    /// The address put in SDP and in our Via and Contact.
    pub media_address: IpAddr,
    pub ring_timeout: Duration,
    pub silence_limit: Duration,
}

impl Plan {
    /// The Request-URI for `number`, if any route or the trunk takes it.
    pub fn target(&self, number: &str) -> Option<String> {
        let host = self
            .routes
            .iter()
            .filter(|(prefix, _)| number.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, host)| host)
            .or(self.trunk.as_ref())?;
        Some(format!("sip:{number}@{host}"))
    }

    /// The From address presenting `caller` (an account name or number),
    /// with only the characters a SIP user part may hold as they are.
    pub fn caller_id(&self, caller: &str) -> Option<String> {
        let user: String = caller.chars().filter(|c| c.is_ascii_alphanumeric() || "+-_.!~*'()".contains(*c)).collect();
        (!user.is_empty()).then(|| format!("sip:{user}@{}", self.domain))
    }
}

/// One leg's call.
struct Leg {
    room: String,
    /// Its RTP ports until it joins its room.
    ports: Option<PortPair>,
    ending: Ending,
    /// Why the bridge ended it, beyond [`Ending`]: silence or a crash.
    cut: Option<BridgeEventKind>,
    rang: bool,
    answered: bool,
    /// Left out of the others' mix (set at any time, even while ringing).
    muted: bool,
    /// The announcement being made for it, until it answers (screened).
    announcement: Option<Announcement>,
    /// Answered and screened, not yet admitted.
    screened: bool,
    /// When the last key sent as INFO was reported: one a
    /// [`INFO_KEY_GAP`] at most, whatever a phone sends.
    info_key_at: Option<Instant>,
    ring_deadline: Instant,
}

/// The least time between two keys taken from a leg's INFO requests (as
/// for RFC 4733, [`super::media::dtmf::MIN_GAP`]).
pub const INFO_KEY_GAP: Duration = Duration::from_millis(40);

pub struct Signalling {
    ua: UserAgent,
    wire: Wire,
    plan: Plan,
    pool: Arc<PortPool>,
    events: EventSender,
    in_use: Arc<Mutex<HashSet<LegId>>>,
    legs: HashMap<LegId, Leg>,
    rooms: HashMap<String, (Room, usize)>,
    /// Answered legs that ended, waiting for their room's quality figure
    /// before their final event goes out.
    leaving: HashMap<LegId, BridgeEventKind>,
    room_events: mpsc::UnboundedSender<RoomEvent>,
    resolved: HashMap<String, SocketAddr>,
    started: Instant,
}

impl Signalling {
    #[allow(clippy::too_many_arguments)]
    pub async fn new(
        socket: UdpSocket,
        trunk: Option<(String, Transport)>,
        plan: Plan,
        user: String,
        password: String,
        pool: Arc<PortPool>,
        events: EventSender,
        in_use: Arc<Mutex<HashSet<LegId>>>,
        room_events: mpsc::UnboundedSender<RoomEvent>,
    ) -> std::io::Result<Signalling> {
        let (wire, transport, local) = match trunk {
            Some((host, transport @ (Transport::Tcp | Transport::Tls))) => {
                let (scheme, name) = if transport == Transport::Tcp { ("sip", "tcp") } else { ("sips", "tls") };
                // The trunk's port, or the transport's own (5060, 5061).
                let hop = sip::uri_hop(&format!("{scheme}:{host}")).map_err(|e| std::io::Error::other(e.to_string()))?;
                let url = format!("sip:{};transport={name}", hop.address());
                let (link, local) = Link::connect(&url).await.map_err(|e| std::io::Error::other(format!("{url}: {e:#}")))?;
                // Our Via and Contact: the media address, at the connection's port.
                let port = local.and_then(|l| l.rsplit_once(':').and_then(|(_, p)| p.parse().ok())).unwrap_or(0);
                let wire = Wire::Trunk { url, link: Some(link), retry_at: Instant::now() };
                (wire, transport, SocketAddr::new(plan.media_address, port))
            }
            _ => {
                let port = socket.local_addr()?.port();
                (Wire::Udp(socket), Transport::Udp, SocketAddr::new(plan.media_address, port))
            }
        };
        let config =
            Config { user, domain: plan.domain.clone(), transport, local: Some(local.to_string()), require_asserted: false };
        Ok(Signalling {
            ua: UserAgent::new(config, password),
            wire,
            plan,
            pool,
            events,
            in_use,
            legs: HashMap::new(),
            rooms: HashMap::new(),
            leaving: HashMap::new(),
            room_events,
            resolved: HashMap::new(),
            started: Instant::now(),
        })
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Runs until the driver is dropped and every call has ended.
    pub async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut room_events: mpsc::UnboundedReceiver<RoomEvent>,
    ) {
        let mut buf = vec![0u8; 65_535];
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut open = true;
        loop {
            if !open && self.legs.is_empty() && self.leaving.is_empty() {
                return;
            }
            let outputs = tokio::select! {
                command = commands.recv(), if open => match command {
                    Some(command) => self.command(command),
                    None => {
                        open = false;
                        let live: Vec<LegId> = self.legs.keys().copied().collect();
                        live.into_iter().flat_map(|leg| self.release(leg)).collect()
                    }
                },
                received = self.wire.recv(&mut buf) => match received {
                    Some(text) => self.ua.received(&text, self.now()),
                    None => Vec::new(),
                },
                Some(event) = room_events.recv() => self.room_event(event),
                _ = tick.tick() => self.tick(),
            };
            self.carry_out(outputs).await;
            self.wire.reconnect().await;
        }
    }

    fn command(&mut self, command: Command) -> Vec<Output> {
        match command {
            Command::Dial { room, leg, number, caller, announcement } => {
                self.dial(room, leg, &number, &caller, announcement.as_deref())
            }
            Command::HangUp(leg) => self.release(leg),
            Command::Admit(leg) => {
                self.admit(leg);
                Vec::new()
            }
            Command::Mute(leg, muted) => {
                self.mute(leg, muted);
                Vec::new()
            }
            Command::Crash(legs) => {
                let mut outputs = Vec::new();
                for leg in legs {
                    outputs.extend(self.cut(leg, BridgeEventKind::Lost(Cause::TEMPORARY_FAILURE)));
                }
                outputs
            }
        }
    }

    fn dial(&mut self, room: String, leg: LegId, number: &str, caller: &str, announcement: Option<&str>) -> Vec<Output> {
        let Some(target) = self.plan.target(number) else {
            // Q.850 3: no route to destination.
            self.unplaced(leg, BridgeEventKind::Failed(Cause(3)));
            return Vec::new();
        };
        let Some(ports) = self.pool.take() else {
            tracing::warn!(%leg, "no RTP ports left (--rtp-ports)");
            // Q.850 34: no circuit/channel available.
            self.unplaced(leg, BridgeEventKind::Failed(Cause(34)));
            return Vec::new();
        };
        let offer = sdp::offer(leg.0, self.plan.media_address, ports.port);
        let from = self.plan.caller_id(caller);
        let now = Instant::now();
        self.legs.insert(
            leg,
            Leg {
                room,
                ports: Some(ports),
                ending: Ending::None,
                cut: None,
                rang: false,
                answered: false,
                muted: false,
                // Made now, while the phone rings, to be ready when it answers.
                announcement: announcement.map(|text| Announcement::synthesise(leg, text)),
                screened: false,
                info_key_at: None,
                ring_deadline: now + self.plan.ring_timeout,
            },
        );
        tracing::info!(%leg, %target, "dialling");
        self.ua.invite_from(leg.0, from.as_deref(), &target, Some(offer), self.now())
    }

    /// The bridge itself ends `leg` (a phone gone silent, a crash): its
    /// final event goes out now, not once the far end answers the BYE or
    /// CANCEL — a phone that went silent may never answer it. The call
    /// itself is hung up all the same; what becomes of it is not reported.
    fn cut(&mut self, leg: LegId, kind: BridgeEventKind) -> Vec<Output> {
        if !self.legs.contains_key(&leg) {
            return Vec::new();
        }
        let now = self.now();
        let outputs = self.ua.hang_up(leg.0, now);
        self.finish(leg, kind);
        outputs
    }

    /// The service asks for `leg` to go: CANCEL or BYE; confirmed with
    /// normal clearing when the call has ended.
    fn release(&mut self, leg: LegId) -> Vec<Output> {
        let Some(call) = self.legs.get_mut(&leg) else { return Vec::new() };
        if call.ending == Ending::None {
            call.ending = Ending::Released;
        }
        let now = self.now();
        self.ua.hang_up(leg.0, now)
    }

    fn tick(&mut self) -> Vec<Output> {
        let now = Instant::now();
        let mut outputs = self.ua.tick(self.now());
        let overdue: Vec<LegId> = self
            .legs
            .iter()
            .filter(|(_, call)| !call.answered && call.ending == Ending::None && now >= call.ring_deadline)
            .map(|(leg, _)| *leg)
            .collect();
        for leg in overdue {
            if let Some(call) = self.legs.get_mut(&leg) {
                call.ending = Ending::RingTimeout;
            }
            outputs.extend(self.ua.hang_up(leg.0, self.now()));
        }
        outputs
    }

    fn room_event(&mut self, event: RoomEvent) -> Vec<Output> {
        match event {
            RoomEvent::Silent(leg) => {
                tracing::warn!(%leg, "no RTP from the phone: hanging up");
                // Q.850 102: recovery on timer expiry.
                self.cut(leg, BridgeEventKind::HungUp(Cause(102)))
            }
            RoomEvent::Digit(leg, key) => {
                // Only for a leg still connected: a key that crossed its end
                // has no leg to be reported on.
                if self.legs.get(&leg).is_some_and(|call| call.answered) {
                    tracing::debug!(%leg, %key, "key pressed (RFC 4733)");
                    self.emit(leg, BridgeEventKind::Digit(key));
                }
                Vec::new()
            }
            RoomEvent::Left(leg, quality) => {
                if let Some(kind) = self.leaving.remove(&leg) {
                    self.emit(leg, BridgeEventKind::Quality(quality.figure()));
                    self.in_use.locked().remove(&leg);
                    self.emit(leg, kind);
                }
                tracing::info!(
                    %leg,
                    loss = quality.loss,
                    jitter_ms = quality.jitter_ms,
                    remote_loss = ?quality.remote_loss,
                    remote_jitter_ms = ?quality.remote_jitter_ms,
                    played = quality.played,
                    missing = quality.missing,
                    "leg audio quality"
                );
                Vec::new()
            }
        }
    }

    /// Sends what the user agent wrote and acts on what it reports.
    async fn carry_out(&mut self, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Send(text) => self.send(&text).await,
                Output::Event(Event::Call { id, event }) => {
                    let more = self.call_event(LegId(id), event);
                    // Answering a BYE, or hanging up a call whose answer
                    // could not be used: sent at once.
                    for output in more {
                        if let Output::Send(text) = output {
                            self.send(&text).await;
                        }
                    }
                }
                Output::Event(_) | Output::Reconnect => {}
            }
        }
    }

    async fn send(&mut self, text: &str) {
        let socket = match &mut self.wire {
            Wire::Trunk { link: Some(link), .. } => {
                let _ = link.send(text.to_owned()).await;
                return;
            }
            // Not connected: lost, as on a network; the timers send it again.
            Wire::Trunk { link: None, .. } => return,
            Wire::Udp(socket) => socket,
        };
        let hop = match sip::next_hop(text) {
            Ok(hop) => hop,
            Err(e) => return tracing::warn!(error = %e, "a message with nowhere to go"),
        };
        let address = hop.address();
        let to = match self.resolved.get(&address) {
            Some(to) => *to,
            None => match tokio::net::lookup_host(&address).await.ok().and_then(|mut all| all.next()) {
                Some(to) => {
                    if self.resolved.len() >= RESOLVED_MAX {
                        self.resolved.clear();
                    }
                    self.resolved.insert(address, to);
                    to
                }
                None => return tracing::warn!(%address, "cannot resolve"),
            },
        };
        let _ = socket.send_to(text.as_bytes(), to).await;
    }

    /// What became of a leg's call; outputs when it must be hung up.
    fn call_event(&mut self, leg: LegId, event: CallEvent) -> Vec<Output> {
        let Some(call) = self.legs.get_mut(&leg) else { return Vec::new() };
        match event {
            CallEvent::Progress { .. } => {
                tracing::debug!(%leg, "progress");
                if !call.rang && call.ending == Ending::None {
                    call.rang = true;
                    self.emit(leg, BridgeEventKind::Ringing);
                }
                Vec::new()
            }
            CallEvent::Answered { sdp } => {
                if call.ending != Ending::None {
                    return Vec::new(); // answered as we hung up: the user agent sends BYE
                }
                let answer = sdp.as_deref().ok_or(sdp::SdpError::NoAudio).and_then(sdp::answer);
                match (answer, call.ports.take()) {
                    (Ok(answer), Some(ports)) => {
                        call.answered = true;
                        let room = call.room.clone();
                        tracing::info!(%leg, codec = answer.codec.name(), rtp = %answer.rtp, "answered");
                        let mut media = MediaLeg::new(leg, ports, answer).muted(call.muted);
                        if let Some(announcement) = call.announcement.take() {
                            tracing::info!(%leg, "screened until admitted");
                            media = media.screened(announcement);
                            call.screened = true;
                        }
                        self.join(room, media);
                        self.emit(leg, BridgeEventKind::Answered);
                        Vec::new()
                    }
                    (answer, _) => {
                        if let Err(e) = answer {
                            tracing::warn!(%leg, error = %e, "the answer's SDP cannot be used; hanging up");
                        }
                        // Q.850 88: incompatible destination.
                        call.cut = Some(BridgeEventKind::Failed(Cause(88)));
                        call.ending = Ending::Released;
                        let now = self.now();
                        self.ua.hang_up(leg.0, now)
                    }
                }
            }
            CallEvent::Updated { .. } | CallEvent::UpdateRefused { .. } => Vec::new(),
            CallEvent::Info { content_type, body } => {
                match super::info::key(&content_type, &body) {
                    Some(key) if call.answered && call.ending == Ending::None => {
                        let now = Instant::now();
                        if call.info_key_at.is_some_and(|at| now.duration_since(at) < INFO_KEY_GAP) {
                            return Vec::new();
                        }
                        call.info_key_at = Some(now);
                        tracing::debug!(%leg, %key, "key pressed (SIP INFO)");
                        self.emit(leg, BridgeEventKind::Digit(key));
                    }
                    Some(_) => {}
                    None => tracing::debug!(%leg, %content_type, "an INFO without a key"),
                }
                Vec::new()
            }
            CallEvent::Ended(end) => {
                let kind = match (call.cut, call.answered, end) {
                    (Some(cut), _, _) => cut,
                    (None, true, CallEnd::RemoteHungUp(cause)) => outcome::answered_ended(true, cause),
                    (None, true, _) => outcome::answered_ended(false, None),
                    (None, false, CallEnd::Failed(code, _, cause)) => outcome::unanswered(code, cause, call.ending),
                    (None, false, _) => BridgeEventKind::HungUp(Cause::NORMAL_CLEARING),
                };
                self.finish(leg, kind);
                Vec::new()
            }
        }
    }

    /// A screened leg joins its room's mix; ignored for any other (not
    /// screened, not yet answered, ended or unknown).
    fn admit(&mut self, leg: LegId) {
        let Some(call) = self.legs.get_mut(&leg) else { return };
        if !std::mem::take(&mut call.screened) {
            return;
        }
        tracing::info!(%leg, "admitted");
        if let Some((room, _)) = self.rooms.get(&call.room) {
            room.send(RoomCommand::Admit(leg));
        }
    }

    /// Mutes or unmutes `leg`: at once in its room once it is answered,
    /// and remembered for when it joins if it is not yet. Unknown and
    /// ended legs are ignored.
    fn mute(&mut self, leg: LegId, muted: bool) {
        let Some(call) = self.legs.get_mut(&leg) else { return };
        call.muted = muted;
        if call.answered {
            if let Some((room, _)) = self.rooms.get(&call.room) {
                room.send(RoomCommand::Mute(leg, muted));
            }
        }
    }

    /// Puts an answered leg's media in its conference's room (started with
    /// the first).
    fn join(&mut self, room: String, media: MediaLeg) {
        let (silence, events) = (self.plan.silence_limit, self.room_events.clone());
        let (handle, members) = self.rooms.entry(room).or_insert_with(|| (Room::start(silence, events), 0));
        *members += 1;
        handle.send(RoomCommand::Join(Box::new(media)));
    }

    /// A leg that could not even be placed: its one final event.
    fn unplaced(&mut self, leg: LegId, kind: BridgeEventKind) {
        tracing::info!(%leg, ?kind, "leg not placed");
        self.in_use.locked().remove(&leg);
        self.emit(leg, kind);
    }

    /// Ends `leg` with its final event, once: a leg already ended (the
    /// bridge cut it before its call was over) is not reported again. An
    /// answered leg leaves its room first, and the event waits for the
    /// room's quality figure (sent just before it, [`BridgeEventKind::Quality`]).
    fn finish(&mut self, leg: LegId, kind: BridgeEventKind) {
        let Some(call) = self.legs.remove(&leg) else { return };
        tracing::info!(%leg, ?kind, "leg ended");
        if call.answered {
            if let Some((room, members)) = self.rooms.get_mut(&call.room) {
                // The room answers every Leave, even after this last
                // handle is dropped (a channel's messages outlive it).
                room.send(RoomCommand::Leave(leg));
                *members -= 1;
                if *members == 0 {
                    self.rooms.remove(&call.room);
                }
                self.leaving.insert(leg, kind);
                return;
            }
        }
        self.in_use.locked().remove(&leg);
        self.emit(leg, kind);
    }

    fn emit(&self, leg: LegId, kind: BridgeEventKind) {
        let _ = self.events.send(BridgeEvent { leg, kind });
    }
}
