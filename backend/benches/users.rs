//! Many users at once: `cargo bench -p rollcall --bench users` (part of
//! `make bench`). A release `rollcall serve` holds USERS (10,000)
//! registered WebSocket users, each watching BUDDIES (3) others' presence;
//! the bench prints the server's resident memory and file descriptors as
//! they connect, what one user costs, and then the MESSAGE relay (20 pairs
//! of further users, one in flight each) with all of them connected.
//! Goal: under 500 MB for 10,000 users. No assertions.

mod load;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use load::servers::{self, Server};
use load::{env_or, ms, percentile, send_closed_loop, user_name, Agent};

fn sample(server: &Server, label: &str, users: usize, baseline_kb: u64) {
    let (rss, fds) = server.rss_kb_and_fds();
    let per_user = if users > 0 { (rss.saturating_sub(baseline_kb)) as f64 / users as f64 } else { 0.0 };
    println!("  {label:<34} users {users:>6}  RSS {:>7.1} MB  fds {fds:>6}  per user {per_user:>6.1} KB", rss as f64 / 1024.0);
}

/// Connects and registers users `range`, `parallel` at a time.
async fn connect_all(url: &str, range: std::ops::Range<usize>, parallel: usize) -> Vec<Agent> {
    let next = Arc::new(AtomicUsize::new(range.start));
    let end = range.end;
    let workers: Vec<_> = (0..parallel)
        .map(|_| {
            let (next, url) = (Arc::clone(&next), url.to_string());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        return mine;
                    }
                    mine.push((i, Agent::register(&url, &user_name(i)).await));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("connecting"));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, a)| a).collect()
}

fn main() {
    // The bench itself holds a socket per user too.
    rollcall::edge::fd_limit::raise();
    let users = env_or("USERS", 10_000usize);
    let buddies = env_or("BUDDIES", 3usize);
    let pairs = env_or("RELAY_PAIRS", 20usize);
    let seconds = env_or("RELAY_SECONDS", 4.0f64);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let server = servers::rollcall(&servers::scratch("users-rollcall"), 28090, users + 2 * pairs);
    runtime.block_on(async {
        println!("— {users} registered WebSocket users, each watching {buddies} others' presence (release rollcall serve) —");
        let (baseline, _) = server.rss_kb_and_fds();
        sample(&server, "started", 0, baseline);
        let start = Instant::now();
        let mut agents = connect_all(&server.url, 0..users, 64).await;
        let took = start.elapsed();
        sample(&server, "registered", users, baseline);
        println!(
            "  registered {users} in {:.1} s ({:.0} REGISTER transactions/s, each challenged once)",
            took.as_secs_f64(),
            users as f64 / took.as_secs_f64()
        );

        // Presence: user i watches i+1 … i+buddies, `parallel` users at a time.
        let start = Instant::now();
        let chunk = users.div_ceil(64).max(1);
        let mut tasks = Vec::new();
        let mut index = 0;
        while !agents.is_empty() {
            let batch: Vec<Agent> = agents.drain(..chunk.min(agents.len())).collect();
            let first = index;
            index += batch.len();
            tasks.push(tokio::spawn(async move {
                let mut batch = batch;
                let mut refused = 0;
                for (k, agent) in batch.iter_mut().enumerate() {
                    for b in 1..=buddies {
                        let code = agent.subscribe(&user_name((first + k + b) % users)).await;
                        refused += usize::from(!(200..300).contains(&code));
                    }
                }
                (batch, refused)
            }));
        }
        let mut refused = 0;
        for t in tasks {
            let (batch, r) = t.await.expect("subscribing");
            agents.extend(batch);
            refused += r;
        }
        let took = start.elapsed();
        println!(
            "  {} subscriptions in {:.1} s ({:.0}/s), refused {refused}",
            users * buddies,
            took.as_secs_f64(),
            (users * buddies) as f64 / took.as_secs_f64()
        );
        sample(&server, "registered + subscribed", users, baseline);

        // Everyone answers what comes (NOTIFYs, MESSAGEs) from now on.
        let answering: Vec<_> = agents.into_iter().map(|a| tokio::spawn(a.answer_all())).collect();

        // The relay with everyone connected.
        let mut senders = connect_all(&server.url, users..users + pairs, 8).await;
        let receivers = connect_all(&server.url, users + pairs..users + 2 * pairs, 8).await;
        let receiving: Vec<_> = receivers.into_iter().map(|r| tokio::spawn(r.answer_all())).collect();
        let start = Instant::now();
        let until = start + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = senders
            .drain(..)
            .enumerate()
            .map(|(i, mut agent)| {
                tokio::spawn(async move {
                    let to = user_name(users + pairs + i);
                    send_closed_loop(&mut agent, &to, 1, until, Duration::from_secs(5), "hello").await
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.expect("sender").latencies);
        }
        let elapsed = start.elapsed();
        latencies.sort();
        println!(
            "  relay with {users} connected, {pairs} pairs: {:.0} MESSAGE/s  p50 {:.2} ms  p99 {:.2} ms",
            latencies.len() as f64 / elapsed.as_secs_f64(),
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 99.0))
        );
        sample(&server, "after the relay", users, baseline);
        for t in answering.into_iter().chain(receiving) {
            t.abort();
        }
    });
}
