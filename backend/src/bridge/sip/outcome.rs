//! What a SIP call's end means to the conference: the bridge event (and
//! Q.850 cause) for each final response, as docs/protocol.md's state
//! table and the mapping ask, and RFC 3398 §8.2.6.1's table for
//! the rest, unless the trunk said the cause itself (RFC 3326 `Reason`).

use rollcall_shared::soap::Cause;

use crate::bridge::BridgeEventKind;

/// Why the bridge itself ended a call that was not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Nobody ended it: the far end's answer is what counts.
    None,
    /// Cancelled after ringing too long.
    RingTimeout,
    /// Cancelled because the conference service asked for a release.
    Released,
}

/// The final event of a call that was never answered, from its final
/// response `code` and the `Reason` header's cause.
pub fn unanswered(code: u16, reason: Option<u16>, ending: Ending) -> BridgeEventKind {
    match (ending, code) {
        (Ending::Released, _) => BridgeEventKind::HungUp(Cause::NORMAL_CLEARING),
        (Ending::RingTimeout, 487) => BridgeEventKind::NoAnswer,
        (_, 486 | 600) => BridgeEventKind::Busy,
        (_, 408 | 480) => BridgeEventKind::NoAnswer,
        (_, 404 | 484 | 604) => BridgeEventKind::Failed(Cause::UNALLOCATED_NUMBER),
        (_, 403 | 603) => BridgeEventKind::Failed(Cause::CALL_REJECTED),
        (_, code) => BridgeEventKind::Failed(Cause(reason.unwrap_or_else(|| rfc3398(code)))),
    }
}

/// RFC 3398 §8.2.6.1: the ISUP cause for a SIP final response.
fn rfc3398(code: u16) -> u16 {
    match code {
        400 => 41,
        401 | 402 | 403 | 407 => 21,
        404 | 485 | 604 => 1,
        405 => 63,
        406 | 415 | 501 => 79,
        408 | 504 => 102,
        410 => 22,
        480 => 18,
        482 | 483 => 25,
        484 => 28,
        486 | 600 => 17,
        500 | 503 => 41,
        502 => 38,
        603 => 21,
        606 => 58,
        _ => 127, // interworking, unspecified
    }
}

/// The final event of an answered call that ended: hung up by us (the
/// release the service asked for) or by the far end (its cause, else
/// normal clearing).
pub fn answered_ended(by_far_end: bool, reason: Option<u16>) -> BridgeEventKind {
    let cause = if by_far_end { reason.map_or(Cause::NORMAL_CLEARING, Cause) } else { Cause::NORMAL_CLEARING };
    BridgeEventKind::HungUp(cause)
}

#[cfg(test)]
mod tests;
