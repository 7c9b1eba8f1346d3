//! The conference web service's logic (box 8 of the seed's Figure 1): the
//! operations of `urn:rollcall:bridge:1` on in-memory conferences, and the
//! reaction to what the bridge reports.
//!
//! One lock guards every conference. Operations and bridge events are short,
//! never wait for the network while holding it (bridge drivers and the
//! callback queues only enqueue), and taking each change and its event under
//! the same lock is what keeps every conference's `sequence` gap-free and its
//! events in order.
//!
//! The flows of docs/protocol.md §4, as this service runs them:
//!
//! - **create**: the initiator is dialled at once; the listed participants
//!   wait (state `dialing` in snapshots, no events) until the initiator
//!   answers, then are all dialled together. If the initiator does not
//!   answer (busy, no answer, failed), the waiting participants are
//!   `disconnected` without ever being called and the conference is
//!   `terminated` without a reason (see [`ConfState`]).
//! - **add**: while the conference is active the participant is dialled at
//!   once; while it is being created the participant waits like the listed
//!   ones.
//! - **remove**: the leg is released at once (`disconnected`, cause 16) and
//!   hung up on the bridge. Removing the initiator ends the conference.
//! - **initiator hangs up**: every other participant is released, then the
//!   conference is `terminated` with `initiator-hung-up`.
//! - **end**: every participant is released, the initiator last, then the
//!   conference is `terminated` with `ended-by-initiator`.
//! - **fatal error**: when the bridge fails under a leg
//!   ([`BridgeEventKind::Lost`], e.g. injected by [`ConferenceService::crash`])
//!   every live leg of that conference is `disconnected` with the failure's
//!   cause (41 temporary failure from the simulator), the initiator last,
//!   then the conference is `terminated` with `fatal-error`. When the bridge
//!   is lost altogether (its event channel closes) every live conference
//!   ends that way, with cause 38 (network out of order: it is not coming
//!   back).
//! - **inactivity**: a conference that stays idle ([`Conference::is_idle`]:
//!   nobody but the initiator on the call or being called) for
//!   [`ConferenceConfig::inactivity_timeout`] is ended: the initiator is
//!   `disconnected` (16), then the conference is `terminated` with
//!   `inactivity`. Any participant dialling, ringing or connected stops the
//!   clock; it restarts from zero when the last of them has gone.
//!
//! Running the call (docs/protocol.md §6, [`control`]):
//!
//! - **mute**: a muted leg is muted on the bridge as soon as it is there
//!   (and again on each next number); the change is a participant event.
//!   Mute all leaves the initiator alone.
//! - **lock**: a conference event; a locked conference refuses invites
//!   with Fault `c:ConferenceLocked`.
//! - **fallback numbers**: when a person's number ends busy, unanswered
//!   or failed and they gave another, that outcome is reported with
//!   `c:final` = false and the next number is dialled at once on a new
//!   bridge leg (the participant keeps its id; late events of the old leg
//!   are recognised by their leg id and ignored).
//! - **screening** (`c:confirm`): participants are placed with the
//!   announcement; one who answers is `confirming` until they press 1
//!   (admitted into the mix), press another key (hung up, 21), hang up
//!   (21) or let [`ConferenceConfig::confirm_timeout`] run out (hung up,
//!   `no-answer`, and the next number if any).
//!
//! Every leg that was dialled leaves a call record when it ends, if the
//! service was given a [`CallRecorder`]; every attempt at another number
//! is a leg of its own.
//!
//! The service's own releases take effect at once and do not wait for the
//! bridge's confirming `HungUp(16)` (which then finds the leg already gone
//! and is ignored): the order promised to clients must not depend on a
//! driver's timing.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::{is_e164, Cause, ConferenceState, Fault, FaultKind, ParticipantState, Party};
use rollcall_shared::sync::LockExt;
use tokio::runtime::Handle;

