//! Rollcall against Kamailio, as an operator would measure them:
//! `cargo bench -p rollcall --bench relay` (part of `make bench`).
//!
//! Both servers run as their own processes on loopback — a release build of
//! `rollcall serve` (every message logged, as always) and Kamailio 5.6 from
//! Debian with scripts/bench/kamailio.cfg (WebSocket, digest auth, in-memory
//! registrar, stateful relay, no logging) — and the same load generator
//! (benches/load) drives both with the same users: sender/receiver pairs,
//! each sender keeping 1 (then several) MESSAGEs in flight, runs
//! alternating between the servers. Prints each run's rate, p50 and p99,
//! the medians per server and the ratios; then Rollcall's CreateConference
//! → answer latency at a few fixed command rates. No assertions.
//!
//! Knobs (environment): RELAY_PAIRS (20), RELAY_SECONDS (4 per run),
//! RELAY_ROUNDS (2 runs per server and setting), RELAY_IN_FLIGHT ("1,4"),
//! RELAY_SERVERS ("rollcall,kamailio"), CREATE_RATES ("100,300,1000"
//! commands/s), CREATE_SENDERS (20).

mod load;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use load::servers::{self, Server};
use load::{env_or, median, ms, ok_for, percentile, relay_run, user_name, Agent, RelayKnobs, Run, Sip};
use rollcall_shared::soap::conference::{CreateConference, Reply, Request};
use rollcall_shared::soap::{Location, Party};

/// The create runs' users start here, clear of the relay's pairs.
const CREATE_FIRST_USER: usize = 1000;

async fn relay_comparison(servers: &[Server]) {
    let RelayKnobs { pairs, seconds, rounds, in_flights } = RelayKnobs::from_env();
    println!("— MESSAGE relay: {pairs} sender/receiver pairs over WebSocket with digest auth, {seconds} s runs, alternating —");
    for &in_flight in &in_flights {
        // Warm-up, not counted: connections, caches, the log's first pages.
        for s in servers {
            relay_run(&[s], &s.url, &s.url, pairs, in_flight, 0.5).await;
        }
        let mut results: HashMap<&str, Vec<Run>> = HashMap::new();
        for round in 0..rounds {
            for s in servers {
                let r = relay_run(&[s], &s.url, &s.url, pairs, in_flight, seconds).await;
                println!(
                    "  {:<9} {in_flight} in flight, run {}: {:>7.0} MESSAGE/s  p50 {:>6.2} ms  p99 {:>6.2} ms  challenged again {:>5}  failed {}  CPU/MESSAGE: server {:.0} µs, generator {:.0} µs",
                    s.name,
                    round + 1,
                    r.rate,
                    ms(r.p50),
                    ms(r.p99),
                    r.rechallenged,
                    r.failed,
                    r.server_us,
                    r.generator_us
                );
                results.entry(s.name).or_default().push(r);
            }
        }
        let summary = |name: &str| {
            results.get(name).map(|runs| {
                (
                    median(runs.iter().map(|r| r.rate).collect()),
                    median(runs.iter().map(|r| ms(r.p50)).collect()),
                    median(runs.iter().map(|r| ms(r.p99)).collect()),
                    median(runs.iter().map(|r| r.server_us).collect()),
                )
            })
        };
        for s in servers {
            if let Some((rate, p50, p99, cpu)) = summary(s.name) {
                println!("  {:<9} {in_flight} in flight, median: {rate:>7.0} MESSAGE/s  p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  server CPU {cpu:.0} µs/MESSAGE", s.name);
            }
        }
        if let (Some(r), Some(k)) = (summary("rollcall"), summary("kamailio")) {
            println!(
                "  ratio rollcall/kamailio, {in_flight} in flight: rate ×{:.2}  p50 ×{:.2}  p99 ×{:.2}  server CPU per MESSAGE ×{:.2}  (goal: rate ≥ ×2, p99 < ×1)",
                r.0 / k.0,
                r.1 / k.1,
                r.2 / k.2,
                r.3 / k.3
            );
        }
    }
}

fn create_body(request_id: &str) -> String {
    let party = |name: &str, phone: &str| Party {
        alternatives: Vec::new(),
        name: name.into(),
        phone: phone.into(),
        location: Location::Work,
        email: None,
    };
    Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: request_id.into(),
        account: String::new(),
        initiator: party("Load Initiator", "+14255550100"),
        participants: vec![party("Load Participant", "+14255550101")],
    })
    .encode()
}

