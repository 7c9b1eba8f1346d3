//! The message log as its readers meet it: each user reads the messages of
//! their own connections (`GET /api/messages`) and never anyone else's;
//! operators search it all with `rollcall log`.

mod common;

use common::flow::{active_conference, signed_in, Seen};
use common::panel::Person;
use common::TestServer;
use reqwest::Method;
use serde_json::Value;

fn texts(body: &Value) -> Vec<String> {
    body["messages"].as_array().into_iter().flatten().filter_map(|m| m["message"].as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn each_user_reads_their_own_logged_messages_only() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let (conference_id, _) = active_conference(&mut alice, &mut Seen::default(), "+14255550100").await;
    let mut bob = signed_in(&server, "bob").await;
    bob.message_to("sip:carol@rollcall.local", "hello carol").await;

    let mut alice_api = Person::new(&server, "alice");
    let mine = texts(&alice_api.ok(Method::GET, "/api/messages").await);
    assert!(mine.iter().any(|m| m.starts_with("MESSAGE sip:conference@") && m.contains("CreateConference")), "her request");
    assert!(mine.iter().any(|m| m.contains("ParticipantStatus")), "the events she received");
    assert!(mine.iter().all(|m| !m.contains("hello carol")), "nothing of bob's");

    let about = texts(&alice_api.ok(Method::GET, &format!("/api/messages?conference={conference_id}&limit=500")).await);
    assert!(!about.is_empty() && about.iter().all(|m| m.contains(&conference_id)));

    let mut bob_api = Person::new(&server, "bob");
    let his = texts(&bob_api.ok(Method::GET, "/api/messages").await);
    assert!(his.iter().any(|m| m.contains("hello carol")));
    assert!(his.iter().all(|m| !m.contains(&conference_id)), "nothing of alice's conference");
}

#[tokio::test]
async fn operators_search_the_log_from_the_command_line() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    alice.message_to("sip:bob@rollcall.local", "needle-1234").await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall")).args(args).output().expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let found = run(&["log", "--db", &server.db, "--grep", "needle-1234"]);
    assert!(found.contains("MESSAGE sip:bob@rollcall.local"), "{found}");
    let full = run(&["log", "--db", &server.db, "--user", "alice", "--full"]);
    assert!(full.contains("needle-1234") && full.contains(r#"response="redacted""#), "{full}");
    assert!(!run(&["log", "--db", &server.db, "--user", "nobody"]).contains("MESSAGE"));
}
