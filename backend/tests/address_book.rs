//! The address book and inbox API (`/api/`) over real sockets, on a server
//! seeded as `--demo` seeds it: digest authentication, each user seeing only
//! their own contacts and inbox, resolution across both books, vCard and
//! .eml uploads (all or nothing), and the "conference everyone" roster of
//! seed Figure 3 with the Robert O'Brien entries merged.

mod common;

use common::panel::Person;
use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn names(list: &Value) -> Vec<String> {
    list.as_array().into_iter().flatten().filter_map(|p| p["name"].as_str().map(str::to_string)).collect()
}

fn numbers(person: &Value) -> Vec<(String, String)> {
    person["phones"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["number"].as_str().unwrap_or_default().into(), p["location"].as_str().unwrap_or_default().into()))
        .collect()
}

#[tokio::test]
async fn the_api_needs_digest_credentials() {
    let server = TestServer::start().await;
    let url = format!("http://{}/api/contacts", server.running.http);
    let response = reqwest::get(&url).await.expect("answers");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("www-authenticate").is_some());
    // Unknown API paths are challenged too, then answered with a JSON 404
    // (not the browser app's page).
    let response = reqwest::get(format!("http://{}/api/nothing-here", server.running.http)).await.expect("answers");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let mut alice = Person::new(&server, "alice");
    let (status, body) = alice.send(reqwest::Method::GET, "/api/nothing-here").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no-such-path")));
    let (status, _) = alice.send(reqwest::Method::GET, "/pstn/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_user_sees_their_own_contacts_and_inbox() {
    let server = TestServer::start().await;
    let mut alice = Person::new(&server, "alice");
    let mut bob = Person::new(&server, "bob");

    let contacts = alice.ok(Method::GET, "/api/contacts").await;
    assert_eq!(names(&contacts["entries"]), vec!["Robert O'Brien", "Zoe Muller"]);
    assert_eq!(names(&bob.ok(Method::GET, "/api/contacts").await["entries"]), vec!["Alice Adams"]);

    // The directory is everyone's.
    let directory = bob.ok(Method::GET, "/api/directory").await;
    assert!(names(&directory["entries"]).contains(&"Bob O'Brien".to_string()), "{directory}");

    let inbox = alice.ok(Method::GET, "/api/inbox").await;
    let emails = inbox["emails"].as_array().cloned().unwrap_or_default();
    assert_eq!(emails.len(), 3);
    assert!(bob.ok(Method::GET, "/api/inbox").await["emails"].as_array().is_some_and(|e| e.is_empty()));

    // Bob cannot have the roster of alice's e-mail: it is not in his inbox.
    let id = emails[0]["id"].as_i64().expect("an id");
    let (status, body) = bob.send(Method::GET, &format!("/api/inbox/{id}/roster")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no-such-email")));
    let (status, _) = alice.send(Method::GET, "/api/inbox/not-a-number/roster").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A vCard imported by bob lands in bob's contacts only.
    let vcard = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Erin Example\r\nEMAIL:erin@partner.example\r\n\
        TEL;VALUE=uri;TYPE=cell:tel:+1-425-555-0180\r\nEND:VCARD\r\n";
    let imported = bob.send_body(Method::POST, "/api/contacts/import", vcard).await;
    assert_eq!(imported, (StatusCode::OK, serde_json::json!({"imported": 1})));
    assert_eq!(names(&bob.ok(Method::GET, "/api/contacts").await["entries"]), vec!["Alice Adams", "Erin Example"]);
    assert_eq!(names(&alice.ok(Method::GET, "/api/contacts").await["entries"]).len(), 2);
    assert!(alice.ok(Method::GET, "/api/resolve?q=erin").await["people"].as_array().is_some_and(|p| p.is_empty()));
}

#[tokio::test]
async fn resolution_merges_both_books_and_tolerates_spelling() {
    let server = TestServer::start().await;
    let mut alice = Person::new(&server, "alice");

    let found = alice.ok(Method::GET, "/api/resolve?q=bob%20o%27brien").await;
    let people = found["people"].as_array().cloned().unwrap_or_default();
    assert_eq!(people.len(), 1, "{found}");
    assert_eq!(people[0]["name"], "Robert O'Brien");
    assert_eq!(numbers(&people[0]), vec![("+14255550142".into(), "mobile".into()), ("+14255550143".into(), "work".into())]);
    assert_eq!(people[0]["sources"], serde_json::json!(["contacts", "directory"]));

    let found = alice.ok(Method::GET, "/api/resolve?q=ZOE%20%20muller").await;
    let people = found["people"].as_array().cloned().unwrap_or_default();
    assert_eq!(names(&found["people"]), vec!["Zoe Muller"], "{found}");
    // The directory's "Zoë Müller" folds to the same name: no alias.
    assert_eq!(people[0]["also_known_as"], serde_json::json!([]));
    assert_eq!(people[0]["sources"], serde_json::json!(["contacts", "directory"]));
    assert_eq!(numbers(&people[0]).len(), 2);

    // Bob has no O'Brien contact: only the directory's office number.
    let mut bob = Person::new(&server, "bob");
    let found = bob.ok(Method::GET, "/api/resolve?q=robertob%40test123").await;
    let people = found["people"].as_array().cloned().unwrap_or_default();
    assert_eq!(names(&found["people"]), vec!["Bob O'Brien"]);
    assert_eq!(numbers(&people[0]), vec![("+14255550143".into(), "work".into())]);
}

#[tokio::test]
async fn conference_everyone_on_a_demo_email() {
    let server = TestServer::start().await;
    let mut alice = Person::new(&server, "alice");
    let inbox = alice.ok(Method::GET, "/api/inbox").await;
    let q4 = inbox["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["subject"].as_str().is_some_and(|s| s.starts_with("Q4 plan")))
        .cloned()
        .expect("the Q4 e-mail");
    let roster = alice.ok(Method::GET, &format!("/api/inbox/{}/roster", q4["id"])).await;
    assert_eq!(roster["initiator"]["name"], "Alice Adams", "{roster}");
    assert_eq!(numbers(&roster["initiator"]).len(), 2);
    assert_eq!(names(&roster["participants"]), vec!["Robert O'Brien", "Zoe Muller", "Carol Chen", "Dan Novák"]);
    let obrien = &roster["participants"][0];
    assert_eq!(numbers(obrien), vec![("+14255550142".into(), "mobile".into()), ("+14255550143".into(), "work".into())]);
}

const EML: &str = "From: Carol Chen <carol@rollcall.example>\r\n\
    To: alice@rollcall.example, \"Dan Novak\" <dan.novak@rollcall.example>\r\n\
    Cc: =?UTF-8?Q?Zo=C3=AB?= <zoe.muller@rollcall.example>, New Person <new@partner.example>\r\n\
    Subject: Budget\r\nDate: Fri, 27 Nov 2026 08:30:00 +0100\r\n\r\nShall we   call?\r\n";

#[tokio::test]
async fn an_uploaded_email_gets_a_roster_and_a_broken_one_is_refused() {
    let server = TestServer::start().await;
    let mut alice = Person::new(&server, "alice");
    let (status, stored) = alice.send_body(Method::POST, "/api/inbox", EML).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["subject"], "Budget");
    assert_eq!(stored["date"], "2026-11-27T08:30:00+01:00");
    assert_eq!(stored["snippet"], "Shall we call?");
    assert_eq!(stored["cc"][1], serde_json::json!({"name": "New Person", "email": "new@partner.example"}));

    let roster = alice.ok(Method::GET, &format!("/api/inbox/{}/roster", stored["id"])).await;
    assert_eq!(names(&roster["participants"]), vec!["Carol Chen", "Dan Novák", "Zoe Muller", "New Person"]);
    assert_eq!(roster["participants"][3]["sources"], serde_json::json!(["email"]));

    let before = alice.ok(Method::GET, "/api/inbox").await["emails"].as_array().map(Vec::len);
    let (status, body) = alice.send_body(Method::POST, "/api/inbox", "From: a@example.com\r\n\r\nno recipients").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-email")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("no To or Cc")), "{body}");
    assert_eq!(alice.ok(Method::GET, "/api/inbox").await["emails"].as_array().map(Vec::len), before);
}

#[tokio::test]
async fn a_broken_vcard_names_its_line_and_stores_nothing() {
    let server = TestServer::start().await;
    let mut carol = Person::new(&server, "carol");
    let vcard = "BEGIN:VCARD\nFN:Good Card\nEND:VCARD\nBEGIN:VCARD\nFN:Bad Card\nTEL;TYPE=home:555 0100\nEND:VCARD\n";
    let (status, body) = carol.send_body(Method::POST, "/api/contacts/import", vcard).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-vcard")));
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("vCard line 6:")), "{body}");
    assert_eq!(names(&carol.ok(Method::GET, "/api/contacts").await["entries"]), vec!["Dan Novak"]);
}

