//! A NATS server for one test: Debian's `nats-server` (scripts/test-deps.sh
//! installs it) on a free loopback port, stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server.
pub struct Nats {
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
    pub port: u16,
    server: Child,
}

impl Nats {
    /// Starts a server, or says why not and returns `None` (the caller
    /// skips with that message).
    pub fn start(test: &str) -> Option<Nats> {
        Nats::start_with(test, &[])
    }

    /// [`Nats::start`] with more of `nats-server`'s flags (`--user`, say).
    pub fn start_with(test: &str, flags: &[&str]) -> Option<Nats> {
        if Command::new("nats-server").arg("--version").output().is_err() {
            eprintln!("{test}: skipped: nats-server is not installed (apt-get install nats-server)");
            return None;
        }
        let port = super::baresip::free_udp_and_tcp_port();
        let server = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let nats = Nats { url: format!("nats://127.0.0.1:{port}"), port, server };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{test}: nats-server did not listen in 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(nats)
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
