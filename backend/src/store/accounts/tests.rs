use super::*;

#[tokio::test]
async fn own_account_by_default_then_grants() {
    crate::store::testing::each_store(|store| async move {
        let accounts = store.accounts();
        let alice = accounts.of("alice").await.expect("read");
        assert_eq!(alice, UserAccounts::own("alice"));
        assert_eq!(alice.resolve(""), Some("alice".into()));
        assert_eq!(alice.resolve("bob"), None);

        accounts.grant("alice", "sales", false).await.expect("grant");
        let alice = accounts.of("alice").await.expect("read");
        assert_eq!((alice.resolve(""), alice.resolve("sales")), (Some("alice".into()), Some("sales".into())));

        accounts.grant("alice", "support", true).await.expect("grant");
        let alice = accounts.of("alice").await.expect("read");
        assert_eq!(alice.resolve(" "), Some("support".into()), "the new default");
        assert_eq!(alice.resolve("alice"), Some("alice".into()), "her own account stays usable");
        assert_eq!(accounts.of("bob").await.expect("read"), UserAccounts::own("bob"), "nothing leaks to bob");

        assert!(accounts.revoke("alice", "support").await.expect("revoke"));
        assert_eq!(accounts.of("alice").await.expect("read").resolve(""), Some("alice".into()));
        assert!(accounts.grant("alice", "no spaces", false).await.is_err());
    })
    .await;
}
