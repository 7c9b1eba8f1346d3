//! Call records out of the conference service: when a call leg is dialled,
//! and again when it reaches its final state, the service hands a
//! [`CallRecord`] to a [`CallRecorder`] — so a crash loses no record, only
//! its end.
//!
//! The service decides under its lock, so a recorder must not block:
//! [`StoreRecorder`] only queues the record for a writer task, which inserts
//! records one at a time, in the order the legs ended. A write that fails is
//! logged with the leg it was for and dropped; billing data must never take
//! a call down.

use tokio::runtime::Handle;
use tokio::sync::mpsc;

pub use crate::store::CallRecord;
use crate::store::{CallRecords, ConferenceRow, Conferences};

/// Where the conference service sends the record of each finished leg.
pub trait CallRecorder: Send + Sync {
    /// Takes the record of a leg that ended. Must not block: the service
    /// holds its lock.
    fn record(&self, record: CallRecord);

    /// Takes the record of a leg just dialled (no end yet). Must not block.
    fn dialled(&self, record: CallRecord) {
        let _ = record;
    }

    /// Takes a conference as of its latest event (durable state, read back
    /// at start). Must not block.
    fn conference(&self, row: ConferenceRow) {
        let _ = row;
    }
}

/// What the writer does with a record.
enum Job {
    Open(CallRecord),
    Complete(CallRecord),
    /// A conference as of its latest event.
    Conference(ConferenceRow),
    /// Everything queued before this is written: say so.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// Writes call records to the store in the background, in order.
pub struct StoreRecorder {
    queue: mpsc::UnboundedSender<Job>,
}

impl StoreRecorder {
    /// A recorder writing to `records`; its writer task runs on `runtime`
    /// until the recorder is dropped.
    pub fn spawn(records: CallRecords, conferences: Conferences, runtime: &Handle) -> Self {
        let (queue, mut pending) = mpsc::unbounded_channel::<Job>();
        runtime.spawn(async move {
            while let Some(job) = pending.recv().await {
                let (written, record) = match job {
                    Job::Open(record) => (records.insert(&record).await, record),
                    Job::Complete(record) => (records.complete(&record).await, record),
                    Job::Flush(done) => {
                        let _ = done.send(());
                        continue;
                    }
                    Job::Conference(row) => {
                        if let Err(error) = conferences.save(&row).await {
                            tracing::error!(error = format!("{error:#}"), conference = %row.id, "saving a conference failed");
                        }
                        continue;
                    }
                };
                if let Err(error) = written {
                    tracing::error!(
                        error = format!("{error:#}"),
                        conference = %record.conference_id,
                        participant = %record.participant_id,
                        "writing a call record failed; it is lost"
                    );
                }
            }
        });
        StoreRecorder { queue }
    }
}

impl StoreRecorder {
    /// Waits until every record queued so far is written (at shutdown).
    pub async fn flush(&self) {
        let (done, written) = tokio::sync::oneshot::channel();
        if self.queue.send(Job::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }
}

impl CallRecorder for StoreRecorder {
    fn record(&self, record: CallRecord) {
        if self.queue.send(Job::Complete(record)).is_err() {
            tracing::error!("the call record writer has stopped; a record is lost");
        }
    }

    fn dialled(&self, record: CallRecord) {
        if self.queue.send(Job::Open(record)).is_err() {
            tracing::error!("the call record writer has stopped; a record is lost");
        }
    }

    fn conference(&self, row: ConferenceRow) {
        if self.queue.send(Job::Conference(row)).is_err() {
            tracing::error!("the writer has stopped; a conference's state is not saved");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn records_reach_the_store_in_order() {
        let store = Store::open(":memory:").await.expect("store");
        let recorder = StoreRecorder::spawn(store.call_records(), store.conferences(), &Handle::current());
        for p in ["p-1", "p-2"] {
            recorder.record(CallRecord {
                account: "acct".into(),
                owner: "sip:ada@rollcall.local".into(),
                conference_id: "conf-1".into(),
                participant_id: p.into(),
                number: "+14255550100".into(),
                started_at: "2026-01-01T10:00:00.000Z".into(),
                answered_at: None,
                ended_at: Some("2026-01-01T10:00:09.000Z".into()),
                final_state: "no-answer".into(),
                cause: Some(19),
            });
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let ids: Vec<_> = store.call_records().recent(10).await.expect("read").into_iter().map(|r| r.record.participant_id).collect();
            if ids.len() == 2 {
                assert_eq!(ids, ["p-1", "p-2"]);
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "records written in time");
            tokio::task::yield_now().await;
        }
    }
}
