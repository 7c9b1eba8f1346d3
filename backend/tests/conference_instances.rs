//! Several conference service instances on one PostgreSQL database (issue
//! 14, item 4), each the program an operator runs: two `rollcall
//! conference-service --instance …` processes with short leases, one
//! gateway that knows both (`--conference-url A,B`), one IM server. A
//! conference is held by one instance at a time; when that instance dies,
//! the other takes the conference over once the lease runs out and ends it
//! with a reason its owner is told; new conferences go to the instance
//! that is up; an instance that comes back does not take what another
//! holds.
//!
//! Skipped, saying why, only where PostgreSQL cannot start.

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use common::flow::{active_conference, when_the_gateway_answers, Seen};
use common::postgres::Postgres;
use common::program::{free_port, part};
use common::{Client, PATIENCE};
use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::{ConferenceState, TerminationReason};

struct Deployment {
    postgres: Postgres,
    db: String,
    dir: tempfile::TempDir,
    im_port: u16,
    reporting_port: u16,
    conference_ports: [u16; 2],
    children: Vec<Child>,
    instances: [Option<Child>; 2],
}

const INSTANCES: [&str; 2] = ["a", "b"];

impl Deployment {
    fn start(test: &str) -> Option<Deployment> {
        let postgres = Postgres::start(test)?;
        let db = postgres.create_database("rollcall");
        for (user, password) in [("alice", "alice-pw"), ("conference", "gw-pw")] {
            let added = Command::new(env!("CARGO_BIN_EXE_rollcall"))
                .args(["user", "add", user, "--password", password, "--db", &db])
                .output()
                .expect("runs");
            assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        }
        let mut deployment = Deployment {
            postgres,
            db,
            dir: tempfile::tempdir().expect("dir"),
            im_port: free_port(),
            reporting_port: free_port(),
            conference_ports: [free_port(), free_port()],
            children: Vec::new(),
            instances: [None, None],
        };
        let none = deployment.dir.path().join("none").display().to_string();
        let im = ["im-server", "--http", &format!("127.0.0.1:{}", deployment.im_port), "--db", &deployment.db];
        deployment.children.push(part(&[&im[..], &["--static-dir", &none]].concat()));
        for n in 0..2 {
            deployment.start_instance(n);
        }
        let urls = deployment.conference_ports.map(|port| format!("http://127.0.0.1:{port}/conference")).join(",");
        let gateway: [&str; 13] = [
            "gateway",
            "--im-url",
            &format!("ws://127.0.0.1:{}/sip", deployment.im_port),
            "--password",
            "gw-pw",
            "--conference-url",
            &urls,
            "--conference-token",
            "t0ken",
            "--reporting",
            &format!("127.0.0.1:{}", deployment.reporting_port),
            "--signing-key",
            "k3y",
        ];
        deployment.children.push(part(&gateway));
        Some(deployment)
    }

    fn start_instance(&mut self, n: usize) {
        let args: [&str; 16] = [
            "conference-service",
            "--listen",
            &format!("127.0.0.1:{}", self.conference_ports[n]),
            "--token",
            "t0ken",
            "--reporting-url",
            &format!("http://127.0.0.1:{}/reporting", self.reporting_port),
            "--signing-key",
            "k3y",
            "--db",
            &self.db,
            "--instance",
            INSTANCES[n],
            "--lease-ms",
            "600",
            "--fast",
        ];
        self.instances[n] = Some(part(&args));
    }

    fn kill_instance(&mut self, n: usize) {
        let mut child = self.instances[n].take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("gone");
    }

    /// Which instance holds `conference_id`, and is it running?
    fn holder(&self, conference_id: &str) -> String {
        self.postgres
            .psql_on(&self.db, &format!("SELECT instance || ' ' || terminated FROM conferences WHERE id = '{conference_id}'"))
    }

    /// Alice, registered, once the gateway and a conference service answer.
    async fn alice(&self) -> Client {
        when_the_gateway_answers(self.im_port, "alice").await
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        for child in self.children.iter_mut().chain(self.instances.iter_mut().flatten()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn an_instance_that_dies_has_its_conferences_taken_over_and_ended_with_a_reason() {
    let Some(mut deployment) = Deployment::start("conference instances") else { return };
    let mut alice = deployment.alice().await;
    let mut seen = Seen::default();
    let (first, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    // The gateway uses the first instance while it answers.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while deployment.holder(&first) != "a 0" {
        assert!(tokio::time::Instant::now() < deadline, "instance a holds it: {}", deployment.holder(&first));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    deployment.kill_instance(0);
    // Instance b takes it over once a's lease runs out, and ends it: alice
    // is told, through the gateway, with the reason.
    let status = loop {
        if let Reply::ConferenceStatus(s) = alice.next_reply().await {
            if s.conference_id == first && s.state == ConferenceState::Terminated {
                break s;
            }
        }
    };
    assert_eq!(status.reason, Some(TerminationReason::FatalError));
    assert_eq!(deployment.holder(&first), "b 1", "taken over by b, and ended");

    // A new conference goes to b, the instance that is up.
    let (second, _) = active_conference(&mut alice, &mut Seen::default(), "+14255550100").await;
    assert_eq!(deployment.holder(&second), "b 0");

    // a comes back: it does not take what b holds.
    deployment.start_instance(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while tokio::net::TcpStream::connect(("127.0.0.1", deployment.conference_ports[0])).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "a listens again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Two of b's renewals (every 200 ms) and two of a's rounds later…
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(deployment.holder(&second), "b 0", "still b's, still running");
}
