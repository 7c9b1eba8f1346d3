//! The SIP port (UDP and TCP on one address) from outside, with raw
//! sockets: RFC 5626 keep-alives, answers on the connection a request came
//! on, `received`/`rport` (RFC 3581) over UDP, a message over the size
//! limit answered 513 before the stream is closed, and the same digest
//! challenge as over WebSocket.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::flow::signed_in;
use common::phone::Phone;
use common::{TestServer, DOMAIN, PATIENCE};
use rollcall::edge::{SipAddress, SipPorts};
use rollcall_shared::sip::{self, rsip};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

async fn server() -> (TestServer, SocketAddr) {
    let server = TestServer::start_with(|options| {
        options.edge.sip =
            SipPorts { plain: Some(SipAddress { addr: "127.0.0.1:0".parse().unwrap(), required: true }), tls: None, host: None };
    })
    .await;
    let addr = server.running.sip.plain.expect("the SIP port is open");
    (server, addr)
}

fn options(transport: &str, local: SocketAddr, branch: &str, extra: &str) -> String {
    format!(
        "OPTIONS sip:rollcall.local SIP/2.0\r\nVia: SIP/2.0/{transport} phone.invalid:5060;rport;branch=z9hG4bK{branch}\r\n\
         From: <sip:nobody@rollcall.local>;tag=1\r\nTo: <sip:rollcall.local>\r\nCall-ID: {branch}@{local}\r\nCSeq: 1 OPTIONS\r\n\
         Max-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
    )
}

/// Reads from `stream` until `want` has arrived (or the stream ends).
async fn read_until(stream: &mut TcpStream, want: &str) -> String {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("an answer in time")
            .expect("read");
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[..n]);
        if String::from_utf8_lossy(&got).contains(want) {
            break;
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn udp_requests_are_answered_to_their_source_with_received_and_rport() {
    let (_server, sip) = server().await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = socket.local_addr().unwrap();
    socket.send_to(options("UDP", local, "u1", "").as_bytes(), sip).await.unwrap();
    let mut buf = vec![0u8; 65_535];
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), socket.recv_from(&mut buf)).await.expect("answered").unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert_eq!(from, sip, "from the SIP port");
    assert!(answer.starts_with("SIP/2.0 200 "), "{answer}");
    let via = format!("Via: SIP/2.0/UDP phone.invalid:5060;branch=z9hG4bKu1;received=127.0.0.1;rport={}\r\n", local.port());
    assert!(answer.contains(&via), "the Via says where it came from:\n{answer}");
}

#[tokio::test]
async fn tcp_answers_keep_alives_and_requests_on_the_same_connection() {
    let (_server, sip) = server().await;
    let mut stream = TcpStream::connect(sip).await.unwrap();
    let local = stream.local_addr().unwrap();
    // RFC 5626 §3.5.1: a double CRLF is answered with a single CRLF.
    stream.write_all(b"\r\n\r\n").await.unwrap();
    let mut pong = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut pong)).await.expect("a pong").unwrap();
    assert_eq!(&pong, b"\r\n");
    // Two requests in one write, cut apart by Content-Length.
    let both = format!("{}{}", options("TCP", local, "t1", ""), options("TCP", local, "t2", ""));
    stream.write_all(both.as_bytes()).await.unwrap();
    let answers = read_until(&mut stream, "z9hG4bKt2").await;
    assert_eq!(answers.matches("SIP/2.0 200 ").count(), 2, "{answers}");
    // A stranger's REGISTER is challenged exactly as over WebSocket.
    let register = options("TCP", local, "t3", "")
        .replace("OPTIONS sip:rollcall.local", "REGISTER sip:rollcall.local")
        .replace("1 OPTIONS", "1 REGISTER");
    stream.write_all(register.as_bytes()).await.unwrap();
    let challenge = read_until(&mut stream, "z9hG4bKt3").await;
    assert!(challenge.starts_with("SIP/2.0 401 ") && challenge.contains("WWW-Authenticate: Digest"), "{challenge}");
}

#[tokio::test]
async fn an_oversized_message_on_tcp_is_answered_513_and_the_connection_closed() {
    let (_server, sip) = server().await;
    let mut stream = TcpStream::connect(sip).await.unwrap();
    let local = stream.local_addr().unwrap();
    let big = options("TCP", local, "big", "").replace("Content-Length: 0", &format!("Content-Length: {}", 1 << 20));
    stream.write_all(big.as_bytes()).await.unwrap();
    let answer = read_until(&mut stream, "\r\n\r\n").await;
    assert!(answer.starts_with("SIP/2.0 513 "), "{answer}");
    // Then closed: the rest of the stream cannot be cut into messages.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await.expect("closed in time");
}

