use super::*;
use crate::store::Store;

#[tokio::test]
async fn a_burst_is_written_in_groups_each_sender_after_its_message_is_in() {
    let dir = tempfile::tempdir().expect("dir");
    for db in crate::store::testing::databases(dir.path()) {
        let store = Store::open(&db).await.expect("db");
        let writers: Vec<_> = (0..300)
            .map(|n| {
                let log = store.message_log();
                tokio::spawn(async move { log.record(n % 7, "p", Direction::In, None, &format!("MESSAGE {n}")).await })
            })
            .collect();
        for w in writers {
            w.await.expect("joined").expect("logged");
        }
        assert_eq!(store.message_log().recent(1000).await.expect("read").len(), 300, "every one, each once");
        let bytes = store.message_log().bytes();
        assert_eq!(bytes, MessageLog::count_bytes(&store.message_log().pool).await.expect("count"), "counted as written");
    }
}

#[tokio::test]
async fn retention_by_age_and_by_size() {
    crate::store::testing::each_store(|store| async move {
        let log = store.message_log();
        for n in 0..2500 {
            log.record(1, "peer", Direction::In, Some("alice"), &format!("MESSAGE {n} {}", "x".repeat(90))).await.expect("log");
        }
        let old = "2001-01-01T00:00:00.000Z";
        sqlx::query("UPDATE message_log SET at = $1 WHERE id <= 1200").bind(old).execute(&log.pool).await.expect("age");
        let year = std::time::Duration::from_secs(365 * 86_400);
        assert_eq!(log.enforce(Retention { max_age: year, max_bytes: u64::MAX }).await.expect("enforce"), 1200);
        let bytes = log.bytes();
        assert_eq!(bytes, MessageLog::count_bytes(&log.pool).await.expect("count"), "the byte count stays true");
        let half = (bytes / 2) as u64;
        log.enforce(Retention { max_age: year, max_bytes: half }).await.expect("enforce");
        assert!(log.bytes() <= half as i64 && log.bytes() > 0, "{} > {half}", log.bytes());
        let left = log.recent(10_000).await.expect("read");
        let first: u32 = left.first().expect("some left").message.split(' ').nth(1).and_then(|n| n.parse().ok()).expect("n");
        assert!(first > 1200, "the oldest went first ({first})");
        assert_eq!(left.last().expect("some").message.split(' ').nth(1), Some("2499"), "the newest stayed");
    })
    .await;
}

#[tokio::test]
async fn a_users_messages_and_only_theirs() {
    crate::store::testing::each_store(|store| async move {
        let log = store.message_log();
        log.record(1, "p", Direction::In, Some("alice"), "MESSAGE a1 conf-1").await.expect("log");
        log.record(2, "p", Direction::Out, Some("bob"), "MESSAGE b1 conf-1").await.expect("log");
        log.record(1, "p", Direction::Out, Some("alice"), "MESSAGE a2 conf-2").await.expect("log");
        let mine = log.of_user("alice", None, None, 10).await.expect("read");
        assert_eq!(mine.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), ["MESSAGE a2 conf-2", "MESSAGE a1 conf-1"]);
        let one = log.of_user("alice", Some("conf-1"), None, 10).await.expect("read");
        assert_eq!(one.len(), 1);
        let older = log.of_user("alice", None, Some(mine[0].id), 10).await.expect("read");
        assert_eq!(older.len(), 1);
        let found = log.search(&LogFilter { containing: Some("conf-1".into()), ..Default::default() }, 10).await.expect("search");
        assert_eq!(found.len(), 2);
    })
    .await;
}

