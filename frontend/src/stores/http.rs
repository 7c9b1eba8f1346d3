//! The HTTP client's digest state (`crate::api`): nonces of its own, the
//! same user and password as SIP, kept as HA1s once the realm is known.
//! Forgotten when the session ends.

use leptos::prelude::*;
use rollcall_shared::digest::Challenge;
use rollcall_shared::ua::auth::{Authenticator, Kind};

#[derive(Debug, Clone, Copy)]
pub struct Http {
    auth: StoredValue<Option<Authenticator>>,
}

impl Http {
    pub(super) fn new(user: &str, password: &str) -> Http {
        Http { auth: StoredValue::new(Some(Authenticator::new(user.to_string(), password.to_string()))) }
    }

    /// The `Authorization` value for a request, once challenged.
    pub fn credentials(&self, method: &str, uri: &str, cnonce: &str) -> Option<String> {
        self.auth.try_update_value(|auth| auth.as_mut().and_then(|a| a.credentials(Kind::Www, method, uri, cnonce))).flatten()
    }

    /// Takes a challenge; false when it cannot be answered (a realm other
    /// than the one we signed in to, or the session is over).
    pub fn challenged(&self, challenge: Challenge) -> bool {
        self.auth
            .try_update_value(|auth| auth.as_mut().is_some_and(|a| a.challenged(Kind::Www, challenge).is_ok()))
            .unwrap_or(false)
    }

    pub(super) fn forget(&self) {
        self.auth.try_set_value(None);
    }
}
