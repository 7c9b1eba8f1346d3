//! A desktop SIP phone reaches the same IM server as the browser: baresip
//! (Debian's 1.0, started here with a config of its own) registers over
//! UDP, then over TCP, on the SIP port, and receives a MESSAGE a browser
//! user sends over WebSocket; its 200 comes back the same way. Digest is
//! offered as MD5 alone (`--digest md5`): baresip 1.0 refuses to register
//! when any SHA-256 challenge is offered (docs/protocol.md §1).
//!
//! `make test` installs baresip (scripts/test-deps.sh); without it the test
//! says so and passes.

mod common;

use std::time::{Duration, Instant};

use common::baresip::{self, Baresip, Options};
use common::flow::signed_in;
use common::{TestServer, DOMAIN};
use rollcall::edge::{SipAddress, SipPorts};
use rollcall_shared::digest::Algorithm;
use rollcall_shared::sip::rsip;

async fn server_with_sip_port() -> TestServer {
    TestServer::start_with(|options| {
        options.edge.sip =
            SipPorts { plain: Some(SipAddress { addr: "127.0.0.1:0".parse().unwrap(), required: true }), tls: None, host: None };
        options.edge.digest_algorithms = Some(vec![Algorithm::Md5]);
    })
    .await
}

/// Waits until `aor` has a binding.
async fn registered(server: &TestServer, aor: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if server.running.im.registrar.is_online(aor) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn phone_receives_a_browser_users_message(transport: &'static str) {
    if !baresip::available("desktop_phone") {
        return;
    }
    let server = server_with_sip_port().await;
    let sip = server.running.sip.plain.expect("the SIP port is open");
    let phone = Baresip::start(Options { registrar: Some((sip, transport)), ..Options::direct("bob") });
    let bob = format!("sip:bob@{DOMAIN}");
    assert!(registered(&server, &bob).await, "baresip registers over {transport}");

    let mut alice = signed_in(&server, "alice").await;
    let text = format!("hello over {transport}, desk phone");
    let answer = alice.proxied(rsip::Method::Message, &bob, |b| b.body("text/plain", text.clone())).await;
    assert_eq!(answer.status_code.code(), 200, "baresip accepts the MESSAGE: {answer}");
    assert!(phone.printed(&text).await, "baresip's trace shows the MESSAGE; it printed:\n{}", phone.output());
}

#[tokio::test]
async fn baresip_over_udp_receives_a_message_from_the_browser() {
    phone_receives_a_browser_users_message("udp").await;
}

#[tokio::test]
async fn baresip_over_tcp_receives_a_message_from_the_browser() {
    phone_receives_a_browser_users_message("tcp").await;
}
