//! Traversal, the seed's core claim, as a black box: the browser-side
//! client sits in a network namespace behind a NAT router (MASQUERADE) that
//! drops every inbound NEW connection, as a home or office network does;
//! the server can never open a connection to it. Over the one WebSocket
//! the client opens, it registers, starts a conference and sees it go
//! active — everything the server sends rides that connection.
//!
//! ```text
//!  client ns                 router ns                      this process
//!  203.0.113.2 ── lan ── 203.0.113.1 | 198.51.100.2 ── pub ── 198.51.100.1 (rollcall)
//!  INPUT: NEW dropped        MASQUERADE out, FORWARD: NEW in dropped
//! ```
//!
//! The addresses are documentation ranges (RFC 5737), living only in the
//! namespaces this test makes. Needs root and `ip`/`iptables` (make test
//! installs iptables); skipped with a message where namespaces are not
//! allowed.

mod common;

use std::os::fd::AsRawFd;
use std::process::Command;

use common::flow::{active_conference, Seen};
use common::{Client, TestServer};

const ROUTER: &str = "rcnat-router";
const CLIENT: &str = "rcnat-client";
const SERVER_ADDR: &str = "198.51.100.1";
const ROUTER_PUBLIC: &str = "198.51.100.2";

fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0]).args(&args[1..]).output().map_err(|e| format!("{}: {e}", args[0]))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// The namespaces and links; removed on drop.
struct Network;

impl Network {
    fn build() -> Result<Network, String> {
        Network::remove();
        let network = Network; // from here on, dropped (and cleaned) on error
        let steps: &[&[&str]] = &[
            &["ip", "netns", "add", ROUTER],
            &["ip", "netns", "add", CLIENT],
            &["ip", "link", "add", "rcnat-pub0", "type", "veth", "peer", "name", "rcnat-pub1", "netns", ROUTER],
            &["ip", "addr", "add", "198.51.100.1/24", "dev", "rcnat-pub0"],
            &["ip", "link", "set", "rcnat-pub0", "up"],
            &["ip", "-n", ROUTER, "addr", "add", "198.51.100.2/24", "dev", "rcnat-pub1"],
            &["ip", "-n", ROUTER, "link", "set", "rcnat-pub1", "up"],
            &["ip", "-n", ROUTER, "link", "add", "rcnat-lan0", "type", "veth", "peer", "name", "rcnat-lan1", "netns", CLIENT],
            &["ip", "-n", ROUTER, "addr", "add", "203.0.113.1/24", "dev", "rcnat-lan0"],
            &["ip", "-n", ROUTER, "link", "set", "rcnat-lan0", "up"],
            &["ip", "-n", CLIENT, "addr", "add", "203.0.113.2/24", "dev", "rcnat-lan1"],
            &["ip", "-n", CLIENT, "link", "set", "rcnat-lan1", "up"],
            &["ip", "-n", CLIENT, "link", "set", "lo", "up"],
            &["ip", "-n", CLIENT, "route", "add", "default", "via", "203.0.113.1"],
            &["ip", "netns", "exec", ROUTER, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
            &[
                "ip",
                "netns",
                "exec",
                ROUTER,
                "iptables",
                "-t",
                "nat",
                "-A",
                "POSTROUTING",
                "-o",
                "rcnat-pub1",
                "-j",
                "MASQUERADE",
            ],
            &[
                "ip",
                "netns",
                "exec",
                ROUTER,
                "iptables",
                "-A",
                "FORWARD",
                "-i",
                "rcnat-pub1",
                "-m",
                "conntrack",
                "--ctstate",
                "NEW",
                "-j",
                "DROP",
            ],
            &["ip", "netns", "exec", CLIENT, "iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"],
        ];
        for step in steps {
            run(step)?;
        }
        Ok(network)
    }

    fn remove() {
        let _ = run(&["ip", "link", "del", "rcnat-pub0"]);
        let _ = run(&["ip", "netns", "del", CLIENT]);
        let _ = run(&["ip", "netns", "del", ROUTER]);
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        Network::remove();
    }
}

/// Runs `work` on a thread of its own inside network namespace `name`, on a
/// runtime of its own: every socket it opens lives in that namespace.
fn in_namespace<F>(name: &str, work: F) -> std::thread::JoinHandle<()>
where
    F: FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> + Send + 'static,
{
    let path = format!("/var/run/netns/{name}");
    std::thread::spawn(move || {
        let ns = std::fs::File::open(&path).expect("the namespace exists");
        // SAFETY: setns on this thread only, with a valid namespace fd.
        let entered = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(entered, 0, "setns: {}", std::io::Error::last_os_error());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(work());
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_behind_nat_with_inbound_connections_dropped_completes_the_create_flow() {
    let network = match Network::build() {
        Ok(network) => network,
        Err(why) => {
            eprintln!("SKIPPED: network namespaces are not allowed here ({why})");
            return;
        }
    };
    let server = TestServer::start_with(|o| o.http = format!("{SERVER_ADDR}:0").parse().expect("addr")).await;
    let url = server.ws_url();

    let client = in_namespace(CLIENT, move || {
        Box::pin(async move {
            let mut alice = Client::connect(&url, "alice").await;
            alice.register().await;
            let mut seen = Seen::default();
            active_conference(&mut alice, &mut seen, "+14255550100").await;
        })
    });
    let joined = tokio::task::spawn_blocking(move || client.join()).await.expect("joined");
    assert!(joined.is_ok(), "the client behind NAT completed the create flow");

    // The server saw the router's public address, never the client's own.
    let log = server.running.store.message_log().recent(1000).await.expect("log");
    let alice: Vec<_> = log.iter().filter(|e| e.auth_user.as_deref() == Some("alice")).collect();
    assert!(!alice.is_empty());
    assert!(alice.iter().all(|e| e.peer.starts_with(&format!("{ROUTER_PUBLIC}:"))), "{:?}", alice.first().map(|e| &e.peer));
    drop(network);
}
