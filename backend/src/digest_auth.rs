//! Digest authentication against the users table, for SIP (RFC 3261 §22
//! with RFC 8760) and for HTTP (RFC 7616): the IM server checks REGISTER and
//! MESSAGE with it, the phone panel (`/pstn/`) every HTTP request. The two
//! protocols share the scheme, the header syntax and the stored HA1, so one
//! [`Authenticator`] serves both; each server keeps its own instance, so a
//! nonce issued for SIP is not accepted over HTTP and vice versa.
//!
//! The server issues one nonce per challenge and offers it once per
//! configured algorithm. A nonce is good for `ttl`; within that time
//! a client may reuse it with a strictly increasing `nc` (clients cache
//! credentials and so skip the challenge round trip). The check needs only
//! the stored HA1 of the user, never a password.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rollcall_shared::digest::{Algorithm, Challenge, Credentials};
use rollcall_shared::sip::random_hex;

use crate::store::Users;

/// Upper bound of outstanding nonces; the oldest go first beyond it.
const MAX_NONCES: usize = 100_000;

/// The outcome of checking a request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid credentials of this user name.
    Authenticated(String),
    /// No usable credentials, or a wrong password: challenge (again).
    Challenge,
    /// The password was right but the nonce is old or its `nc` was
    /// not increasing: challenge with `stale=true`.
    Stale,
}

struct NonceState {
    issued: Instant,
    /// Highest `nc` seen with this nonce.
    last_nc: u32,
}

pub struct Authenticator {
    realm: String,
    ttl: Duration,
    algorithms: Vec<Algorithm>,
    opaque: String,
    nonces: Mutex<HashMap<String, NonceState>>,
}