use super::billing::CallRecorder;
use super::callbacks::{CallbackDispatcher, Reporter, RetryPolicy};
use super::record::{new_id, Conference, Leg};
use super::state::{ConfInput, ConfState, LegInput, LegState};
use crate::bridge::{BridgeDriver, BridgeError, BridgeEvent, BridgeEventKind, Dial, EventReceiver, LegId, SimDelays, Simulator};
use crate::store::{Accounts, ConferenceRow};

mod bridge_events;
mod control;
mod dialing;
mod journal;

/// Q.850 cause 38, network out of order: the bridge is gone for good.
pub const NETWORK_OUT_OF_ORDER: Cause = Cause(38);

/// How long a terminated conference can still be read (`getConferenceInfo`)
/// before it is forgotten: long enough for a client that reconnects to learn
/// how it ended.
pub const TERMINATED_RETENTION: Duration = Duration::from_secs(10 * 60);

/// How far a recovered conference's sequence jumps ([`ConferenceService::recover`]):
/// more than the events that can be in flight ahead of their saved state.
pub const RECOVERY_SEQUENCE_GAP: u64 = 1000;

/// The conference web service's configuration.
#[derive(Clone)]
pub struct ConferenceConfig {
    /// Bearer token the gateway must present on `POST /conference`.
    pub token: String,
    /// The gateway's conference reporting web service (`POST /reporting`);
    /// several gateways' comma-separated, tried in turn
    /// ([`super::callbacks`]).
    pub reporting_url: String,
    /// Key of the HMAC-SHA256 signature on every callback, shared with the
    /// gateway.
    pub signing_key: Vec<u8>,
    /// Most legs a conference may have alive at once, the initiator included.
    pub max_participants: usize,
    /// Most conferences one owner may have that are not terminated; past
    /// it `createConference` is Fault `c:RateLimited`.
    pub max_live_per_owner: usize,
    /// How long a conference may stay idle — nobody but the initiator on the
    /// call or being called — before it is ended with `inactivity`. A policy
    /// of the service, not of the telephone network, so it lives here rather
    /// than in [`SimDelays`] and applies with any bridge driver.
    pub inactivity_timeout: Duration,
    /// How long a screened participant (`c:confirm`) has to press 1 before
    /// their call ends `no-answer` (docs/protocol.md §6).
    pub confirm_timeout: Duration,
    /// Where the record of every finished call leg goes (`None`: nowhere).
    pub call_records: Option<Arc<dyn CallRecorder>>,
    /// Which billing accounts each user may use (`None`: only their own;
    /// docs/protocol.md §8, checked by [`super::accounts`]).
    pub accounts: Option<Accounts>,
}

impl ConferenceConfig {
    /// A sensible limit for ad-hoc calls from an e-mail's recipient list.
    pub const DEFAULT_MAX_PARTICIPANTS: usize = 16;
    /// A person runs a call or two at once, not more.
    pub const DEFAULT_MAX_LIVE_PER_OWNER: usize = 5;
    /// Half an hour alone on a bridge is a forgotten call, not a meeting.
    pub const DEFAULT_INACTIVITY_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// Long enough to hear the announcement out and find the key.
    pub const DEFAULT_CONFIRM_TIMEOUT: Duration = Duration::from_secs(15);
    /// Most other numbers one person may list (`c:alternatives`).
    pub const MAX_ALTERNATIVES: usize = 4;
    /// Longest `c:subject`, in characters: an e-mail subject, not a letter.
    pub const MAX_SUBJECT_CHARS: usize = 200;
    /// Longest name of a person to call, in characters.
    pub const MAX_NAME_CHARS: usize = 100;
    /// A conference keeps every leg it ever dialled (for snapshots and
    /// event documents); it may have dialled at most this many times its
    /// participant limit.
    pub const MAX_LEGS_PER_PARTICIPANT_SLOT: usize = 4;
}

