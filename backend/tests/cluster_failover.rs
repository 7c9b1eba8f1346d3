//! The whole cluster, each part killed in turn under live conferences
//! (issue 14, item 5): three `im-server` nodes over NATS, two gateways
//! (registered through nodes one and two), two conference services under
//! leases, all on one PostgreSQL database, every one a process as an
//! operator runs it. Alice is on node one; bob on node three, which has no
//! gateway of its own. Then:
//!
//! 1. node three dies: bob reconnects to node two, resyncs, and goes on;
//! 2. the gateway on node one dies: alice's requests go to the other
//!    gateway, across the cluster, and so do her conference's events;
//! 3. the conference service holding both conferences dies: the other
//!    takes them over and ends them with a reason, which both are told.
//!
//! Throughout, no event reaches a client twice or out of order by
//! sequence; a gap (the takeover's jump) is closed by a snapshot.
//!
//! Skipped, saying why, only where PostgreSQL or nats-server cannot start.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command};
use std::time::Duration;

use common::flow::{party, when_the_gateway_answers};
use common::nats::Nats;
use common::postgres::Postgres;
use common::program::{free_port, part};
use common::{Client, GATEWAY, PATIENCE};
use rollcall_shared::soap::conference::{AddParticipant, CreateConference, GetConference, Reply, Request};
use rollcall_shared::soap::{ConferenceState, ParticipantState, TerminationReason};

fn kill(child: &mut Option<Child>) {
    let mut child = child.take().expect("running");
    child.kill().expect("SIGKILL");
    child.wait().expect("gone");
}

/// One deployment at a time: each is a dozen processes, and two at once on
/// two cores slowed replies past the clients' patience.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Cluster {
    _postgres: Postgres,
    _nats: Nats,
    _dir: tempfile::TempDir,
    node_ports: [u16; 3],
    nodes: [Option<Child>; 3],
    gateways: [Option<Child>; 2],
    services: [Option<Child>; 2],
}

impl Cluster {
    fn start(test: &str) -> Option<Cluster> {
        let nats = Nats::start(test)?;
        let postgres = Postgres::start(test)?;
        let db = postgres.create_database("rollcall");
        for (user, password) in [("alice", "alice-pw"), ("bob", "bob-pw"), ("conference", "gw-pw")] {
            let added = Command::new(env!("CARGO_BIN_EXE_rollcall"))
                .args(["user", "add", user, "--password", password, "--db", &db])
                .output()
                .expect("runs");
            assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        }
        let dir = tempfile::tempdir().expect("dir");
        let none = dir.path().join("none").display().to_string();
        let node_ports = [free_port(), free_port(), free_port()];
        let reporting = [free_port(), free_port()];
        let service_ports = [free_port(), free_port()];
        let nodes = [0, 1, 2].map(|n| {
            Some(part(&[
                "im-server",
                "--http",
                &format!("127.0.0.1:{}", node_ports[n]),
                "--db",
                &db,
                "--sip",
                "off",
                "--static-dir",
                &none,
                "--cluster",
                &nats.url,
                "--node",
                &format!("node-{}", n + 1),
                "--cluster-heartbeat-ms",
                "100",
                "--cluster-timeout-ms",
                "600",
            ]))
        });
        let reporting_urls = reporting.map(|p| format!("http://127.0.0.1:{p}/reporting")).join(",");
        let services = [0, 1].map(|n| {
            Some(part(&[
                "conference-service",
                "--listen",
                &format!("127.0.0.1:{}", service_ports[n]),
                "--token",
                "t0ken",
                "--reporting-url",
                &reporting_urls,
                "--signing-key",
                "k3y",
                "--db",
                &db,
                "--instance",
                ["a", "b"][n],
                "--lease-ms",
                "600",
                "--fast",
            ]))
        });
        let conference_urls = service_ports.map(|p| format!("http://127.0.0.1:{p}/conference")).join(",");
        let gateways = [0, 1].map(|n| {
            Some(part(&[
                "gateway",
                "--im-url",
                &format!("ws://127.0.0.1:{}/sip", node_ports[n]),
                "--password",
                "gw-pw",
                "--conference-url",
                &conference_urls,
                "--conference-token",
                "t0ken",
                "--reporting",
                &format!("127.0.0.1:{}", reporting[n]),
                "--signing-key",
                "k3y",
            ]))
        });
        Some(Cluster { _postgres: postgres, _nats: nats, _dir: dir, node_ports, nodes, gateways, services })
    }

