//! Kamailio from Debian as a SIP trunk for the tests, with the
//! configuration scripts/test/kamailio-trunk.cfg, started (and installed
//! if need be) by scripts/bench/kamailio.sh; stopped on drop.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

pub struct Kamailio {
    pub addr: SocketAddr,
    /// Its TLS address, when started with TLS.
    pub tls: Option<SocketAddr>,
    dir: tempfile::TempDir,
}

/// What the trunk is started with besides UDP and TCP.
#[derive(Default)]
pub struct Extras {
    /// TLS too, with a certificate for 127.0.0.1 that this process trusts.
    pub tls: bool,
    /// SHA-256 challenges instead of MD5.
    pub sha256: bool,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/kamailio.sh")
}

/// Whether this process may run Kamailio (root: it installs and starts it);
/// says so on stderr when not.
pub fn available(test: &str) -> bool {
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    if !root {
        eprintln!("{test}: not root, so no Kamailio; skipped");
    }
    root
}

impl Kamailio {
    /// The trunk on a free loopback port (UDP and TCP).
    pub fn start() -> Kamailio {
        Kamailio::start_with(Extras::default())
    }

    pub fn start_with(extras: Extras) -> Kamailio {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = super::baresip::free_udp_and_tcp_port();
        let mut defines = Vec::new();
        let mut tls = None;
        if extras.tls {
            let tls_port = super::baresip::free_udp_and_tcp_port();
            let (cert, key) = rollcall::edge::tls::self_signed(&["127.0.0.1".into(), "localhost".into()]).expect("a certificate");
            std::fs::write(dir.path().join("cert.pem"), &cert).expect("cert");
            std::fs::write(dir.path().join("key.pem"), &key).expect("key");
            rollcall::edge::tls::trust_pem(cert.as_bytes()).expect("trusted");
            defines.push("WITH_TLS".to_string());
            defines.push(format!("TLS_PORT={tls_port}"));
            defines.push(format!("TLS_CERT=\"{}\"", dir.path().join("cert.pem").display()));
            defines.push(format!("TLS_KEY=\"{}\"", dir.path().join("key.pem").display()));
            tls = Some(SocketAddr::from(([127, 0, 0, 1], tls_port)));
        }
        if extras.sha256 {
            defines.push("SHA256".to_string());
        }
        let out = Command::new("bash")
            .arg(script())
            .args(["start", &port.to_string()])
            .arg(dir.path())
            .env("KAMAILIO_CFG", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/test/kamailio-trunk.cfg"))
            .env("KAMAILIO_SHM_MB", "64")
            .env("KAMAILIO_DEFINES", defines.join("\n"))
            .output()
            .expect("kamailio.sh runs");
        assert!(out.status.success(), "kamailio did not start: {}", String::from_utf8_lossy(&out.stderr));
        Kamailio { addr: SocketAddr::from(([127, 0, 0, 1], port)), tls, dir }
    }

    /// What it logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(script()).arg("stop").arg(self.dir.path()).status();
    }
}
