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
//! The flows of PROTOCOL.md §4, as this service runs them:
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
//! Every leg that was dialled leaves a call record when it ends, if the
//! service was given a [`CallRecorder`].
//!
//! The service's own releases take effect at once and do not wait for the
//! bridge's confirming `HungUp(16)` (which then finds the leg already gone
//! and is ignored): the order promised to clients must not depend on a
//! driver's timing.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::{
    is_e164, Cause, ConferenceState, Fault, FaultKind, ParticipantState, Party,
};
use tokio::runtime::Handle;

use super::callbacks::{CallbackDispatcher, Reporter, RetryPolicy};
use super::record::{new_id, Conference, Leg};
use super::state::{ConfInput, ConfState, LegInput, LegState};
use super::billing::CallRecorder;
use crate::store::{Accounts, ConferenceRow};
use crate::bridge::{
    BridgeDriver, BridgeError, BridgeEvent, BridgeEventKind, EventReceiver, LegId, SimDelays, Simulator,
};

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
    /// The gateway's conference reporting web service (`POST /reporting`).
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
    /// Where the record of every finished call leg goes (`None`: nowhere).
    pub call_records: Option<Arc<dyn CallRecorder>>,
    /// Which billing accounts each user may use (`None`: only their own;
    /// PROTOCOL.md §8, checked by [`super::accounts`]).
    pub accounts: Option<Accounts>,
}

impl ConferenceConfig {
    /// A sensible limit for ad-hoc calls from an e-mail's recipient list.
    pub const DEFAULT_MAX_PARTICIPANTS: usize = 16;
    /// A person runs a call or two at once, not more.
    pub const DEFAULT_MAX_LIVE_PER_OWNER: usize = 5;
    /// Half an hour alone on a bridge is a forgotten call, not a meeting.
    pub const DEFAULT_INACTIVITY_TIMEOUT: Duration = Duration::from_secs(30 * 60);
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
    pub fn new(
        config: ConferenceConfig,
        driver: Arc<dyn BridgeDriver>,
        events: EventReceiver,
    ) -> Result<Arc<Self>, StartError> {
        let runtime = Handle::try_current().map_err(|_| StartError::NoRuntime)?;
        if config.token.is_empty() {
            return Err(StartError::EmptyToken);
        }
        if config.signing_key.is_empty() {
            return Err(StartError::EmptySigningKey);
        }
        match reqwest::Url::parse(&config.reporting_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return Err(StartError::ReportingUrl(config.reporting_url.clone())),
        }
        let reporter = CallbackDispatcher::new(
            config.reporting_url.clone(),
            config.signing_key.clone(),
            RetryPolicy::default(),
            runtime.clone(),
        )?;
        Ok(Self::start(config, driver, events, Arc::new(reporter), &runtime))
    }

