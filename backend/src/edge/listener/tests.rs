use super::*;

fn headers(xff: &str) -> hyper::HeaderMap {
    let mut h = hyper::HeaderMap::new();
    h.insert("x-forwarded-for", xff.parse().expect("value"));
    h
}

#[test]
fn connections_are_capped_per_address_and_in_all() {
    let open = Arc::new(Mutex::new(Open::default()));
    let options = ListenerOptions { max_connections: 3, max_connections_per_ip: 2, ..ListenerOptions::default() };
    let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().expect("ip"), "192.0.2.2".parse().expect("ip"));
    let first = take_slot(&open, a, &options).expect("first");
    let _second = take_slot(&open, a, &options).expect("second");
    assert!(take_slot(&open, a, &options).is_none(), "two per address");
    let _third = take_slot(&open, b, &options).expect("another address");
    assert!(take_slot(&open, "192.0.2.3".parse().expect("ip"), &options).is_none(), "three in all");
    drop(first);
    assert!(take_slot(&open, a, &options).is_some(), "a closed connection gives its slot back");
}

#[test]
fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let proxy: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
    let stranger: SocketAddr = "192.0.2.7:5000".parse().expect("addr");
    let trusted = [proxy.ip()];
    assert_eq!(client_address(proxy, &headers("198.51.100.4"), &trusted).ip().to_string(), "198.51.100.4");
    assert_eq!(client_address(stranger, &headers("198.51.100.4"), &trusted), stranger, "a stranger's header is ignored");
    // A client-supplied first entry cannot hide the address our proxy saw.
    assert_eq!(client_address(proxy, &headers("10.9.9.9, 198.51.100.4"), &trusted).ip().to_string(), "198.51.100.4");
    assert_eq!(client_address(proxy, &hyper::HeaderMap::new(), &trusted), proxy);
    assert_eq!(client_address(proxy, &headers("garbage"), &trusted), proxy);
}
