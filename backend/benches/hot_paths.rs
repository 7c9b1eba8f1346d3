//! What each hot path costs: `cargo bench -p rollcall --bench hot_paths`
//! (or `make bench`). Prints per-operation times, percentiles of the
//! end-to-end paths over real sockets, and the ratios between them. No
//! assertions: speed is read here, never asserted in tests.

#[path = "../tests/common/mod.rs"]
mod common;
mod timing;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::panel::Person;
use common::TestServer;
use rollcall::store::Book;
use rollcall_shared::digest::{Algorithm, Challenge};
use rollcall_shared::directory::{self, Address, Entry, Phone};
use rollcall_shared::pidf;
use rollcall_shared::sip;
use rollcall_shared::soap::conference::{CreateConference, Reply, Request};
use rollcall_shared::soap::{ConferenceState, Location, ParticipantState, ParticipantStatus, Party};

/// Mean time of `f` ([`timing::per_op`]), printed as `name`.
fn per_op(name: &str, f: impl FnMut()) -> Duration {
    let (each, iterations) = timing::per_op(f);
    println!("{name:<44} {:>10.2} µs/op   ({iterations} iterations)", each.as_secs_f64() * 1e6);
    each
}

fn percentiles(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<44} p50 {:>8.3} ms  p90 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms  (n={})",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(at(1.0)),
        samples.len()
    );
    at(0.5)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn ratio(label: &str, a: Duration, b: Duration) {
    println!("ratio {label:<38} {:>10.1}×", a.as_secs_f64() / b.as_secs_f64().max(1e-12));
}

fn create_request() -> Request {
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
        request_id: "bench-1".into(),
        account: "alice".into(),
        initiator: party("Alice Example", "+14255550100"),
        participants: vec![party("Robert O'Brien", "+14255550101"), party("Zoë Müller", "+4930555010")],
    })
}

fn cpu_paths() -> (Duration, Duration, Duration) {
    println!("— CPU, one core, in process —");
    let request = create_request();
    let encoded = request.encode();
    per_op("SOAP encode CreateConference", || {
        black_box(request.encode());
    });
    let decode = per_op("SOAP decode CreateConference", || {
        black_box(Request::decode(black_box(&encoded)).ok());
    });
    let event = Reply::ParticipantStatus(ParticipantStatus {
        attempt: None,
        final_outcome: None,
        muted: false,
        conference_id: "conf-0123456789abcdef".into(),
        participant_id: "p-0123456789abcdef".into(),
        sequence: 42,
        state: ParticipantState::Connected,
        cause: None,
        time: "2026-11-26T20:00:00.000Z".into(),
    });
    let event_xml = event.encode();
    per_op("SOAP encode+decode ParticipantStatus", || {
        black_box(Reply::decode(&event.encode()).ok());
    });
    let _ = event_xml;

    let message = sip::RequestBuilder::new(sip::rsip::Method::Message, "sip:conference@rollcall.local")
        .via("abc.invalid", &sip::new_branch())
        .from("sip:alice@rollcall.local", None, &sip::new_tag())
        .to("sip:conference@rollcall.local", None)
        .call_id(&sip::new_call_id())
        .cseq(7)
        .body(rollcall_shared::soap::CONTENT_TYPE, encoded.clone())
        .build()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let parse = per_op("SIP parse MESSAGE with SOAP body", || {
        black_box(sip::parse(black_box(&message)).ok());
    });

    let mut verify = Duration::ZERO;
    for algorithm in [Algorithm::Sha256, Algorithm::Md5] {
        let challenge = Challenge {
            realm: "rollcall.local".into(),
            nonce: "0123456789abcdef0123456789abcdef".into(),
            opaque: Some("cafe".into()),
            algorithm,
            qop_auth: true,
            stale: false,
        };
        let header = challenge.answer("alice", "pw", "MESSAGE", "sip:conference@rollcall.local", "c0ffee", 1).to_header_value();
        let ha1 = rollcall_shared::digest::ha1(algorithm, "alice", "rollcall.local", "pw");
        let t = per_op(&format!("digest parse+verify {}", algorithm.as_str()), || {
            let c = rollcall_shared::digest::Credentials::parse(black_box(&header));
            black_box(c.map(|c| c.verify(&ha1, "MESSAGE")).ok());
        });
        if algorithm == Algorithm::Sha256 {
            verify = t;
        }
    }
    address_book_paths();
    (decode, parse, verify)
}

/// A directory of `n` people with two numbers each, names and e-mails
/// distinct (`Person 17 Example`, `p17@directory.example`).
fn big_directory(n: usize) -> Vec<Entry> {
    (0..n)
        .map(|i| Entry {
            name: format!("Person {i} Example"),
            emails: vec![format!("p{i}@directory.example")],
            phones: vec![
                Phone { number: format!("+1425{:07}", i), location: Location::Work },
                Phone { number: format!("+1206{:07}", i), location: Location::Mobile },
            ],
            user: None,
        })
        .collect()
}

