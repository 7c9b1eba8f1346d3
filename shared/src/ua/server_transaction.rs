//! Our server transactions (RFC 3261 §17.2): a request that comes again —
//! UDP senders retransmit until they hear an answer — gets the answer it
//! got the first time, and is not acted on twice.
//!
//! Timers, named as in RFC 3261 (§17.2, Table 4), on UDP; on a reliable
//! transport nothing comes again and each is 0:
//! - **Timer J** (64·T1): how long the answer to a non-INVITE request is
//!   kept for retransmissions of it.
//! - **Timer G**: a failure answering an INVITE is sent again after T1,
//!   then at doubling intervals capped at T2, until its ACK comes;
//! - **Timer H** (64·T1): … or until then, when the far end is given up;
//! - **Timer I** (T4): after the ACK, how long more ACKs are absorbed.

use std::collections::HashMap;

use crate::sip::message::Request;

use super::transaction::{T1_MS, T2_MS};

/// RFC 3261's T4, the longest a message may stay in the network (ms).
const T4_MS: u64 = 5_000;
/// Timer J and Timer H: 64 × T1.
const TIMER_J_MS: u64 = 64 * T1_MS;
const TIMER_H_MS: u64 = 64 * T1_MS;

/// One request answered: by its top Via's branch and its method (an ACK
/// belongs to the INVITE of its branch, RFC 3261 §17.2.3).
type Key = (String, String);

#[derive(Debug)]
struct Answered {
    response: String,
    /// Until when it is kept (Timer J, H or I).
    keep_until: u64,
    /// An INVITE's failure not yet ACKed on UDP: Timer G (next, interval).
    timer_g: Option<(u64, u64)>,
}

/// The answers of one user agent's server transactions.
#[derive(Debug, Default)]
pub struct ServerTransactions {
    answered: HashMap<Key, Answered>,
}

/// What to do with a request that arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// New: act on it (then [`ServerTransactions::answered`]).
    New,
    /// Answered already: send this again, and nothing more.
    Again(String),
    /// An ACK of a failure we sent: nothing to do.
    Absorbed,
}

impl ServerTransactions {
    /// Has `request` (on a transport that is `reliable` or not) been seen?
    pub fn seen(&mut self, request: &Request, reliable: bool, now: u64) -> Seen {
        let Some(key) = key(request) else { return Seen::New };
        if request.method == "ACK" {
            let invite = (key.0, "INVITE".to_owned());
            return match self.answered.get_mut(&invite).filter(|a| now < a.keep_until) {
                Some(answered) => {
                    // Confirmed: Timer G stops, Timer I absorbs later ACKs.
                    if answered.timer_g.take().is_some() {
                        answered.keep_until = now + if reliable { 0 } else { T4_MS };
                    }
                    Seen::Absorbed
                }
                None => Seen::New, // the ACK of a 2xx: the dialog's business
            };
        }
        match self.answered.get(&key).filter(|a| now < a.keep_until) {
            Some(answered) => Seen::Again(answered.response.clone()),
            None => Seen::New,
        }
    }

    /// `request` was answered with `response` (its final answer).
    pub fn answered(&mut self, request: &Request, response: &str, reliable: bool, now: u64) {
        if reliable || request.method == "ACK" {
            return; // nothing will come again
        }
        let Some(key) = key(request) else { return };
        let failed_invite = request.method == "INVITE" && !response.starts_with("SIP/2.0 2");
        let (keep_until, timer_g) =
            if failed_invite { (now + TIMER_H_MS, Some((now + T1_MS, T1_MS))) } else { (now + TIMER_J_MS, None) };
        self.answered.insert(key, Answered { response: response.to_owned(), keep_until, timer_g });
    }

    /// Timer G's retransmissions due at `now`; forgets what has expired.
    pub fn tick(&mut self, now: u64) -> Vec<String> {
        let mut again = Vec::new();
        for answered in self.answered.values_mut() {
            if let Some((at, interval)) = answered.timer_g.as_mut() {
                if now >= *at {
                    *interval = (*interval * 2).min(T2_MS);
                    *at = now + *interval;
                    again.push(answered.response.clone());
                }
            }
        }
        self.answered.retain(|_, a| now < a.keep_until);
        again
    }
}

/// The transaction a request belongs to: its top Via's branch and its
/// method. `None` without a branch (an RFC 2543 peer: no matching then).
fn key(request: &Request) -> Option<Key> {
    let via = request.headers.get("Via")?;
    let branch = via
        .split(',')
        .next()?
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("branch"))
        .map(|(_, value)| value.trim().to_owned())?;
    Some((branch, request.method.clone()))
}

#[cfg(test)]
mod tests;
