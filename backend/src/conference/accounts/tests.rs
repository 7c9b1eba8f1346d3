use super::*;
use rollcall_shared::soap::Party;

fn create(account: &str) -> BridgeRequest {
    BridgeRequest::CreateConference {
        confirm: false,
        subject: None,
        owner: "sip:alice@rollcall.local".into(),
        account: account.into(),
        initiator: Party { phone: "+14255550100".into(), ..Party::default() },
        participants: vec![],
    }
}

fn billed(request: &BridgeRequest) -> &str {
    match request {
        BridgeRequest::CreateConference { account, .. } => account,
        _ => panic!("not a create"),
    }
}

#[tokio::test]
async fn without_a_database_only_the_own_account() {
    assert_eq!(billed(&bill_to(None, create("")).await.expect("default")), "alice");
    assert_eq!(billed(&bill_to(None, create("alice")).await.expect("own")), "alice");
    let fault = bill_to(None, create("bob")).await.expect_err("foreign");
    assert_eq!(fault.kind, FaultKind::NotAuthorized);
}

#[tokio::test]
async fn grants_and_defaults_from_the_store() {
    let store = crate::store::Store::open(":memory:").await.expect("db");
    store.accounts().grant("alice", "sales", true).await.expect("grant");
    let accounts = store.accounts();
    assert_eq!(billed(&bill_to(Some(&accounts), create("")).await.expect("default")), "sales");
    assert_eq!(billed(&bill_to(Some(&accounts), create("alice")).await.expect("own")), "alice");
    assert!(bill_to(Some(&accounts), create("support")).await.is_err());
}
