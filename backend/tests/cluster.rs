//! Several IM server nodes as one (issue 14, item 2): `rollcall
//! im-server --cluster nats://…` processes sharing a PostgreSQL database
//! and a nats-server, each started by the test on loopback. Users on
//! different nodes reach each other; every node logs what it receives
//! and sends; a node that dies takes only its own connections with it.
//!
//! Skipped, saying why, only where PostgreSQL or nats-server cannot start
//! (`make test` installs both).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::nats::Nats;
use common::postgres::Postgres;
use common::program::free_port;
use common::{Client, PATIENCE};
use rollcall::store::{LogFilter, Store};
use rollcall_shared::sip::{self, rsip};

/// The engines, a shared database with alice and bob, and a way to start nodes.
struct Cluster {
    dir: tempfile::TempDir,
    nats: Nats,
    db: String,
    _postgres: Postgres,
}

impl Cluster {
    fn start(test: &str) -> Option<Cluster> {
        Cluster::start_on(test, Nats::start(test)?)
    }

    /// The cluster on `nats`, a NATS server started by the caller.
    fn start_on(test: &str, nats: Nats) -> Option<Cluster> {
        let postgres = Postgres::start(test)?;
        let db = postgres.create_database("rollcall");
        for user in ["alice", "bob", "carol"] {
            let added = Command::new(env!("CARGO_BIN_EXE_rollcall"))
                .args(["user", "add", user, "--password", &format!("{user}-pw"), "--db", &db])
                .output()
                .expect("runs");
            assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        }
        Some(Cluster { dir: tempfile::tempdir().expect("dir"), nats, db, _postgres: postgres })
    }

    /// A node named `name`, once it takes connections.
    async fn node(&self, name: &str) -> Node {
        self.node_at(name, &self.nats.url).await
    }

    /// The `rollcall im-server` of node `name`, joining NATS at `nats`.
    fn command(&self, name: &str, nats: &str, port: u16) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        command
            .args(["im-server", "--http", &format!("127.0.0.1:{port}"), "--db", &self.db, "--sip", "off"])
            .args(["--static-dir", &self.dir.path().join("none").display().to_string()])
            .args(["--cluster", nats, "--node", name])
            .args(["--cluster-heartbeat-ms", "100", "--cluster-timeout-ms", "600"]);
        command
    }

    /// A node named `name`, joining NATS at `nats`, once it takes connections.
    async fn node_at(&self, name: &str, nats: &str) -> Node {
        let port = free_port();
        let child = self.command(name, nats, port).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("rollcall starts");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "node {name} listens");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Node { child, port }
    }
}

struct Node {
    child: Child,
    port: u16,
}

