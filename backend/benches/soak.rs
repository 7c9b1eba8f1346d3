//! Soak: `rollcall serve` (the release program) runs conference after
//! conference for a few minutes — three users at once, each creating a
//! conference with three participants (one answers, one is busy, one hangs
//! up), waiting for it to come up and ending it — while this harness
//! samples the server's resident memory, open file descriptors and
//! database size every few seconds. Numbers, not assertions: they should
//! stay flat. `SOAK_SECONDS` (default 120) sets the length.
//! Run with `cargo bench -p rollcall --bench soak` (part of `make bench`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::flow::party;
use common::Client;
use rollcall_shared::soap::conference::{CreateConference, EndConference, Reply, Request};
use rollcall_shared::soap::ConferenceState;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// The `-wal` file alone: the checkpointer must keep it from growing.
fn wal_kib(db: &str) -> u64 {
    std::fs::metadata(format!("{db}-wal")).map(|m| m.len()).unwrap_or(0) / 1024
}

fn db_kib(db: &str) -> u64 {
    ["", "-wal", "-shm"].iter().map(|s| std::fs::metadata(format!("{db}{s}")).map(|m| m.len()).unwrap_or(0)).sum::<u64>() / 1024
}

/// One user's loop: conference after conference until `until`.
async fn user_loop(url: String, user: &'static str, until: Instant, done: Arc<AtomicU64>) {
    let mut client = Client::connect(&url, user).await;
    client.register().await;
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        client
            .send_request(&Request::CreateConference(CreateConference {
                confirm: false,
                subject: None,
                request_id: format!("{user}-{n}"),
                account: String::new(),
                initiator: party(user, "+14255550100"),
                participants: vec![party("a", "+14255550101"), party("b", "+15005550002"), party("c", "+15005550004")],
            }))
            .await;
        let mut conference = None;
        loop {
            match client.next_reply().await {
                Reply::CreateConferenceResponse { conference_id, .. } => conference = Some(conference_id),
                Reply::ConferenceStatus(s)
                    if s.state == ConferenceState::Active && Some(&s.conference_id) == conference.as_ref() =>
                {
                    break
                }
                Reply::Fault(f) => panic!("{user}: {f:?}"),
                _ => {}
            }
        }
        let conference_id = conference.unwrap_or_default();
        client
            .send_request(&Request::EndConference(EndConference {
                request_id: format!("{user}-end-{n}"),
                conference_id: conference_id.clone(),
            }))
            .await;
        loop {
            if let Reply::ConferenceStatus(s) = client.next_reply().await {
                if s.conference_id == conference_id && s.state == ConferenceState::Terminated {
                    break;
                }
            }
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() {
    let seconds: u64 = std::env::var("SOAK_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(120);
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("soak.db").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["serve", "--demo", "--demo-password", "x", "--http", "127.0.0.1:0", "--db", &db, "--fast"])
        .args(["--user-request-rate", "1000", "--user-request-burst", "1000", "--static-dir", "none"])
        // Faster than people: the per-user limits would (rightly) cut it off.
        .args(["--user-message-rate", "100000", "--user-message-burst", "100000"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create("/tmp/rollcall-soak-server.log").map(Stdio::from).unwrap_or_else(|_| Stdio::null()))
        .spawn()
        .expect("rollcall starts");
    let port = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Rollcall is running at http://localhost:").map(|p| p.trim_end_matches('/').to_string())
        })
        .expect("the port is printed");
    let pid = child.id();
    let url = format!("ws://127.0.0.1:{port}/sip");
    println!("— soak: {seconds} s, 3 users, conferences of 4 legs back to back —");
    println!("{:>6} {:>12} {:>10} {:>6} {:>10} {:>10}", "t (s)", "conferences", "RSS (KiB)", "fds", "db (KiB)", "wal (KiB)");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let samples = runtime.block_on(async {
        // The demo users' passwords are all "x"; the test client answers
        // with "<user>-pw", so these are made for it.
        for user in ["alice", "bob", "carol"] {
            let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
                .args(["user", "add", user, "--password", &format!("{user}-pw"), "--db", &db])
                .output();
            assert!(out.expect("runs").status.success());
        }
        let users: Vec<_> = ["alice", "bob", "carol"]
            .into_iter()
            .map(|u| tokio::spawn(user_loop(url.clone(), u, until, Arc::clone(&done))))
            .collect();
        let mut samples = Vec::new();
        let every = Duration::from_secs((seconds / 12).max(2));
        while Instant::now() < until {
            let sample = (started.elapsed().as_secs(), done.load(Ordering::Relaxed), rss_kib(pid), fds(pid), db_kib(&db));
            println!("{:>6} {:>12} {:>10} {:>6} {:>10} {:>10}", sample.0, sample.1, sample.2, sample.3, sample.4, wal_kib(&db));
            samples.push(sample);
            tokio::time::sleep(every).await;
        }
        for user in users {
            let _ = user.await;
        }
        samples
    });
    let last = (started.elapsed().as_secs(), done.load(Ordering::Relaxed), rss_kib(pid), fds(pid), db_kib(&db));
    println!("{:>6} {:>12} {:>10} {:>6} {:>10} {:>10}", last.0, last.1, last.2, last.3, last.4, wal_kib(&db));
    // Flat means: the second half of the run grows no more than noise.
    if let Some(mid) = samples.get(samples.len() / 2) {
        println!(
            "ratio RSS end / middle {:>6.2}×   fds end / middle {:>6.2}×   conferences/s {:>6.1}",
            last.2 as f64 / mid.2.max(1) as f64,
            last.3 as f64 / mid.3.max(1) as f64,
            last.1 as f64 / started.elapsed().as_secs_f64()
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}
