use super::*;
use rollcall_shared::directory::Address;

#[tokio::test]
async fn each_owner_sees_only_their_mail() {
    crate::store::testing::each_store(|store| async move {
        let inbox = store.inbox();
        let address = |e: &str| Address { name: None, email: e.into() };
        let email = Email {
            subject: "Plan".into(),
            from: address("bob@example.com"),
            to: vec![address("alice@example.com")],
            cc: vec![],
            date: None,
            snippet: "hi".into(),
        };
        let id = inbox.add("alice", &email).await.expect("add");
        assert_eq!(inbox.get("alice", id).await.expect("get").map(|s| s.message), Some(email));
        assert_eq!(inbox.get("bob", id).await.expect("get"), None);
        assert!(inbox.list("bob").await.expect("list").is_empty());
        assert_eq!(inbox.list("alice").await.expect("list").len(), 1);
    })
    .await;
}