/// Secrets stay out of logs.
impl fmt::Debug for ConferenceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConferenceConfig")
            .field("token", &"<redacted>")
            .field("reporting_url", &self.reporting_url)
            .field("signing_key", &"<redacted>")
            .field("max_participants", &self.max_participants)
            .field("inactivity_timeout", &self.inactivity_timeout)
            .field("confirm_timeout", &self.confirm_timeout)
            .field("call_records", &self.call_records.is_some())
            .finish()
    }
}

/// Why the service could not start. All of them are configuration mistakes
/// better reported at start-up than discovered on the first call.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the conference service must be started inside a Tokio runtime")]
    NoRuntime,
    #[error("the conference service token is empty: anyone could create conferences")]
    EmptyToken,
    #[error("the callback signing key is empty: callbacks could be forged")]
    EmptySigningKey,
    #[error("the reporting URL `{0}` is not an http(s) URL")]
    ReportingUrl(String),
    #[error("cannot build the HTTP client for callbacks: {0:#}")]
    HttpClient(#[from] anyhow::Error),
}

/// The conference web service. Build it with [`ConferenceService::new`] or
/// [`ConferenceService::with_simulator`], serve it with
/// [`super::router`].
pub struct ConferenceService {
    config: ConferenceConfig,
    driver: Arc<dyn BridgeDriver>,
    reporter: Arc<dyn Reporter>,
    /// Every critical section leaves the registry consistent before it can
    /// panic, so a poisoned lock is still safe to use.
    registry: Mutex<Registry>,
    next_leg: AtomicU64,
    /// The service itself, for the inactivity timers it spawns (weak, so a
    /// pending timer does not keep a dropped service alive).
    me: Weak<ConferenceService>,
    runtime: Handle,
}

/// Why [`ConferenceService::crash`] (or [`ConferenceService::crash_owned_by`])
/// could not inject a bridge failure.
#[derive(Debug, thiserror::Error)]
pub enum CrashError {
    #[error("no conference {0}")]
    NoSuchConference(String),
    #[error("conference {0} has already ended")]
    Terminated(String),
    #[error(transparent)]
    Bridge(#[from] BridgeError),
}

/// Everything behind the service's lock.
#[derive(Default)]
struct Registry {
    conferences: HashMap<String, Conference>,
    /// Which conference, and which of its legs, each leg on the bridge is.
    /// A leg leaves when it ends or is released, so late bridge events for
    /// it are recognised as such and ignored.
    on_bridge: LegIndex,
    /// Conferences created so far (creation order for listings).
    created: u64,
}

type LegIndex = HashMap<LegId, (String, usize)>;

impl ConferenceService {
    /// A service driving `driver`, whose events arrive on `events`, and
    /// posting its callbacks to `config.reporting_url`.
    ///
    /// Must be called inside a Tokio runtime: it spawns the task that reads
    /// the bridge's events, and the callback queues run there too.
    pub fn new(config: ConferenceConfig, driver: Arc<dyn BridgeDriver>, events: EventReceiver) -> Result<Arc<Self>, StartError> {
        let runtime = Handle::try_current().map_err(|_| StartError::NoRuntime)?;
        if config.token.is_empty() {
            return Err(StartError::EmptyToken);
        }
        if config.signing_key.is_empty() {
            return Err(StartError::EmptySigningKey);
        }
        let urls = super::callbacks::reporting_urls(&config.reporting_url);
        for url in urls.iter().chain(urls.is_empty().then_some(&config.reporting_url)) {
            match reqwest::Url::parse(url) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
                _ => return Err(StartError::ReportingUrl(url.clone())),
            }
        }
        let reporter = CallbackDispatcher::new(
            config.reporting_url.clone(),
            config.signing_key.clone(),
            RetryPolicy::default(),
            runtime.clone(),
        )?;
        Ok(Self::start(config, driver, events, Arc::new(reporter), &runtime))
    }

