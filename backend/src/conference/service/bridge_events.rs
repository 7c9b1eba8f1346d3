//! How the conference service reacts to its bridge: call progress, a
//! bridge that fails under a conference (and the operator's fault
//! injection), inactivity, and a driver that goes away.

use super::*;

impl ConferenceService {
    /// Applies one event from the bridge, and what follows from it when the
    /// leg is the initiator's.
    pub(crate) fn on_bridge_event(&self, event: BridgeEvent) {
        let mut registry = self.registry.locked();
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
        if let BridgeEventKind::Quality(quality) = event.kind {
            match (&self.config.call_records, conf.legs.get(index)) {
                // The quality of an earlier attempt (a screened call that
                // timed out, the next number already dialled) would land on
                // the record of the attempt now under way: left out.
                (_, Some(leg)) if leg.leg_id != event.leg => {
                    tracing::debug!(leg = %event.leg, "quality of an earlier attempt; not recorded")
                }
                (Some(recorder), Some(leg)) => recorder.quality(&conf.id, &leg.participant_id, quality),
                _ => {}
            }
            return;
        }
        // A leg the service released (disconnected at once, docs/protocol.md
        // §4) stays known until the bridge's final event, for its quality
        // report; what the bridge says of it changes nothing. Nor does what
        // it says of an earlier attempt of a participant now on another
        // number.
        if conf.legs.get(index).is_none_or(|leg| leg.state.is_final() || leg.leg_id != event.leg) {
            return;
        }
        let input = match event.kind {
            BridgeEventKind::Lost(cause) => {
                if !conf.state.is_terminated() {
                    tracing::error!(leg = %event.leg, cause = cause.0, "the bridge failed under the conference");
                    self.fail(conf, cause);
                }
                return;
            }
            BridgeEventKind::Digit(key) => return self.on_key(conf, index, key),
            BridgeEventKind::Answered if conf.confirm && index != 0 => LegInput::Screened,
            kind => match LegInput::from_bridge(kind) {
                Some(input) => input,
                None => return,
            },
        };
        if !self.step(conf, index, input) {
            return;
        }
        match conf.legs[index].state {
            LegState::Confirming => self.await_confirmation(conf, index),
            state if state.unreached() => {
                self.try_next_number(on_bridge, conf, index);
            }
            _ => {}
        }
        if index != 0 {
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
            (ConfState::Creating, leg) if leg.is_final() => self.terminate(conf, ConfInput::InitiatorUnreachable),
            (ConfState::Active, LegState::Disconnected(_)) => self.terminate(conf, ConfInput::InitiatorHungUp),
            _ => {}
        }
    }

    /// A key pressed on leg `index`: `1` from a screened party lets them in,
    /// any other key turns the call down (cause 21). Keys pressed on a call
    /// that is not being screened mean nothing to the conference.
    fn on_key(&self, conf: &mut Conference, index: usize, key: char) {
        if conf.legs[index].state != LegState::Confirming {
            tracing::debug!(key = %key, "a key pressed outside screening; ignored");
            return;
        }
        if key == '1' {
            let leg = conf.legs[index].leg_id;
            if self.step(conf, index, LegInput::Confirmed) {
                self.driver.admit(leg);
            }
        } else {
            tracing::info!(key = %key, participant = %conf.legs[index].participant_id, "declined the call");
            self.end_leg(conf, index, LegInput::Declined);
        }
    }

    /// Leg `index` is hearing the announcement: ends it `no-answer` unless
    /// the party presses a key within [`ConferenceConfig::confirm_timeout`].
    fn await_confirmation(&self, conf: &Conference, index: usize) {
        let (service, id, leg, timeout) =
            (self.me.clone(), conf.id.clone(), conf.legs[index].leg_id, self.config.confirm_timeout);
        self.runtime.spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(service) = service.upgrade() {
                service.confirmation_expired(&id, index, leg);
            }
        });
    }

    /// The confirmation time of `leg` (leg `index` of `conference_id`) ran
    /// out: if that call is still being screened, it ends `no-answer` (19),
    /// like a phone nobody picks up — so an answering machine never joins —
    /// and the person's next number, if any, is tried.
    pub(super) fn confirmation_expired(&self, conference_id: &str, index: usize, leg: LegId) {
        let mut registry = self.registry.locked();
        let Registry { conferences, on_bridge, .. } = &mut *registry;
        let Some(conf) = conferences.get_mut(conference_id) else { return };
        let Some(current) = conf.legs.get(index) else { return };
        if current.leg_id != leg || current.state != LegState::Confirming {
            return; // confirmed, declined or gone meanwhile: a stale timer
        }
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        tracing::info!(participant = %current.participant_id, "no key pressed in time");
        self.end_leg(conf, index, LegInput::NoAnswer);
        self.try_next_number(on_bridge, conf, index);
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
    pub(super) fn crash_if(&self, conference_id: &str, owner: Option<&str>) -> Result<usize, CrashError> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let Registry { conferences, .. } = &mut *registry;
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
            self.fail(conf, Cause::TEMPORARY_FAILURE);
        } else {
            self.driver.crash(&legs)?;
        }
        Ok(legs.len())
    }

    /// The inactivity timer of idle period `epoch` of `conference_id` ran
    /// out: end the conference if that period is still going on.
    pub(super) fn inactivity_expired(&self, conference_id: &str, epoch: u64) {
        let mut registry = self.registry.locked();
        let Registry { conferences, .. } = &mut *registry;
        let Some(conf) = conferences.get_mut(conference_id) else { return };
        if !conf.still_idle_since(epoch) {
            return; // someone joined meanwhile, or it ended: a stale timer
        }
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        tracing::info!(timeout = ?self.config.inactivity_timeout, "conference idle too long; ending it");
        self.terminate(conf, ConfInput::Inactivity);
    }

    /// The server is stopping while the bridge holds real calls: every
    /// conference ends now (fatal-error, cause 41, as a restart would end
    /// it), each leg hung up on the bridge, rather than leaving phones on
    /// a call nobody carries. Returns how many conferences it ended.
    pub fn shut_down(&self) -> usize {
        if self.driver.live_calls() == 0 {
            return 0;
        }
        tracing::warn!("stopping: ending every conference and hanging up its calls");
        let mut registry = self.registry.locked();
        let Registry { conferences, .. } = &mut *registry;
        let mut live: Vec<&mut Conference> = conferences.values_mut().filter(|c| !c.state.is_terminated()).collect();
        live.sort_by_key(|c| c.created);
        let ended = live.len();
        for conf in live {
            let _span = tracing::info_span!("conference", id = %conf.id).entered();
            self.fail(conf, Cause::TEMPORARY_FAILURE);
        }
        ended
    }

    /// Calls the bridge still holds up.
    pub fn live_calls(&self) -> usize {
        self.driver.live_calls()
    }

    /// The bridge is gone (its event channel closed): no call can go on.
    pub(super) fn bridge_lost(&self) {
        tracing::error!("the bridge driver stopped; ending every conference");
        let mut registry = self.registry.locked();
        let Registry { conferences, .. } = &mut *registry;
        let mut live: Vec<&mut Conference> = conferences.values_mut().filter(|c| !c.state.is_terminated()).collect();
        live.sort_by_key(|c| c.created);
        for conf in live {
            let _span = tracing::info_span!("conference", id = %conf.id).entered();
            self.fail(conf, NETWORK_OUT_OF_ORDER);
        }
    }
}
