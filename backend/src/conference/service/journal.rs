//! What the conference service writes down and reads back: each
//! conference as of its latest event ([`ConferenceService::save`]), the
//! conferences of the last run ([`ConferenceService::recover`]), and the
//! census `/metrics` reads.

use super::*;

impl ConferenceService {
    /// The conferences running here, by id.
    pub fn running(&self) -> Vec<String> {
        let registry = self.registry.locked();
        registry.conferences.values().filter(|c| !c.state.is_terminated()).map(|c| c.id.clone()).collect()
    }

    /// Conferences another instance has taken over (this one stopped
    /// renewing its lease in time): their calls here are hung up and they
    /// end here too. Their owners heard of the end from that instance,
    /// whose events jumped ahead; what this one sends is older and ignored
    /// (docs/protocol.md §2), and its writes are fenced off. How many.
    pub fn give_up(&self, ids: &[String]) -> usize {
        let mut registry = self.registry.locked();
        let mut given_up = 0;
        for id in ids {
            let Some(conf) = registry.conferences.get_mut(id).filter(|c| !c.state.is_terminated()) else { continue };
            let _span = tracing::info_span!("conference", id = %conf.id).entered();
            tracing::error!("another instance took this conference over (the lease ran out here): its calls here end");
            self.fail(conf, Cause::TEMPORARY_FAILURE);
            given_up += 1;
        }
        given_up
    }

    /// Conferences not terminated, and their legs by participant state.
    pub fn census(&self) -> (usize, std::collections::BTreeMap<&'static str, usize>) {
        let registry = self.registry.locked();
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

    /// Writes `conf` as of its latest event through the journal (queued
    /// right after the event itself, so the two keep the same order).
    pub(super) fn save(&self, conf: &Conference) {
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
        let mut registry = self.registry.locked();
        let Registry { conferences, created, .. } = &mut *registry;
        let mut recovered = 0;
        for row in rows {
            // One this instance runs already (its lease lapsed and it took
            // it back): it goes on as it is.
            if conferences.get(&row.id).is_some_and(|c| !c.state.is_terminated()) {
                continue;
            }
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
                self.fail(&mut conf, Cause::TEMPORARY_FAILURE);
            }
            conferences.insert(row.id, conf);
            recovered += 1;
            crate::metrics::global().conferences_recovered.inc();
        }
        recovered
    }
}
