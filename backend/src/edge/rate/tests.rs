use super::*;

#[test]
fn a_burst_then_the_rate() {
    let limiter = RateLimiter::new(1.0, 3.0, 10);
    assert!((0..3).all(|_| limiter.take(&"alice").is_ok()));
    let wait = limiter.take(&"alice").expect_err("the burst is spent");
    assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
    assert!(limiter.take(&"bob").is_ok(), "per key");
}

#[test]
fn addresses_are_keyed_by_host_for_ipv4_and_by_network_for_ipv6() {
    let key = |s: &str| address_key(s.parse().expect("ip")).to_string();
    assert_eq!(key("192.0.2.7"), "192.0.2.7");
    assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
    assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
    assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
}

#[test]
fn keys_are_bounded() {
    let limiter = RateLimiter::new(0.0, 1.0, 2);
    assert!(limiter.take(&1).is_ok() && limiter.take(&2).is_ok());
    assert!(limiter.take(&3).is_err(), "no room for a third key whose buckets are not full");
}
