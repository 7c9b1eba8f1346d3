//! Random tokens: nonces, tags, request ids, passwords made up for demo
//! users — anything that must not be guessed.

use std::fmt::Write as _;

/// `bytes` random bytes as lower-case hex (`2 * bytes` characters), from the
/// OS (or, in the browser, `crypto.getRandomValues`).
///
/// Panics only if the platform has no random source at all.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).expect("no random number source available");
    let mut out = String::with_capacity(bytes * 2);
    for b in buf {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests;