    /// A service on the simulated telephone network of docs/protocol.md §5 —
    /// what `rollcall serve` runs by default.
    pub fn with_simulator(config: ConferenceConfig, delays: SimDelays) -> Result<Arc<Self>, StartError> {
        let (simulator, events) = Simulator::channel(delays);
        Self::new(config, Arc::new(simulator), events)
    }

    /// The service with any [`Reporter`], and its bridge event task started.
    pub(crate) fn start(
        config: ConferenceConfig,
        driver: Arc<dyn BridgeDriver>,
        events: EventReceiver,
        reporter: Arc<dyn Reporter>,
        runtime: &Handle,
    ) -> Arc<Self> {
        let service = Arc::new_cyclic(|me| ConferenceService {
            config,
            driver,
            reporter,
            registry: Mutex::new(Registry::default()),
            next_leg: AtomicU64::new(1),
            me: me.clone(),
            runtime: runtime.clone(),
        });
        runtime.spawn(pump_bridge_events(Arc::downgrade(&service), events));
        service
    }

    pub fn config(&self) -> &ConferenceConfig {
        &self.config
    }

    /// Runs one operation of `urn:rollcall:bridge:1`. Refusals are
    /// [`BridgeResponse::Fault`]s and change nothing.
    pub fn handle(&self, request: BridgeRequest) -> BridgeResponse {
        let result = match request {
            BridgeRequest::CreateConference { owner, account, initiator, participants, subject, confirm } => {
                self.create(owner, account, initiator, participants, subject, confirm)
            }
            BridgeRequest::InviteParticipant { owner, conference_id, participant } => {
                self.invite(&owner, &conference_id, participant)
            }
            BridgeRequest::DisconnectParticipant { owner, conference_id, participant_id } => {
                self.disconnect(&owner, &conference_id, &participant_id)
            }
            BridgeRequest::EndConference { owner, conference_id } => self.end(&owner, &conference_id),
            BridgeRequest::GetConferenceInfo { owner, conference_id } => self.info(&owner, &conference_id),
            BridgeRequest::ListConferences { owner } => Ok(self.list(&owner)),
            BridgeRequest::MuteParticipant { owner, conference_id, participant_id, muted } => {
                self.mute(&owner, &conference_id, &participant_id, muted)
            }
            BridgeRequest::MuteAll { owner, conference_id, muted } => self.mute_all(&owner, &conference_id, muted),
            BridgeRequest::LockConference { owner, conference_id, locked } => self.lock(&owner, &conference_id, locked),
        };
        result.unwrap_or_else(|fault| {
            tracing::info!(%fault, "request refused");
            BridgeResponse::Fault(fault)
        })
    }

    // ----------------------------------------------------------------------
    // Operations
    // ----------------------------------------------------------------------

    fn create(
        &self,
        owner: String,
        account: String,
        initiator: Party,
        participants: Vec<Party>,
        subject: Option<String>,
        confirm: bool,
    ) -> Result<BridgeResponse, Fault> {
        if owner.trim().is_empty() {
            return Err(Fault::new(FaultKind::InvalidRequest, "the request names no owner"));
        }
        check_numbers(&initiator)?;
        participants.iter().try_for_each(check_numbers)?;
        let subject = subject.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if subject.as_ref().is_some_and(|s| s.chars().count() > ConferenceConfig::MAX_SUBJECT_CHARS) {
            return Err(Fault::new(
                FaultKind::InvalidRequest,
                format!("the subject is longer than {} characters", ConferenceConfig::MAX_SUBJECT_CHARS),
            ));
        }
        if 1 + participants.len() > self.config.max_participants {
            return Err(full(self.config.max_participants));
        }
        let id = new_id("conf");
        let _span = tracing::info_span!("conference", id = %id).entered();
        let mut registry = self.registry.locked();
        let Registry { conferences, on_bridge, created } = &mut *registry;
        forget_old(conferences);
        let live = conferences.values().filter(|c| c.owner == owner && !c.state.is_terminated()).count();
        if live >= self.config.max_live_per_owner {
            return Err(Fault::new(
                FaultKind::RateLimited,
                format!("you have {live} conferences going, the most one person may; end one first"),
            ));
        }
        *created += 1;
        let mut conf = Conference::new(id.clone(), owner, account, self.new_leg(initiator), *created);
        conf.subject = subject;
        conf.confirm = confirm;
        conf.legs.extend(participants.into_iter().map(|party| self.new_leg(party)));
        self.dial(on_bridge, &mut conf, 0).map_err(bridge_fault)?;
        let initiator_id = conf.legs[0].participant_id.clone();
        tracing::info!(owner = %conf.owner, account = %conf.account, legs = conf.legs.len(), "conference created");
        conferences.insert(id.clone(), conf);
        Ok(BridgeResponse::CreateConference { conference_id: id, initiator_id, state: ConferenceState::Creating })
    }

