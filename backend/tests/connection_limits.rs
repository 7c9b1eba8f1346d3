//! What a stranger may cost the IM server (issue: "one unauthenticated
//! client can fill the disk through the message log and grow a send queue
//! without bound, 300 half-open connections are never closed"), tried over
//! real WebSockets. Each limit is configured small here; the defaults are
//! in docs/hosting.md.

mod common;

use std::time::Duration;

use common::{TestServer, DOMAIN, PATIENCE};
use rollcall::im_server::limits::ConnectionLimits;
use rollcall_shared::sip::{self, RequestBuilder};
use tokio_tungstenite::tungstenite::Message;

async fn server_with(limits: ConnectionLimits) -> TestServer {
    TestServer::start_with(|o| o.edge.connection_limits = limits).await
}

fn options(n: u32, extra_vias: usize) -> String {
    let mut builder = RequestBuilder::new(sip::rsip::Method::Options, &format!("sip:{DOMAIN}"))
        .via("client.invalid", &sip::new_branch())
        .from(&format!("sip:x@{DOMAIN}"), None, &sip::new_tag())
        .to(&format!("sip:{DOMAIN}"), None)
        .call_id(&format!("options-{n}"))
        .cseq(n);
    for _ in 0..extra_vias {
        builder = builder.header("Via", &format!("SIP/2.0/WS {}.invalid;branch={}", "h".repeat(900), sip::new_branch()));
    }
    builder.build().expect("builds").to_string()
}

#[tokio::test]
async fn a_connection_that_never_authenticates_is_closed() {
    let server = server_with(ConnectionLimits { auth_timeout: Duration::from_millis(200), ..Default::default() }).await;
    let mut idle = server.client("alice").await;
    assert_eq!(idle.closed_with().await, Some(1008));
    // One that registered in time stays.
    let mut alice = server.client("alice").await;
    alice.register().await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(alice.message_to(&format!("sip:bob@{DOMAIN}"), "hi").await.status_code.code(), 480, "still served");
}

