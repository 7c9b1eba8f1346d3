use super::*;

const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

#[test]
fn algorithm_names() {
    assert_eq!(Algorithm::parse("md5"), Some(Algorithm::Md5));
    assert_eq!(Algorithm::parse("SHA-256"), Some(Algorithm::Sha256));
    assert_eq!(Algorithm::parse("sha-256"), Some(Algorithm::Sha256));
    assert_eq!(Algorithm::parse("MD5-sess"), None);
    assert_eq!(Algorithm::parse("SHA-256-sess"), None);
    assert_eq!(Algorithm::parse("SHA-512-256"), None);
    assert_eq!(Algorithm::Md5.as_str(), "MD5");
    assert_eq!(Algorithm::Sha256.as_str(), "SHA-256");
    assert_eq!(Algorithm::Md5.hex_hash(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(Algorithm::Sha256.hex_hash(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[test]
fn rfc2617_example() {
    // RFC 2617 §3.5.
    let challenge = Challenge::parse(
        "Digest\r\n realm=\"testrealm@host.com\",\r\n qop=\"auth,auth-int\",\r\n \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    )
    .unwrap();
    assert_eq!(challenge.realm, "testrealm@host.com");
    assert_eq!(challenge.algorithm, Algorithm::Md5);
    assert!(challenge.qop_auth);
    assert!(!challenge.stale);
    let creds = challenge.answer("Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", 1);
    assert_eq!(creds.response, "6629fae49393a05397450978507c4ef1");
    let h = ha1(Algorithm::Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
    assert_eq!(
        response(
            Algorithm::Md5,
            &h,
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            Some(1),
            Some("0a4f113b"),
            Some("auth"),
            "GET",
            "/dir/index.html"
        ),
        "6629fae49393a05397450978507c4ef1"
    );
    // The RFC's own Authorization header parses and verifies.
    let creds = Credentials::parse(
        "Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\",\r\n \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n uri=\"/dir/index.html\",\r\n \
         qop=auth,\r\n nc=00000001,\r\n cnonce=\"0a4f113b\",\r\n \
         response=\"6629fae49393a05397450978507c4ef1\",\r\n \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    )
    .unwrap();
    assert_eq!(creds.nc, Some(1));
    assert_eq!(creds.qop.as_deref(), Some("auth"));
    assert_eq!(creds.algorithm, Algorithm::Md5);
    assert!(creds.verify(&h, "GET"));
    assert!(!creds.verify(&h, "POST"));
}

fn rfc7616(algorithm: &str, expected: &str) {
    let challenge = Challenge::parse(&format!(
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
         algorithm={algorithm}, nonce=\"{RFC7616_NONCE}\", opaque=\"{RFC7616_OPAQUE}\""
    ))
    .unwrap();
    assert!(challenge.qop_auth);
    assert_eq!(challenge.opaque.as_deref(), Some(RFC7616_OPAQUE));
    let creds = challenge.answer("Mufasa", "Circle of Life", "GET", "/dir/index.html", RFC7616_CNONCE, 1);
    assert_eq!(creds.response, expected);
    let header = creds.to_header_value();
    assert!(header.contains("nc=00000001"), "{header}");
    assert!(header.contains(&format!("algorithm={algorithm}")), "{header}");
    let parsed = Credentials::parse(&header).unwrap();
    assert_eq!(parsed, creds);
    let h = ha1(challenge.algorithm, "Mufasa", "http-auth@example.org", "Circle of Life");
    assert!(parsed.verify(&h, "GET"));
    let wrong = ha1(challenge.algorithm, "Mufasa", "http-auth@example.org", "Circle Of Life");
    assert!(!parsed.verify(&wrong, "GET"));
}

#[test]
fn rfc7616_md5_example() {
    rfc7616("MD5", "8ca523f5e9506fed4657c9700eebdbec");
}

#[test]
fn rfc7616_sha256_example() {
    rfc7616("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

#[test]
fn challenge_round_trip() {
    let c = Challenge {
        realm: "rollcall.local".into(),
        nonce: "abc/def+123=".into(),
        opaque: Some("op\"aque\\x".into()),
        algorithm: Algorithm::Sha256,
        qop_auth: true,
        stale: false,
    };
    let v = c.to_header_value();
    assert_eq!(
        v,
        "Digest realm=\"rollcall.local\", nonce=\"abc/def+123=\", opaque=\"op\\\"aque\\\\x\", \
         algorithm=SHA-256, qop=\"auth\""
    );
    assert_eq!(Challenge::parse(&v).unwrap(), c);
    let stale = Challenge { stale: true, opaque: None, algorithm: Algorithm::Md5, ..c };
    let v = stale.to_header_value();
    assert_eq!(v, "Digest realm=\"rollcall.local\", nonce=\"abc/def+123=\", algorithm=MD5, qop=\"auth\", stale=true");
    assert_eq!(Challenge::parse(&v).unwrap(), stale);
    let no_qop = Challenge { qop_auth: false, stale: false, ..stale };
    assert_eq!(Challenge::parse(&no_qop.to_header_value()).unwrap(), no_qop);
}

#[test]
fn lenient_syntax() {
    let c = Challenge::parse(
        "  dIgEsT\tNONCE = xyz ,REALM=\"a, \\\"quoted\\\" realm\",, Domain=\"sip:x\" ,\
         Stale=TRUE,QOP=auth , Algorithm = sha-256, foo=\"bar\"  ",
    )
    .unwrap();
    assert_eq!(c.nonce, "xyz");
    assert_eq!(c.realm, "a, \"quoted\" realm");
    assert!(c.stale);
    assert!(c.qop_auth);
    assert_eq!(c.algorithm, Algorithm::Sha256);
    assert_eq!(c.opaque, None);
    assert!(!Challenge::parse("Digest realm=r, nonce=n, stale=false").unwrap().stale);
    assert!(!Challenge::parse("Digest realm=r, nonce=n, qop=\"auth-int\"").unwrap().qop_auth);
    // Credentials: any order, tokens or quoted strings, upper-case nc hex.
    let creds = Credentials::parse(
        "DIGEST cnonce=\"c\", NC=0000000A, qop=\"auth\", response=ABCDEF, uri=\"sip:rollcall.local\", \
         nonce=n, realm=r, username=\"alice\", extra=1",
    )
    .unwrap();
    assert_eq!(creds.nc, Some(10));
    assert_eq!(creds.qop.as_deref(), Some("auth"));
    assert_eq!(creds.cnonce.as_deref(), Some("c"));
    assert_eq!(creds.response, "ABCDEF");
    assert_eq!(creds.algorithm, Algorithm::Md5);
}

#[test]
fn sip_register_challenge_answered_and_verified() {
    // Server side: a 401 for REGISTER, offering SHA-256.
    let server = Challenge {
        realm: "rollcall.local".into(),
        nonce: "1700000000.0123456789abcdef".into(),
        opaque: Some("0pq".into()),
        algorithm: Algorithm::Sha256,
        qop_auth: true,
        stale: false,
    };
    let www_authenticate = server.to_header_value();
    // Client side.
    let seen = Challenge::parse(&www_authenticate).unwrap();
    assert_eq!(seen, server);
    let creds = seen.answer("alice", "s3cret pass", "REGISTER", "sip:rollcall.local", "deadbeef01", 1);
    let authorization = creds.to_header_value();
    // Server side again: only HA1 is stored.
    let stored = ha1(Algorithm::Sha256, "alice", "rollcall.local", "s3cret pass");
    let got = Credentials::parse(&authorization).unwrap();
    assert_eq!(got.username, "alice");
    assert_eq!(got.uri, "sip:rollcall.local");
    assert_eq!(got.opaque.as_deref(), Some("0pq"));
    assert_eq!(got.nc, Some(1));
    assert!(got.verify(&stored, "REGISTER"));
    assert!(!got.verify(&stored, "MESSAGE"));
    // Wrong password.
    let bad = seen.answer("alice", "wrong", "REGISTER", "sip:rollcall.local", "deadbeef01", 1);
    assert!(!Credentials::parse(&bad.to_header_value()).unwrap().verify(&stored, "REGISTER"));
    // HA1 for the other algorithm does not verify.
    let md5 = ha1(Algorithm::Md5, "alice", "rollcall.local", "s3cret pass");
    assert!(!got.verify(&md5, "REGISTER"));
    // Tampered nc.
    let mut tampered = got.clone();
    tampered.nc = Some(2);
    assert!(!tampered.verify(&stored, "REGISTER"));
    // An auth-int answer never verifies.
    let mut auth_int = got.clone();
    auth_int.qop = Some("auth-int".into());
    assert!(!auth_int.verify(&stored, "REGISTER"));
}

#[test]
fn rfc2069_answer() {
    let c = Challenge::parse("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"").unwrap();
    assert!(!c.qop_auth);
    let creds = c.answer("Mufasa", "Circle Of Life", "GET", "/dir/index.html", "ignored", 1);
    assert_eq!(creds.qop, None);
    assert_eq!(creds.nc, None);
    assert_eq!(creds.cnonce, None);
    // MD5(HA1:nonce:HA2), computed independently.
    let h = ha1(Algorithm::Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
    let ha2 = Algorithm::Md5.hex_hash(b"GET:/dir/index.html");
    let expected = Algorithm::Md5.hex_hash(format!("{h}:dcd98b7102dd2f0e8b11d0f600bfb0c093:{ha2}").as_bytes());
    assert_eq!(creds.response, expected);
    let header = creds.to_header_value();
    assert!(!header.contains("qop"), "{header}");
    assert!(!header.contains("nc="), "{header}");
    let parsed = Credentials::parse(&header).unwrap();
    assert_eq!(parsed, creds);
    assert!(parsed.verify(&h, "GET"));
}

#[test]
fn errors_not_panics() {
    use DigestError::*;
    assert_eq!(Challenge::parse(""), Err(NotDigest));
    assert_eq!(Challenge::parse("   "), Err(NotDigest));
    assert_eq!(Challenge::parse("Basic realm=\"x\""), Err(NotDigest));
    assert_eq!(Challenge::parse("Digestrealm=x"), Err(NotDigest));
    assert_eq!(Challenge::parse("Digest"), Err(Missing("realm")));
    assert_eq!(Challenge::parse("Digest realm=x"), Err(Missing("nonce")));
    assert_eq!(Challenge::parse("Digest realm=x, nonce=y, algorithm=MD5-sess"), Err(UnsupportedAlgorithm("MD5-sess".into())));
    assert_eq!(
        Challenge::parse("Digest realm=x, nonce=y, algorithm=SHA-256-sess"),
        Err(UnsupportedAlgorithm("SHA-256-sess".into()))
    );
    assert_eq!(
        Credentials::parse("Digest username=u, realm=r, nonce=n, uri=u, response=r, qop=auth, cnonce=c"),
        Err(Missing("nc"))
    );
    assert_eq!(
        Credentials::parse("Digest username=u, realm=r, nonce=n, uri=u, response=r, qop=auth, nc=00000001"),
        Err(Missing("cnonce"))
    );
    assert_eq!(Credentials::parse("Digest realm=r, nonce=n, uri=u, response=r"), Err(Missing("username")));
    for bad in [
        "Digest realm=\"unterminated",
        "Digest realm=\"x\\",
        "Digest realm",
        "Digest realm=",
        "Digest realm=, nonce=n",
        "Digest =x",
        "Digest realm=\"a\" nonce=\"b\"",
        "Digest realm=a b, nonce=n",
        "Digest realm=a, realm=b, nonce=n",
        "Digest \"realm\"=x",
        "Digest realm=x; nonce=y",
        "Digest r\u{e9}alm=x, nonce=y",
        "Digest ,,,\"",
    ] {
        assert!(matches!(Challenge::parse(bad), Err(Malformed(_))), "{bad}: {:?}", Challenge::parse(bad));
    }
    for bad_nc in ["1", "0000001", "000000001", "0000000g", "+0000001", "-0000001"] {
        let v = format!("Digest username=u, realm=r, nonce=n, uri=u, response=r, qop=auth, nc={bad_nc}, cnonce=c");
        assert!(matches!(Credentials::parse(&v), Err(Malformed(_))), "{bad_nc}");
    }
    // Every prefix of valid headers (char boundaries), and some byte soup.
    let creds = Challenge::parse("Digest realm=r, nonce=n, qop=\"auth\", opaque=\"o\\\"p\"")
        .unwrap()
        .answer("ü", "p", "REGISTER", "sip:x", "c", 7)
        .to_header_value();
    let challenge = "Digest realm=\"rollcall.local\", nonce=\"n\\\"x\", algorithm=SHA-256, qop=\"auth\", stale=true";
    for text in [creds.as_str(), challenge] {
        for (i, _) in text.char_indices() {
            let _ = Challenge::parse(&text[..i]);
            let _ = Credentials::parse(&text[..i]);
            let _ = Challenge::parse(&text[i..]);
            let _ = Credentials::parse(&text[i..]);
        }
    }
    let soup = "Digest \"\\=,\t \r\n=\"\",\\\"===,,\u{0}\u{7f}é\"";
    for (i, _) in soup.char_indices() {
        for (j, _) in soup.char_indices().skip(i) {
            let _ = Challenge::parse(&soup[i..j]);
            let _ = Credentials::parse(&soup[i..j]);
        }
    }
}

#[test]
fn constant_time_comparison() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
    assert!(!constant_time_eq(b"ab", b"abc"));
    assert!(constant_time_eq(b"", b""));
}

#[test]
fn headers_are_bounded_in_length_count_and_value_size() {
    let many = format!("Digest {}", (0..30).map(|n| format!("p{n}=1")).collect::<Vec<_>>().join(", "));
    assert!(matches!(Credentials::parse(&many), Err(DigestError::Malformed(m)) if m.contains("parameters")));
    let long_value = format!("Digest username=\"{}\", realm=\"r\"", "a".repeat(MAX_VALUE_LEN + 1));
    assert!(matches!(Credentials::parse(&long_value), Err(DigestError::Malformed(m)) if m.contains("longer")));
    let huge = format!("Digest {}", "x=1,".repeat(15_000));
    // Refused by its length, before a parameter is read.
    assert!(matches!(Credentials::parse(&huge), Err(DigestError::Malformed(m)) if m.contains("longer than 4096")));
}
