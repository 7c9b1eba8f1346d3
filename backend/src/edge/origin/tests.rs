use super::*;

fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::HOST, host.parse().expect("host"));
    if let Some(o) = origin {
        h.insert(header::ORIGIN, o.parse().expect("origin"));
    }
    h
}

#[test]
fn own_origin_missing_origin_and_allowed_ones_pass() {
    let policy = OriginPolicy::new(&["https://Rollcall.Example.com/".to_string()]);
    assert!(policy.allows(&headers(None, "localhost:8080")));
    assert!(policy.allows(&headers(Some("http://localhost:8080"), "localhost:8080")));
    assert!(policy.allows(&headers(Some("https://LOCALHOST:8443"), "localhost:8443")));
    assert!(policy.allows(&headers(Some("https://rollcall.example.com"), "10.0.0.5:8080")));
}

#[test]
fn foreign_and_null_origins_are_refused() {
    let policy = OriginPolicy::default();
    assert!(!policy.allows(&headers(Some("https://evil.example"), "localhost:8080")));
    assert!(!policy.allows(&headers(Some("http://localhost:8081"), "localhost:8080")), "another port is another origin");
    assert!(!policy.allows(&headers(Some("null"), "localhost:8080")));
}
