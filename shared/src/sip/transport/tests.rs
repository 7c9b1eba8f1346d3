use super::Transport;

#[test]
fn names_and_reliability() {
    assert_eq!(Transport::Wss.via_name(), "WSS");
    assert_eq!(Transport::Tls.uri_param(), "tcp");
    assert!(!Transport::Udp.is_reliable() && Transport::Tcp.is_reliable());
    assert!(Transport::Ws.is_websocket() && !Transport::Tls.is_websocket());
}