    fn invite(&self, owner: &str, conference_id: &str, party: Party) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let conf = owned(conferences, owner, conference_id)?;
        live(conf)?;
        if conf.locked {
            return Err(Fault::new(
                FaultKind::ConferenceLocked,
                format!("conference {conference_id} is locked: unlock it to add people"),
            ));
        }
        check_numbers(&party)?;
        let ever = self.config.max_participants * ConferenceConfig::MAX_LEGS_PER_PARTICIPANT_SLOT;
        if conf.legs.len() >= ever {
            return Err(Fault::new(
                FaultKind::ConferenceFull,
                format!("this conference has called {ever} times already; start a new one"),
            ));
        }
        if conf.live_legs() >= self.config.max_participants {
            return Err(full(self.config.max_participants));
        }
        let index = conf.legs.len();
        conf.legs.push(self.new_leg(party));
        if conf.state == ConfState::Active {
            if let Err(error) = self.dial(on_bridge, conf, index) {
                conf.legs.pop(); // never reported: as if it had not been asked
                return Err(bridge_fault(error));
            }
        }
        self.watch_idle(conf); // a participant waiting for the initiator counts too
        if conf.state != ConfState::Active {
            self.save(conf); // waiting, with no event of its own yet
        }
        let participant_id = conf.legs[index].participant_id.clone();
        tracing::info!(participant = %participant_id, "participant invited");
        Ok(BridgeResponse::InviteParticipant {
            conference_id: conference_id.to_string(),
            participant_id,
            state: ParticipantState::Dialing,
        })
    }

    /// Disconnecting the initiator ends the conference (`ended-by-initiator`):
    /// a conference cannot go on without the person it belongs to.
    /// Disconnecting a participant whose leg is already over succeeds and
    /// changes nothing.
    fn disconnect(&self, owner: &str, conference_id: &str, participant_id: &str) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let Registry { conferences, .. } = &mut *registry;
        let conf = owned(conferences, owner, conference_id)?;
        let Some(index) = conf.leg_index(participant_id) else {
            return Err(Fault::new(
                FaultKind::NoSuchParticipant,
                format!("conference {conference_id} has no participant {participant_id}"),
            ));
        };
        if index == 0 {
            if !conf.state.is_terminated() {
                self.terminate(conf, ConfInput::EndedByInitiator);
            }
        } else {
            self.release(conf, index);
        }
        Ok(BridgeResponse::DisconnectParticipant {
            conference_id: conference_id.to_string(),
            participant_id: participant_id.to_string(),
        })
    }

    /// Ending a conference that has already ended succeeds and changes
    /// nothing, so a retried request is harmless.
    fn end(&self, owner: &str, conference_id: &str) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let Registry { conferences, .. } = &mut *registry;
        let conf = owned(conferences, owner, conference_id)?;
        if !conf.state.is_terminated() {
            self.terminate(conf, ConfInput::EndedByInitiator);
        }
        Ok(BridgeResponse::EndConference { conference_id: conference_id.to_string() })
    }

    fn info(&self, owner: &str, conference_id: &str) -> Result<BridgeResponse, Fault> {
        let mut registry = self.registry.locked();
        let conf = owned(&mut registry.conferences, owner, conference_id)?;
        Ok(BridgeResponse::ConferenceInfo(conf.snapshot()))
    }

    /// The owner's conferences that are not terminated, oldest first.
    fn list(&self, owner: &str) -> BridgeResponse {
        let registry = self.registry.locked();
        let mut mine: Vec<&Conference> =
            registry.conferences.values().filter(|c| c.owner == owner && !c.state.is_terminated()).collect();
        mine.sort_by_key(|c| c.created);
        BridgeResponse::Conferences(mine.into_iter().map(Conference::snapshot).collect())
    }

    // ----------------------------------------------------------------------
    // Building blocks (all called with the lock held)
    // ----------------------------------------------------------------------

    fn new_leg(&self, party: Party) -> Leg {
        Leg::new(new_id("p"), LegId(self.next_leg.fetch_add(1, Ordering::Relaxed)), party)
    }

    /// Feeds `input` to leg `index` and reports the change; a leg that has
    /// ended leaves its call record. Refused inputs (late or duplicate
    /// bridge events) are logged and ignored.
    fn step(&self, conf: &mut Conference, index: usize, input: LegInput) -> bool {
        let input_kind = if matches!(input, LegInput::Dial) { InputKind::Dial } else { InputKind::Other };
        match conf.apply_leg(index, input) {
            Ok(notification) => {
                self.reporter.report(&conf.id, notification);
                self.save(conf);
                if let Some(recorder) = &self.config.call_records {
                    if matches!(input_kind, InputKind::Dial) {
                        if let Some(record) = conf.dial_record(index) {
                            recorder.dialled(record);
                        }
                    } else if let Some(record) = conf.call_record(index) {
                        recorder.record(record);
                    }
                }
                self.watch_idle(conf);
                true
            }
            Err(error) => {
                tracing::debug!(%error, "ignored");
                false
            }
        }
    }

    /// Feeds `input` to the conference and reports the change.
    fn step_conf(&self, conf: &mut Conference, input: ConfInput) -> bool {
        match conf.apply_conf(input) {
            Ok(notification) => {
                self.reporter.report(&conf.id, notification);
                self.save(conf);
                if conf.state.is_terminated() {
                    tracing::info!(state = ?conf.state, "conference terminated");
                    self.reporter.conference_over(&conf.id);
                }
                self.watch_idle(conf);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "ignored");
                false
            }
        }
    }

    /// Starts the inactivity clock when the conference has just become
    /// idle, and stops it (by making its timer stale) when it no longer is.
    fn watch_idle(&self, conf: &mut Conference) {
        let Some(epoch) = conf.update_idle() else { return };
        let (service, id, timeout) = (self.me.clone(), conf.id.clone(), self.config.inactivity_timeout);
        self.runtime.spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(service) = service.upgrade() {
                service.inactivity_expired(&id, epoch);
            }
        });
    }

    /// Releases leg `index` if it is not over: hang it up on the bridge
    /// and report it `disconnected` (cause 16) at once.
    fn release(&self, conf: &mut Conference, index: usize) {
        self.end_leg(conf, index, LegInput::Release);
    }

    /// Ends leg `index` with `input` (a release or a loss) if it is not
    /// over, hanging it up on the bridge if it is there.
    fn end_leg(&self, conf: &mut Conference, index: usize, input: LegInput) {
        let Some(leg) = conf.legs.get(index) else { return };
        if leg.state.is_final() {
            return;
        }
        if leg.state.on_bridge() {
            // Still in `on_bridge` until the bridge confirms (its final
            // event): a quality report may come first.
            self.driver.hang_up(leg.leg_id);
        }
        self.step(conf, index, input);
    }

    /// The fatal-error flow: every live leg `disconnected` with `cause`, the
    /// initiator last, then the conference `terminated` with `fatal-error`.
    fn fail(&self, conf: &mut Conference, cause: Cause) {
        for index in (1..conf.legs.len()).chain([0]) {
            self.end_leg(conf, index, LegInput::Lost(cause));
        }
        self.step_conf(conf, ConfInput::FatalError);
    }

    /// Releases every participant, the initiator last, then terminates the
    /// conference with `input`'s reason.
    fn terminate(&self, conf: &mut Conference, input: ConfInput) {
        for index in 1..conf.legs.len() {
            self.release(conf, index);
        }
        self.release(conf, 0);
        self.step_conf(conf, input);
    }
}

