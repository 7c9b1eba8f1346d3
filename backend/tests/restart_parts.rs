//! Every box of Figure 1 killed (SIGKILL) and started again under a live
//! conference, each as the program an operator runs (issue "Nothing
//! lost", point 7): the IM server (client and gateway reconnect; the
//! client resyncs by snapshot; events resume), the gateway (the callbacks
//! it missed arrive once it is back, none lost or doubled), and the
//! conference service (the conference it had is ended with a reason).

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use common::flow::{active_conference, add, read_until, when_the_gateway_answers, Seen};
use common::program::{free_port, part};
use common::{Client, PATIENCE};
use rollcall_shared::soap::conference::{EndConference, GetConference, ListConferences, Reply, Request};
use rollcall_shared::soap::{ConferenceState, ParticipantState, TerminationReason};

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
        self.gateway_args_reporting_on(self.reporting_port)
    }

    /// A gateway whose reporting web service listens on `reporting_port`.
    fn gateway_args_reporting_on(&self, reporting_port: u16) -> Vec<String> {
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
            &format!("127.0.0.1:{reporting_port}"),
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
        parts.im = part(&parts.im_args());
        parts.conference = part(&parts.conference_args());
        parts.gateway = part(&parts.gateway_args());
        parts
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/sip", self.im_port)
    }

    /// Alice, registered, once the gateway answers her.
    async fn alice(&self) -> Client {
        when_the_gateway_answers(self.im_port, "alice").await
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
    parts.gateway = part(&parts.gateway_args());
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
    parts.im = part(&parts.im_args());

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
    parts.conference = part(&parts.conference_args());
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

/// Two gateways registered as the conference AOR (docs/operations.md):
/// each request reaches exactly one of them — with both forked every
/// request, a conference would be created twice — and when one goes, the
/// other takes its users' requests, and the conference service's callbacks
/// (it reports to either gateway) go on reaching the user through it.
#[tokio::test]
async fn two_gateways_carry_out_each_request_once_and_one_goes_on_without_the_other() {
    let mut parts = Parts::start().await;
    let second_reporting = free_port();
    let _second = Stopped(part(&parts.gateway_args_reporting_on(second_reporting)));
    // The conference service reports to the first gateway, or the second.
    kill(&mut parts.conference);
    let urls = format!("http://127.0.0.1:{}/reporting,http://127.0.0.1:{second_reporting}/reporting", parts.reporting_port);
    let mut args = parts.conference_args();
    let at = args.iter().position(|a| a == "--reporting-url").expect("a reporting URL") + 1;
    args[at] = urls;
    parts.conference = part(&args);
    let mut alice = parts.alice().await;
    // Both registered: the IM server lists two bindings of the gateway's AOR.
    gateway_bindings_become(&parts, 2).await;

    const CREATES: usize = 4;
    for n in 0..CREATES {
        alice.send_request(&create(&format!("create-{n}"), &format!("+1425555010{n}"))).await;
    }
    let mut answered = 0;
    while answered < CREATES {
        if let Reply::CreateConferenceResponse { .. } = alice.next_reply().await {
            answered += 1;
        }
    }
    assert_eq!(conferences(&mut alice, "list-1").await, CREATES, "each create carried out once, not once per gateway");

    // The first gateway (the one callbacks go to) goes; once the IM server
    // has seen its connection close, every request goes to the second. (A
    // request sent to it in the instant it died is answered 408, and sent
    // again by its client: requestIds make that safe.)
    kill(&mut parts.gateway);
    gateway_bindings_become(&parts, 1).await;
    alice.send_request(&create("after", "+14255550109")).await;
    let conference_id = loop {
        match alice.next_reply().await {
            Reply::CreateConferenceResponse { request_id, conference_id, .. } if request_id == "after" => break conference_id,
            Reply::Fault(fault) => panic!("refused after a gateway went: {fault}"),
            _ => {}
        }
    };
    // Its events come through the second gateway.
    loop {
        if let Reply::ConferenceStatus(status) = alice.next_reply().await {
            if status.conference_id == conference_id && status.state == ConferenceState::Active {
                break;
            }
        }
    }
    assert_eq!(conferences(&mut alice, "list-2").await, CREATES + 1);
}

/// A process of the test's own, killed when the test ends (passed or not).
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until the gateway's AOR has `count` bindings at the IM server.
async fn gateway_bindings_become(parts: &Parts, count: usize) {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        // A REGISTER with Expires 0 from a connection with no binding of its
        // own changes nothing and lists the AOR's bindings.
        let mut gateway = Client::connect(&parts.url(), "conference").await;
        let bound = gateway.register_with("gw-pw", 0).await;
        let contacts = bound.headers.iter().filter(|h| h.to_string().starts_with("Contact")).count();
        if contacts == count {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the gateway's AOR has {count} bindings (now {contacts})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn create(request_id: &str, phone: &str) -> Request {
    Request::CreateConference(rollcall_shared::soap::conference::CreateConference {
        request_id: request_id.into(),
        account: String::new(),
        initiator: common::flow::party("Alice", phone),
        participants: Vec::new(),
        subject: None,
        confirm: false,
    })
}

/// How many conferences Alice has going (ListConferences).
async fn conferences(alice: &mut Client, request_id: &str) -> usize {
    alice.send_request(&Request::ListConferences(ListConferences { request_id: request_id.into() })).await;
    loop {
        if let Reply::Conferences { request_id: answered, conferences } = alice.next_reply().await {
            if answered == request_id {
                return conferences.len();
            }
        }
    }
}
