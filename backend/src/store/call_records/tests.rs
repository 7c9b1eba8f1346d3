use super::*;

fn record(participant: &str, answered: bool) -> CallRecord {
    CallRecord {
        account: "acct".into(),
        owner: "sip:ada@rollcall.local".into(),
        conference_id: "conf-1".into(),
        participant_id: participant.into(),
        number: "+14255550100".into(),
        started_at: "2026-01-01T10:00:00.000Z".into(),
        answered_at: answered.then(|| "2026-01-01T10:00:01.000Z".to_string()),
        ended_at: Some("2026-01-01T10:05:00.000Z".into()),
        final_state: if answered { "disconnected" } else { "busy" }.into(),
        cause: Some(if answered { 16 } else { 17 }),
    }
}

#[tokio::test]
async fn records_round_trip_oldest_first_within_the_limit() {
    crate::store::testing::each_store(|store| async move {
        let records = store.call_records();
        for (p, answered) in [("p-1", true), ("p-2", false), ("p-3", true)] {
            records.insert(&record(p, answered)).await.expect("insert");
        }
        let all = records.recent(10).await.expect("read");
        assert_eq!(
            all.iter().map(|r| r.record.clone()).collect::<Vec<_>>(),
            [record("p-1", true), record("p-2", false), record("p-3", true)]
        );
        let last_two: Vec<_> = records.recent(2).await.expect("read").into_iter().map(|r| r.record.participant_id).collect();
        assert_eq!(last_two, ["p-2", "p-3"]);
        assert!(all[0].id < all[1].id);
    })
    .await;
}

#[tokio::test]
async fn an_owners_records_newest_first_and_nobody_elses() {
    crate::store::testing::each_store(|store| async move {
        let records = store.call_records();
        let bobs = CallRecord { owner: "sip:bob@rollcall.local".into(), ..record("p-b", true) };
        for r in [record("p-1", true), bobs.clone(), record("p-2", false), record("p-3", true)] {
            records.insert(&r).await.expect("insert");
        }
        let ids = |list: Vec<StoredCallRecord>| list.into_iter().map(|r| r.record.participant_id).collect::<Vec<_>>();
        let ada = "sip:ada@rollcall.local";
        assert_eq!(ids(records.recent_for_owner(ada, 10).await.expect("read")), ["p-3", "p-2", "p-1"]);
        assert_eq!(ids(records.recent_for_owner(ada, 2).await.expect("read")), ["p-3", "p-2"]);
        assert_eq!(records.recent_for_owner("sip:bob@rollcall.local", 10).await.expect("read")[0].record, bobs);
        assert!(records.recent_for_owner("sip:carol@rollcall.local", 10).await.expect("read").is_empty());
        // Migration 0004's index serves the query: no scan, no sort (SQLite's
        // planner; PostgreSQL's picks a scan of a table this small).
        if store.backend() != crate::store::Backend::Sqlite {
            return;
        }
        let plan: Vec<String> = sqlx::query(&format!(
            "EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM call_records WHERE owner = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(ada)
        .bind(10)
        .fetch_all(&records.pool)
        .await
        .expect("plan")
        .iter()
        .map(|row| row.get::<String, _>(3))
        .collect();
        assert_eq!(plan.len(), 1, "{plan:?}");
        assert!(plan[0].contains("USING INDEX call_records_owner"), "{plan:?}");
    })
    .await;
}

#[tokio::test]
async fn a_legs_audio_quality_is_kept_with_its_record() {
    crate::store::testing::each_store(|store| async move {
        let records = store.call_records();
        records.insert(&record("p-1", true)).await.expect("insert");
        records.insert(&record("p-2", false)).await.expect("insert");
        let quality = LegQuality { rx_loss_permille: 12, rx_jitter_us: 2_500, tx_loss_permille: None, tx_jitter_us: None };
        records.set_quality("conf-1", "p-1", &quality).await.expect("set");
        let all = records.recent(10).await.expect("read");
        assert_eq!(all[0].quality, Some(quality));
        assert_eq!(all[1].quality, None, "a leg without real audio has none");
    })
    .await;
}
