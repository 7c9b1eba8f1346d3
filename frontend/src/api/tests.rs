use super::*;
use rollcall_shared::digest::{Algorithm, Challenge};

fn challenge(algorithm: Algorithm, nonce: &str) -> String {
    Challenge {
        realm: "rollcall.example".into(),
        nonce: nonce.into(),
        opaque: Some("o,p".into()),
        algorithm,
        qop_auth: true,
        stale: false,
    }
    .to_header_value()
}

#[test]
fn a_joined_header_splits_into_one_challenge_per_scheme() {
    let sha = challenge(Algorithm::Sha256, "n1");
    let md5 = challenge(Algorithm::Md5, "n1");
    let joined = format!("{sha}, {md5}");
    assert_eq!(split_challenges(&joined), vec![sha.clone(), md5]);
    // Commas inside quotes and between parameters are not boundaries.
    assert_eq!(split_challenges(&sha), vec![sha.clone()]);
    let parsed = rollcall_shared::ua::auth::choose(&split_challenges(&joined)).expect("a challenge");
    assert_eq!(parsed.algorithm, Algorithm::Sha256);
    assert_eq!(parsed.opaque.as_deref(), Some("o,p"));
    assert!(split_challenges("").is_empty());
}

#[test]
fn path_segments_are_percent_encoded() {
    assert_eq!(encode_segment("+14255550100"), "%2B14255550100");
    assert_eq!(encode_segment("leg-7"), "leg-7");
    assert_eq!(encode_segment("o'brien bob"), "o%27brien%20bob");
    assert_eq!(encode_segment("zoë"), "zo%C3%AB");
}

#[test]
fn failures_read_as_sentences() {
    let refused =
        ApiFailure::Refused(ApiError { error: "held-by-other".into(), message: "+14255550199 is held by someone else".into() });
    assert_eq!(refused.to_string(), "+14255550199 is held by someone else");
    assert!(ApiFailure::Unauthorized.to_string().contains("sign in again"));
}
