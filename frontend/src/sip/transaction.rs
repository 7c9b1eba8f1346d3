//! Our client transactions (RFC 3261 §17.1), reduced to what a UA on a
//! reliable WebSocket needs: no retransmissions (the transport is
//! reliable), a timeout (Timer F), and the bookkeeping that decides whether
//! a 401/407 is worth answering again or means the password is wrong.

/// Timer F = 64 × T1 (T1 = 500 ms): how long we wait for a final response.
pub const TIMER_F_MS: u64 = 64 * 500;
/// Challenges answered for one request (stale nonces included) before we
/// give up.
const MAX_CHALLENGES: u8 = 3;

/// A SOAP MESSAGE to the gateway, kept so it can be sent again with
/// credentials.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// The SOAP envelope.
    pub body: String,
    pub call_id: String,
    pub cseq: u32,
}

#[derive(Debug, Clone)]
pub enum Purpose {
    Register {
        expires: u32,
    },
    Message(OutgoingMessage),
    /// A SUBSCRIBE of the presence subscription with this Call-ID (its
    /// dialog state, CSeq included, lives in `presence.rs`).
    Subscribe {
        call_id: String,
        expires: u32,
    },
}

#[derive(Debug, Clone)]
pub struct ClientTransaction {
    pub purpose: Purpose,
    /// When it was sent (ms); Timer F runs from here.
    pub started: u64,
    /// Challenges of this request answered so far.
    challenges: u8,
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
    pub fn new(purpose: Purpose, now: u64) -> Self {
        ClientTransaction {
            purpose,
            started: now,
            challenges: 0,
        }
    }

    pub fn timed_out(&self, now: u64) -> bool {
        now.saturating_sub(self.started) >= TIMER_F_MS
    }

    /// A 401/407 arrived. `stale` is the challenge's flag: the nonce was old
    /// but our answer was right, so answering again is fine. Credentials
    /// sent before any challenge (a cached nonce) may be refused once
    /// without meaning the password is wrong (the server may have
    /// restarted and forgotten the nonce).
    pub fn challenged(&mut self, stale: bool, now: u64) -> ChallengeVerdict {
        if self.challenges >= MAX_CHALLENGES || (self.challenges > 0 && !stale) {
            return ChallengeVerdict::Refused;
        }
        self.challenges += 1;
        self.started = now;
        ChallengeVerdict::Retry
    }
}

#[cfg(test)]
mod tests;
