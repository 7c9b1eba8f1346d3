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
        let ids: Vec<_> =
            store.call_records().recent(10).await.expect("read").into_iter().map(|r| r.record.participant_id).collect();
        if ids.len() == 2 {
            assert_eq!(ids, ["p-1", "p-2"]);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "records written in time");
        tokio::task::yield_now().await;
    }
}
