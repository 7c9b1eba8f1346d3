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

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::flow::signed_in;
use common::{TestServer, DOMAIN};
use rollcall::edge::{SipAddress, SipPorts};
use rollcall_shared::digest::Algorithm;
use rollcall_shared::sip::rsip;

/// A baresip process with its own config directory; killed on drop.
struct Baresip {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Baresip {
    /// baresip as `user` (password `<user>-pw`), registering with the
    /// server at `sip` over `transport` (`udp` or `tcp`).
    fn start(user: &str, sip: SocketAddr, transport: &str) -> Baresip {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        std::fs::write(
            dir.path().join("config"),
            format!(
                "poll_method epoll\nsip_listen 127.0.0.1:{port}\nmodule_path /usr/lib/baresip/modules\n\
                 module account.so\nmodule menu.so\n"
            ),
        )
        .expect("config");
        std::fs::write(
            dir.path().join("accounts"),
            format!("<sip:{user}@{DOMAIN};transport={transport}>;auth_pass={user}-pw;outbound=\"sip:{sip};transport={transport}\";regint=600\n"),
        )
        .expect("accounts");
        // -s: baresip's own SIP trace on stdout, where the test reads what arrived.
        let child = Command::new("baresip")
            .arg("-s")
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("baresip starts");
        Baresip { child, _dir: dir }
    }

    /// Everything baresip printed (after it has been stopped: SIGTERM, so
    /// that it flushes what it printed).
    fn output(mut self) -> String {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        out
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free for baresip's UDP and TCP (bound and released at once).
fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a free port");
    socket.local_addr().expect("address").port()
}

fn have_baresip() -> bool {
    let found = Command::new("baresip").arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        eprintln!("desktop_phone: baresip is not installed (make test installs it); skipped");
    }
    found
}

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

async fn phone_receives_a_browser_users_message(transport: &str) {
    if !have_baresip() {
        return;
    }
    let server = server_with_sip_port().await;
    let sip = server.running.sip.plain.expect("the SIP port is open");
    let phone = Baresip::start("bob", sip, transport);
    let bob = format!("sip:bob@{DOMAIN}");
    assert!(registered(&server, &bob).await, "baresip registers over {transport}");

    let mut alice = signed_in(&server, "alice").await;
    let text = format!("hello over {transport}, desk phone");
    let answer = alice.proxied(rsip::Method::Message, &bob, |b| b.body("text/plain", text.clone())).await;
    assert_eq!(answer.status_code.code(), 200, "baresip accepts the MESSAGE: {answer}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let printed = phone.output();
    assert!(printed.contains(&text), "baresip's trace shows the MESSAGE; it printed:\n{printed}");
}

#[tokio::test]
async fn baresip_over_udp_receives_a_message_from_the_browser() {
    phone_receives_a_browser_users_message("udp").await;
}

#[tokio::test]
async fn baresip_over_tcp_receives_a_message_from_the_browser() {
    phone_receives_a_browser_users_message("tcp").await;
}
