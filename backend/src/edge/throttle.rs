//! Password guessing, slowed down: failed digest checks are counted per
//! user name and per client IP, and past a free allowance each further
//! failure refuses that user (or that IP) for a while, twice as long each
//! time up to a ceiling. A refused attempt is not checked at all, so the
//! right password does not help while it lasts; the refusal says when to
//! come back (SIP `403` with `Retry-After`, HTTP `429`).
//!
//! Counters forget failures after a quiet [`ThrottleConfig::reset_after`];
//! a success clears the user's counter (not the IP's: one valid account
//! must not reset an address that is guessing at others).
//!
//! A user's refusal does not apply at an address the user has signed in
//! from successfully within [`KNOWN_FOR`]: otherwise anyone could lock a
//! person out — or the gateway, whose user name is public, and with it the
//! whole service — by guessing at their name. The address's own refusal
//! still applies there. Both tables are
//! bounded ([`ThrottleConfig::max_entries`]): when full, entries past their
//! quiet time go first, then the stalest.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rollcall_shared::sync::LockExt;

use crate::edge::rate::address_key;

/// The allowance and the refusals. All are flags of `rollcall serve`.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Failures for one user name before refusals start.
    pub user_free_failures: u32,
    /// Failures from one IP address (any user names) before refusals start.
    pub ip_free_failures: u32,
    /// The first refusal's length; each failure after it doubles it.
    pub first_lockout: Duration,
    /// The longest refusal.
    pub max_lockout: Duration,
    /// Failures older than this (counted from the last one) are forgotten.
    pub reset_after: Duration,
    /// Most user names, and most IP addresses, tracked at once.
    pub max_entries: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            user_free_failures: 5,
            ip_free_failures: 20,
            first_lockout: Duration::from_secs(1),
            max_lockout: Duration::from_secs(15 * 60),
            reset_after: Duration::from_secs(15 * 60),
            max_entries: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Instant,
    refused_until: Option<Instant>,
}

/// One table of counters (by user name or by IP).
struct Counters<K> {
    free: u32,
    records: HashMap<K, Record>,
}

impl<K: Hash + Eq + Clone> Counters<K> {
    fn refused_for(&self, key: &K, now: Instant) -> Option<Duration> {
        let until = self.records.get(key)?.refused_until?;
        (until > now).then(|| until - now)
    }

    fn fail(&mut self, key: K, now: Instant, config: &ThrottleConfig) {
        if self.records.len() >= config.max_entries && !self.records.contains_key(&key) {
            self.records.retain(|_, r| now.duration_since(r.last_failure) < config.reset_after);
            if self.records.len() >= config.max_entries {
                if let Some(stalest) = self.records.iter().min_by_key(|(_, r)| r.last_failure).map(|(k, _)| k.clone()) {
                    self.records.remove(&stalest);
                }
            }
        }
        let record = self.records.entry(key).or_insert(Record { failures: 0, last_failure: now, refused_until: None });
        if now.duration_since(record.last_failure) >= config.reset_after {
            *record = Record { failures: 0, last_failure: now, refused_until: None };
        }
        record.failures += 1;
        record.last_failure = now;
        if record.failures > self.free {
            let doublings = (record.failures - self.free - 1).min(30);
            let lockout = config.first_lockout.saturating_mul(1 << doublings).min(config.max_lockout);
            record.refused_until = Some(now + lockout);
        }
    }
}

/// How long an address where a user signed in stays exempt from that
/// user's refusals.
pub const KNOWN_FOR: Duration = Duration::from_secs(24 * 3600);

/// The three tables: failures by user, failures by address, and where each
/// user last succeeded.
struct Tables {
    users: Counters<String>,
    ips: Counters<IpAddr>,
    known: HashMap<(String, IpAddr), Instant>,
}

/// The failure counters shared by every authenticator of a process (SIP and
/// HTTP guess at the same passwords).
pub struct Throttle {
    config: ThrottleConfig,
    tables: Mutex<Tables>,
}

impl Throttle {
    pub fn new(config: ThrottleConfig) -> Self {
        let tables = Tables {
            users: Counters { free: config.user_free_failures, records: HashMap::new() },
            ips: Counters { free: config.ip_free_failures, records: HashMap::new() },
            known: HashMap::new(),
        };
        Throttle { config, tables: Mutex::new(tables) }
    }

    /// `Some(how long)` while `user` or `ip` is refused.
    pub fn refused_for(&self, user: &str, ip: IpAddr) -> Option<Duration> {
        let ip = address_key(ip);
        let now = Instant::now();
        let tables = self.tables.locked();
        let key = (user.to_string(), ip);
        let known = tables.known.get(&key).is_some_and(|at| now.duration_since(*at) < KNOWN_FOR);
        let by_user = if known { None } else { tables.users.refused_for(&key.0, now) };
        let by_ip = tables.ips.refused_for(&ip, now);
        by_user.max(by_ip)
    }

    /// A user name that does not exist, from `ip`: counted for the address
    /// only, so that made-up names cannot fill the per-user table.
    pub fn failed_unknown(&self, ip: IpAddr) {
        let ip = address_key(ip);
        let now = Instant::now();
        let mut tables = self.tables.locked();
        tables.ips.fail(ip, now, &self.config);
        let failures_ip = tables.ips.records.get(&ip).map_or(0, |r| r.failures);
        tracing::warn!(%ip, failures_ip, "unknown user name");
        crate::metrics::global().auth_failures.inc();
    }

    /// A wrong password for an existing user, from `ip`.
    pub fn failed(&self, user: &str, ip: IpAddr) {
        let ip = address_key(ip);
        let now = Instant::now();
        let mut tables = self.tables.locked();
        tables.users.fail(user.to_string(), now, &self.config);
        tables.ips.fail(ip, now, &self.config);
        let (failures_user, failures_ip) =
            (tables.users.records.get(user).map_or(0, |r| r.failures), tables.ips.records.get(&ip).map_or(0, |r| r.failures));
        tracing::warn!(%ip, user, failures_user, failures_ip, "wrong password");
        crate::metrics::global().auth_failures.inc();
    }

    /// The right password from `ip`: the user's counter starts again, and
    /// `ip` is a known address of the user's ([`KNOWN_FOR`]).
    pub fn succeeded(&self, user: &str, ip: IpAddr) {
        let ip = address_key(ip);
        let now = Instant::now();
        let mut tables = self.tables.locked();
        tables.users.records.remove(user);
        let key = (user.to_string(), ip);
        if !tables.known.contains_key(&key) && tables.known.len() >= self.config.max_entries {
            tables.known.retain(|_, at| now.duration_since(*at) < KNOWN_FOR);
            if tables.known.len() >= self.config.max_entries {
                if let Some(oldest) = tables.known.iter().min_by_key(|(_, at)| **at).map(|(k, _)| k.clone()) {
                    tables.known.remove(&oldest);
                }
            }
        }
        tables.known.insert(key, now);
    }
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(ThrottleConfig::default())
    }
}

#[cfg(test)]
mod tests;
