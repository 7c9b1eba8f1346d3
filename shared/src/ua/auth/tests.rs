use super::*;

fn challenge(algorithm: Algorithm, nonce: &str) -> Challenge {
    Challenge {
        realm: "rollcall.local".into(),
        nonce: nonce.into(),
        opaque: Some("op".into()),
        algorithm,
        qop_auth: true,
        stale: false,
    }
}

#[test]
fn answers_the_first_supported_challenge() {
    let values = vec![
        "Basic realm=\"x\"".to_string(),
        challenge(Algorithm::Md5, "n1").to_header_value(),
        challenge(Algorithm::Sha256, "n2").to_header_value(),
    ];
    let chosen = choose(&values).expect("a digest challenge");
    assert_eq!(chosen.algorithm, Algorithm::Md5);
    assert_eq!(chosen.nonce, "n1");
}

#[test]
fn credentials_verify_and_nc_increases_per_nonce() {
    let mut auth = Authenticator::new("alice", "demo-pass");
    assert_eq!(auth.credentials(Kind::Proxy, "MESSAGE", "sip:conference@rollcall.local", "c1"), None);
    auth.challenged(Kind::Proxy, challenge(Algorithm::Sha256, "n1")).unwrap();
    let ha1 = digest::ha1(Algorithm::Sha256, "alice", "rollcall.local", "demo-pass");
    for expected_nc in 1..=3 {
        let value = auth.credentials(Kind::Proxy, "MESSAGE", "sip:conference@rollcall.local", "c1").expect("credentials");
        let creds = Credentials::parse(&value).expect("parses");
        assert_eq!(creds.nc, Some(expected_nc));
        assert_eq!(creds.algorithm, Algorithm::Sha256);
        assert_eq!(creds.opaque.as_deref(), Some("op"));
        assert!(creds.verify(&ha1, "MESSAGE"));
        assert!(!creds.verify(&ha1, "REGISTER"));
    }
    // A new nonce starts again at 1.
    auth.challenged(Kind::Proxy, challenge(Algorithm::Md5, "n2")).unwrap();
    let value = auth.credentials(Kind::Proxy, "MESSAGE", "sip:x@rollcall.local", "c2").unwrap();
    let creds = Credentials::parse(&value).unwrap();
    assert_eq!(creds.nc, Some(1));
    assert!(creds.verify(&digest::ha1(Algorithm::Md5, "alice", "rollcall.local", "demo-pass"), "MESSAGE"));
}

#[test]
fn keeps_no_password_after_the_realm_is_known() {
    let mut auth = Authenticator::new("alice", "demo-pass");
    auth.challenged(Kind::Www, challenge(Algorithm::Md5, "n1")).unwrap();
    assert!(auth.password.is_none());
    assert!(!format!("{auth:?}").contains("demo-pass"));
    let other_realm = Challenge { realm: "elsewhere".into(), ..challenge(Algorithm::Md5, "n2") };
    assert_eq!(auth.challenged(Kind::Www, other_realm), Err(AuthError::NewRealm("elsewhere".into())));
}
