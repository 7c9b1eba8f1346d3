//! Call records out of the conference service: when a call leg is dialled,
//! and again when it reaches its final state, the service hands a
//! [`CallRecord`] to a [`CallRecorder`] — so a crash loses no record, only
//! its end.
//!
//! The service decides under its lock, so a recorder must not block:
//! [`StoreRecorder`] only queues the record for a writer task, which writes
//! whatever is queued in one transaction, in the order the legs ended. A write that fails is
//! logged with the leg it was for and dropped; billing data must never take
//! a call down.

use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::bridge::LegQuality;
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

    /// Takes how good an answered leg's audio was (bridges with real
    /// audio report it as the leg ends). Must not block.
    fn quality(&self, conference_id: &str, participant_id: &str, quality: LegQuality) {
        let _ = (conference_id, participant_id, quality);
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
    /// A leg's audio quality.
    Quality {
        conference_id: String,
        participant_id: String,
        quality: LegQuality,
    },
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
            let mut batch = Vec::new();
            while let Some(first) = pending.recv().await {
                batch.push(first);
                while batch.len() < BATCH_MAX {
                    match pending.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                write_batch(&records, &conferences, &mut batch).await;
            }
        });
        StoreRecorder { queue }
    }
}

/// Most jobs written in one transaction.
const BATCH_MAX: usize = 512;

/// Writes `batch` (emptying it) in one transaction: everything that was
/// queued while the previous one committed — at a thousand conferences a
/// second, one transaction per change would hold SQLite's single writer
/// lock away from the message log. A conference changed several times in
/// the batch is written once, as of its last change. When the transaction
/// fails, each job is written on its own so that only the failing ones are
/// lost (and logged).
async fn write_batch(records: &CallRecords, conferences: &Conferences, batch: &mut Vec<Job>) {
    let mut last_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, job) in batch.iter().enumerate() {
        if let Job::Conference(row) = job {
            last_of.insert(row.id.clone(), i);
        }
    }
    let superseded = |i: usize, job: &Job| matches!(job, Job::Conference(row) if last_of.get(&row.id) != Some(&i));
    let together = async {
        let (_turn, mut tx) = records.begin().await?;
        for (i, job) in batch.iter().enumerate() {
            match job {
                Job::Open(record) => CallRecords::insert_on(&mut tx, record).await?,
                Job::Complete(record) => CallRecords::complete_on(&mut tx, record).await?,
                Job::Conference(row) if !superseded(i, job) => conferences.save_on(&mut tx, row).await?,
                Job::Quality { conference_id, participant_id, quality } => {
                    CallRecords::set_quality_on(&mut tx, conference_id, participant_id, quality).await?
                }
                Job::Conference(_) | Job::Flush(_) => {}
            }
        }
        tx.commit().await?;
        anyhow::Ok(())
    };
    let one_by_one = together.await.is_err();
    for (i, job) in batch.drain(..).enumerate() {
        let (written, record) = match job {
            Job::Flush(done) => {
                let _ = done.send(());
                continue;
            }
            _ if !one_by_one => continue,
            Job::Quality { conference_id, participant_id, quality } => {
                if let Err(error) = records.set_quality(&conference_id, &participant_id, &quality).await {
                    tracing::error!(error = format!("{error:#}"), conference = %conference_id, "writing a leg's quality failed");
                }
                continue;
            }
            Job::Open(record) => (records.insert(&record).await, record),
            Job::Complete(record) => (records.complete(&record).await, record),
            Job::Conference(row) => {
                if last_of.get(&row.id) == Some(&i) {
                    if let Err(error) = conferences.save(&row).await {
                        tracing::error!(error = format!("{error:#}"), conference = %row.id, "saving a conference failed");
                    }
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

    fn quality(&self, conference_id: &str, participant_id: &str, quality: LegQuality) {
        let job = Job::Quality { conference_id: conference_id.to_owned(), participant_id: participant_id.to_owned(), quality };
        if self.queue.send(job).is_err() {
            tracing::error!("the call record writer has stopped; a leg's quality is lost");
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
mod tests;
