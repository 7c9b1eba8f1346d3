use super::*;

#[test]
fn usernames() {
    assert!(valid_username("alice"));
    assert!(valid_username("conference"));
    assert!(!valid_username(""));
    assert!(!valid_username("a b"));
    assert!(!valid_username("a@b"));
}

#[tokio::test]
async fn upsert_stores_ha1_only() {
    crate::store::testing::each_store(|store| async move {
        let users = store.users();
        users.upsert(&User::with_password("alice", "rollcall.local", "secret")).await.expect("add");
        let alice = users.get("alice").await.expect("get").expect("exists");
        assert_eq!(alice.ha1_md5, digest::ha1(Algorithm::Md5, "alice", "rollcall.local", "secret"));
        assert!(!alice.ha1_md5.contains("secret") && !alice.ha1_sha256.contains("secret"));
        users.upsert(&User::with_password("alice", "rollcall.local", "other")).await.expect("update");
        assert_ne!(users.get("alice").await.expect("get").expect("exists").ha1_md5, alice.ha1_md5);
        assert_eq!(users.list().await.expect("list").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn upsert_all_saves_all_or_none() {
    crate::store::testing::each_store(|store| async move {
        let users = store.users();
        let many: Vec<User> = (0..300).map(|i| User::with_password(&format!("u{i}"), "rollcall.local", "pw")).collect();
        users.upsert_all(&many).await.expect("import");
        assert_eq!(users.list().await.expect("list").len(), 300);
        let bad = [User::with_password("fine", "rollcall.local", "pw"), User::with_password("not fine", "rollcall.local", "pw")];
        assert!(users.upsert_all(&bad).await.is_err());
        assert!(users.get("fine").await.expect("get").is_none(), "a failed import saves nothing");
    })
    .await;
}

#[tokio::test]
async fn the_cache_sees_this_process_s_writes() {
    crate::store::testing::each_store(|store| async move {
        let users = store.users();
        assert!(users.get("carol").await.expect("get").is_none(), "missing, and remembered as missing");
        users.upsert(&User::with_password("carol", "rollcall.local", "one")).await.expect("add");
        let first = users.get("carol").await.expect("get").expect("seen at once");
        store.users().upsert(&User::with_password("carol", "rollcall.local", "two")).await.expect("change");
        assert_ne!(
            store.users().get("carol").await.expect("get").expect("exists").ha1_md5,
            first.ha1_md5,
            "a new password counts at once"
        );
        store.users().upsert_all(&[User::with_password("carol", "rollcall.local", "three")]).await.expect("import");
        assert_eq!(
            users.get("carol").await.expect("get").expect("exists").ha1_md5,
            digest::ha1(Algorithm::Md5, "carol", "rollcall.local", "three")
        );
    })
    .await;
}
