//! Conferences that outlive the process that ran them (issues "Nothing
//! lost" and 14): at start, a conference service takes back what the last
//! run left in the database ([`recover`]); with several instances on one
//! database, each holds its running conferences under a lease it renews,
//! and takes over those of an instance whose lease ran out ([`keep_leases`]).
//!
//! A conference taken over had its calls in the process that died (the
//! simulated network's, or the SIP bridge's media), so it cannot go on:
//! it is ended as in the fatal-error flow, with events continuing its
//! sequence, through this instance's callbacks — its owner is told
//! (`ConferenceService::recover`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tracing::info;

use super::ConferenceService;
use crate::store::{ConferenceRow, Conferences, Store};

/// Ended conferences taken back at start (for `GetConference`): those that
/// ended this recently (as long as a running service remembers them), at
/// most this many. Older ones are deleted from the database then.
const RECOVER_ENDED: Duration = super::TERMINATED_RETENTION;
const RECOVER_MAX_ENDED: u32 = 1000;
/// Running conferences taken over in one go at most (the next round takes
/// more).
const CLAIM_MAX: u32 = 1000;

/// Takes back into `service` the conferences the database holds for it
/// ([`ConferenceService::recover`]): the running ones nobody holds (the
/// last run's, or those of an instance whose lease ran out), which end,
/// and those that ended within [`RECOVER_ENDED`]. How many.
pub async fn recover(store: &Store, conferences: &Conferences, service: &ConferenceService) -> anyhow::Result<usize> {
    let since = std::time::SystemTime::now().checked_sub(RECOVER_ENDED).unwrap_or(std::time::UNIX_EPOCH);
    let since = humantime::format_rfc3339_millis(since).to_string();
    conferences.prune(&since).await.context("forgetting old conferences")?;
    let mut rows = Vec::new();
    loop {
        let claimed = conferences.claim(CLAIM_MAX, true).await.context("taking over the running conferences")?;
        let more = claimed.len() == CLAIM_MAX as usize;
        rows.extend(claimed);
        if !more {
            break;
        }
    }
    rows.extend(conferences.ended_since(&since, RECOVER_MAX_ENDED).await.context("reading the ended conferences")?);
    let recovered = take_back(store, service, rows).await?;
    if recovered > 0 {
        info!(conferences = recovered, "conferences of the last run taken back");
    }
    Ok(recovered)
}

/// Ends the running ones of `rows` in `service` and takes all of them in.
async fn take_back(store: &Store, service: &ConferenceService, rows: Vec<ConferenceRow>) -> anyhow::Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let running: Vec<String> = rows.iter().filter(|r| !r.terminated).map(|r| r.id.clone()).collect();
    let recovered = service.recover(rows);
    // Their live legs' call records end with the process: as the leg did.
    for id in running {
        store.call_records().close_open(&id, "disconnected", 41).await.context("closing call records")?;
    }
    Ok(recovered)
}

/// Every `every` (a third of the lease, say), renews this instance's lease
/// on its running conferences and takes over those whose lease ran out.
/// Runs until the database closes.
pub fn keep_leases(store: Store, conferences: Conferences, service: Arc<ConferenceService>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if store.is_closed() {
                return;
            }
            let running = service.running();
            match conferences.renew().await {
                // Fewer held than running here: another instance may have
                // taken some over; those end here.
                Ok(held) if (held as usize) < running.len() => match conferences.taken_from_me(&running).await {
                    Ok(taken) if !taken.is_empty() => {
                        service.give_up(&taken);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "checking the conferences' holders failed"),
                },
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "renewing the conferences' lease failed"),
            }
            let claimed = match conferences.claim(CLAIM_MAX, false).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "looking for conferences to take over failed");
                    continue;
                }
            };
            if !claimed.is_empty() {
                tracing::warn!(conferences = claimed.len(), "took over the conferences of an instance that stopped renewing");
                if let Err(e) = take_back(&store, &service, claimed).await {
                    tracing::warn!(error = %format!("{e:#}"), "ending the conferences taken over failed");
                }
            }
        }
    });
}