/// Rollcall only: `rate` CreateConference commands per second spread over
/// `senders` users (`first_user`…), open loop; latency from the MESSAGE's
/// send to the CreateConferenceResponse's arrival (IM server → gateway →
/// conference service → gateway → IM server). Each conference (initiator
/// and one participant) then sends its events to the same user, as the
/// simulated calls ring and connect: they share the way back.
async fn create_at_rate(server: &Server, first_user: usize, senders: usize, rate: f64, seconds: f64) {
    let period = Duration::from_secs_f64(senders as f64 / rate);
    let mut tasks = Vec::new();
    let start = Instant::now() + Duration::from_millis(200);
    let until = start + Duration::from_secs_f64(seconds);
    for i in 0..senders {
        let mut agent = Agent::register(&server.url, &user_name(first_user + i)).await;
        tasks.push(tokio::spawn(async move {
            let mut sent: HashMap<String, Instant> = HashMap::new();
            let mut bodies: HashMap<String, String> = HashMap::new();
            let mut latencies = Vec::new();
            let mut faults = 0u64;
            let mut events = 0u64;
            // Senders start spread over one period, not all at once.
            let mut next = start + period.mul_f64(i as f64 / senders as f64);
            let mut n = 0;
            let drain = until + Duration::from_secs(5);
            loop {
                let wake = if next < until { next } else { drain };
                if Instant::now() >= drain || (next >= until && sent.is_empty()) {
                    break;
                }
                match tokio::time::timeout_at(wake.into(), agent.next_text()).await {
                    Err(_) if next < until => {
                        n += 1;
                        let id = format!("load-{i}-{n}");
                        let body = create_body(&id);
                        let (call_id, text) = agent.message("conference", "application/soap+xml", &body);
                        sent.insert(id, Instant::now());
                        bodies.insert(call_id, body);
                        agent.send(text).await;
                        next += period;
                    }
                    Err(_) => break,
                    Ok(text) => {
                        let Some(sip) = Sip::parse(&text) else { continue };
                        if sip.is_request() {
                            let ok = ok_for(&sip, "load");
                            agent.send(ok).await;
                            let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
                            match Reply::decode(body) {
                                Ok(Reply::CreateConferenceResponse { request_id, .. }) => {
                                    if let Some(t) = sent.remove(&request_id) {
                                        latencies.push(t.elapsed());
                                    }
                                }
                                Ok(Reply::Fault(f)) => {
                                    faults += 1;
                                    if faults == 1 {
                                        eprintln!("  first fault: {:?} {}", f.kind, f.reason);
                                    }
                                    if let Some(id) = f.request_id.as_deref() {
                                        sent.remove(id);
                                    }
                                }
                                Ok(_) => events += 1,
                                Err(_) => {}
                            }
                        } else if sip.status() == 407 && agent.take_challenge(&sip) {
                            let call_id = sip.header("Call-ID", "i").unwrap_or_default().to_string();
                            if let Some(body) = bodies.get(&call_id).cloned() {
                                let text = agent.message_on(&call_id, "conference", "application/soap+xml", &body);
                                agent.send(text).await;
                            }
                        } else if sip.status() >= 200 {
                            if let Some(call_id) = sip.header("Call-ID", "i") {
                                bodies.remove(call_id);
                            }
                        }
                    }
                }
            }
            (latencies, faults, sent.len() as u64, events)
        }));
    }
    let mut all = Vec::new();
    let (mut faults, mut lost, mut events) = (0, 0, 0);
    for t in tasks {
        let (l, f, s, e) = t.await.expect("create sender");
        all.extend(l);
        faults += f;
        lost += s;
        events += e;
    }
    all.sort();
    println!(
        "  {rate:>5.0} commands/s: {:>5} answered  p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  faults {faults}  unanswered {lost}  events meanwhile {events}",
        all.len(),
        ms(percentile(&all, 50.0)),
        ms(percentile(&all, 99.0)),
        ms(all.last().copied().unwrap_or_default()),
    );
}

fn main() {
    let wanted = std::env::var("RELAY_SERVERS").unwrap_or_else(|_| "rollcall,kamailio".into());
    let pairs = env_or("RELAY_PAIRS", 20usize);
    let senders = env_or("CREATE_SENDERS", 20usize);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut list = Vec::new();
    if wanted.contains("rollcall") {
        list.push(servers::rollcall(
            &servers::scratch("relay-rollcall"),
            28080,
            (2 * pairs).max(CREATE_FIRST_USER + 10 * senders),
        ));
    }
    if wanted.contains("kamailio") {
        list.push(servers::kamailio(&servers::scratch("relay-kamailio"), 28081));
    }
    runtime.block_on(async {
        relay_comparison(&list).await;
        if let Some(rollcall) = list.iter().find(|s| s.name == "rollcall") {
            let rates = std::env::var("CREATE_RATES").unwrap_or_else(|_| "100,300,1000".into());
            let seconds = env_or("RELAY_SECONDS", 4.0);
            println!(
                "— CreateConference → response, open loop, {senders} users, {seconds} s per rate (goal: p99 < 5 ms at 1,000/s) —"
            );
            for (n, rate) in rates.split(',').filter_map(|r| r.trim().parse::<f64>().ok()).enumerate() {
                // Fresh users per rate: the last rate's conferences still talk to theirs.
                create_at_rate(rollcall, CREATE_FIRST_USER + n * senders, senders, rate, seconds).await;
            }
        }
    });
}