    /// A service on the simulated telephone network of PROTOCOL.md §5 —
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

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Every critical section leaves the registry consistent before it can
        // panic, so a poisoned lock is still safe to use.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one operation of `urn:rollcall:bridge:1`. Refusals are
    /// [`BridgeResponse::Fault`]s and change nothing.
    pub fn handle(&self, request: BridgeRequest) -> BridgeResponse {
        let result = match request {
            BridgeRequest::CreateConference { owner, account, initiator, participants } => {
                self.create(owner, account, initiator, participants)
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
    ) -> Result<BridgeResponse, Fault> {
        if owner.trim().is_empty() {
            return Err(Fault::new(FaultKind::InvalidRequest, "the request names no owner"));
        }
        check_number(&initiator)?;
        participants.iter().try_for_each(check_number)?;
        if 1 + participants.len() > self.config.max_participants {
            return Err(full(self.config.max_participants));
        }
        let id = new_id("conf");
        let _span = tracing::info_span!("conference", id = %id).entered();
        let mut registry = self.registry();
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
        conf.legs.extend(participants.into_iter().map(|party| self.new_leg(party)));
        self.dial(on_bridge, &mut conf, 0).map_err(bridge_fault)?;
        let initiator_id = conf.legs[0].participant_id.clone();
        tracing::info!(owner = %conf.owner, account = %conf.account, legs = conf.legs.len(), "conference created");
        conferences.insert(id.clone(), conf);
        Ok(BridgeResponse::CreateConference { conference_id: id, initiator_id, state: ConferenceState::Creating })
    }

    fn invite(&self, owner: &str, conference_id: &str, party: Party) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let conf = owned(conferences, owner, conference_id)?;
        if conf.state.is_terminated() {
            return Err(Fault::new(FaultKind::NoSuchConference, format!("conference {conference_id} has ended")));
        }
        check_number(&party)?;
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
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let conf = owned(conferences, owner, conference_id)?;
        let Some(index) = conf.leg_index(participant_id) else {
            return Err(Fault::new(
                FaultKind::NoSuchParticipant,
                format!("conference {conference_id} has no participant {participant_id}"),
            ));
        };
        if index == 0 {
            if !conf.state.is_terminated() {
                self.terminate(on_bridge, conf, ConfInput::EndedByInitiator);
            }
        } else {
            self.release(on_bridge, conf, index);
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
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let conf = owned(conferences, owner, conference_id)?;
        if !conf.state.is_terminated() {
            self.terminate(on_bridge, conf, ConfInput::EndedByInitiator);
        }
        Ok(BridgeResponse::EndConference { conference_id: conference_id.to_string() })
    }

    fn info(&self, owner: &str, conference_id: &str) -> Result<BridgeResponse, Fault> {
        let mut registry = self.registry();
        let conf = owned(&mut registry.conferences, owner, conference_id)?;
        Ok(BridgeResponse::ConferenceInfo(conf.snapshot()))
    }

    /// The owner's conferences that are not terminated, oldest first.
    /// Conferences not terminated, and their legs by participant state.
    pub fn census(&self) -> (usize, std::collections::BTreeMap<&'static str, usize>) {
        let registry = self.registry();
        let mut legs = std::collections::BTreeMap::new();
        let mut live = 0;
        for conf in registry.conferences.values().filter(|c| !c.state.is_terminated()) {
            live += 1;
            for leg in &conf.legs {
                *legs.entry(leg.state.wire().0.as_str()).or_insert(0) += 1;
            }
        }
        (live, legs)
    }

    fn list(&self, owner: &str) -> BridgeResponse {
        let registry = self.registry();
        let mut mine: Vec<&Conference> = registry
            .conferences
            .values()
            .filter(|c| c.owner == owner && !c.state.is_terminated())
            .collect();
        mine.sort_by_key(|c| c.created);
        BridgeResponse::Conferences(mine.into_iter().map(Conference::snapshot).collect())
    }

    // ----------------------------------------------------------------------
    // Bridge events
    // ----------------------------------------------------------------------

    /// Applies one event from the bridge, and what follows from it when the
    /// leg is the initiator's.
    pub(crate) fn on_bridge_event(&self, event: BridgeEvent) {
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let Some((conference_id, index)) = on_bridge.get(&event.leg).cloned() else {
            tracing::debug!(leg = %event.leg, kind = ?event.kind, "event for a released or unknown leg; ignored");
            return;
        };
        if event.kind.is_final() {
            on_bridge.remove(&event.leg);
        }
        let Some(conf) = conferences.get_mut(&conference_id) else {
            on_bridge.remove(&event.leg);
            return;
        };
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        if let BridgeEventKind::Lost(cause) = event.kind {
            if !conf.state.is_terminated() {
                tracing::error!(leg = %event.leg, cause = cause.0, "the bridge failed under the conference");
                self.fail(on_bridge, conf, cause);
            }
            return;
        }
        if !self.step(conf, index, event.kind.into()) || index != 0 {
            return;
        }
        // `step_conf` changes state: it stays out of a match guard.
        #[allow(clippy::collapsible_match)]
        match (conf.state, conf.legs[0].state) {
            (ConfState::Creating, LegState::Connected) => {
                if self.step_conf(conf, ConfInput::InitiatorConnected) {
                    self.dial_waiting(on_bridge, conf);
                }
            }
            (ConfState::Creating, leg) if leg.is_final() => {
                self.terminate(on_bridge, conf, ConfInput::InitiatorUnreachable)
            }
            (ConfState::Active, LegState::Disconnected(_)) => {
                self.terminate(on_bridge, conf, ConfInput::InitiatorHungUp)
            }
            _ => {}
        }
    }

    /// Fault injection (`POST /admin/crash`): has the bridge fail under every
    /// live leg of conference `conference_id`, as if its mixer had crashed.
    /// Returns how many legs were failed. The bridge reports each of them
    /// `Lost`, and the first such report ends the conference (see the
    /// module documentation); the events follow asynchronously, like any
    /// bridge event.
    pub fn crash(&self, conference_id: &str) -> Result<usize, CrashError> {
        self.crash_if(conference_id, None)
    }

    /// [`crash`](Self::crash) for the conference's owner only (the phone
    /// panel's `POST /pstn/conferences/{id}/crash`): someone else's
    /// conference is [`CrashError::NoSuchConference`], exactly like one that
    /// does not exist, so the answer reveals nothing about it.
    pub fn crash_owned_by(&self, conference_id: &str, owner: &str) -> Result<usize, CrashError> {
        self.crash_if(conference_id, Some(owner))
    }

    /// [`crash`](Self::crash), limited to `owner`'s conference when given.
    fn crash_if(&self, conference_id: &str, owner: Option<&str>) -> Result<usize, CrashError> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let Some(conf) = conferences.get_mut(conference_id) else {
            return Err(CrashError::NoSuchConference(conference_id.to_string()));
        };
        if owner.is_some_and(|owner| owner != conf.owner) {
            tracing::warn!(?owner, "crash refused: not the owner");
            return Err(CrashError::NoSuchConference(conference_id.to_string()));
        }
        if conf.state.is_terminated() {
            return Err(CrashError::Terminated(conference_id.to_string()));
        }
        let legs: Vec<LegId> = conf.legs.iter().filter(|leg| leg.state.on_bridge()).map(|leg| leg.leg_id).collect();
        tracing::warn!(legs = legs.len(), "injecting a bridge failure");
        if legs.is_empty() {
            // Nothing on the bridge to fail (cannot happen while the
            // initiator's leg is live, which a live conference's always is),
            // so fail the conference directly rather than never.
            self.fail(on_bridge, conf, Cause::TEMPORARY_FAILURE);
        } else {
            self.driver.crash(&legs)?;
        }
        Ok(legs.len())
    }

    /// The inactivity timer of idle period `epoch` of `conference_id` ran
    /// out: end the conference if that period is still going on.
    fn inactivity_expired(&self, conference_id: &str, epoch: u64) {
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let Some(conf) = conferences.get_mut(conference_id) else { return };
        if !conf.still_idle_since(epoch) {
            return; // someone joined meanwhile, or it ended: a stale timer
        }
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        tracing::info!(timeout = ?self.config.inactivity_timeout, "conference idle too long; ending it");
        self.terminate(on_bridge, conf, ConfInput::Inactivity);
    }

    /// The bridge is gone (its event channel closed): no call can go on.
    fn bridge_lost(&self) {
        tracing::error!("the bridge driver stopped; ending every conference");
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let mut live: Vec<&mut Conference> =
            conferences.values_mut().filter(|c| !c.state.is_terminated()).collect();
        live.sort_by_key(|c| c.created);
        for conf in live {
            let _span = tracing::info_span!("conference", id = %conf.id).entered();
            self.fail(on_bridge, conf, NETWORK_OUT_OF_ORDER);
        }
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

    /// Writes `conf` as of its latest event through the journal (queued
    /// right after the event itself, so the two keep the same order).
    fn save(&self, conf: &Conference) {
        if let Some(journal) = &self.config.call_records {
            journal.conference(ConferenceRow {
                id: conf.id.clone(),
                owner: conf.owner.clone(),
                account: conf.account.clone(),
                created: conf.created,
                terminated: conf.state.is_terminated(),
                snapshot: BridgeResponse::ConferenceInfo(conf.snapshot()).encode(),
            });
        }
    }

    /// After a restart: takes back the conferences of `rows` (written by
    /// [`ConferenceService::save`] before). The simulated network's calls
    /// died with the process, so a conference that was running is ended
    /// as in the fatal-error flow — its live legs `disconnected` (cause 41),
    /// the initiator last, then `terminated` with `fatal-error` — with
    /// events continuing its sequence, so an owner who is connected is
    /// told, and one who is not finds out with `GetConference`. Ended
    /// conferences are taken back as they were, for `GetConference`. A row
    /// that cannot be read is logged and skipped. The number taken back.
    pub fn recover(&self, rows: Vec<ConferenceRow>) -> usize {
        let mut registry = self.registry();
        let Registry { conferences, on_bridge, created } = &mut *registry;
        let mut recovered = 0;
        for row in rows {
            let snapshot = match BridgeResponse::decode(&row.snapshot) {
                Ok(BridgeResponse::ConferenceInfo(snapshot)) => snapshot,
                _ => {
                    tracing::error!(conference = %row.id, "a stored conference cannot be read; skipped");
                    continue;
                }
            };
            if snapshot.participants.is_empty() {
                tracing::error!(conference = %row.id, "a stored conference has no legs; skipped");
                continue;
            }
            let mut conf = Conference::restored(row.id.clone(), row.owner, row.account, row.created, &snapshot, || {
                LegId(self.next_leg.fetch_add(1, Ordering::Relaxed))
            });
            *created = (*created).max(row.created);
            let _span = tracing::info_span!("conference", id = %conf.id).entered();
            if !conf.state.is_terminated() {
                tracing::warn!(owner = %conf.owner, "a conference that was running when the service stopped: ended (fatal-error)");
                // An event can reach the client before its state is saved,
                // so the stored sequence may be behind what the client saw.
                // Jumping ahead makes the client see a gap (and resync by
                // snapshot) rather than numbers it already has.
                conf.sequence += RECOVERY_SEQUENCE_GAP;
                self.fail(on_bridge, &mut conf, Cause::TEMPORARY_FAILURE);
            }
            conferences.insert(row.id, conf);
            recovered += 1;
            crate::metrics::global().conferences_recovered.inc();
        }
        recovered
    }

    /// Hands waiting leg `index` to the bridge and reports it `dialing`.
    fn dial(&self, on_bridge: &mut LegIndex, conf: &mut Conference, index: usize) -> Result<(), BridgeError> {
        let Some(leg) = conf.legs.get(index) else { return Ok(()) };
        self.driver.dial_from(leg.leg_id, &leg.party.phone, &conf.account)?;
        on_bridge.insert(leg.leg_id, (conf.id.clone(), index));
        self.step(conf, index, LegInput::Dial);
        Ok(())
    }

    /// Dials every waiting participant (the initiator has just answered).
    /// One the bridge refuses is reported `dialing`, then `failed`.
    fn dial_waiting(&self, on_bridge: &mut LegIndex, conf: &mut Conference) {
        for index in 1..conf.legs.len() {
            if conf.legs[index].state != LegState::Pending {
                continue;
            }
            if let Err(error) = self.dial(on_bridge, conf, index) {
                tracing::warn!(%error, participant = %conf.legs[index].participant_id, "bridge refused to dial");
                let cause = match error {
                    BridgeError::InvalidNumber(_) => Cause(28), // invalid number format
                    BridgeError::LegInUse(_) | BridgeError::Unavailable(_) | BridgeError::Unsupported(_) => {
                        Cause::TEMPORARY_FAILURE
                    }
                };
                self.step(conf, index, LegInput::Dial);
                self.step(conf, index, LegInput::Failed(cause));
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
    fn release(&self, on_bridge: &mut LegIndex, conf: &mut Conference, index: usize) {
        self.end_leg(on_bridge, conf, index, LegInput::Release);
    }

    /// Ends leg `index` with `input` (a release or a loss) if it is not
    /// over, hanging it up on the bridge if it is there.
    fn end_leg(&self, on_bridge: &mut LegIndex, conf: &mut Conference, index: usize, input: LegInput) {
        let Some(leg) = conf.legs.get(index) else { return };
        if leg.state.is_final() {
            return;
        }
        if leg.state.on_bridge() {
            on_bridge.remove(&leg.leg_id);
            self.driver.hang_up(leg.leg_id);
        }
        self.step(conf, index, input);
    }

    /// The fatal-error flow: every live leg `disconnected` with `cause`, the
    /// initiator last, then the conference `terminated` with `fatal-error`.
    fn fail(&self, on_bridge: &mut LegIndex, conf: &mut Conference, cause: Cause) {
        for index in (1..conf.legs.len()).chain([0]) {
            self.end_leg(on_bridge, conf, index, LegInput::Lost(cause));
        }
        self.step_conf(conf, ConfInput::FatalError);
    }

    /// Releases every participant, the initiator last, then terminates the
    /// conference with `input`'s reason.
    fn terminate(&self, on_bridge: &mut LegIndex, conf: &mut Conference, input: ConfInput) {
        for index in 1..conf.legs.len() {
            self.release(on_bridge, conf, index);
        }
        self.release(on_bridge, conf, 0);
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
fn owned<'a>(
    conferences: &'a mut HashMap<String, Conference>,
    owner: &str,
    id: &str,
) -> Result<&'a mut Conference, Fault> {
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

fn check_number(party: &Party) -> Result<(), Fault> {
    if is_e164(&party.phone) {
        Ok(())
    } else {
        Err(Fault::new(
            FaultKind::InvalidNumber,
            format!("`{}` is not an E.164 number (like +14255550100)", party.phone),
        ))
    }
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
mod tests {
    use super::*;
    use crate::bridge::simulator::{BUSY, HANGS_UP, NO_ANSWER, UNALLOCATED};
    use crate::bridge::{BridgeEventKind, EventSender};
    use crate::conference::testing::{summary, ChannelRecorder, ChannelReporter, ManualDriver, PATIENCE};
    use rollcall_shared::soap::bridge::Notification;
    use rollcall_shared::soap::{ConferenceSnapshot, TerminationReason};
    use tokio::sync::mpsc;

    const ADA: &str = "sip:ada@rollcall.local";
    const MALLORY: &str = "sip:mallory@rollcall.local";
    const INITIATOR: &str = "+14255550100";

    fn config(max_participants: usize) -> ConferenceConfig {
        ConferenceConfig {
            max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
            accounts: None,
            token: "token".into(),
            reporting_url: "http://127.0.0.1:9/reporting".into(),
            signing_key: b"key".to_vec(),
            max_participants,
            inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
            call_records: None,
        }
    }

    fn party(phone: &str) -> Party {
        Party { name: format!("Person {phone}"), phone: phone.into(), ..Party::default() }
    }

    /// A service on the simulator (human-speed delays on paused time) that
    /// reports to a channel.
    struct Sim {
        service: Arc<ConferenceService>,
        simulator: Simulator,
        events: mpsc::UnboundedReceiver<Notification>,
    }

    fn sim(max_participants: usize) -> Sim {
        sim_with(config(max_participants))
    }

    fn sim_with(config: ConferenceConfig) -> Sim {
        let (simulator, bridge_events) = Simulator::channel(SimDelays::default());
        let (reporter, events) = ChannelReporter::new();
        let service = ConferenceService::start(
            config,
            Arc::new(simulator.clone()),
            bridge_events,
            reporter,
            &Handle::current(),
        );
        Sim { service, simulator, events }
    }

    /// A service on a bridge the test drives by hand.
    struct Manual {
        service: Arc<ConferenceService>,
        driver: Arc<ManualDriver>,
        bridge: EventSender,
        reporter: Arc<ChannelReporter>,
        events: mpsc::UnboundedReceiver<Notification>,
    }

    fn manual() -> Manual {
        let driver = Arc::new(ManualDriver::default());
        let (bridge, bridge_events) = mpsc::unbounded_channel();
        let (reporter, events) = ChannelReporter::new();
        let service = ConferenceService::start(
            config(4),
            Arc::clone(&driver) as Arc<dyn BridgeDriver>,
            bridge_events,
            Arc::clone(&reporter) as Arc<dyn Reporter>,
            &Handle::current(),
        );
        Manual { service, driver, bridge, reporter, events }
    }

    impl Manual {
        /// Sends a bridge event and waits until the service has applied it.
        async fn bridge(&self, number: &str, kind: BridgeEventKind) {
            let leg = self.driver.leg_of(number);
            self.bridge.send(BridgeEvent { leg, kind }).expect("service listening");
            settle().await;
        }
    }

    /// Lets spawned tasks run until they are all idle.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    async fn next(events: &mut mpsc::UnboundedReceiver<Notification>) -> (String, String, Option<String>, u64) {
        let n = tokio::time::timeout(PATIENCE * 100, events.recv()).await.expect("an event").expect("open");
        assert!(matches!(&n, Notification::ParticipantStatus { owner, .. } | Notification::ConferenceStatus { owner, .. } if owner == ADA));
        summary(&n)
    }

    fn ev(who: &str, state: &str, detail: Option<&str>, seq: u64) -> (String, String, Option<String>, u64) {
        (who.to_string(), state.to_string(), detail.map(str::to_string), seq)
    }

    fn create(service: &ConferenceService, owner: &str, initiator: &str, others: &[&str]) -> BridgeResponse {
        service.handle(BridgeRequest::CreateConference {
            owner: owner.into(),
            account: "acct-1".into(),
            initiator: party(initiator),
            participants: others.iter().map(|p| party(p)).collect(),
        })
    }

    fn created(response: BridgeResponse) -> (String, String) {
        match response {
            BridgeResponse::CreateConference { conference_id, initiator_id, state } => {
                assert_eq!(state, ConferenceState::Creating);
                (conference_id, initiator_id)
            }
            other => panic!("expected a created conference, got {other:?}"),
        }
    }

    fn fault_kind(response: BridgeResponse) -> FaultKind {
        match response {
            BridgeResponse::Fault(fault) => fault.kind,
            other => panic!("expected a fault, got {other:?}"),
        }
    }

    fn info(service: &ConferenceService, owner: &str, id: &str) -> ConferenceSnapshot {
        match service.handle(BridgeRequest::GetConferenceInfo { owner: owner.into(), conference_id: id.into() }) {
            BridgeResponse::ConferenceInfo(snapshot) => snapshot,
            other => panic!("expected a snapshot, got {other:?}"),
        }
    }

    fn invite(service: &ConferenceService, owner: &str, id: &str, phone: &str) -> BridgeResponse {
        service.handle(BridgeRequest::InviteParticipant {
            owner: owner.into(),
            conference_id: id.into(),
            participant: party(phone),
        })
    }

    fn invited(response: BridgeResponse) -> String {
        match response {
            BridgeResponse::InviteParticipant { participant_id, state, .. } => {
                assert_eq!(state, ParticipantState::Dialing);
                participant_id
            }
            other => panic!("expected an invited participant, got {other:?}"),
        }
    }

    /// The create flow of PROTOCOL.md §4 on the simulator: exactly these
    /// events, in this order, numbered from 1.
    #[tokio::test(start_paused = true)]
    async fn create_dials_the_initiator_then_the_participants() {
        let mut s = sim(8);
        let (id, initiator) = created(create(&s.service, ADA, INITIATOR, &["+14255550101", BUSY]));
        assert!(id.starts_with("conf-") && initiator.starts_with("p-"), "{id} {initiator}");
        let i = initiator.as_str();
        assert_eq!(next(&mut s.events).await, ev(i, "dialing", None, 1));
        assert_eq!(next(&mut s.events).await, ev(i, "ringing", None, 2));
        assert_eq!(next(&mut s.events).await, ev(i, "connected", None, 3));
        assert_eq!(next(&mut s.events).await, ev("conference", "active", None, 4));

        let snap = info(&s.service, ADA, &id);
        let (alice, busy) = (snap.participants[1].participant_id.clone(), snap.participants[2].participant_id.clone());
        assert_eq!(next(&mut s.events).await, ev(&alice, "dialing", None, 5));
        assert_eq!(next(&mut s.events).await, ev(&busy, "dialing", None, 6));
        // Same delays: they ring together, then one answers as the other is busy.
        assert_eq!(next(&mut s.events).await, ev(&alice, "ringing", None, 7));
        assert_eq!(next(&mut s.events).await, ev(&busy, "ringing", None, 8));
        assert_eq!(next(&mut s.events).await, ev(&alice, "connected", None, 9));
        assert_eq!(next(&mut s.events).await, ev(&busy, "busy", Some("17"), 10));

        let snap = info(&s.service, ADA, &id);
        assert_eq!((snap.sequence, snap.state, snap.reason), (10, ConferenceState::Active, None));
        assert_eq!(snap.initiator.participant_id, initiator);
        let states: Vec<_> = snap.participants.iter().map(|p| (p.state, p.cause)).collect();
        assert_eq!(
            states,
            [
                (ParticipantState::Connected, None),
                (ParticipantState::Connected, None),
                (ParticipantState::Busy, Some(Cause(17))),
            ]
        );
        assert_eq!(s.simulator.live_legs(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn listed_participants_wait_for_the_initiator() {
        let mut s = sim(8);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &["+14255550101"]));
        next(&mut s.events).await; // initiator dialing
        assert_eq!(s.simulator.live_legs(), 1, "only the initiator is called");
        let snap = info(&s.service, ADA, &id);
        assert_eq!(snap.participants[1].state, ParticipantState::Dialing, "waiting shows as dialing");
    }

    #[tokio::test(start_paused = true)]
    async fn unreachable_initiator_terminates_without_a_reason() {
        for (number, state, cause) in [(BUSY, "busy", "17"), (NO_ANSWER, "no-answer", "19"), (UNALLOCATED, "failed", "1")] {
            let mut s = sim(8);
            let (id, i) = created(create(&s.service, ADA, number, &["+14255550101"]));
            let waiting = info(&s.service, ADA, &id).participants[1].participant_id.clone();
            assert_eq!(next(&mut s.events).await, ev(&i, "dialing", None, 1));
            let mut seq = 2;
            if number != UNALLOCATED {
                assert_eq!(next(&mut s.events).await, ev(&i, "ringing", None, 2));
                seq = 3;
            }
            assert_eq!(next(&mut s.events).await, ev(&i, state, Some(cause), seq));
            assert_eq!(next(&mut s.events).await, ev(&waiting, "disconnected", Some("16"), seq + 1));
            assert_eq!(next(&mut s.events).await, ev("conference", "terminated", None, seq + 2));
            assert_eq!(s.simulator.live_legs(), 0);
            assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Terminated);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn initiator_hanging_up_ends_the_conference() {
        let mut s = sim(8);
        let (_, i) = created(create(&s.service, ADA, HANGS_UP, &["+14255550101"]));
        for _ in 0..4 {
            next(&mut s.events).await; // initiator dialing, ringing, connected; active
        }
        let p = match next(&mut s.events).await {
            (p, state, None, 5) if state == "dialing" => p,
            other => panic!("{other:?}"),
        };
        assert_eq!(next(&mut s.events).await, ev(&p, "ringing", None, 6));
        assert_eq!(next(&mut s.events).await, ev(&p, "connected", None, 7));
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 8));
        assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("16"), 9));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("initiator-hung-up"), 10));
        settle().await;
        assert_eq!(s.simulator.live_legs(), 0, "the participant was hung up on the bridge");
    }

    #[tokio::test(start_paused = true)]
    async fn end_conference_disconnects_everyone_initiator_last() {
        let mut s = sim(8);
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &["+14255550101", "+14255550102"]));
        for seq in 1..=10 {
            assert_eq!(next(&mut s.events).await.3, seq); // all connected by then
        }
        let snap = info(&s.service, ADA, &id);
        let (a, b) = (snap.participants[1].participant_id.clone(), snap.participants[2].participant_id.clone());
        let ended = s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
        assert_eq!(ended, BridgeResponse::EndConference { conference_id: id.clone() });
        assert_eq!(next(&mut s.events).await, ev(&a, "disconnected", Some("16"), 11));
        assert_eq!(next(&mut s.events).await, ev(&b, "disconnected", Some("16"), 12));
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 13));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("ended-by-initiator"), 14));
        assert_eq!(s.simulator.live_legs(), 0);

        // Again: accepted, nothing happens. The bridge's confirmations were ignored.
        let again = s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
        assert_eq!(again, BridgeResponse::EndConference { conference_id: id.clone() });
        settle().await;
        assert!(s.events.try_recv().is_err());
        assert_eq!(info(&s.service, ADA, &id).sequence, 14);
        assert_eq!(s.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }), BridgeResponse::Conferences(vec![]));
        assert_eq!(fault_kind(invite(&s.service, ADA, &id, "+14255550103")), FaultKind::NoSuchConference);
    }

    #[tokio::test(start_paused = true)]
    async fn invite_and_remove_while_active() {
        let mut s = sim(8);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
        for _ in 0..4 {
            next(&mut s.events).await;
        }
        let p = invited(invite(&s.service, ADA, &id, "+14255550101"));
        assert_eq!(next(&mut s.events).await, ev(&p, "dialing", None, 5));
        assert_eq!(next(&mut s.events).await, ev(&p, "ringing", None, 6));
        assert_eq!(next(&mut s.events).await, ev(&p, "connected", None, 7));
        let removed = s.service.handle(BridgeRequest::DisconnectParticipant {
            owner: ADA.into(),
            conference_id: id.clone(),
            participant_id: p.clone(),
        });
        assert_eq!(removed, BridgeResponse::DisconnectParticipant { conference_id: id.clone(), participant_id: p.clone() });
        assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("16"), 8));
        assert_eq!(s.simulator.live_legs(), 1, "only the initiator is left on the bridge");
        // Removing again is harmless.
        s.service.handle(BridgeRequest::DisconnectParticipant {
            owner: ADA.into(),
            conference_id: id.clone(),
            participant_id: p,
        });
        settle().await;
        assert!(s.events.try_recv().is_err());
        assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Active);
    }

    #[tokio::test(start_paused = true)]
    async fn participant_hanging_up_leaves_the_conference_running() {
        let mut s = sim(8);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[HANGS_UP]));
        for _ in 0..7 {
            next(&mut s.events).await;
        }
        let (who, state, cause, seq) = next(&mut s.events).await;
        assert_eq!((state.as_str(), cause.as_deref(), seq), ("disconnected", Some("16"), 8));
        assert_ne!(who, info(&s.service, ADA, &id).initiator.participant_id);
        assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Active);
    }

    #[tokio::test(start_paused = true)]
    async fn invites_during_creation_wait_for_the_initiator() {
        let mut s = sim(8);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
        let p = invited(invite(&s.service, ADA, &id, "+14255550101"));
        assert_eq!(s.simulator.live_legs(), 1);
        let seen: Vec<_> = [next(&mut s.events).await, next(&mut s.events).await, next(&mut s.events).await, next(&mut s.events).await, next(&mut s.events).await]
            .into_iter()
            .map(|(who, state, _, _)| (who == p, state))
            .collect();
        assert_eq!(
            seen,
            [
                (false, "dialing".to_string()),
                (false, "ringing".to_string()),
                (false, "connected".to_string()),
                (false, "active".to_string()),
                (true, "dialing".to_string()),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn only_the_owner_may_see_or_change_a_conference() {
        let mut s = sim(8);
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
        for _ in 0..4 {
            next(&mut s.events).await;
        }
        let requests = [
            BridgeRequest::InviteParticipant { owner: MALLORY.into(), conference_id: id.clone(), participant: party("+14255550199") },
            BridgeRequest::DisconnectParticipant { owner: MALLORY.into(), conference_id: id.clone(), participant_id: i.clone() },
            BridgeRequest::EndConference { owner: MALLORY.into(), conference_id: id.clone() },
            BridgeRequest::GetConferenceInfo { owner: MALLORY.into(), conference_id: id.clone() },
        ];
        for request in requests {
            assert_eq!(fault_kind(s.service.handle(request.clone())), FaultKind::NotAuthorized, "{request:?}");
        }
        assert_eq!(s.service.handle(BridgeRequest::ListConferences { owner: MALLORY.into() }), BridgeResponse::Conferences(vec![]));
        settle().await;
        assert!(s.events.try_recv().is_err(), "nothing happened");
        let snap = info(&s.service, ADA, &id);
        assert_eq!((snap.sequence, snap.state, snap.participants.len()), (4, ConferenceState::Active, 1));
        assert_eq!(s.simulator.live_legs(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn invalid_numbers_create_nothing() {
        let mut s = sim(8);
        for (initiator, others) in [("4255550100", vec![]), ("+1 425 555 0100", vec![]), (INITIATOR, vec!["+0425"])] {
            let response = create(&s.service, ADA, initiator, &others);
            assert_eq!(fault_kind(response), FaultKind::InvalidNumber);
        }
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
        assert_eq!(fault_kind(invite(&s.service, ADA, &id, "call me")), FaultKind::InvalidNumber);
        assert_eq!(next(&mut s.events).await.3, 1, "only the valid conference reported");
        assert_eq!(info(&s.service, ADA, &id).participants.len(), 1);
        match s.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }) {
            BridgeResponse::Conferences(list) => assert_eq!(list.len(), 1),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_ids_and_missing_owner() {
        let s = sim(8);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
        assert_eq!(fault_kind(invite(&s.service, ADA, "conf-nope", "+14255550101")), FaultKind::NoSuchConference);
        let end = BridgeRequest::EndConference { owner: ADA.into(), conference_id: "conf-nope".into() };
        assert_eq!(fault_kind(s.service.handle(end)), FaultKind::NoSuchConference);
        let remove = BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id, participant_id: "p-nope".into() };
        assert_eq!(fault_kind(s.service.handle(remove)), FaultKind::NoSuchParticipant);
        assert_eq!(fault_kind(create(&s.service, " ", INITIATOR, &[])), FaultKind::InvalidRequest);
    }

    #[tokio::test(start_paused = true)]
    async fn conferences_have_a_participant_limit() {
        let mut s = sim(2);
        assert_eq!(fault_kind(create(&s.service, ADA, INITIATOR, &["+14255550101", "+14255550102"])), FaultKind::ConferenceFull);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[BUSY]));
        assert_eq!(fault_kind(invite(&s.service, ADA, &id, "+14255550102")), FaultKind::ConferenceFull);
        // Once the busy leg is over it no longer counts.
        for _ in 0..7 {
            next(&mut s.events).await; // initiator ×3, active, busy participant ×3
        }
        invited(invite(&s.service, ADA, &id, "+14255550102"));
    }

    #[tokio::test(start_paused = true)]
    async fn removing_the_initiator_ends_the_conference() {
        let mut s = sim(8);
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
        for _ in 0..4 {
            next(&mut s.events).await;
        }
        s.service.handle(BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id, participant_id: i.clone() });
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 5));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("ended-by-initiator"), 6));
    }

    #[tokio::test(start_paused = true)]
    async fn list_shows_the_owners_live_conferences_oldest_first() {
        let s = sim(8);
        let (first, _) = created(create(&s.service, ADA, INITIATOR, &[]));
        let (second, _) = created(create(&s.service, ADA, "+14255550101", &[]));
        created(create(&s.service, MALLORY, "+14255550102", &[]));
        let (gone, _) = created(create(&s.service, ADA, "+14255550103", &[]));
        s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: gone });
        match s.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }) {
            BridgeResponse::Conferences(list) => {
                let ids: Vec<_> = list.iter().map(|c| c.conference_id.clone()).collect();
                assert_eq!(ids, [first, second]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn terminated_conferences_are_forgotten_after_a_while() {
        let s = sim(8);
        let (id, _) = created(create(&s.service, ADA, INITIATOR, &[]));
        s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
        tokio::time::advance(TERMINATED_RETENTION / 2).await;
        created(create(&s.service, ADA, INITIATOR, &[]));
        assert_eq!(info(&s.service, ADA, &id).state, ConferenceState::Terminated);
        tokio::time::advance(TERMINATED_RETENTION).await;
        created(create(&s.service, ADA, INITIATOR, &[]));
        let get = BridgeRequest::GetConferenceInfo { owner: ADA.into(), conference_id: id };
        assert_eq!(fault_kind(s.service.handle(get)), FaultKind::NoSuchConference);
    }

    #[tokio::test]
    async fn late_and_duplicate_bridge_events_are_ignored() {
        let mut m = manual();
        let (id, i) = created(create(&m.service, ADA, INITIATOR, &[]));
        assert_eq!(next(&mut m.events).await, ev(&i, "dialing", None, 1));
        m.bridge(INITIATOR, BridgeEventKind::Ringing).await;
        m.bridge(INITIATOR, BridgeEventKind::Ringing).await; // duplicate alerting
        m.bridge(INITIATOR, BridgeEventKind::Answered).await;
        assert_eq!(next(&mut m.events).await, ev(&i, "ringing", None, 2));
        assert_eq!(next(&mut m.events).await, ev(&i, "connected", None, 3));
        assert_eq!(next(&mut m.events).await, ev("conference", "active", None, 4));
        m.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
        assert_eq!(next(&mut m.events).await, ev(&i, "disconnected", Some("16"), 5));
        assert_eq!(next(&mut m.events).await, ev("conference", "terminated", Some("ended-by-initiator"), 6));
        assert_eq!(*m.driver.hung_up.lock().expect("lock"), [m.driver.leg_of(INITIATOR)]);
        assert_eq!(*m.reporter.finished.lock().expect("lock"), std::slice::from_ref(&id));
        m.bridge(INITIATOR, BridgeEventKind::HungUp(Cause::NORMAL_CLEARING)).await; // the confirmation
        assert!(m.events.try_recv().is_err());
        assert_eq!(info(&m.service, ADA, &id).sequence, 6);
    }

    #[tokio::test]
    async fn a_refusing_bridge_is_a_receiver_fault_and_creates_nothing() {
        let mut m = manual();
        *m.driver.refuse.lock().expect("lock") = Some(BridgeError::Unavailable("down for maintenance".into()));
        match create(&m.service, ADA, INITIATOR, &[]) {
            BridgeResponse::Fault(fault) => {
                assert_eq!(fault.kind, FaultKind::BridgeUnavailable);
                assert_eq!(fault.code, rollcall_shared::soap::FaultCode::Receiver);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(m.service.handle(BridgeRequest::ListConferences { owner: ADA.into() }), BridgeResponse::Conferences(vec![]));
        settle().await;
        assert!(m.events.try_recv().is_err());
    }

    #[tokio::test]
    async fn participants_the_bridge_refuses_fail_with_a_cause() {
        let mut m = manual();
        let (_, _) = created(create(&m.service, ADA, INITIATOR, &["+14255550101"]));
        next(&mut m.events).await;
        *m.driver.refuse.lock().expect("lock") = Some(BridgeError::Unavailable("no circuits".into()));
        m.bridge(INITIATOR, BridgeEventKind::Answered).await;
        assert_eq!(next(&mut m.events).await.1, "connected");
        assert_eq!(next(&mut m.events).await.1, "active");
        let (p, state, _, _) = next(&mut m.events).await;
        assert_eq!(state, "dialing");
        assert_eq!(next(&mut m.events).await, ev(&p, "failed", Some("41"), 5));
    }

    #[tokio::test]
    async fn losing_the_bridge_ends_every_conference_with_fatal_error() {
        let mut m = manual();
        let (id, i) = created(create(&m.service, ADA, INITIATOR, &[]));
        next(&mut m.events).await;
        m.bridge(INITIATOR, BridgeEventKind::Answered).await;
        next(&mut m.events).await;
        next(&mut m.events).await;
        drop(m.bridge); // the driver's event channel closes
        assert_eq!(next(&mut m.events).await, ev(&i, "disconnected", Some("38"), 4));
        assert_eq!(next(&mut m.events).await, ev("conference", "terminated", Some("fatal-error"), 5));
        assert_eq!(info(&m.service, ADA, &id).reason, Some(TerminationReason::FatalError));
    }

    /// Fault injection: every live leg is lost with cause 41, the initiator
    /// last, then `fatal-error`; a pending leg goes too, and nothing after.
    #[tokio::test(start_paused = true)]
    async fn a_crash_disconnects_everyone_then_terminates_with_fatal_error() {
        let mut s = sim(8);
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &["+14255550101"]));
        for _ in 0..7 {
            next(&mut s.events).await; // initiator ×3, active, participant ×3
        }
        let p = info(&s.service, ADA, &id).participants[1].participant_id.clone();
        assert_eq!(s.service.crash(&id).expect("crash"), 2);
        assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("41"), 8));
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("41"), 9));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("fatal-error"), 10));
        settle().await;
        assert!(s.events.try_recv().is_err(), "the other Lost report is ignored");
        assert_eq!(s.simulator.live_legs(), 0);
        assert!(matches!(s.service.crash(&id), Err(CrashError::Terminated(_))));
        assert!(matches!(s.service.crash("conf-nope"), Err(CrashError::NoSuchConference(_))));
    }

    /// The owner's crash works; anyone else's is "no such conference" and
    /// changes nothing, even once the conference has ended.
    #[tokio::test(start_paused = true)]
    async fn only_the_owner_may_crash_through_crash_owned_by() {
        let mut s = sim(8);
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
        for _ in 0..4 {
            next(&mut s.events).await; // initiator ×3, active
        }
        assert!(matches!(s.service.crash_owned_by(&id, MALLORY), Err(CrashError::NoSuchConference(_))));
        settle().await;
        assert!(s.events.try_recv().is_err(), "nothing happened");
        assert!(matches!(s.service.crash_owned_by("conf-nope", ADA), Err(CrashError::NoSuchConference(_))));
        assert_eq!(s.service.crash_owned_by(&id, ADA).expect("crash"), 1);
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("41"), 5));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("fatal-error"), 6));
        assert!(matches!(s.service.crash_owned_by(&id, ADA), Err(CrashError::Terminated(_))));
        assert!(matches!(s.service.crash_owned_by(&id, MALLORY), Err(CrashError::NoSuchConference(_))));
    }

    #[tokio::test]
    async fn a_bridge_without_fault_injection_refuses_to_crash() {
        let mut m = manual();
        let (id, _) = created(create(&m.service, ADA, INITIATOR, &[]));
        next(&mut m.events).await;
        assert!(matches!(m.service.crash(&id), Err(CrashError::Bridge(BridgeError::Unsupported(_)))));
        settle().await;
        assert!(m.events.try_recv().is_err());
    }

    fn with_inactivity(timeout: Duration) -> ConferenceConfig {
        ConferenceConfig { inactivity_timeout: timeout, ..config(8) }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_initiator_is_ended_for_inactivity() {
        let mut s = sim_with(with_inactivity(Duration::from_secs(600)));
        let start = tokio::time::Instant::now();
        let (_, i) = created(create(&s.service, ADA, INITIATOR, &[]));
        for _ in 0..4 {
            next(&mut s.events).await;
        }
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 5));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("inactivity"), 6));
        assert_eq!(start.elapsed(), Duration::from_secs(600), "idle from creation");
        assert_eq!(s.simulator.live_legs(), 0);
    }

    /// A call between two people is never ended for inactivity; the clock
    /// starts again, from zero, when the last participant has gone.
    #[tokio::test(start_paused = true)]
    async fn inactivity_spares_live_calls_and_restarts_when_they_end() {
        let timeout = Duration::from_secs(600);
        let mut s = sim_with(with_inactivity(timeout));
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &[]));
        for _ in 0..4 {
            next(&mut s.events).await;
        }
        tokio::time::advance(timeout / 2).await;
        let p = invited(invite(&s.service, ADA, &id, "+14255550101"));
        for _ in 0..3 {
            next(&mut s.events).await; // dialing, ringing, connected
        }
        tokio::time::advance(timeout * 5).await;
        settle().await;
        assert!(s.events.try_recv().is_err(), "a live call goes on");
        let removed_at = tokio::time::Instant::now();
        s.service.handle(BridgeRequest::DisconnectParticipant { owner: ADA.into(), conference_id: id, participant_id: p.clone() });
        assert_eq!(next(&mut s.events).await, ev(&p, "disconnected", Some("16"), 8));
        assert_eq!(next(&mut s.events).await, ev(&i, "disconnected", Some("16"), 9));
        assert_eq!(next(&mut s.events).await, ev("conference", "terminated", Some("inactivity"), 10));
        assert_eq!(removed_at.elapsed(), timeout, "a full timeout after the last participant left");
    }

    #[tokio::test(start_paused = true)]
    async fn every_dialled_leg_leaves_a_call_record_when_it_ends() {
        let (recorder, mut records) = ChannelRecorder::new();
        let mut s = sim_with(ConferenceConfig { call_records: Some(recorder), ..config(8) });
        let (id, i) = created(create(&s.service, ADA, INITIATOR, &[BUSY, "+14255550101"]));
        for _ in 0..10 {
            next(&mut s.events).await; // initiator ×3, active, busy ×3, answering ×3
        }
        let busy = records.recv().await.expect("the busy leg's record");
        assert_eq!((busy.number.as_str(), busy.final_state.as_str(), busy.cause, busy.answered_at.is_none()), (BUSY, "busy", Some(17), true));
        s.service.handle(BridgeRequest::EndConference { owner: ADA.into(), conference_id: id.clone() });
        let answered = records.recv().await.expect("a record");
        let initiator = records.recv().await.expect("the initiator's record, last");
        assert_eq!((answered.number.as_str(), answered.final_state.as_str(), answered.cause), ("+14255550101", "disconnected", Some(16)));
        assert!(answered.answered_at.is_some());
        assert_eq!((initiator.participant_id.as_str(), initiator.account.as_str(), initiator.owner.as_str()), (i.as_str(), "acct-1", ADA));
        assert!([&busy, &answered, &initiator].iter().all(|r| r.conference_id == id));
        assert!(records.try_recv().is_err(), "one record per leg");
    }

    #[tokio::test]
    async fn new_checks_the_configuration() {
        let (sim, events) = Simulator::channel(SimDelays::fast());
        let mut bad = config(4);
        bad.reporting_url = "gateway:8080/reporting".into();
        let result = ConferenceService::new(bad, Arc::new(sim), events);
        assert!(matches!(result, Err(StartError::ReportingUrl(_))));
        let mut bad = config(4);
        bad.token.clear();
        assert!(matches!(ConferenceService::with_simulator(bad, SimDelays::fast()), Err(StartError::EmptyToken)));
        let mut bad = config(4);
        bad.signing_key.clear();
        assert!(matches!(ConferenceService::with_simulator(bad, SimDelays::fast()), Err(StartError::EmptySigningKey)));
        assert!(ConferenceService::with_simulator(config(4), SimDelays::fast()).is_ok());
        assert!(!format!("{:?}", config(4)).contains("token\""), "secrets are redacted");
    }

    #[test]
    fn new_outside_a_runtime_is_an_error() {
        assert!(matches!(
            ConferenceService::with_simulator(config(4), SimDelays::fast()),
            Err(StartError::NoRuntime)
        ));
    }
}
