//! HMAC-SHA256 signatures of the conference service's status callbacks
//! (PROTOCOL.md §3).
//!
//! The conference web service signs the exact bytes of every callback body it
//! `POST`s to the gateway's reporting web service and puts the signature, as
//! plain lower-case hex, in the [`SIGNATURE_HEADER`] header. The gateway
//! recomputes it with the shared key and refuses (HTTP 401) anything that does
//! not match: without the signature anyone who can reach `/reporting` could
//! tell the gateway that a stranger's conference had ended.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HTTP header that carries the signature of a callback body.
pub const SIGNATURE_HEADER: &str = "X-Rollcall-Signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of every length (long keys are hashed, short
    // ones padded), so `new_from_slice` cannot fail for `Hmac<Sha256>`; the
    // `Result` only exists because the `KeyInit` trait also serves MACs with
    // fixed key sizes.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// The signature of `body` under `key`: HMAC-SHA256 as lower-case hex
/// (64 characters), the value of the [`SIGNATURE_HEADER`] header.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = mac(key);
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Does `signature_header` (the plain hex value of [`SIGNATURE_HEADER`]) sign
/// `body` under `key`?
///
/// The comparison is constant-time (`Mac::verify_slice`), so an attacker
/// cannot learn the right signature byte by byte from response times.
/// Surrounding whitespace is ignored and hex digits may be of either case;
/// anything that is not 32 bytes of hex is simply a wrong signature.
pub fn verify(key: &[u8], body: &[u8], signature_header: &str) -> bool {
    let Ok(claimed) = hex::decode(signature_header.trim()) else {
        return false;
    };
    let mut mac = mac(key);
    mac.update(body);
    mac.verify_slice(&claimed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 §4.3, test case 2: a key shorter than the block size.
    const RFC4231_CASE2: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn rfc4231_test_case_2() {
        assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), RFC4231_CASE2);
    }

    #[test]
    fn sign_and_verify_agree() {
        let key = b"shared secret";
        let body = b"<env:Envelope/>";
        let sig = sign(key, body);
        assert!(verify(key, body, &sig));
        assert!(verify(key, body, &format!("  {}\n", sig.to_uppercase())));
        assert!(verify(b"Jefe", b"what do ya want for nothing?", RFC4231_CASE2));
    }

    #[test]
    fn verify_refuses_wrong_key_body_or_signature() {
        let key = b"shared secret";
        let body = b"<env:Envelope/>";
        let sig = sign(key, body);
        assert!(!verify(b"other key", body, &sig));
        assert!(!verify(key, b"<env:Envelope />", &sig));
        assert!(!verify(key, body, ""));
        assert!(!verify(key, body, "not hex"));
        assert!(!verify(key, body, &sig[..62]), "a truncated signature is wrong");
        let mut flipped = sig.into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        assert!(!verify(key, body, &String::from_utf8_lossy(&flipped)));
    }
}