/// Resolution and merging run on every `/api/resolve` and "conference
/// everyone": both books are merged per request.
fn address_book_paths() {
    let directory = big_directory(1000);
    let contacts: Vec<Entry> = big_directory(100)
        .into_iter()
        .map(|mut e| {
            e.phones.truncate(1);
            e
        })
        .collect();
    per_op("resolve \"person 42\" (100 contacts + 1000 dir)", || {
        black_box(directory::resolve(black_box("person 42"), &contacts, &directory));
    });
    per_op("resolve everyone (100 contacts + 1000 dir)", || {
        black_box(directory::resolve("", &contacts, &directory));
    });
    let addresses: Vec<Address> =
        (0..8).map(|i| Address { name: Some(format!("Person {i} Example")), email: format!("p{i}@directory.example") }).collect();
    per_op("conference everyone, 8 addresses (1100 entries)", || {
        black_box(directory::roster(&addresses, &[], &contacts, &directory));
    });
    let body = pidf::document("sip:bob@rollcall.local", pidf::Basic::Open);
    per_op("PIDF write + read", || {
        black_box(pidf::basic(&pidf::document(black_box("sip:bob@rollcall.local"), pidf::Basic::Open)).ok());
    });
    let _ = body;
}

async fn socket_paths(cpu: (Duration, Duration, Duration)) {
    println!("— over real sockets (WebSocket, HTTP, SQLite message log), one process —");
    // Per-user limits out of the way: this measures speed, not refusals.
    let server = TestServer::start_with(|o| {
        o.gateway_limits = rollcall::gateway::GatewayLimits { requests_per_second: 1e6, request_burst: 1e6 };
        o.max_live_per_owner = 1000;
        o.edge.connection_limits.authenticated_per_second = 1e6;
        o.edge.connection_limits.authenticated_burst = 1e6;
    })
    .await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let mut bob = server.client("bob").await;
    bob.register().await;

    // Relay: alice → IM server → bob, and bob's 200 back to alice.
    let (to_bob, mut bob_side) = (alice, bob);
    let mut alice = to_bob;
    let bob_task = tokio::spawn(async move {
        loop {
            match tokio::time::timeout(Duration::from_secs(2), bob_side.next_request()).await {
                Ok(req) => bob_side.answer(&req, 200).await,
                Err(_) => return,
            }
        }
    });
    let body = create_request().encode();
    let mut relay = Vec::new();
    for i in 0..1200 {
        let start = Instant::now();
        let code = alice.message_to("sip:bob@rollcall.local", &body).await.status_code.code();
        if i >= 200 {
            relay.push(start.elapsed());
        }
        assert_eq!(code, 200);
    }
    let relay_p50 = percentiles("MESSAGE relay round trip (4 log writes)", relay);
    bob_task.abort();

    // Whole system: CreateConference → response, and → conference active.
    let mut to_response = Vec::new();
    let mut to_active = Vec::new();
    for i in 0..60 {
        let start = Instant::now();
        let mut request = create_request();
        if let Request::CreateConference(c) = &mut request {
            c.request_id = format!("bench-{i}");
            c.participants.clear();
        }
        alice.send_request(&request).await;
        loop {
            match alice.next_reply().await {
                Reply::CreateConferenceResponse { .. } => to_response.push(start.elapsed()),
                Reply::ConferenceStatus(s) if s.state == ConferenceState::Active => break,
                _ => {}
            }
        }
        to_active.push(start.elapsed());
    }
    let create_p50 = percentiles("CreateConference → response (all boxes)", to_response);
    percentiles("CreateConference → active (sim: 5+10 ms)", to_active);

    // Address book over HTTP: digest check, both books from SQLite, merge.
    server.running.store.address_books().add_all(&Book::Directory, &big_directory(1000)).await.expect("a big directory");
    let mut person = Person::new(&server, "alice");
    let mut resolve = Vec::new();
    for i in 0..220 {
        let start = Instant::now();
        black_box(person.ok(reqwest::Method::GET, "/api/resolve?q=person%2042").await);
        if i >= 20 {
            resolve.push(start.elapsed());
        }
    }
    percentiles("GET /api/resolve (HTTP digest, 1000+ entries)", resolve);

    let (decode, parse, verify) = cpu;
    ratio("relay round trip / SIP parse", relay_p50, parse);
    ratio("relay round trip / digest verify", relay_p50, verify);
    ratio("create→response / relay round trip", create_p50, relay_p50);
    ratio("SOAP decode / SIP parse", decode, parse);
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let cpu = cpu_paths();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(socket_paths(cpu));
}
