//! What the cluster costs (issue 14): `cargo bench -p rollcall --bench
//! cluster` (part of `make bench`). Two release `rollcall im-server` nodes
//! joined over Debian's nats-server, each with a database of its own (the
//! same users; a real cluster shares PostgreSQL, but the question here is
//! the NATS hop, not the database). Prints:
//!
//! - the MESSAGE relay (as `--bench relay` measures it) with sender and
//!   receiver on the same node, then on different nodes — the request and
//!   its response each cross NATS once — and the ratios;
//! - memory: what a registered WebSocket user costs the node it is
//!   connected to, and what its binding costs the other node (a stand-in).
//!
//! Knobs (environment): RELAY_PAIRS (20), RELAY_SECONDS (4), RELAY_ROUNDS
//! (2), RELAY_IN_FLIGHT ("1,4"), CLUSTER_USERS (2000, for memory). No
//! assertions.

mod load;

use std::time::Duration;

use load::servers::{self, Server};
use load::{env_or, median, ms, relay_run, user_name, Agent, RelayKnobs, Run};

/// Median rate, p50, p99 and CPU per MESSAGE of `runs`.
fn summary(runs: &[Run]) -> (f64, f64, f64, f64) {
    (
        median(runs.iter().map(|r| r.rate).collect()),
        median(runs.iter().map(|r| ms(r.p50)).collect()),
        median(runs.iter().map(|r| ms(r.p99)).collect()),
        median(runs.iter().map(|r| r.server_us).collect()),
    )
}

async fn relay(one: &Server, two: &Server) {
    let RelayKnobs { pairs, seconds, rounds, in_flights } = RelayKnobs::from_env();
    println!("— MESSAGE relay in a two-node cluster: {pairs} pairs, {seconds} s runs, alternating —");
    let both = [one, two];
    for &in_flight in &in_flights {
        relay_run(&both, &one.url, &one.url, pairs, in_flight, 0.5).await;
        relay_run(&both, &one.url, &two.url, pairs, in_flight, 0.5).await;
        let (mut same, mut across) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            for (label, to, runs) in [("same node", &one.url, &mut same), ("across   ", &two.url, &mut across)] {
                let r = relay_run(&both, &one.url, to, pairs, in_flight, seconds).await;
                println!(
                    "  {label} {in_flight} in flight, run {}: {:>7.0} MESSAGE/s  p50 {:>6.2} ms  p99 {:>6.2} ms  failed {}  CPU/MESSAGE (both nodes) {:.0} µs",
                    round + 1,
                    r.rate,
                    ms(r.p50),
                    ms(r.p99),
                    r.failed,
                    r.server_us
                );
                runs.push(r);
            }
        }
        let (s, a) = (summary(&same), summary(&across));
        println!(
            "  same node {in_flight} in flight, median: {:>7.0} MESSAGE/s  p50 {:>6.2} ms  p99 {:>6.2} ms  CPU {:.0} µs",
            s.0, s.1, s.2, s.3
        );
        println!(
            "  across    {in_flight} in flight, median: {:>7.0} MESSAGE/s  p50 {:>6.2} ms  p99 {:>6.2} ms  CPU {:.0} µs",
            a.0, a.1, a.2, a.3
        );
        println!(
            "  ratio across/same, {in_flight} in flight: rate ×{:.2}  p50 ×{:.2}  p99 ×{:.2}  CPU per MESSAGE ×{:.2}  (the NATS hop: p50 +{:.2} ms)",
            a.0 / s.0,
            a.1 / s.1,
            a.2 / s.2,
            a.3 / s.3,
            a.1 - s.1
        );
    }
}

/// Registers `users` users on node one (from `first`), then reads both
/// nodes' memory: what each user costs where it is connected, and what its
/// binding costs the other node.
async fn memory(one: &Server, two: &Server, first: usize, users: usize) {
    println!("— Memory: {users} WebSocket users registered on node one —");
    let (one_before, _) = one.rss_kb_and_fds();
    let (two_before, _) = two.rss_kb_and_fds();
    let mut agents = Vec::with_capacity(users);
    for chunk in (first..first + users).collect::<Vec<_>>().chunks(50) {
        let names: Vec<String> = chunk.iter().map(|&i| user_name(i)).collect();
        let joined = futures_util::future::join_all(names.iter().map(|name| Agent::register(&one.url, name))).await;
        agents.extend(joined);
    }
    // The bindings reach node two within a heartbeat or so.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (one_after, fds) = one.rss_kb_and_fds();
    let (two_after, _) = two.rss_kb_and_fds();
    let per = |after: u64, before: u64| after.saturating_sub(before) as f64 / users as f64;
    println!(
        "  node one (connections): RSS {:.1} → {:.1} MB, {:.1} KB per user, fds {fds}",
        one_before as f64 / 1024.0,
        one_after as f64 / 1024.0,
        per(one_after, one_before)
    );
    println!(
        "  node two (stand-ins):   RSS {:.1} → {:.1} MB, {:.1} KB per user",
        two_before as f64 / 1024.0,
        two_after as f64 / 1024.0,
        per(two_after, two_before)
    );
    for agent in agents {
        agent.close().await;
    }
}

fn main() {
    let pairs = env_or("RELAY_PAIRS", 20usize);
    let users = env_or("CLUSTER_USERS", 2000usize);
    let total = 2 * pairs + users;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let nats = servers::nats(&servers::scratch("cluster-nats"), 28222);
    let one = servers::im_node("bench-one", &servers::scratch("cluster-one"), 28090, total, &nats.url);
    let two = servers::im_node("bench-two", &servers::scratch("cluster-two"), 28091, total, &nats.url);
    runtime.block_on(async {
        // Both nodes know each other (a heartbeat) before the first run.
        tokio::time::sleep(Duration::from_secs(2)).await;
        relay(&one, &two).await;
        memory(&one, &two, 2 * pairs, users).await;
    });
}