/// Feeds the bridge's events to the service until either goes away. It
/// holds the service weakly, so dropping the service ends it (and the driver
/// with its channel).
async fn pump_bridge_events(service: Weak<ConferenceService>, mut events: EventReceiver) {
    while let Some(event) = events.recv().await {
        let Some(service) = service.upgrade() else { return };
        service.on_bridge_event(event);
    }
    if let Some(service) = service.upgrade() {
        service.bridge_lost();
    }
}

/// The conference `id`, if it exists and belongs to `owner`.
fn owned<'a>(conferences: &'a mut HashMap<String, Conference>, owner: &str, id: &str) -> Result<&'a mut Conference, Fault> {
    let Some(conf) = conferences.get_mut(id) else {
        return Err(Fault::new(FaultKind::NoSuchConference, format!("no conference {id}")));
    };
    if conf.owner != owner {
        tracing::warn!(conference = %id, %owner, "not the owner");
        return Err(Fault::new(FaultKind::NotAuthorized, "only the initiator may see or change a conference"));
    }
    Ok(conf)
}

/// Forgets conferences terminated longer ago than [`TERMINATED_RETENTION`].
/// Whether a leg input starts a call (and so its call record).
enum InputKind {
    Dial,
    Other,
}

fn forget_old(conferences: &mut HashMap<String, Conference>) {
    conferences.retain(|_, c| c.ended_at.is_none_or(|ended| ended.elapsed() < TERMINATED_RETENTION));
}

