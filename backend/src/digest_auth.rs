//! Digest authentication against the users table, for SIP (RFC 3261 §22
//! with RFC 8760) and for HTTP (RFC 7616): the IM server checks REGISTER and
//! MESSAGE with it, the phone panel (`/pstn/`) every HTTP request. The two
//! protocols share the scheme, the header syntax and the stored HA1, so one
//! [`Authenticator`] serves both; each server keeps its own instance, so a
//! nonce issued for SIP is not accepted over HTTP and vice versa.
//!
//! The server issues one nonce per challenge and offers it once per
//! configured algorithm. A nonce is good for `ttl`; within that time a
//! client may reuse it with a new `nc` (clients cache credentials and so
//! skip the challenge round trip). Requests sent concurrently may arrive
//! out of order, so any `nc` not yet seen within [`NC_WINDOW`] of the
//! highest is accepted (docs/protocol.md §1); an `nc` is never accepted twice.
//! The check needs only the stored HA1 of the user, never a password.
//!
//! The order of the checks matters to a password guesser. The nonce comes
//! first: a made-up, expired or used-up nonce gets a fresh `stale=true`
//! challenge whatever the response, so it cannot tell a right password from
//! a wrong one. Then the [`Throttle`]: a user or address that failed too
//! often is refused without a check. Only then the password.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::digest::{Algorithm, Challenge, Credentials};
use rollcall_shared::random::random_hex;
use rollcall_shared::sync::LockExt;

use crate::edge::throttle::Throttle;
use crate::store::Users;

/// Upper bound of outstanding nonces; the oldest go first beyond it.
const MAX_NONCES: usize = 100_000;

/// How far below the highest `nc` seen an unseen `nc` is still accepted
/// (docs/protocol.md §1: at least 64).
pub const NC_WINDOW: u32 = 64;

/// The outcome of checking a request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid credentials of this user name.
    Authenticated(String),
    /// No usable credentials, or a wrong password: challenge (again).
    Challenge,
    /// The nonce is unknown, expired or its `nc` was already used:
    /// challenge with `stale=true` (whatever the password).
    Stale,
    /// Too many failures for this user or address: refused, not checked,
    /// for this long ([`Throttle`]).
    Refused { retry_after: Duration },
}

struct NonceState {
    issued: Instant,
    /// Highest `nc` seen with this nonce (0: none yet).
    highest_nc: u32,
    /// Bit `i` set: `highest_nc - i` was seen (bit 0 is `highest_nc`).
    seen: u64,
}

impl NonceState {
    /// Has `nc` been used, or fallen out of the window?
    fn is_used(&self, nc: u32) -> bool {
        if nc > self.highest_nc {
            return false;
        }
        let below = self.highest_nc - nc;
        below >= NC_WINDOW || self.seen & (1 << below) != 0
    }

    /// Marks `nc` (not [`NonceState::is_used`]) as used.
    fn use_nc(&mut self, nc: u32) {
        if nc > self.highest_nc {
            let shift = nc - self.highest_nc;
            self.seen = if shift >= 64 { 0 } else { self.seen << shift };
            self.highest_nc = nc;
            self.seen |= 1;
        } else {
            self.seen |= 1 << (self.highest_nc - nc);
        }
    }
}

/// Outstanding nonces, and the order they were issued in (oldest first),
/// so that expiry and eviction take the oldest without a scan.
#[derive(Default)]
struct Nonces {
    by_value: HashMap<String, NonceState>,
    issued: VecDeque<String>,
}

pub struct Authenticator {
    realm: String,
    ttl: Duration,
    algorithms: Vec<Algorithm>,
    opaque: String,
    nonces: Mutex<Nonces>,
    throttle: Arc<Throttle>,
}

impl Authenticator {
    /// Challenges for `realm` (the SIP domain), nonces good for `ttl`,
    /// one challenge per algorithm in the order given, failures counted in
    /// `throttle` (share one between the authenticators of a process).
    pub fn new(realm: impl Into<String>, ttl: Duration, algorithms: Vec<Algorithm>, throttle: Arc<Throttle>) -> Self {
        Authenticator {
            realm: realm.into(),
            ttl,
            algorithms,
            opaque: random_hex(8),
            nonces: Mutex::new(Nonces::default()),
            throttle,
        }
    }

    /// The realm challenged for.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The failure counters this authenticator reports to.
    pub fn throttle(&self) -> &Arc<Throttle> {
        &self.throttle
    }

    /// A fresh nonce offered once per configured algorithm, in order.
    pub fn challenges(&self, stale: bool) -> Vec<Challenge> {
        let nonce = random_hex(16);
        {
            let mut guard = self.nonces.locked();
            let Nonces { by_value, issued } = &mut *guard;
            // The oldest go when expired (or already gone), or to make room.
            while let Some(oldest) = issued.front() {
                let expired = by_value.get(oldest).is_none_or(|n| n.issued.elapsed() >= self.ttl);
                if !expired && by_value.len() < MAX_NONCES {
                    break;
                }
                by_value.remove(oldest);
                issued.pop_front();
            }
            by_value.insert(nonce.clone(), NonceState { issued: Instant::now(), highest_nc: 0, seen: 0 });
            issued.push_back(nonce.clone());
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
    /// a request with this `method` from `peer`. (SIP: the digest `uri` is
    /// not compared with the Request-URI, which proxies may rewrite.)
    pub async fn check(&self, users: &Users, header_values: &[String], method: &str, peer: IpAddr) -> anyhow::Result<Verdict> {
        self.check_request(users, header_values, method, None, peer).await
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
        peer: IpAddr,
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
        // With qop the nc counts; without qop (RFC 2069) a nonce is single-use.
        let nc = credentials.nc.unwrap_or(u32::MAX);
        if !self.nonce_usable(&credentials.nonce, nc) {
            return Ok(Verdict::Stale);
        }
        if let Some(retry_after) = self.throttle.refused_for(&credentials.username, peer) {
            return Ok(Verdict::Refused { retry_after });
        }
        let Some(user) = users.get(&credentials.username).await?.filter(|u| u.realm == self.realm) else {
            self.throttle.failed_unknown(peer);
            return Ok(Verdict::Challenge);
        };
        if !credentials.verify(user.ha1(credentials.algorithm), method) {
            self.throttle.failed(&user.username, peer);
            return Ok(Verdict::Challenge);
        }
        // Used now, not before the password was right: a guess must not
        // burn the `nc` values of the real user's cached credentials.
        if !self.use_nonce(&credentials.nonce, nc) {
            return Ok(Verdict::Stale); // the same nc won a race meanwhile
        }
        self.throttle.succeeded(&user.username, peer);
        Ok(Verdict::Authenticated(user.username))
    }

    /// Is `nonce` ours, fresh, and `nc` unused with it?
    fn nonce_usable(&self, nonce: &str, nc: u32) -> bool {
        let nonces = self.nonces.locked();
        nonces.by_value.get(nonce).is_some_and(|state| state.issued.elapsed() < self.ttl && !state.is_used(nc))
    }

    /// Marks `nc` used with `nonce`; false when it no longer can be.
    fn use_nonce(&self, nonce: &str, nc: u32) -> bool {
        let mut nonces = self.nonces.locked();
        match nonces.by_value.get_mut(nonce) {
            Some(state) if state.issued.elapsed() < self.ttl && !state.is_used(nc) => {
                state.use_nc(nc);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