/// Owners are indexed in batches; until then a user's newest messages
/// come from the log's tail. Both halves read together, in order,
/// paged across the boundary; a restart indexes what the last run had
/// not; retention takes the owners of what it deletes.
#[tokio::test]
async fn a_users_messages_indexed_and_not_yet() {
    let dir = tempfile::tempdir().expect("dir");
    for db in crate::store::testing::databases(dir.path()) {
        let ids = |entries: &[LogEntry]| entries.iter().map(|e| e.message.clone()).collect::<Vec<_>>();
        {
            let store = Store::open(&db).await.expect("db");
            let log = store.message_log();
            for n in 1..=3 {
                log.record(1, "p", Direction::In, Some("alice"), &format!("old {n}")).await.expect("log");
                log.record(2, "p", Direction::In, Some("bob"), &format!("bob {n}")).await.expect("log");
            }
        }
        // Reopened: the three are indexed at start; three more are not yet.
        let store = Store::open(&db).await.expect("db");
        let indexed: i64 = sqlx::query("SELECT COUNT(*) FROM message_log_users WHERE auth_user = 'alice'")
            .fetch_one(&store.pool)
            .await
            .expect("count")
            .get(0);
        assert_eq!(indexed, 3, "a restart indexes what the last run had not");
        let log = store.message_log();
        for n in 1..=3 {
            log.record(1, "p", Direction::Out, Some("alice"), &format!("new {n}")).await.expect("log");
        }
        let all = log.of_user("alice", None, None, 10).await.expect("read");
        assert_eq!(ids(&all), ["new 3", "new 2", "new 1", "old 3", "old 2", "old 1"]);
        let page = log.of_user("alice", None, Some(all[1].id), 3).await.expect("read");
        assert_eq!(ids(&page), ["new 1", "old 3", "old 2"], "a page that crosses from the tail into the index");
        let found =
            log.search(&LogFilter { user: Some("alice".into()), containing: Some(" 2".into()), ..Default::default() }, 10).await;
        assert_eq!(ids(&found.expect("search")), ["old 2", "new 2"], "search: oldest first");
        // The writer indexes them within INDEX_EVERY (1 s) of writing.
        let count = || async {
            let n: i64 = sqlx::query("SELECT COUNT(*) FROM message_log_users WHERE auth_user = 'alice'")
                .fetch_one(&store.pool)
                .await
                .expect("count")
                .get(0);
            n
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while count().await < 6 {
            assert!(std::time::Instant::now() < deadline, "the writer indexes the new owners");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(ids(&log.of_user("alice", None, None, 10).await.expect("read")), ids(&all), "the same, all indexed now");
        // Retention by size down to nothing: the owners go with the messages.
        log.enforce(Retention { max_age: Retention::DEFAULT.max_age, max_bytes: 0 }).await.expect("retention");
        assert!(log.of_user("alice", None, None, 10).await.expect("read").is_empty());
        let left: i64 = sqlx::query("SELECT COUNT(*) FROM message_log_users").fetch_one(&store.pool).await.expect("count").get(0);
        assert_eq!(left, 0);
    }
}

#[test]
fn digest_responses_are_redacted_and_nothing_else() {
    let message = "REGISTER sip:rollcall.local SIP/2.0\r\n\
        Authorization: Digest username=\"alice\", realm=\"rollcall.local\", nonce=\"n1\", \
        uri=\"sip:rollcall.local\", response=\"0123abcd\", algorithm=SHA-256, cnonce=\"c\", nc=00000001, qop=auth\r\n\
        proxy-authorization: Digest username=\"alice\",\r\n  response=\"fold3d\", nonce=\"n2\"\r\n\
        Proxy-Authorization: Digest response=fedc, username=\"alice\"\r\n\
        Subject: response=keep\r\n\
        \r\n\
        Authorization: Digest response=\"body-is-not-a-header\"";
    let logged = redact_credentials(message);
    assert!(!logged.contains("0123abcd") && !logged.contains("fedc"), "{logged}");
    assert_eq!(logged.matches("response=\"redacted\"").count(), 2, "{logged}");
    assert!(logged.contains("nonce=\"n1\"") && logged.contains("nc=00000001"), "the rest stays: {logged}");
    assert!(logged.contains("Subject: response=keep"), "other headers stay: {logged}");
    assert!(logged.ends_with("response=\"body-is-not-a-header\""), "the body stays: {logged}");
}

#[test]
fn a_message_without_credentials_is_borrowed() {
    assert!(matches!(redact_credentials("MESSAGE sip:a@b SIP/2.0\r\n\r\nresponse=1"), Cow::Borrowed(_)));
}
