//! Fresh identifiers for new requests and dialogs (RFC 3261 §8.1.1):
//! Via branch, From/To tag, Call-ID.

use crate::random::random_hex;

/// A fresh Via `branch`: the RFC 3261 magic cookie `z9hG4bK` and 96 random bits.
pub fn new_branch() -> String {
    format!("z9hG4bK{}", random_hex(12))
}

/// A fresh From/To `tag` (64 random bits, hex).
pub fn new_tag() -> String {
    random_hex(8)
}

/// A fresh Call-ID (128 random bits, hex).
pub fn new_call_id() -> String {
    random_hex(16)
}