    /// `user`, registered on node `n`, once a gateway answers there.
    async fn client(&self, user: &str, n: usize) -> Client {
        when_the_gateway_answers(self.node_ports[n], user).await
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.nodes.iter_mut().chain(&mut self.gateways).chain(&mut self.services).flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What one client has seen of its conferences, by sequence.
#[derive(Default)]
struct Watch {
    /// The last sequence seen of each conference.
    last: HashMap<String, u64>,
    /// Every event's sequence seen, by conference: none may come twice.
    seen: HashMap<String, std::collections::HashSet<u64>>,
    /// The sequence of each conference's latest snapshot: an event up to
    /// it that arrives afterwards (sent before the snapshot was read) is
    /// stale, and a client ignores it.
    floor: HashMap<String, u64>,
    /// Conferences with a gap to close by a snapshot.
    gaps: Vec<String>,
    /// The latest state of each conference.
    state: HashMap<String, (ConferenceState, Option<TerminationReason>)>,
    /// Participants' latest states.
    participants: HashMap<String, ParticipantState>,
}

impl Watch {
    /// Takes one reply: an event must be newer than anything seen of its
    /// conference (never twice, never backwards); one that skips numbers
    /// leaves a gap to close.
    fn take(&mut self, reply: &Reply) {
        let (conference, sequence) = match reply {
            Reply::ParticipantStatus(s) => {
                self.participants.insert(s.participant_id.clone(), s.state);
                (&s.conference_id, s.sequence)
            }
            Reply::ConferenceStatus(s) => {
                self.state.insert(s.conference_id.clone(), (s.state, s.reason));
                (&s.conference_id, s.sequence)
            }
            Reply::Conference(snapshot) => {
                self.state.insert(snapshot.conference_id.clone(), (snapshot.state, snapshot.reason));
                let last = self.last.entry(snapshot.conference_id.clone()).or_default();
                *last = (*last).max(snapshot.sequence);
                self.floor.insert(snapshot.conference_id.clone(), snapshot.sequence);
                self.gaps.retain(|c| c != &snapshot.conference_id);
                return;
            }
            _ => return,
        };
        let first_time = self.seen.entry(conference.clone()).or_default().insert(sequence);
        assert!(first_time, "event {sequence} of {conference} came twice ({reply:?})");
        if sequence <= self.floor.get(conference).copied().unwrap_or(0) {
            return; // stale: the snapshot had it
        }
        let last = self.last.entry(conference.clone()).or_default();
        assert!(sequence > *last, "event {sequence} of {conference} after {last}: out of order ({reply:?})");
        if *last > 0 && sequence > *last + 1 && !self.gaps.contains(conference) {
            self.gaps.push(conference.clone());
        }
        *last = sequence;
    }
}

/// Sends `request` to the gateway, again (the same request: its id makes
/// that safe) while it is answered 408 or 480 — a gateway dying, or not
/// yet known, as it is sent.
async fn send(client: &mut Client, request: &Request) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let status = client.message_to(GATEWAY, &request.encode()).await.status_code.code();
        if status == 200 {
            return;
        }
        assert!(matches!(status, 408 | 480) && tokio::time::Instant::now() < deadline, "the gateway took the request ({status})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads replies (taking each into `watch`) until `done` says so.
async fn until(client: &mut Client, watch: &mut Watch, mut done: impl FnMut(&Watch, &Reply) -> bool) -> Reply {
    loop {
        let reply = client.next_reply().await;
        watch.take(&reply);
        if done(watch, &reply) {
            return reply;
        }
    }
}

/// A new conference of `client`'s, once active; its id.
async fn create(client: &mut Client, watch: &mut Watch, phone: &str) -> String {
    let request_id = format!("create-{}", rollcall_shared::random::random_hex(4));
    send(
        client,
        &Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id,
            account: String::new(),
            initiator: party("Initiator", phone),
            participants: Vec::new(),
        }),
    )
    .await;
    let Reply::CreateConferenceResponse { conference_id, .. } =
        until(client, watch, |_, r| matches!(r, Reply::CreateConferenceResponse { .. } | Reply::Fault(_))).await
    else {
        panic!("the conference was refused")
    };
    let id = conference_id.clone();
    until(client, watch, |w, _| w.state.get(&id).map(|s| s.0) == Some(ConferenceState::Active)).await;
    conference_id
}

/// Adds someone at `phone` to `conference_id`, once connected.
async fn add(client: &mut Client, watch: &mut Watch, conference_id: &str, phone: &str) {
    let request_id = format!("add-{}", rollcall_shared::random::random_hex(4));
    let request = Request::AddParticipant(AddParticipant {
        request_id,
        conference_id: conference_id.into(),
        participant: party("Guest", phone),
    });
    send(client, &request).await;
    let answer = until(client, watch, |_, r| matches!(r, Reply::AddParticipantResponse { .. } | Reply::Fault(_))).await;
    let Reply::AddParticipantResponse { participant_id, .. } = answer else { panic!("AddParticipant refused: {answer:?}") };
    until(client, watch, |w, _| w.participants.get(&participant_id) == Some(&ParticipantState::Connected)).await;
}

/// Closes `client`'s gaps with snapshots.
async fn resync(client: &mut Client, watch: &mut Watch) {
    for conference_id in watch.gaps.clone() {
        let request_id = format!("get-{}", rollcall_shared::random::random_hex(4));
        send(client, &Request::GetConference(GetConference { request_id, conference_id: conference_id.clone() })).await;
        until(client, watch, |_, r| matches!(r, Reply::Conference(s) if s.conference_id == conference_id)).await;
    }
}

#[tokio::test]
async fn each_part_killed_in_turn_loses_no_event_and_doubles_none() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(mut cluster) = Cluster::start("cluster failover") else { return };
    let (mut alice_seen, mut bob_seen) = (Watch::default(), Watch::default());
    let mut alice = cluster.client("alice", 0).await;
    let mut bob = cluster.client("bob", 2).await;
    let alices = create(&mut alice, &mut alice_seen, "+14255550100").await;
    let bobs = create(&mut bob, &mut bob_seen, "+14255550110").await;

