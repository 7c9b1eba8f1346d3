use super::*;
use crate::bridge::BridgeEventKind;

fn config() -> SipBridgeConfig {
    SipBridgeConfig {
        trunk: None,
        trunk_transport: rollcall_shared::sip::Transport::Udp,
        routes: vec![],
        user: "rollcall".into(),
        password: String::new(),
        domain: "rollcall.local".into(),
        sip_bind: "127.0.0.1:0".parse().unwrap(),
        media_address: "127.0.0.1".parse().unwrap(),
        rtp_ports: (41_000, 41_009),
        ring_timeout: Duration::from_secs(30),
        silence_limit: Duration::from_secs(30),
    }
}

#[test]
fn numbers_go_to_the_longest_matching_route_else_the_trunk() {
    let plan = Plan {
        trunk: Some("trunk.example.net".into()),
        routes: vec![("+1425".into(), "10.0.0.5:5070".into()), ("+14255550".into(), "10.0.0.6".into())],
        domain: "rollcall.local".into(),
        media_address: "127.0.0.1".parse().unwrap(),
        ring_timeout: Duration::ZERO,
        silence_limit: Duration::ZERO,
    };
    assert_eq!(plan.target("+14255550101").as_deref(), Some("sip:+14255550101@10.0.0.6"));
    assert_eq!(plan.target("+14259999999").as_deref(), Some("sip:+14259999999@10.0.0.5:5070"));
    assert_eq!(plan.target("+33123456789").as_deref(), Some("sip:+33123456789@trunk.example.net"));
    let no_trunk = Plan { trunk: None, ..plan };
    assert_eq!(no_trunk.target("+33123456789"), None);
}

#[test]
fn the_caller_id_is_the_account_as_a_sip_user() {
    let plan = Plan {
        trunk: None,
        routes: vec![],
        domain: "rollcall.local".into(),
        media_address: "127.0.0.1".parse().unwrap(),
        ring_timeout: Duration::ZERO,
        silence_limit: Duration::ZERO,
    };
    assert_eq!(plan.caller_id("demo-team").as_deref(), Some("sip:demo-team@rollcall.local"));
    assert_eq!(plan.caller_id("+14255550100").as_deref(), Some("sip:+14255550100@rollcall.local"));
    assert_eq!(plan.caller_id("a b@c>;d").as_deref(), Some("sip:abcd@rollcall.local"), "nothing that breaks the header");
    assert_eq!(plan.caller_id("<>"), None);
}

#[tokio::test]
async fn what_can_be_refused_at_once_is() {
    // A trunk where nobody answers: the leg stays alive (calling) meanwhile.
    let (bridge, _events) =
        SipBridge::start(SipBridgeConfig { trunk: Some("127.0.0.1:9".into()), ..config() }).await.expect("starts");
    assert_eq!(bridge.dial(LegId(1), "4255550100"), Err(BridgeError::InvalidNumber("4255550100".into())));
    bridge.dial(LegId(2), "+14255550100").expect("taken");
    assert_eq!(bridge.dial(LegId(2), "+14255550100"), Err(BridgeError::LegInUse(LegId(2))));
}

#[tokio::test]
async fn a_number_nobody_routes_fails_with_no_route() {
    let (bridge, mut events) = SipBridge::start(config()).await.expect("starts");
    bridge.dial(LegId(7), "+14255550100").expect("taken");
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("in time").expect("an event");
    assert_eq!(event.leg, LegId(7));
    assert_eq!(event.kind, BridgeEventKind::Failed(rollcall_shared::soap::Cause(3)));
    // Once over, the id is free again as far as the bridge is concerned.
    bridge.hang_up(LegId(7));
}

#[test]
fn trunks_and_routes_as_the_command_line_gives_them() {
    use rollcall_shared::sip::Transport::{Tcp, Tls, Udp};
    assert_eq!(trunk("sip:trunk.example.net"), Ok(("trunk.example.net".into(), Udp)));
    assert_eq!(trunk("sip:192.0.2.1:5080;transport=udp"), Ok(("192.0.2.1:5080".into(), Udp)));
    assert_eq!(trunk("10.0.0.5:5060"), Ok(("10.0.0.5:5060".into(), Udp)));
    assert_eq!(trunk("sip:trunk.example.net;transport=TCP"), Ok(("trunk.example.net".into(), Tcp)));
    assert_eq!(trunk("sip:trunk.example.net:5061;transport=tls"), Ok(("trunk.example.net:5061".into(), Tls)));
    assert_eq!(trunk("sips:trunk.example.net"), Ok(("trunk.example.net".into(), Tls)));
    assert!(trunk("sips:trunk.example.net;transport=udp").is_err(), "sips: is TLS");
    assert!(trunk("sip:trunk.example.net;transport=sctp").is_err());
    assert!(trunk("sip:bob@trunk.example.net").is_err());
    assert!(trunk("sip:trunk.example.net;lr").is_err());
    assert_eq!(route("+1425555=10.0.0.5:5070"), Ok(("+1425555".into(), "10.0.0.5:5070".into())));
    assert!(route("+1425555=sip:10.0.0.5;transport=tcp").is_err(), "routes are UDP");
    assert!(route("1425=10.0.0.5").is_err());
    assert!(route("+1425").is_err());
}

