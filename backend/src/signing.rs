//! HMAC-SHA256 signatures of the conference service's status callbacks
//! (docs/protocol.md §3), timestamped so that a captured callback cannot be
//! replayed.
//!
//! The conference web service signs every callback it `POST`s to the
//! gateway's reporting web service:
//!
//! ```text
//! X-Rollcall-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>
//! ```
//!
//! The gateway ([`Verifier`]) recomputes the HMAC with the shared key and
//! refuses (HTTP 401) a missing or wrong signature, a timestamp more than
//! [`TOLERANCE`] from its own clock, and a signature it has already accepted
//! within that window. Without the signature anyone who can reach
//! `/reporting` could tell the gateway that a stranger's conference had
//! ended; without the timestamp and the replay check, anyone who once saw a
//! signed callback could send it again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rollcall_shared::sync::LockExt;
use sha2::Sha256;

/// The HTTP header that carries the signature of a callback body.
pub const SIGNATURE_HEADER: &str = "X-Rollcall-Signature";

/// How far a signature's timestamp may be from the receiver's clock, either
/// way (docs/protocol.md §3: 300 s).
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// Most accepted signatures remembered for the replay check. Only the
/// holder of the key can make signatures, so reaching this means the key
/// leaked or the sender is looping; the receiver then refuses rather than
/// forgetting a signature that could be replayed.
pub const MAX_REMEMBERED: usize = 100_000;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], timestamp: u64, body: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of every length (long keys are hashed, short
    // ones padded), so `new_from_slice` cannot fail for `Hmac<Sha256>`; the
    // `Result` only exists because the `KeyInit` trait also serves MACs with
    // fixed key sizes.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Seconds since the Unix epoch (0 for a clock before it).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The [`SIGNATURE_HEADER`] value for `body` signed under `key` at
/// `timestamp` (Unix seconds): `t=<timestamp>,v1=<64 hex digits>`.
pub fn sign(key: &[u8], timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(key, timestamp, body).finalize().into_bytes()))
}

/// Why a callback's signature was refused (all answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no signature, or not of the form t=<seconds>,v1=<hex>")]
    Malformed,
    #[error("the signature does not match the body")]
    Wrong,
    #[error("the timestamp is more than 300 s from this clock")]
    Stale,
    #[error("this signature was already accepted once (a replay)")]
    Replayed,
    #[error("too many signatures in the replay window")]
    Overloaded,
}

/// `t=<seconds>,v1=<hex>` taken apart; parameters in any order, unknown
/// ones (a future `v2`) ignored.
fn parse(header: &str) -> Option<(u64, Vec<u8>)> {
    let (mut timestamp, mut signature) = (None, None);
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<u64>().ok(),
            Some(("v1", value)) => signature = hex::decode(value).ok(),
            _ => {}
        }
    }
    Some((timestamp?, signature?))
}

/// The receiving side: checks signatures and remembers the accepted ones
/// for [`TOLERANCE`], so that each is accepted once.
pub struct Verifier {
    key: Vec<u8>,
    /// Accepted signatures → their timestamp, to forget them once a replay
    /// would be refused as stale anyway.
    seen: Mutex<HashMap<Vec<u8>, u64>>,
}

impl Verifier {
    pub fn new(key: Vec<u8>) -> Self {
        Verifier { key, seen: Mutex::new(HashMap::new()) }
    }

    /// Accepts `header` for `body` now, or says why not.
    pub fn verify(&self, header: &str, body: &[u8]) -> Result<(), Refusal> {
        self.verify_at(header, body, unix_now())
    }

    /// [`Verifier::verify`] with the receiver's clock at `now` (Unix seconds).
    pub fn verify_at(&self, header: &str, body: &[u8], now: u64) -> Result<(), Refusal> {
        let (timestamp, claimed) = parse(header).ok_or(Refusal::Malformed)?;
        // Constant-time comparison (`verify_slice`): response times tell an
        // attacker nothing about the right signature.
        mac(&self.key, timestamp, body).verify_slice(&claimed).map_err(|_| Refusal::Wrong)?;
        let window = TOLERANCE.as_secs();
        if timestamp.abs_diff(now) > window {
            return Err(Refusal::Stale);
        }
        let mut seen = self.seen.locked();
        if seen.contains_key(&claimed) {
            return Err(Refusal::Replayed);
        }
        if seen.len() >= MAX_REMEMBERED {
            seen.retain(|_, &mut t| t.abs_diff(now) <= window);
            if seen.len() >= MAX_REMEMBERED {
                return Err(Refusal::Overloaded);
            }
        }
        seen.insert(claimed, timestamp);
        Ok(())
    }

    /// Takes back the acceptance of `header` (verified before): the
    /// receiver could not act on the callback and answered 5xx, so the
    /// sender's retry — the same signature when made within the same
    /// second — must not be refused as a replay.
    pub fn forget(&self, header: &str) {
        if let Some((_, claimed)) = parse(header) {
            self.seen.locked().remove(&claimed);
        }
    }
}

#[cfg(test)]
mod tests;
