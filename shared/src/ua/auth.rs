//! The client side of SIP digest authentication (RFC 3261 §22, RFC 8760).
//!
//! - Answers whichever algorithm the server offers first (docs/protocol.md §1:
//!   one challenge header per algorithm, in the server's order), skipping
//!   any it can't parse.
//! - Keeps the password only until it knows the realm, then only the HA1
//!   of each algorithm (`H(user:realm:password)`): the password is never
//!   sent and is not kept longer than needed.
//! - Caches the last challenge of each kind and reuses its nonce with an
//!   increasing `nc` on later requests, so a MESSAGE usually goes out with
//!   credentials at once instead of costing a 407 round trip.

use std::collections::HashMap;

use crate::digest::{self, Algorithm, Challenge, Credentials};

/// Which challenge/credentials header pair a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 401, `WWW-Authenticate` → `Authorization` (the registrar).
    Www,
    /// 407, `Proxy-Authenticate` → `Proxy-Authorization` (the relay).
    Proxy,
}

impl Kind {
    pub fn challenge_header(self) -> &'static str {
        match self {
            Kind::Www => "WWW-Authenticate",
            Kind::Proxy => "Proxy-Authenticate",
        }
    }

    pub fn credentials_header(self) -> &'static str {
        match self {
            Kind::Www => "Authorization",
            Kind::Proxy => "Proxy-Authorization",
        }
    }
}

/// The first challenge we can answer, from a 401/407's header values in
/// the order they came.
pub fn choose<S: AsRef<str>>(values: &[S]) -> Option<Challenge> {
    values.iter().find_map(|v| Challenge::parse(v.as_ref()).ok())
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// The server changed realm after we dropped the password.
    #[error("the server asked for realm `{0}`; sign in again")]
    NewRealm(String),
}

/// One signed-in user's secrets and digest state.
pub struct Authenticator {
    username: String,
    /// Dropped once the HA1s for the realm are computed.
    password: Option<String>,
    realm: Option<String>,
    ha1: HashMap<Algorithm, String>,
    /// Last challenge per kind, reused until the server says stale.
    challenges: HashMap<Kind, Challenge>,
    /// Uses of each nonce by this client (`nc`).
    nc: HashMap<String, u32>,
}

impl std::fmt::Debug for Authenticator {
    // Never print secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("username", &self.username).field("realm", &self.realm).finish()
    }
}

impl Authenticator {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Authenticator {
            username: username.into(),
            password: Some(password.into()),
            realm: None,
            ha1: HashMap::new(),
            challenges: HashMap::new(),
            nc: HashMap::new(),
        }
    }

    /// Remember a challenge from a 401/407; later requests of that kind
    /// answer it.
    pub fn challenged(&mut self, kind: Kind, challenge: Challenge) -> Result<(), AuthError> {
        self.learn_realm(&challenge.realm)?;
        self.challenges.insert(kind, challenge);
        Ok(())
    }

    /// The header value answering the cached challenge of `kind` for
    /// `method` on `uri`, with the next `nc` of its nonce; `None` when we
    /// have no challenge of that kind yet.
    pub fn credentials(&mut self, kind: Kind, method: &str, uri: &str, cnonce: &str) -> Option<String> {
        let challenge = self.challenges.get(&kind)?;
        let ha1 = self.ha1.get(&challenge.algorithm)?;
        let (qop, nc, cnonce) = if challenge.qop_auth {
            let nc = self.nc.entry(challenge.nonce.clone()).or_insert(0);
            *nc += 1;
            (Some("auth".to_string()), Some(*nc), Some(cnonce.to_string()))
        } else {
            (None, None, None)
        };
        let response =
            digest::response(challenge.algorithm, ha1, &challenge.nonce, nc, cnonce.as_deref(), qop.as_deref(), method, uri);
        let credentials = Credentials {
            username: self.username.clone(),
            realm: challenge.realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: uri.to_string(),
            response,
            algorithm: challenge.algorithm,
            opaque: challenge.opaque.clone(),
            cnonce,
            nc,
            qop,
        };
        Some(credentials.to_header_value())
    }

    /// Computes the HA1 of every algorithm for `realm` from the password,
    /// then drops the password.
    fn learn_realm(&mut self, realm: &str) -> Result<(), AuthError> {
        if self.realm.as_deref() == Some(realm) {
            return Ok(());
        }
        let Some(password) = self.password.take() else {
            return Err(AuthError::NewRealm(realm.to_string()));
        };
        for algorithm in [Algorithm::Sha256, Algorithm::Md5] {
            self.ha1.insert(algorithm, digest::ha1(algorithm, &self.username, realm, &password));
        }
        self.realm = Some(realm.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