impl Node {
    async fn client(&self, user: &str) -> Client {
        let mut client = Client::connect(&format!("ws://127.0.0.1:{}/sip", self.port), user).await;
        client.register().await;
        client
    }

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("gone");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `from` sends `body` to `to`, whom `answerer` answers 200 if it gets
/// there; the final status, and the request as `answerer` got it.
async fn deliver(from: &mut Client, to: &str, body: &str, answerer: &mut Client) -> (u16, Option<rsip::Request>) {
    let uri = format!("sip:{to}@rollcall.local");
    let sent = from.message_to(&uri, body);
    tokio::pin!(sent);
    let mut got = None;
    loop {
        tokio::select! {
            response = &mut sent => return (response.status_code.code(), got),
            req = answerer.next_request(), if got.is_none() => {
                answerer.answer(&req, 200).await;
                got = Some(req);
            }
        }
    }
}

/// Sends to `to` until it is not `480` (its binding has reached the
/// sender's node); the final status.
async fn until_reachable(from: &mut Client, to: &str, answerer: &mut Client) -> u16 {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (status, _) = deliver(from, to, "ping", answerer).await;
        if status != 480 {
            return status;
        }
        assert!(tokio::time::Instant::now() < deadline, "{to} became reachable");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends to `to` until it is `480` (its node is known to be gone).
async fn until_unreachable(from: &mut Client, to: &str) {
    let started = tokio::time::Instant::now();
    loop {
        let status = from.message_to(&format!("sip:{to}@rollcall.local"), "anyone?").await.status_code.code();
        if status == 480 {
            return;
        }
        assert!(started.elapsed() < PATIENCE, "{to} became unreachable (last {status})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The log entries, on every node, whose text contains `needle`.
async fn logged(db: &str, needle: &str) -> Vec<rollcall::store::LogEntry> {
    let store = Store::open(db).await.expect("the database");
    let filter = LogFilter { containing: Some(needle.to_string()), ..Default::default() };
    store.message_log().search(&filter, 100).await.expect("search")
}

#[tokio::test]
async fn users_on_different_nodes_reach_each_other_and_a_dead_node_takes_only_its_own() {
    let Some(cluster) = Cluster::start("cluster") else { return };
    let one = cluster.node("one").await;
    let mut two = cluster.node("two").await;
    let mut alice = one.client("alice").await;
    let mut bob = two.client("bob").await;

    // Alice (node one) reaches bob (node two) once his binding is known there.
    assert_eq!(until_reachable(&mut alice, "bob", &mut bob).await, 200);
    let (status, got) = deliver(&mut alice, "bob", "across the cluster", &mut bob).await;
    assert_eq!(status, 200);
    let got = got.expect("bob got it");
    let asserted = sip::header(&got.headers, "P-Asserted-Identity");
    assert_eq!(asserted.as_deref(), Some("<sip:alice@rollcall.local>"), "node one asserted who sent it");
    // And back: bob to alice, across the other way.
    let (status, got) = deliver(&mut bob, "alice", "and back", &mut alice).await;
    assert_eq!((status, got.is_some()), (200, true));

    // In order: a burst from alice reaches bob in the order sent.
    for n in 0..5 {
        let (status, got) = deliver(&mut alice, "bob", &format!("burst {n}"), &mut bob).await;
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&got.expect("got").body).contains(&format!("burst {n}")));
    }

    // Both nodes logged it: one as sent to bob's stand-in and his 200 as
    // received from it, the other as sent to bob and his 200 as received.
    let entries = logged(&cluster.db, "across the cluster").await;
    let out: Vec<_> = entries.iter().filter(|e| e.direction == "out" && e.first_line.starts_with("MESSAGE")).collect();
    assert!(out.len() >= 2, "sent by node one (to the stand-in) and by node two (to bob): {entries:#?}");
    assert!(out.iter().any(|e| e.peer.contains("via node two")), "node one's copy names the node: {out:#?}");

    // Node two dies: only bob goes (within the timeout), alice stays.
    two.kill();
    // (Within PATIENCE; without the heartbeat's timeout bob's binding would
    // stay until his registration expired, an hour on.)
    until_unreachable(&mut alice, "bob").await;
    let mut carol = one.client("carol").await;
    let (status, _) = deliver(&mut carol, "alice", "still here?", &mut alice).await;
    assert_eq!(status, 200, "node one's own users are untouched");

    // Bob comes back through node one.
    let mut bob = one.client("bob").await;
    let (status, got) = deliver(&mut alice, "bob", "welcome back", &mut bob).await;
    assert_eq!((status, got.is_some()), (200, true));
}

/// The next presence NOTIFY's `basic` status, answered 200.
async fn next_presence(client: &mut Client) -> String {
    loop {
        let req = client.next_request().await;
        client.answer(&req, 200).await;
        if req.method != rsip::Method::Notify {
            continue;
        }
        let body = String::from_utf8(req.body.clone()).expect("utf-8");
        return body.split("<basic>").nth(1).and_then(|b| b.split("</basic>").next()).expect("a basic status").to_string();
    }
}

#[tokio::test]
async fn presence_follows_a_user_registered_on_another_node() {
    let Some(cluster) = Cluster::start("cluster presence") else { return };
    let one = cluster.node("one").await;
    let mut two = cluster.node("two").await;
    let mut carol = one.client("carol").await;
    let subscribed = carol
        .proxied(rsip::Method::Subscribe, "sip:bob@rollcall.local", |b| {
            b.header("Event", "presence").contact("<sip:w@watch.invalid;transport=ws>").expires(600)
        })
        .await;
    assert_eq!(subscribed.status_code.code(), 200);
    assert_eq!(next_presence(&mut carol).await, "closed", "bob is nowhere yet");

    let _bob = two.client("bob").await;
    assert_eq!(next_presence(&mut carol).await, "open", "bob registered on node two: node one knows");

    two.kill();
    assert_eq!(next_presence(&mut carol).await, "closed", "bob's node died: his binding went with it");
}

#[tokio::test]
async fn a_node_that_starts_late_learns_the_bindings_made_before_it() {
    let Some(cluster) = Cluster::start("cluster late node") else { return };
    let one = cluster.node("one").await;
    let mut bob = one.client("bob").await;
    // Node three starts after bob registered on node one: it asks (hello)
    // and is told.
    let three = cluster.node("three").await;
    let mut alice = three.client("alice").await;
    assert_eq!(until_reachable(&mut alice, "bob", &mut bob).await, 200);
}

#[tokio::test]
async fn nodes_sign_in_to_a_nats_server_that_requires_it() {
    let Some(nats) = Nats::start_with("cluster auth", &["--user", "rollcall", "--pass", "s3cret"]) else { return };
    let port = nats.port;
    let Some(cluster) = Cluster::start_on("cluster auth", nats) else { return };
    // The wrong password: the node says so and stops.
    let refused =
        cluster.command("wrong", &format!("nats://rollcall:guess@127.0.0.1:{port}"), free_port()).output().expect("runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("connecting to NATS"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // The right one, on one of two servers listed (the other is not there).
    let url = format!("nats://rollcall:s3cret@127.0.0.1:{port},nats://127.0.0.1:{}", free_port());
    let one = cluster.node_at("one", &url).await;
    let two = cluster.node_at("two", &url).await;
    let mut alice = one.client("alice").await;
    let mut bob = two.client("bob").await;
    assert_eq!(until_reachable(&mut alice, "bob", &mut bob).await, 200);
}

#[tokio::test]
async fn a_node_restarted_under_its_name_is_not_mistaken_for_its_last_run() {
    let Some(cluster) = Cluster::start("cluster restarted node") else { return };
    let one = cluster.node("one").await;
    let mut two = cluster.node("two").await;
    let mut alice = one.client("alice").await;
    let mut bob = two.client("bob").await; // node two's first connection
    assert_eq!(until_reachable(&mut alice, "bob", &mut bob).await, 200);

    // Node two dies and is back at once, within the others' timeout.
    two.kill();
    let two = cluster.node("two").await;
    let mut carol = two.client("carol").await; // its first connection again
                                               // Whatever is answered while node one learns that bob's node is gone,
                                               // nothing for bob ever reaches carol.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (status, got) = deliver(&mut alice, "bob", "for bob only", &mut carol).await;
        assert!(got.is_none(), "a message for bob reached carol: {got:?}");
        if status == 480 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "bob became unreachable (last {status})");
    }
    // And carol, on the new run of node two, is reachable.
    assert_eq!(until_reachable(&mut alice, "carol", &mut carol).await, 200);
}