/// RFC 3261 §18.1.1: a request over 1300 bytes for a phone registered over
/// UDP goes over TCP to the same address, its top Via saying TCP; the
/// phone's answer on that connection reaches the sender.
#[tokio::test]
async fn a_big_request_for_a_udp_phone_goes_over_tcp() {
    let (server, sip) = server().await;
    // The phone takes TCP connections on its UDP port, as RFC 3261 §18 asks.
    let (mut phone, tcp) = Phone::with_tcp(sip, "alice", "alice-pw").await;
    phone.register().await;

    let mut bob = signed_in(&server, "bob").await;
    let big = "x".repeat(3000);
    let sending = tokio::spawn(async move {
        bob.proxied(rsip::Method::Message, &format!("sip:alice@{DOMAIN}"), |b| b.body("text/plain", big.clone())).await
    });
    let (mut stream, _) = tokio::time::timeout(PATIENCE, tcp.accept()).await.expect("the server connects").expect("accepts");
    let request = read_until(&mut stream, &"x".repeat(3000)).await;
    assert!(request.starts_with("MESSAGE "), "{request}");
    let top_via = request.lines().find(|l| l.starts_with("Via:")).expect("a Via");
    assert!(top_via.starts_with("Via: SIP/2.0/TCP "), "{top_via}");
    let ok = sip::response_to_unparsed(&request, 200, None, Some("phone"), &[]).expect("answerable");
    stream.write_all(ok.as_bytes()).await.expect("answers");
    let answer = tokio::time::timeout(PATIENCE, sending).await.expect("in time").expect("sent");
    assert_eq!(answer.status_code.code(), 200, "{answer}");
}

/// Over UDP the relay keeps Timer E: a MESSAGE the phone did not get (the
/// first datagram, dropped here) goes out again, the same, after T1, and
/// the phone's answer to it reaches the sender.
#[tokio::test]
async fn a_message_a_udp_phone_missed_is_sent_again() {
    let (server, sip) = server().await;
    let mut phone = Phone::new(sip, "alice", "alice-pw").await;
    phone.register().await;
    let mut bob = signed_in(&server, "bob").await;
    let sending = tokio::spawn(async move {
        bob.proxied(rsip::Method::Message, &format!("sip:alice@{DOMAIN}"), |b| b.body("text/plain", "lost once".into())).await
    });
    let first = phone.recv_raw().await; // lost on the way, as far as anyone knows
    let again = phone.recv_raw().await;
    assert!(first.starts_with("MESSAGE ") && first.contains("lost once"), "{first}");
    assert_eq!(again, first, "the same request, again");
    let ok = sip::response_to_unparsed(&again, 200, None, Some("phone"), &[]).expect("answerable");
    phone.send_raw(&ok).await;
    let answer = tokio::time::timeout(PATIENCE, sending).await.expect("in time").expect("sent");
    assert_eq!(answer.status_code.code(), 200, "{answer}");
}

/// The tokio driver of the one user agent (`rollcall::sip_client`, which
/// the gateway runs on WebSocket) over the SIP port's transports: it
/// registers over UDP and over TCP, and receives what a browser user sends.
#[tokio::test]
async fn the_sip_client_registers_and_receives_over_udp_and_tcp() {
    use rollcall::sip_client::{ClientConfig, SipClient};
    use rollcall_shared::ua::Event;

    let (server, sip) = server().await;
    let mut alice = signed_in(&server, "alice").await;
    for transport in ["udp", "tcp"] {
        let (client, mut events) = SipClient::start(ClientConfig {
            url: format!("sip:{sip};transport={transport}"),
            user: "bob".into(),
            password: "bob-pw".into(),
            domain: DOMAIN.into(),
            require_asserted: true,
            event_packages: Vec::new(),
        });
        assert!(client.wait_registered(PATIENCE).await, "registers over {transport}");
        let text = format!("over {transport}");
        let answer =
            alice.proxied(rsip::Method::Message, &format!("sip:bob@{DOMAIN}"), |b| b.body("text/plain", text.clone())).await;
        assert_eq!(answer.status_code.code(), 200, "{answer}");
        let received = tokio::time::timeout(PATIENCE, async {
            loop {
                if let Some(Event::Received(r)) = events.recv().await {
                    break r;
                }
            }
        })
        .await
        .expect("in time");
        assert_eq!((received.from.as_str(), received.body.as_str()), ("sip:alice@rollcall.local", text.as_str()));
        drop(client);
    }
}