#[tokio::test]
async fn connections_per_address_are_capped() {
    let server = server_with(ConnectionLimits { max_connections_per_ip: 3, ..Default::default() }).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(server.client("alice").await); // the gateway holds the third
    }
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(server.ws_url()).expect("url");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "sip".parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 429),
        other => panic!("a fourth connection from 127.0.0.1 was not refused: {:?}", other.map(|(_, r)| r.status())),
    }
    drop(open.pop());
    tokio::time::timeout(PATIENCE, async {
        loop {
            let mut request =
                tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(server.ws_url()).expect("url");
            request.headers_mut().insert("Sec-WebSocket-Protocol", "sip".parse().expect("header"));
            if tokio_tungstenite::connect_async(request).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a closed connection gives its slot back");
}

#[tokio::test]
async fn oversized_and_non_utf8_frames_get_their_close_codes() {
    let server = TestServer::start().await;
    let mut big = server.client("alice").await;
    big.send_raw(&"x".repeat(300 * 1024)).await;
    assert_eq!(big.closed_with().await, Some(1009));
    let mut binary = server.client("alice").await;
    binary.send_frame(Message::Binary(vec![0xff, 0xfe, 0xfd].into())).await.expect("sends");
    assert_eq!(binary.closed_with().await, Some(1007));
}

#[tokio::test]
async fn a_message_over_the_sip_limit_is_answered_513_and_logged_in_part() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let huge = "y".repeat(100 * 1024);
    assert_eq!(alice.message_to(&format!("sip:bob@{DOMAIN}"), &huge).await.status_code.code(), 513);
    let log = server.running.store.message_log().recent(50).await.expect("log");
    let logged = log.iter().find(|e| e.direction == "in" && e.message.contains("yyyy")).expect("logged");
    assert!(logged.message.len() < 4096, "{} bytes logged", logged.message.len());
    assert!(logged.message.contains("truncated"), "and says so");
}

#[tokio::test]
async fn unauthenticated_floods_are_cut_short_per_address_and_barely_logged() {
    // The allowance is the address's: the gateway's registration (two
    // messages from 127.0.0.1) took from it too.
    let limits = ConnectionLimits {
        unauthenticated_per_second: 0.0,
        unauthenticated_burst: 10.0,
        log_truncate_bytes: 1024,
        ..Default::default()
    };
    let server = server_with(limits).await;
    let before = server.running.store.message_log().recent(10_000).await.expect("log").len();
    let mut flood = server.client("mallory").await;
    for n in 1..=3 {
        flood.send_raw(&options(n, 40)).await; // ~40 KiB each
        assert_eq!(flood.recv_response().await.status_code.code(), 200, "within the burst");
    }
    for n in 6..=40 {
        if flood.send_frame(Message::Text(options(n, 40).into())).await.is_err() {
            break;
        }
    }
    assert_eq!(flood.closed_with().await, Some(1008), "closed for flooding");
    // Reconnecting does not refill the address's allowance.
    let mut again = server.client("mallory").await;
    let dropped = server.running.im.stats.dropped.load(std::sync::atomic::Ordering::Relaxed);
    again.send_raw(&options(99, 0)).await;
    tokio::time::timeout(PATIENCE, async {
        while server.running.im.stats.dropped.load(std::sync::atomic::Ordering::Relaxed) == dropped {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the next unauthenticated message is dropped");
    let log = server.running.store.message_log().recent(10_000).await.expect("log");
    let new: Vec<_> = log.iter().skip(before).filter(|e| e.auth_user.is_none()).collect();
    let bytes: usize = new.iter().map(|e| e.message.len()).sum();
    assert!(bytes < 20 * 1024, "the flood cost {bytes} bytes of log ({} entries)", new.len());
}

#[tokio::test]
async fn a_peer_that_does_not_read_is_closed() {
    let server = server_with(ConnectionLimits { send_queue: 4, ..Default::default() }).await;
    let mut lazy = server.client("bob").await;
    lazy.register().await;
    let aor = format!("sip:bob@{DOMAIN}");
    assert!(server.running.im.registrar.is_online(&aor));
    // Requests whose responses (each copying ~40 KiB of Via) are never read.
    let sent = tokio::time::timeout(PATIENCE, async {
        for n in 1..=600 {
            if lazy.send_frame(Message::Text(options(n, 40).into())).await.is_err()
                || !server.running.im.registrar.is_online(&aor)
            {
                return;
            }
        }
    })
    .await;
    assert!(sent.is_ok(), "sending went on");
    tokio::time::timeout(PATIENCE, async {
        while server.running.im.registrar.is_online(&aor) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the connection that does not read was closed (and its binding dropped)");
}

#[tokio::test]
async fn silent_peers_are_pinged_and_dead_ones_closed() {
    let limits = ConnectionLimits {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(350),
        ..Default::default()
    };
    let server = server_with(limits).await;
    // A live client answers pings (tungstenite does, while it reads).
    let mut alive = server.client("alice").await;
    alive.register().await;
    let mut pings = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(800);
    while tokio::time::Instant::now() < deadline {
        if let Ok(Some(Ok(Message::Ping(_)))) = tokio::time::timeout(Duration::from_millis(50), alive.next_frame()).await {
            pings += 1;
        }
    }
    assert!(pings >= 2, "pinged while silent ({pings})");
    assert_eq!(alive.message_to(&format!("sip:bob@{DOMAIN}"), "hi").await.status_code.code(), 480, "and still served");
    // A peer that never answers (nothing reads its socket) is closed.
    let mut dead = server.client("bob").await;
    dead.register().await;
    let aor = format!("sip:bob@{DOMAIN}");
    tokio::time::timeout(PATIENCE, async {
        while server.running.im.registrar.is_online(&aor) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("closed as idle");
}

#[tokio::test]
async fn half_open_and_slow_http_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with(|o| o.edge.listener.header_read_timeout = Duration::from_millis(300)).await;
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(tokio::net::TcpStream::connect(server.running.http).await.expect("connects"));
    }
    // One sends half a request line and stops (slowloris).
    let mut slow = tokio::net::TcpStream::connect(server.running.http).await.expect("connects");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("writes");
    idle.push(slow);
    for mut stream in idle {
        let mut buf = [0u8; 256];
        let read = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await.expect("closed in time");
        // Closed (EOF or reset), possibly after a 408.
        if let Ok(n) = read {
            assert!(n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"), "{:?}", &buf[..n]);
        }
    }
}

#[tokio::test]
async fn tcp_connections_per_address_are_capped_before_http() {
    use tokio::io::AsyncReadExt;
    let server = TestServer::start_with(|o| {
        o.edge.listener.max_connections_per_ip = 5;
        o.edge.listener.header_read_timeout = Duration::from_secs(60);
    })
    .await;
    // Five fit (an upgraded WebSocket, like the gateway's, counts against the
    // WebSocket limits instead).
    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(tokio::net::TcpStream::connect(server.running.http).await.expect("connects"));
    }
    let mut extra = tokio::net::TcpStream::connect(server.running.http).await.expect("the kernel accepts");
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(PATIENCE, extra.read(&mut buf)).await.expect("closed at once");
    assert!(matches!(read, Ok(0) | Err(_)), "the sixth is closed without a word");
    // The admitted ones are still open (their header timeout is a minute).
    let still = tokio::time::timeout(Duration::from_millis(300), open[0].read(&mut buf)).await;
    assert!(still.is_err(), "still open: {still:?}");
}

#[tokio::test]
async fn an_authenticated_user_is_held_to_a_message_rate_but_the_gateway_is_not() {
    let limits = ConnectionLimits { authenticated_per_second: 0.0, authenticated_burst: 30.0, ..Default::default() };
    let server = server_with(limits).await;
    let mut alice = server.client("alice").await;
    alice.register().await; // two messages: the second authenticated the connection
    for n in 1..=30 {
        alice.send_raw(&options(n, 0)).await;
        assert_eq!(alice.recv_response().await.status_code.code(), 200, "within the burst");
    }
    for n in 31..=60 {
        if alice.send_frame(Message::Text(options(n, 0).into())).await.is_err() {
            break;
        }
    }
    assert_eq!(alice.closed_with().await, Some(1008), "closed for flooding");
    // Bob and carol start three conferences each (about 20 messages each);
    // the gateway answers all six (over 30 messages) unmetered.
    for user in ["bob", "carol"] {
        let mut client = common::flow::signed_in(&server, user).await;
        for n in 0..3 {
            let mut seen = common::flow::Seen::default();
            let phone = format!("+1425555{:04}", if user == "bob" { 210 + n } else { 220 + n });
            common::flow::active_conference(&mut client, &mut seen, &phone).await;
        }
    }
}
