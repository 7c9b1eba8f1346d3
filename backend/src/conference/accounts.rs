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
    let BridgeRequest::CreateConference { owner, account, initiator, participants, subject, confirm } = request else {
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
    Ok(BridgeRequest::CreateConference { owner, account, initiator, participants, subject, confirm })
}

/// `alice` of `sip:alice@rollcall.local` (the user part of an AOR).
fn user_of(aor: &str) -> &str {
    let rest = aor.strip_prefix("sip:").or_else(|| aor.strip_prefix("sips:")).unwrap_or(aor);
    rest.split('@').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests;