/// A phone written out message by message on a UDP socket: answers the
/// bridge's INVITE (audio at `rtp`) and returns the request, parsed.
async fn answer_invite(phone: &tokio::net::UdpSocket, rtp: SocketAddr) -> (rollcall_shared::sip::message::Request, SocketAddr) {
    use rollcall_shared::sip::message::{parse, Parsed};
    let mut buf = vec![0u8; 65_535];
    let (n, bridge) = tokio::time::timeout(Duration::from_secs(5), phone.recv_from(&mut buf)).await.expect("an INVITE").unwrap();
    let Ok(Parsed::Request(invite)) = parse(&String::from_utf8_lossy(&buf[..n])) else { panic!("not a request") };
    assert_eq!(invite.method, "INVITE");
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {} RTP/AVP 0 101\r\n\
         a=rtpmap:101 telephone-event/8000\r\n",
        rtp.port()
    );
    let mut ok = invite.response(200, None, Some("phone"));
    ok.headers.0.retain(|(name, _)| name != "Content-Length");
    ok.headers.push("Contact", format!("<sip:phone@{}>", phone.local_addr().unwrap()));
    ok.headers.push("Content-Type", "application/sdp");
    ok.headers.push("Content-Length", sdp.len().to_string());
    ok.body = sdp;
    phone.send_to(ok.to_string().as_bytes(), bridge).await.unwrap();
    (invite, bridge)
}

#[tokio::test]
async fn a_key_sent_as_sip_info_is_a_digit() {
    use rollcall_shared::sip::message::{parse, Parsed};
    let phone = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let routes = vec![("+1425".into(), phone.local_addr().unwrap().to_string())];
    let (bridge, mut events) =
        SipBridge::start(SipBridgeConfig { routes, rtp_ports: (41_010, 41_019), ..config() }).await.unwrap();
    bridge.dial(LegId(1), "+14255550100").expect("taken");
    let (invite, to) = answer_invite(&phone, rtp.local_addr().unwrap()).await;
    let next = async |events: &mut EventReceiver| {
        tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("an event in time").expect("running")
    };
    assert_eq!(next(&mut events).await.kind, BridgeEventKind::Answered);
    let mut buf = vec![0u8; 65_535];
    // INFO in the dialog (the bridge's Contact is where it listens), its
    // key, and one of a type nobody reads.
    let info = |cseq: u32, content_type: &str, body: &str| {
        format!(
            "INFO sip:rollcall@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {phone};branch=z9hG4bKinfo{cseq}\r\nMax-Forwards: 70\r\n\
             From: {to_header};tag=phone\r\nTo: {from}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} INFO\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len(),
            phone = phone.local_addr().unwrap(),
            to_header = invite.headers.get("To").unwrap(),
            from = invite.headers.get("From").unwrap(),
            call_id = invite.headers.get("Call-ID").unwrap(),
        )
    };
    let mut status = async |request: String| {
        phone.send_to(request.as_bytes(), to).await.unwrap();
        loop {
            let (n, _) =
                tokio::time::timeout(Duration::from_secs(5), phone.recv_from(&mut buf)).await.expect("answered").unwrap();
            if let Ok(Parsed::Response(response)) = parse(&String::from_utf8_lossy(&buf[..n])) {
                if response.headers.get("CSeq").is_some_and(|c| c.ends_with("INFO")) {
                    return response.code;
                }
            }
        }
    };
    assert_eq!(status(info(2, "application/dtmf-relay", "Signal=1\r\nDuration=160\r\n")).await, 200);
    assert_eq!(next(&mut events).await.kind, BridgeEventKind::Digit('1'));
    assert_eq!(status(info(3, "application/vnd.example", "1")).await, 415);
    tokio::time::sleep(signalling::INFO_KEY_GAP).await; // one key a gap, whatever a phone sends
    assert_eq!(status(info(4, "application/dtmf", "#")).await, 200);
    assert_eq!(next(&mut events).await.kind, BridgeEventKind::Digit('#'), "the 415 reported nothing");
}