/// Directory entries linked to a Rollcall user say which (`"user"`), and
/// so do the people merged from them — the name to watch for presence.
#[tokio::test]
async fn people_who_are_users_say_which_user() {
    let server = TestServer::start().await;
    let mut alice = Person::new(&server, "alice");

    let found = alice.ok(Method::GET, "/api/resolve?q=bob").await;
    let people = found["people"].as_array().cloned().unwrap_or_default();
    let baker = people.iter().find(|p| p["name"] == "Bob Baker").unwrap_or_else(|| panic!("Bob Baker: {found}"));
    assert_eq!(baker["user"], "bob", "{found}");
    let obrien = people.iter().find(|p| p["name"] == "Robert O'Brien").unwrap_or_else(|| panic!("O'Brien: {found}"));
    assert!(obrien.get("user").is_none(), "no user, no field: {obrien}");

    let directory = alice.ok(Method::GET, "/api/directory").await;
    let users: Vec<(String, Option<String>)> = directory["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["name"].as_str().unwrap_or_default().into(), e["user"].as_str().map(str::to_string)))
        .collect();
    assert!(users.contains(&("Carol Chen".into(), Some("carol".into()))), "{users:?}");
    assert!(users.contains(&("Dan Novák".into(), None)), "{users:?}");
    // Contacts are never linked: bob's "Alice Adams" is a plain entry…
    let mut bob = Person::new(&server, "bob");
    let contacts = bob.ok(Method::GET, "/api/contacts").await;
    assert!(contacts["entries"][0].get("user").is_none(), "{contacts}");
    // …but merged with alice's directory entry she is user alice.
    let found = bob.ok(Method::GET, "/api/resolve?q=alice").await;
    assert_eq!(found["people"][0]["user"], "alice", "{found}");

    let inbox = alice.ok(Method::GET, "/api/inbox").await;
    let id = inbox["emails"][0]["id"].as_i64().expect("an e-mail");
    let roster = alice.ok(Method::GET, &format!("/api/inbox/{id}/roster")).await;
    assert_eq!(roster["initiator"]["user"], "alice", "{roster}");
    // The newest e-mail ("Quick sync") went to Bob Baker too.
    let linked: Vec<&str> = roster["participants"].as_array().into_iter().flatten().filter_map(|p| p["user"].as_str()).collect();
    assert_eq!(linked, ["bob"], "{roster}");
}

/// Bounded work per request: a user's imports are limited in size and in
/// entries, and their address book and inbox in how much they may hold.
#[tokio::test]
async fn imports_and_books_are_bounded() {
    use rollcall::pim::limits;
    let server = TestServer::start().await;
    let mut alice = Person::new(&server, "alice");
    let before = alice.ok(Method::GET, "/api/contacts").await["entries"].as_array().map_or(0, Vec::len);

    let card = |n: usize| format!("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Person {n}\r\nTEL:+1425555{n:04}\r\nEND:VCARD\r\n");
    let too_many: String = (0..=limits::MAX_CARDS_PER_IMPORT).map(card).collect();
    let (status, body) = alice.send_body(Method::POST, "/api/contacts/import", too_many).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota-exceeded")), "{body}");

    let huge = "X".repeat(limits::MAX_VCARD_BYTES + 1);
    let (status, _) = alice.send_body(Method::POST, "/api/contacts/import", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let after = alice.ok(Method::GET, "/api/contacts").await["entries"].as_array().map_or(0, Vec::len);
    assert_eq!(after, before, "nothing was added");

    // Fill the inbox to its limit directly; the next upload is refused.
    let email = rollcall::store::Email {
        subject: "filler".into(),
        from: rollcall_shared::directory::Address { name: None, email: "a@example.com".into() },
        to: Vec::new(),
        cc: Vec::new(),
        date: None,
        snippet: String::new(),
    };
    let have = server.running.store.inbox().count("alice").await.expect("count");
    for _ in have..limits::MAX_INBOX {
        server.running.store.inbox().add("alice", &email).await.expect("add");
    }
    let eml = "From: a@example.com\r\nTo: alice@rollcall.example\r\nSubject: one more\r\n\r\nhi\r\n";
    let (status, body) = alice.send_body(Method::POST, "/api/inbox", eml).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota-exceeded")), "{body}");
}