/// Every number of `party` is E.164, there are not too many, and the name
/// is of a sensible length.
fn check_numbers(party: &Party) -> Result<(), Fault> {
    if party.name.chars().count() > ConferenceConfig::MAX_NAME_CHARS {
        return Err(Fault::new(
            FaultKind::InvalidRequest,
            format!("a name is at most {} characters", ConferenceConfig::MAX_NAME_CHARS),
        ));
    }
    if party.alternatives.len() > ConferenceConfig::MAX_ALTERNATIVES {
        return Err(Fault::new(
            FaultKind::InvalidRequest,
            format!("a person may have at most {} other numbers", ConferenceConfig::MAX_ALTERNATIVES),
        ));
    }
    let numbers = std::iter::once(&party.phone).chain(party.alternatives.iter().map(|a| &a.phone));
    for phone in numbers {
        if !is_e164(phone) {
            return Err(Fault::new(FaultKind::InvalidNumber, format!("`{phone}` is not an E.164 number (like +14255550100)")));
        }
    }
    Ok(())
}

/// A conference that has ended can no longer be changed.
fn live(conf: &Conference) -> Result<(), Fault> {
    if conf.state.is_terminated() {
        return Err(Fault::new(FaultKind::NoSuchConference, format!("conference {} has ended", conf.id)));
    }
    Ok(())
}

fn full(max: usize) -> Fault {
    Fault::new(FaultKind::ConferenceFull, format!("a conference has at most {max} participants"))
}

fn bridge_fault(error: BridgeError) -> Fault {
    match error {
        BridgeError::InvalidNumber(_) => Fault::new(FaultKind::InvalidNumber, error.to_string()),
        BridgeError::LegInUse(_) | BridgeError::Unavailable(_) | BridgeError::Unsupported(_) => {
            Fault::new(FaultKind::BridgeUnavailable, error.to_string())
        }
    }
}

#[cfg(test)]
mod tests;
