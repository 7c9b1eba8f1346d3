//! Every box of Figure 1 killed (SIGKILL) and started again under a live
//! conference, each as the program an operator runs (issue "Nothing
//! lost", point 7): the IM server (client and gateway reconnect; the
//! client resyncs by snapshot; events resume), the gateway (the callbacks
//! it missed arrive once it is back, none lost or doubled), and the
//! conference service (the conference it had is ended with a reason).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::flow::{active_conference, add, read_until, Seen};
use common::{Client, GATEWAY, PATIENCE};
use rollcall_shared::soap::conference::{EndConference, GetConference, ListConferences, Reply, Request};
use rollcall_shared::soap::{ConferenceState, ParticipantState, TerminationReason};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("addr").port()
}

fn rollcall(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rollcall starts")
}

/// The three parts, each a process of its own, on fixed ports.
struct Parts {
    dir: tempfile::TempDir,
    im_port: u16,
    conference_port: u16,
    reporting_port: u16,
    im: Child,
    gateway: Child,
    conference: Child,
}

impl Parts {
    fn im_args(&self) -> Vec<String> {
        let db = self.dir.path().join("im.db").display().to_string();
        let none = self.dir.path().join("none").display().to_string();
        ["im-server", "--http", &format!("127.0.0.1:{}", self.im_port), "--db", &db, "--static-dir", &none]
            .map(String::from)
            .to_vec()
    }

    fn gateway_args(&self) -> Vec<String> {
        [
            "gateway",
            "--im-url",
            &format!("ws://127.0.0.1:{}/sip", self.im_port),
            "--password",
            "gw-pw",
            "--conference-url",
            &format!("http://127.0.0.1:{}/conference", self.conference_port),
            "--conference-token",
            "t0ken",
            "--reporting",
            &format!("127.0.0.1:{}", self.reporting_port),
            "--signing-key",
            "k3y",
        ]
        .map(String::from)
        .to_vec()
    }

    fn conference_args(&self) -> Vec<String> {
        let db = self.dir.path().join("conference.db").display().to_string();
        [
            "conference-service",
            "--listen",
            &format!("127.0.0.1:{}", self.conference_port),
            "--token",
            "t0ken",
            "--reporting-url",
            &format!("http://127.0.0.1:{}/reporting", self.reporting_port),
            "--signing-key",
            "k3y",
            "--db",
            &db,
            "--fast",
            "--auto-hangup-ms",
            "1500",
        ]
        .map(String::from)
        .to_vec()
    }

    async fn start() -> Parts {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("im.db").display().to_string();
        for (user, password) in [("alice", "alice-pw"), ("conference", "gw-pw")] {
            let added = Command::new(env!("CARGO_BIN_EXE_rollcall"))
                .args(["user", "add", user, "--password", password, "--db", &db])
                .output();
            assert!(added.expect("runs").status.success());
        }
        let mut parts = Parts {
            dir,
            im_port: free_port(),
            conference_port: free_port(),
            reporting_port: free_port(),
            im: dummy(),
            gateway: dummy(),
            conference: dummy(),
        };
        parts.im = rollcall(&parts.im_args());
        parts.conference = rollcall(&parts.conference_args());
        parts.gateway = rollcall(&parts.gateway_args());
        parts
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/sip", self.im_port)
    }

