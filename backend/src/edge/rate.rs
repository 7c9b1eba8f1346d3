//! Token buckets: at most `rate` actions a second on average, `burst` at
//! once. One [`Bucket`] per key, kept by [`RateLimiter`] (bounded in keys),
//! or inside another per-key record ([`crate::im_server::limits::Peers`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rollcall_shared::sync::LockExt;

/// The key per-address limits use for `ip`: IPv4 (also when written as
/// IPv4-mapped IPv6) as it is, IPv6 by its /64 — one subscriber's network
/// holds billions of addresses, so per-address limits on single IPv6
/// addresses would limit nothing.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

/// One key's allowance.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn full(burst: f64, now: Instant) -> Self {
        Bucket { tokens: burst, refilled: now }
    }

    /// Takes one token, or says how long until one is there.
    pub fn take(&mut self, now: Instant, rate: f64, burst: f64) -> Result<(), Duration> {
        let refill = now.saturating_duration_since(self.refilled).as_secs_f64() * rate;
        self.tokens = (self.tokens + refill).min(burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        if rate <= 0.0 {
            return Err(Duration::MAX);
        }
        Err(Duration::from_secs_f64((1.0 - self.tokens) / rate))
    }

    /// Would the bucket be full by `now` (so forgetting it changes nothing)?
    fn is_full_at(&self, now: Instant, rate: f64, burst: f64) -> bool {
        self.tokens + now.saturating_duration_since(self.refilled).as_secs_f64() * rate >= burst
    }
}

/// Buckets by key, at most `max_keys` of them.
pub struct RateLimiter<K> {
    rate: f64,
    burst: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    pub fn new(rate: f64, burst: f64, max_keys: usize) -> Self {
        RateLimiter { rate, burst: burst.max(1.0), max_keys, buckets: Mutex::new(HashMap::new()) }
    }

    /// One action of `key` now: `Ok`, or how long until it may act.
    pub fn take(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.locked();
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            // Full buckets hold nothing worth keeping.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| !b.is_full_at(now, rate, burst));
            if buckets.len() >= self.max_keys {
                return Err(Duration::from_secs(1));
            }
        }
        buckets.entry(key.clone()).or_insert_with(|| Bucket::full(self.burst, now)).take(now, self.rate, self.burst)
    }
}

#[cfg(test)]
mod tests;
