use super::*;

#[tokio::test]
async fn pairs_are_even_and_odd_and_come_back() {
    // A range of two pairs somewhere free: found by binding.
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let base = probe.local_addr().unwrap().port() & !1;
    drop(probe);
    let pool = PortPool::new(base, base + 3, "127.0.0.1".parse().unwrap());
    assert_eq!(pool.available(), 2);
    let a = pool.take().expect("a pair");
    assert_eq!(a.port % 2, 0);
    assert_eq!(a.rtcp.local_addr().unwrap().port(), a.port + 1);
    let b = pool.take();
    let c = pool.take();
    assert!(c.is_none() || b.is_none(), "two pairs at most");
    drop(a);
    assert!(pool.available() >= 1, "the pair came back");
}

#[test]
fn an_odd_low_end_starts_at_the_next_even_port() {
    let pool = PortPool::new(40_001, 40_010, "127.0.0.1".parse().unwrap());
    assert_eq!(pool.available(), 4, "40002, 40004, 40006, 40008 (40010 has no odd partner)");
}