    /// Alice, registered, once the gateway answers her.
    async fn alice(&self) -> Client {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Ok(stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.im_port)).await {
                drop(stream);
                let mut alice = Client::connect(&self.url(), "alice").await;
                alice.register().await;
                // 480 until the gateway has registered; a Fault
                // (BridgeUnavailable) until the conference service listens.
                let probe = Request::ListConferences(ListConferences { request_id: rollcall_shared::random::random_hex(4) });
                if alice.message_to(GATEWAY, &probe.encode()).await.status_code.code() == 200
                    && matches!(alice.next_reply().await, Reply::Conferences { .. })
                {
                    return alice;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "the parts came up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Parts {
    fn drop(&mut self) {
        for child in [&mut self.im, &mut self.gateway, &mut self.conference] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A placeholder child, replaced at once.
fn dummy() -> Child {
    Command::new("true").spawn().expect("true runs")
}

fn kill(child: &mut Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("gone");
}

#[tokio::test]
async fn the_gateway_killed_and_back_gets_the_callbacks_it_missed() {
    let mut parts = Parts::start().await;
    let mut alice = parts.alice().await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    // Answers, then hangs up 1.5 s later: while the gateway is down.
    let leaver = add(&mut alice, &mut seen, &conference_id, "leaver", "+15005550004").await;
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == leaver && s.state == ParticipantState::Connected),
    )
    .await;

    kill(&mut parts.gateway);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    parts.gateway = rollcall(&parts.gateway_args());
    // `seen` checks that the sequence goes on with no gap and no repeat.
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == leaver && s.state == ParticipantState::Disconnected),
    )
    .await;
}

#[tokio::test]
async fn the_im_server_killed_and_back_everyone_reconnects_and_resyncs() {
    let mut parts = Parts::start().await;
    let mut alice = parts.alice().await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;

    kill(&mut parts.im);
    assert_eq!(alice.closed_with().await, None, "the connection just ends");
    parts.im = rollcall(&parts.im_args());

    // Alice comes back (as her tab would) and resyncs by snapshot.
    let mut alice = parts.alice().await;
    alice
        .send_request(&Request::GetConference(GetConference {
            request_id: "resync".into(),
            conference_id: conference_id.clone(),
        }))
        .await;
    let snapshot = loop {
        if let Reply::Conference(snapshot) = alice.next_reply().await {
            break snapshot;
        }
    };
    assert_eq!(snapshot.state, ConferenceState::Active);
    // And events resume.
    alice
        .send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id: conference_id.clone() }))
        .await;
    loop {
        if let Reply::ConferenceStatus(s) = alice.next_reply().await {
            if s.state == ConferenceState::Terminated {
                assert_eq!(s.sequence, snapshot.sequence + 2, "the initiator's disconnect, then this");
                break;
            }
        }
    }
}

#[tokio::test]
async fn the_conference_service_killed_and_back_ends_its_conference_with_a_reason() {
    let mut parts = Parts::start().await;
    let mut alice = parts.alice().await;
    let mut seen = Seen::default();
    active_conference(&mut alice, &mut seen, "+14255550100").await;

    kill(&mut parts.conference);
    parts.conference = rollcall(&parts.conference_args());
    // Told by events; their sequence jumps ahead (RECOVERY_SEQUENCE_GAP), so
    // a client that may have seen events the service had not saved yet
    // resyncs rather than mistaking new events for old ones.
    let last = seen
        .events
        .iter()
        .filter_map(|e| match e {
            Reply::ParticipantStatus(s) => Some(s.sequence),
            Reply::ConferenceStatus(s) => Some(s.sequence),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let status = loop {
        if let Reply::ConferenceStatus(s) = alice.next_reply().await {
            if s.state == ConferenceState::Terminated {
                break s;
            }
        }
    };
    assert_eq!(status.reason, Some(TerminationReason::FatalError));
    // The jump is from the last sequence the service had saved, which may
    // be a few short of the last the client saw (events go out before the
    // journal's batch commits): so not `last + 1000`, but beyond it with a
    // gap, which makes the client resync.
    assert!(status.sequence >= 1000 && status.sequence > last + 1, "a gap: {} after {last}", status.sequence);
}

#[tokio::test]
async fn each_standalone_part_stops_on_sigterm_with_exit_zero() {
    let mut parts = Parts::start().await;
    let mut alice = parts.alice().await;
    active_conference(&mut alice, &mut Seen::default(), "+14255550100").await;
    for child in [&mut parts.gateway, &mut parts.conference, &mut parts.im] {
        // SAFETY: a signal to a child we started.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        let deadline = std::time::Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waits") {
                break status;
            }
            assert!(std::time::Instant::now() < deadline, "stopped in time");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(status.success(), "{status}");
    }
    assert_eq!(alice.closed_with().await, Some(1001), "the IM server said goodbye");
}
