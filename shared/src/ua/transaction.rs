//! Our client transactions (RFC 3261 §17.1): what each request is for, its
//! timers, and the bookkeeping that decides whether a 401/407 is worth
//! answering again or means the password is wrong.
//!
//! Timers, named as in RFC 3261 (§17.1.2.2, Table 4) for the non-INVITE
//! requests a user agent of ours sends (REGISTER, MESSAGE, SUBSCRIBE):
//! - **Timer F** (64·T1): no final response by then ends the transaction.
//! - **Timer E**: on an unreliable transport (UDP) the request is sent
//!   again after T1, then at doubling intervals capped at T2; once a
//!   provisional response has come, every T2. Reliable transports (TCP,
//!   TLS, WebSocket) retransmit by themselves: no Timer E.
//! - **Timer K** (T4 on UDP, 0 otherwise) only absorbs retransmitted
//!   responses; a response whose transaction is gone is ignored anyway, so
//!   it needs no state here.

use crate::sip::Transport;

use super::Message;

/// RFC 3261's round-trip estimate, T1 (ms).
pub const T1_MS: u64 = 500;
/// The longest retransmission interval for non-INVITE requests, T2 (ms).
pub const T2_MS: u64 = 4_000;
/// Timer F = 64 × T1: how long we wait for a final response.
pub const TIMER_F_MS: u64 = 64 * T1_MS;
/// Challenges answered for one request (stale nonces included) before we
/// give up.
const MAX_CHALLENGES: u8 = 3;

/// A MESSAGE of the application's, kept so it can be sent again with
/// credentials.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub message: Message,
    pub call_id: String,
    pub cseq: u32,
    /// The proxy challenge generation it was last sent under.
    pub epoch: u64,
}

#[derive(Debug, Clone)]
pub enum Purpose {
    Register {
        expires: u32,
    },
    Message(OutgoingMessage),
    /// A SUBSCRIBE of the subscription with this Call-ID, presence or
    /// conference (its dialog state, CSeq included, lives in
    /// `subscriber.rs`).
    Subscribe {
        call_id: String,
        expires: u32,
    },
    /// A NOTIFY the application asked for ([`super::notifier::Notify`]),
    /// by its id.
    Notify {
        id: u64,
    },
}

#[derive(Debug, Clone)]
pub struct ClientTransaction {
    pub purpose: Purpose,
    /// When it was (last) sent (ms); Timer F runs from here.
    pub started: u64,
    /// Challenges of this request answered so far.
    challenges: u8,
    /// On UDP: the request as sent, and Timer E (when it fires next, and
    /// its current interval).
    timer_e: Option<TimerE>,
    reliable: bool,
}

#[derive(Debug, Clone)]
struct TimerE {
    text: String,
    at: u64,
    interval: u64,
}

/// What to do about a 401/407.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeVerdict {
    /// Send the request again answering the new challenge.
    Retry,
    /// Our credentials were refused: a new, non-stale challenge right after
    /// we answered one means the password is wrong.
    Refused,
}

impl ClientTransaction {
    pub fn new(purpose: Purpose, now: u64, transport: Transport) -> Self {
        ClientTransaction { purpose, started: now, challenges: 0, timer_e: None, reliable: transport.is_reliable() }
    }

    /// The request went out as `text`: on UDP, Timer E starts (at T1).
    pub fn sent(&mut self, text: String) {
        if !self.reliable && cfg!(not(target_arch = "wasm32")) {
            self.timer_e = Some(TimerE { text, at: self.started + T1_MS, interval: T1_MS });
        }
    }

    /// Timer E fired at `now`: the request to send again, if any.
    pub fn retransmission_due(&mut self, now: u64) -> Option<String> {
        let timer = self.timer_e.as_mut().filter(|t| now >= t.at)?;
        timer.interval = (timer.interval * 2).min(T2_MS);
        timer.at = now + timer.interval;
        Some(timer.text.clone())
    }

    /// A provisional response came: on UDP, retransmit every T2 from now on
    /// (RFC 3261 §17.1.2.2, Proceeding).
    pub fn provisional(&mut self, now: u64) {
        if let Some(timer) = self.timer_e.as_mut().filter(|_| cfg!(not(target_arch = "wasm32"))) {
            timer.interval = T2_MS;
            timer.at = now + T2_MS;
        }
    }

    /// Has Timer F fired?
    pub fn timed_out(&self, now: u64) -> bool {
        now.saturating_sub(self.started) >= TIMER_F_MS
    }

    /// A 401/407 arrived. `stale` is the challenge's flag: the nonce was old
    /// but our answer was right, so answering again is fine. Credentials
    /// sent before any challenge (a cached nonce) may be refused once
    /// without meaning the password is wrong (the server may have
    /// restarted and forgotten the nonce). The request goes out again as a
    /// new transaction: Timer F starts over.
    pub fn challenged(&mut self, stale: bool, now: u64) -> ChallengeVerdict {
        if self.challenges >= MAX_CHALLENGES || (self.challenges > 0 && !stale) {
            return ChallengeVerdict::Refused;
        }
        self.challenges += 1;
        self.started = now;
        self.timer_e = None;
        ChallengeVerdict::Retry
    }
}

#[cfg(test)]
mod tests;
