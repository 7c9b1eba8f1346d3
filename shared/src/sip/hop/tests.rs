use super::*;

const REQUEST_TAIL: &str = "Via: SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\n\
    Call-ID: c\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

#[test]
fn a_request_goes_to_its_request_uri_or_its_first_route() {
    let direct = format!("BYE sip:bob@192.0.2.7:5072;transport=udp SIP/2.0\r\n{REQUEST_TAIL}");
    assert_eq!(next_hop(&direct).unwrap(), Hop { host: "192.0.2.7".into(), port: 5072 });
    let routed = format!("BYE sip:bob@192.0.2.7:5072 SIP/2.0\r\nRoute: <sip:proxy.example.net;lr>, <sip:b;lr>\r\n{REQUEST_TAIL}");
    assert_eq!(next_hop(&routed).unwrap(), Hop { host: "proxy.example.net".into(), port: 5060 });
    let secure = format!("INVITE sips:+14255550100@trunk.example.net SIP/2.0\r\n{REQUEST_TAIL}");
    assert_eq!(next_hop(&secure).unwrap().port, 5061);
}

#[test]
fn a_response_goes_back_along_its_via() {
    let response = |via: &str| {
        format!("SIP/2.0 200 OK\r\nVia: {via}\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n")
    };
    let hop = |via: &str| next_hop(&response(via)).unwrap();
    assert_eq!(hop("SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK1"), Hop { host: "10.0.0.1".into(), port: 5080 });
    assert_eq!(hop("SIP/2.0/UDP phone.local;branch=z9hG4bK1"), Hop { host: "phone.local".into(), port: 5060 });
    assert_eq!(
        hop("SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK1;received=203.0.113.9;rport=40000, SIP/2.0/UDP 10.9.9.9"),
        Hop { host: "203.0.113.9".into(), port: 40000 }
    );
    assert_eq!(hop("SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1"), Hop { host: "[2001:db8::1]".into(), port: 5070 });
    assert_eq!(hop("SIP/2.0/UDP 10.0.0.1;received=2001:db8::2;branch=z9hG4bK1").host, "[2001:db8::2]");
}

#[test]
fn a_hop_is_an_address_to_connect_to() {
    assert_eq!(Hop { host: "[2001:db8::1]".into(), port: 5060 }.address(), "[2001:db8::1]:5060");
    assert!(uri_hop("mailto:x@y").is_err());
}
