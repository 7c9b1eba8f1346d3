use super::*;

const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

#[test]
fn connections_per_address_are_capped_and_given_back() {
    let peers = Peers::new(ConnectionLimits { max_connections_per_ip: 2, ..ConnectionLimits::default() });
    let a = peers.admit(IP).expect("first");
    let _b = peers.admit(IP).expect("second");
    assert_eq!(peers.admit(IP).err(), Some(Refused::TooManyFromAddress));
    assert!(peers.admit(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)).is_ok(), "another address");
    drop(a);
    assert!(peers.admit(IP).is_ok(), "a slot came back");
}

#[test]
fn the_unauthenticated_bucket_survives_reconnects() {
    let limits = ConnectionLimits { unauthenticated_per_second: 0.0, unauthenticated_burst: 3.0, ..Default::default() };
    let peers = Peers::new(limits);
    let first = peers.admit(IP).expect("admitted");
    assert!((0..3).all(|_| peers.take_unauthenticated(IP)));
    assert!(!peers.take_unauthenticated(IP), "the burst is spent");
    drop(first);
    let _again = peers.admit(IP).expect("admitted");
    assert!(!peers.take_unauthenticated(IP), "reconnecting does not refill it");
}

#[test]
fn the_address_table_is_bounded() {
    let peers = Peers::new(ConnectionLimits { max_tracked_addresses: 3, ..Default::default() });
    let held: Vec<_> = (1..=3).map(|n| peers.admit(IpAddr::V4(std::net::Ipv4Addr::from(n))).expect("admitted")).collect();
    assert_eq!(peers.admit(IP).err(), Some(Refused::TooManyAddresses));
    drop(held);
}

#[test]
fn truncation_keeps_the_start_and_says_how_long() {
    assert_eq!(truncated_for_log("short", 10), "short");
    let long = "é".repeat(100);
    let kept = truncated_for_log(&long, 11);
    assert!(kept.starts_with(&"é".repeat(5)) && kept.ends_with("[… truncated: 200 bytes in all]"), "{kept}");
}