    // 1. Node three dies: bob comes back through node two and resyncs.
    kill(&mut cluster.nodes[2]);
    let mut bob = cluster.client("bob", 1).await;
    bob_seen.gaps.push(bobs.clone());
    resync(&mut bob, &mut bob_seen).await;
    assert_eq!(bob_seen.state[&bobs].0, ConferenceState::Active, "bob's conference went on without his node");
    add(&mut bob, &mut bob_seen, &bobs, "+14255550111").await;

    // 2. The gateway on node one dies: alice's request and its events go
    //    through the other gateway, on node two.
    kill(&mut cluster.gateways[0]);
    add(&mut alice, &mut alice_seen, &alices, "+14255550101").await;

    // 3. The conference service holding both dies: the other takes them
    //    over once the lease runs out, and ends them with a reason.
    kill(&mut cluster.services[0]);
    for (client, watch, conference) in [(&mut alice, &mut alice_seen, &alices), (&mut bob, &mut bob_seen, &bobs)] {
        until(client, watch, |w, _| w.state.get(conference).map(|s| s.0) == Some(ConferenceState::Terminated)).await;
        resync(client, watch).await;
        assert_eq!(watch.state[conference], (ConferenceState::Terminated, Some(TerminationReason::FatalError)));
        assert!(watch.gaps.is_empty());
    }
}

/// RFC 4575 across the cluster: alice and bob are on node three, which
/// has no gateway; their SUBSCRIBEs to their conferences go to the
/// gateways on the other nodes — one each (the IM server picks a gateway
/// by user: these two fall on different ones) — and each gateway's
/// NOTIFYs come back through node three. Only one gateway gets the
/// conference service's callbacks; the other gets copies for its own
/// subscriptions (`/reporting/mirror`), so both users get every document.
#[tokio::test]
async fn users_on_a_node_without_a_gateway_follow_their_conferences_through_either_gateway() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(cluster) = Cluster::start("cluster conference events") else { return };
    for (user, phone, guest) in [("alice", "+14255550120", "+14255550121"), ("bob", "+14255550130", "+14255550131")] {
        let mut watch = Watch::default();
        let mut owner = cluster.client(user, 2).await;
        let conference = create(&mut owner, &mut watch, phone).await;
        let uri = format!("sip:{conference}@rollcall.local");
        let mut follower = cluster.client(user, 2).await;
        follower.follow_conference(&uri).await;
        let full = follower.next_conference_info().await;
        assert_eq!((full.uri.as_str(), full.terminated), (uri.as_str(), None), "{user}");
        assert!(full.body.contains(r#"state="full""#), "{user}: {}", full.body);
        // An event: a partial document, from whichever gateway holds the
        // subscription.
        add(&mut owner, &mut watch, &conference, guest).await;
        let partial = follower.next_conference_info().await;
        assert!(partial.body.contains(r#"state="partial""#), "{user}: {}", partial.body);
    }
}
