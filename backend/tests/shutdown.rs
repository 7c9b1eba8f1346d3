//! Graceful shutdown (issue "Nothing lost", point 6), of the real program:
//! `rollcall serve` under a live conference gets SIGTERM; the browser-side
//! client's WebSocket is closed with a close frame (1001), the process exits
//! 0 within a few seconds, the call record of the live leg is on disk, and
//! the database's WAL is checkpointed away.

mod common;

use common::flow::{active_conference, Seen};
use common::{Client, PATIENCE};

#[tokio::test]
async fn sigterm_closes_websockets_flushes_records_checkpoints_and_exits_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("rollcall.db").display().to_string();
    let (mut child, port) = common::program::serve(&db, dir.path(), &[]).await;

    let mut alice = Client::connect(&format!("ws://127.0.0.1:{port}/sip"), "alice").await;
    alice.register().await;
    active_conference(&mut alice, &mut Seen::default(), "+14255550100").await;

    // SAFETY: a signal to the child we started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert_eq!(alice.closed_with().await, Some(1001), "closed with a close frame, going away");
    let status = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().expect("waits") {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    })
    .await
    .expect("joined")
    .expect("exited in time");
    assert!(status.success(), "{status}");

    let wal = std::fs::metadata(format!("{db}-wal")).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "the WAL was checkpointed away");
    let store = rollcall::store::Store::open(&db).await.expect("reopens");
    let records = store.call_records().recent(10).await.expect("records");
    assert!(records.iter().any(|r| r.record.number == "+14255550100"), "the live leg is on record: {records:?}");
}