impl Authenticator {
    /// Challenges for `realm` (the SIP domain), nonces good for `ttl`,
    /// one challenge per algorithm in the order given.
    pub fn new(realm: impl Into<String>, ttl: Duration, algorithms: Vec<Algorithm>) -> Self {
        Authenticator {
            realm: realm.into(),
            ttl,
            algorithms,
            opaque: random_hex(8),
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// The realm challenged for.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// A fresh nonce offered once per configured algorithm, in order.
    pub fn challenges(&self, stale: bool) -> Vec<Challenge> {
        let nonce = random_hex(16);
        if let Ok(mut nonces) = self.nonces.lock() {
            let ttl = self.ttl;
            nonces.retain(|_, n| n.issued.elapsed() < ttl);
            if nonces.len() >= MAX_NONCES {
                if let Some(oldest) = nonces.iter().min_by_key(|(_, n)| n.issued).map(|(k, _)| k.clone()) {
                    nonces.remove(&oldest);
                }
            }
            nonces.insert(nonce.clone(), NonceState { issued: Instant::now(), last_nc: 0 });
        }
        self.algorithms
            .iter()
            .map(|&algorithm| Challenge {
                realm: self.realm.clone(),
                nonce: nonce.clone(),
                opaque: Some(self.opaque.clone()),
                algorithm,
                qop_auth: true,
                stale,
            })
            .collect()
    }

    /// Checks the `Authorization` / `Proxy-Authorization` header values of
    /// a request with this `method`. (SIP: the digest `uri` is not compared
    /// with the Request-URI, which proxies may rewrite.)
    pub async fn check(&self, users: &Users, header_values: &[String], method: &str) -> anyhow::Result<Verdict> {
        self.check_request(users, header_values, method, None).await
    }

    /// Like [`Authenticator::check`], and when `request_uri` is given the
    /// credentials' `uri` must equal it — RFC 7616 §3.4.6 for HTTP, where
    /// it is the request target (path and query). The response hash covers
    /// the `uri` parameter, not the URL actually requested; without this
    /// check a captured header could be sent to another URL before its
    /// `nc` is used up.
    pub async fn check_request(
        &self,
        users: &Users,
        header_values: &[String],
        method: &str,
        request_uri: Option<&str>,
    ) -> anyhow::Result<Verdict> {
        let Some(credentials) = header_values
            .iter()
            .filter_map(|v| Credentials::parse(v).ok())
            .find(|c| c.realm == self.realm && self.algorithms.contains(&c.algorithm))
        else {
            return Ok(Verdict::Challenge);
        };
        if request_uri.is_some_and(|uri| uri != credentials.uri) {
            return Ok(Verdict::Challenge);
        }
        let Some(user) = users.get(&credentials.username).await? else {
            return Ok(Verdict::Challenge);
        };
        if user.realm != self.realm || !credentials.verify(user.ha1(credentials.algorithm), method) {
            return Ok(Verdict::Challenge);
        }
        Ok(self.consume_nonce(&credentials, user.username))
    }

    /// The password was right; is the nonce still fresh and the `nc` new?
    fn consume_nonce(&self, credentials: &Credentials, username: String) -> Verdict {
        let Ok(mut nonces) = self.nonces.lock() else { return Verdict::Stale };
        let Some(state) = nonces.get_mut(&credentials.nonce) else { return Verdict::Stale };
        if state.issued.elapsed() >= self.ttl {
            nonces.remove(&credentials.nonce);
            return Verdict::Stale;
        }
        // With qop the nc must grow; without qop (RFC 2069) a nonce is single-use.
        let nc = credentials.nc.unwrap_or(u32::MAX);
        if nc <= state.last_nc {
            return Verdict::Stale;
        }
        state.last_nc = nc;
        Verdict::Authenticated(username)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, User};

    async fn setup(ttl: Duration) -> (Authenticator, Users) {
        let store = Store::open(":memory:").await.expect("db");
        store.users().upsert(&User::with_password("alice", "rollcall.local", "pw")).await.expect("user");
        (Authenticator::new("rollcall.local", ttl, vec![Algorithm::Sha256, Algorithm::Md5]), store.users())
    }

    fn answer(c: &Challenge, password: &str, nc: u32) -> Vec<String> {
        vec![c.answer("alice", password, "REGISTER", "sip:rollcall.local", "abc", nc).to_header_value()]
    }

    #[tokio::test]
    async fn challenge_order_follows_configuration() {
        let (auth, _) = setup(Duration::from_secs(60)).await;
        let cs = auth.challenges(false);
        assert_eq!(cs.iter().map(|c| c.algorithm).collect::<Vec<_>>(), vec![Algorithm::Sha256, Algorithm::Md5]);
        assert_eq!(cs[0].nonce, cs[1].nonce);
    }

    #[tokio::test]
    async fn good_bad_and_replayed_credentials() {
        let (auth, users) = setup(Duration::from_secs(60)).await;
        let c = auth.challenges(false).remove(0);
        assert_eq!(auth.check(&users, &[], "REGISTER").await.expect("check"), Verdict::Challenge);
        assert_eq!(auth.check(&users, &answer(&c, "wrong", 1), "REGISTER").await.expect("check"), Verdict::Challenge);
        assert_eq!(
            auth.check(&users, &answer(&c, "pw", 1), "REGISTER").await.expect("check"),
            Verdict::Authenticated("alice".into())
        );
        // Same nc again: a replay.
        assert_eq!(auth.check(&users, &answer(&c, "pw", 1), "REGISTER").await.expect("check"), Verdict::Stale);
        // Higher nc with the same nonce: fine.
        assert_eq!(
            auth.check(&users, &answer(&c, "pw", 2), "REGISTER").await.expect("check"),
            Verdict::Authenticated("alice".into())
        );
        // The MD5 challenge of the same nonce works as well.
        let md5 = auth.challenges(false).remove(1);
        assert_eq!(
            auth.check(&users, &answer(&md5, "pw", 1), "REGISTER").await.expect("check"),
            Verdict::Authenticated("alice".into())
        );
    }

    #[tokio::test]
    async fn http_credentials_must_name_the_requested_uri() {
        let (auth, users) = setup(Duration::from_secs(60)).await;
        let c = auth.challenges(false).remove(0);
        let header = vec![c.answer("alice", "pw", "GET", "/pstn/phones", "abc", 1).to_header_value()];
        let check = |uri| auth.check_request(&users, &header, "GET", Some(uri));
        assert_eq!(check("/pstn/events").await.expect("check"), Verdict::Challenge);
        assert_eq!(check("/pstn/phones").await.expect("check"), Verdict::Authenticated("alice".into()));
    }

    #[tokio::test]
    async fn expired_nonce_is_stale() {
        let (auth, users) = setup(Duration::ZERO).await;
        let c = auth.challenges(false).remove(0);
        assert_eq!(auth.check(&users, &answer(&c, "pw", 1), "REGISTER").await.expect("check"), Verdict::Stale);
    }
}
