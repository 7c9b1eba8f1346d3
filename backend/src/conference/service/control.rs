//! Running a call (docs/protocol.md §6): muting one participant or all but
//! the initiator, and locking the conference. Each change is an event of
//! the conference, numbered like every other; a request that changes
//! nothing sends none.

use super::*;

impl ConferenceService {
    /// Mutes or unmutes one participant, the initiator included (one may
    /// mute oneself). A participant whose call is over cannot be.
    pub(super) fn mute(
        &self,
        owner: &str,
        conference_id: &str,
        participant_id: &str,
        muted: bool,
    ) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let conf = owned(&mut registry.conferences, owner, conference_id)?;
        live(conf)?;
        let Some(index) = conf.leg_index(participant_id) else {
            return Err(Fault::new(
                FaultKind::NoSuchParticipant,
                format!("conference {conference_id} has no participant {participant_id}"),
            ));
        };
        if conf.legs[index].state.is_final() {
            return Err(Fault::new(
                FaultKind::InvalidRequest,
                format!("{} has left the call", conf.legs[index].party.name.trim()),
            ));
        }
        self.set_muted(conf, index, muted);
        tracing::info!(participant = %participant_id, muted, "mute");
        Ok(BridgeResponse::MuteParticipant {
            conference_id: conference_id.to_string(),
            participant_id: participant_id.to_string(),
            muted,
        })
    }

    /// Mutes or unmutes every participant whose call is not over, except
    /// the initiator.
    pub(super) fn mute_all(&self, owner: &str, conference_id: &str, muted: bool) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let conf = owned(&mut registry.conferences, owner, conference_id)?;
        live(conf)?;
        for index in 1..conf.legs.len() {
            if !conf.legs[index].state.is_final() {
                self.set_muted(conf, index, muted);
            }
        }
        tracing::info!(muted, "mute all");
        Ok(BridgeResponse::MuteAll { conference_id: conference_id.to_string(), muted })
    }

    pub(super) fn lock(&self, owner: &str, conference_id: &str, locked: bool) -> Result<BridgeResponse, Fault> {
        let _span = tracing::info_span!("conference", id = %conference_id).entered();
        let mut registry = self.registry.locked();
        let conf = owned(&mut registry.conferences, owner, conference_id)?;
        live(conf)?;
        if let Some(notification) = conf.apply_lock(locked) {
            self.reporter.report(&conf.id, notification);
            self.save(conf);
            tracing::info!(locked, "lock");
        }
        Ok(BridgeResponse::LockConference { conference_id: conference_id.to_string(), locked })
    }

    /// Mutes or unmutes leg `index` on the bridge and reports it (when it
    /// changes).
    pub(super) fn set_muted(&self, conf: &mut Conference, index: usize, muted: bool) {
        if let Some(leg) = conf.legs.get_mut(index).filter(|leg| leg.state == LegState::Pending) {
            // Waiting for the initiator: no events of its own yet (§4); its
            // `dialing` will say it is muted.
            leg.muted = muted;
            return self.save(conf);
        }
        let Some(notification) = conf.apply_mute(index, muted) else { return };
        let leg = &conf.legs[index];
        if leg.state.on_bridge() {
            self.driver.set_muted(leg.leg_id, muted);
        }
        self.reporter.report(&conf.id, notification);
        self.save(conf);
    }
}
