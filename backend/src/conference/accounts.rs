//! Billing accounts (docs/protocol.md §8): which account a new conference bills.
//!
//! A `createConference` names an account in `account`; empty means the
//! owner's default. The owner (the AOR the IM server asserted) may use the
//! account named after them and whatever an operator granted them
//! (`rollcall account grant`); any other account is Fault `NotAuthorized`
//! and nothing is dialled. Without a database every user has only their own.

use rollcall_shared::soap::bridge::BridgeRequest;
use rollcall_shared::soap::{Fault, FaultKind};

use crate::store::{Accounts, UserAccounts};

/// `request` with the account it may bill filled in, or the Fault that
/// refuses it. Requests other than `createConference` pass unchanged.
pub async fn bill_to(accounts: Option<&Accounts>, request: BridgeRequest) -> Result<BridgeRequest, Fault> {
    let BridgeRequest::CreateConference { owner, account, initiator, participants } = request else {
        return Ok(request);
    };
    let user = user_of(&owner);
    let allowed = match accounts {
        None => UserAccounts::own(user),
        Some(accounts) => accounts.of(user).await.map_err(|e| {
            tracing::error!(error = %e, "reading accounts failed");
            Fault::new(FaultKind::BridgeUnavailable, "billing accounts cannot be read; try again")
        })?,
    };
    let Some(account) = allowed.resolve(&account) else {
        tracing::warn!(%owner, %account, "account not allowed");
        return Err(Fault::new(FaultKind::NotAuthorized, format!("you may not bill calls to account `{}`", account.trim())));
    };
    Ok(BridgeRequest::CreateConference { owner, account, initiator, participants })
}

/// `alice` of `sip:alice@rollcall.local` (the user part of an AOR).
fn user_of(aor: &str) -> &str {
    let rest = aor.strip_prefix("sip:").or_else(|| aor.strip_prefix("sips:")).unwrap_or(aor);
    rest.split('@').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_shared::soap::Party;

    fn create(account: &str) -> BridgeRequest {
        BridgeRequest::CreateConference {
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
}
