//! The conference event package (RFC 4575, docs/protocol.md §7), black
//! box: a conference's owner subscribes to its URI through the IM server
//! and follows it in conference-info documents — the full one, then
//! partial ones with rising versions as participants ring, connect and are
//! removed, and a final NOTIFY when it ends; others get `403`, an unknown
//! conference `404`, another package `489`. Every document received is
//! checked against RFC 4575's schema with xmllint (skipped, and said so,
//! when xmllint is not installed).
//!
//! The subscriber is a second connection of alice's (a SIP phone
//! subscribing for her), so that the MESSAGEs of §2 and the NOTIFYs, which
//! go to the connection that subscribed, arrive on different connections.
//! In the first test it is the project's own user agent
//! (`UserAgent::follow_conference`), registered: it answers the 407, the
//! NOTIFYs, and the gateway's MESSAGEs forked to its registration. The
//! others put requests on the wire as they are, unregistered, for the
//! wire-level details (refresh, unsubscribe, 403/404/489, 481).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::flow::*;
use common::*;
use rollcall_shared::conference_info::MediaStatus;
use rollcall_shared::conference_info::{ConferenceInfo, DisconnectionMethod, DocState, EndpointStatus};
use rollcall_shared::sip::{self, rsip};
use rollcall_shared::soap::conference::{EndConference, MuteParticipant, RemoveParticipant, Reply, Request};
use rollcall_shared::soap::{ConferenceState, ParticipantState};

const CONTACT: &str = "<sip:alice@watcher.invalid;transport=ws>";

fn uri(conference_id: &str) -> String {
    format!("sip:{conference_id}@{DOMAIN}")
}

async fn subscribe(client: &mut Client, to: &str, event: &str, expires: u32) -> rsip::Response {
    let expires = expires.to_string();
    client
        .proxied(rsip::Method::Subscribe, to, |b| {
            b.header("Event", event)
                .header("Expires", &expires)
                .header("Accept", "application/conference-info+xml")
                .contact(CONTACT)
        })
        .await
}

/// The next NOTIFY, answered 200: its `Subscription-State` and document.
async fn next_notify(client: &mut Client) -> (String, ConferenceInfo) {
    let notify = client.next_request().await;
    assert_eq!(notify.method, rsip::Method::Notify);
    client.answer(&notify, 200).await;
    assert_eq!(sip::header(&notify.headers, "Event").as_deref(), Some("conference"));
    assert_eq!(sip::header(&notify.headers, "Content-Type").as_deref(), Some("application/conference-info+xml"));
    let state = sip::header(&notify.headers, "Subscription-State").expect("Subscription-State");
    let body = String::from_utf8(notify.body.clone()).expect("UTF-8");
    validate(&body);
    (state, ConferenceInfo::read(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
}

/// Checks `xml` against RFC 4575's schema with xmllint, when installed.
fn validate(xml: &str) {
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/tests/data/conference-info.xsd");
    let file = std::env::temp_dir().join(format!("rollcall-ci-{}-{}.xml", std::process::id(), rand_suffix()));
    std::fs::write(&file, xml).expect("temporary file");
    let run = Command::new("xmllint").arg("--noout").arg("--schema").arg(&schema).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    match run {
        Err(_) => eprintln!("skipped: xmllint not installed (apt-get install libxml2-utils)"),
        Ok(output) => assert!(output.status.success(), "invalid document: {}\n{xml}", String::from_utf8_lossy(&output.stderr)),
    }
}

fn rand_suffix() -> String {
    rollcall_shared::random::random_hex(4)
}

/// The endpoint of `participant_id` in `info`, if the document has it.
fn endpoint(info: &ConferenceInfo, participant_id: &str) -> Option<rollcall_shared::conference_info::Endpoint> {
    info.users.as_ref()?.users.iter().flat_map(|u| u.endpoints.iter()).find(|e| e.entity == participant_id).cloned()
}

/// The next document the user agent of `client` reports of `conference`,
/// checked with xmllint and read; and why its subscription ended, if it did.
async fn next_document(client: &mut Client, conference: &str) -> (ConferenceInfo, Option<String>) {
    let notice = client.next_conference_info().await;
    assert_eq!(notice.uri, conference);
    validate(&notice.body);
    let info = ConferenceInfo::read(&notice.body).unwrap_or_else(|e| panic!("{e}: {}", notice.body));
    (info, notice.terminated)
}

#[tokio::test]
async fn the_owner_follows_a_conference_with_the_user_agent() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let conference = uri(&conference_id);

    let mut phone = signed_in(&server, "alice").await;
    phone.follow_conference(&conference).await;
    let (full, ended) = next_document(&mut phone, &conference).await;
    assert_eq!(ended, None);
    assert_eq!((full.state, full.version, full.entity.as_str()), (DocState::Full, 1, conference.as_str()));
    assert_eq!(full.conference_state.and_then(|c| c.user_count), Some(1));
    assert_eq!(endpoint(&full, &initiator).and_then(|e| e.status), Some(EndpointStatus::Connected));

    // Bob rings, then connects: partial documents, one version at a time.
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", "+14255550101").await;
    let mut version = 1;
    let mut statuses = Vec::new();
    loop {
        let (partial, ended) = next_document(&mut phone, &conference).await;
        version += 1;
        assert_eq!(ended, None);
        assert_eq!((partial.state, partial.version), (DocState::Partial, version));
        let status = endpoint(&partial, &bob).and_then(|e| e.status).expect("bob's endpoint");
        statuses.push(status);
        if status == EndpointStatus::Connected {
            break;
        }
    }
    assert!(statuses.contains(&EndpointStatus::Alerting), "{statuses:?}");

    // Muted by the owner: his media receive only.
    alice
        .send_request(&Request::MuteParticipant(MuteParticipant {
            request_id: "mute".into(),
            conference_id: conference_id.clone(),
            participant_id: bob.clone(),
            muted: true,
        }))
        .await;
    let (muted, ended) = next_document(&mut phone, &conference).await;
    version += 1;
    assert_eq!((muted.state, muted.version, ended), (DocState::Partial, version, None));
    let media = endpoint(&muted, &bob).expect("bob's endpoint").media;
    assert_eq!(media.first().and_then(|m| m.status), Some(MediaStatus::RecvOnly), "{media:?}");

    // The owner ends it: partials as everyone departs, the last one
    // terminating the subscription, which is not renewed.
    alice
        .send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id: conference_id.clone() }))
        .await;
    loop {
        let (partial, ended) = next_document(&mut phone, &conference).await;
        version += 1;
        assert_eq!(partial.version, version);
        if let Some(reason) = ended {
            assert_eq!(reason, "noresource");
            assert_eq!(partial.conference_state.and_then(|c| c.active), Some(false));
            break;
        }
    }
    read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
}

#[tokio::test]
async fn the_owner_follows_a_conference_by_subscription() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, initiator) = active_conference(&mut alice, &mut seen, "+14255550100").await;

    let mut watcher = server.client("alice").await;
    let ok = subscribe(&mut watcher, &uri(&conference_id), "conference", 600).await;
    assert_eq!(ok.status_code.code(), 200, "{ok}");
    assert_eq!(sip::header(&ok.headers, "Expires").as_deref(), Some("600"));
    let dialog = Dialog::of(&ok);

    let (state, full) = next_notify(&mut watcher).await;
    assert!(state.starts_with("active;expires="), "{state}");
    assert_eq!((full.state, full.version, full.entity.as_str()), (DocState::Full, 1, uri(&conference_id).as_str()));
    let conference_state = full.conference_state.expect("conference-state");
    assert_eq!((conference_state.user_count, conference_state.active), (Some(1), Some(true)));
    assert_eq!(endpoint(&full, &initiator).and_then(|e| e.status), Some(EndpointStatus::Connected));
    assert_eq!(full.users.as_ref().unwrap().users[0].entity, "tel:+14255550100");

    // Bob is added: partial documents, one version at a time, until he is connected.
    let bob = add(&mut alice, &mut seen, &conference_id, "bob", "+14255550101").await;
    let mut version = 1;
    let mut statuses = Vec::new();
    loop {
        let (state, partial) = next_notify(&mut watcher).await;
        version += 1;
        assert!(state.starts_with("active"), "{state}");
        assert_eq!((partial.state, partial.version), (DocState::Partial, version));
        let users = partial.users.as_ref().expect("the changed user");
        assert_eq!((users.state, users.users.len()), (DocState::Partial, 1));
        assert_eq!(users.users[0].state, DocState::Partial);
        let status = endpoint(&partial, &bob).and_then(|e| e.status).expect("bob's endpoint");
        statuses.push(status);
        if status == EndpointStatus::Connected {
            assert_eq!(partial.conference_state.unwrap().user_count, Some(2));
            break;
        }
    }
    assert!(statuses.contains(&EndpointStatus::Alerting), "{statuses:?}");

    // Removed by the owner: booted, Q.850 cause 16.
    alice
        .send_request(&Request::RemoveParticipant(RemoveParticipant {
            request_id: "remove".into(),
            conference_id: conference_id.clone(),
            participant_id: bob.clone(),
        }))
        .await;
    let (_, removed) = next_notify(&mut watcher).await;
    version += 1;
    assert_eq!(removed.version, version);
    let gone = endpoint(&removed, &bob).expect("bob's endpoint");
    assert_eq!(gone.status, Some(EndpointStatus::Disconnected));
    assert_eq!(gone.disconnection_method, Some(DisconnectionMethod::Booted));
    assert_eq!(gone.disconnection_reason.as_deref(), Some("Q.850;cause=16"));

    // A refresh in the dialog: 200, and the full document again.
    let refreshed = watcher
        .in_dialog(rsip::Method::Subscribe, &dialog.target, &dialog, |b| b.header("Event", "conference").header("Expires", "300"))
        .await;
    assert_eq!(refreshed.status_code.code(), 200);
    let (_, again) = next_notify(&mut watcher).await;
    version += 1;
    assert_eq!((again.state, again.version), (DocState::Full, version));
    assert_eq!(endpoint(&again, &bob).and_then(|e| e.disconnection_method), Some(DisconnectionMethod::Booted));

    // The owner ends it: the initiator departs, then the last NOTIFY.
    alice
        .send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id: conference_id.clone() }))
        .await;
    read_until(&mut alice, &mut seen, is_conference(ConferenceState::Terminated)).await;
    loop {
        let (state, partial) = next_notify(&mut watcher).await;
        version += 1;
        assert_eq!(partial.version, version);
        if let Some(e) = endpoint(&partial, &initiator) {
            assert_eq!(e.disconnection_method, Some(DisconnectionMethod::Departed));
        }
        if state.starts_with("terminated") {
            assert_eq!(state, "terminated;reason=noresource");
            assert_eq!(partial.conference_state.unwrap().active, Some(false));
            break;
        }
    }
    let states: Vec<ParticipantState> = seen.states_of(&initiator).into_iter().map(|(s, _)| s).collect();
    assert_eq!(states.last(), Some(&ParticipantState::Disconnected));
    // The dialog is gone at the gateway and the IM server alike.
    let late = watcher.in_dialog(rsip::Method::Subscribe, &dialog.target, &dialog, |b| b.header("Event", "conference")).await;
    assert_eq!(late.status_code.code(), 481);
}

#[tokio::test]
async fn only_the_owner_of_a_known_conference_may_subscribe_with_the_conference_package() {
    let server = TestServer::start().await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;

    let mut bob = server.client("bob").await;
    assert_eq!(subscribe(&mut bob, &uri(&conference_id), "conference", 600).await.status_code.code(), 403);

    let mut watcher = server.client("alice").await;
    let unknown = subscribe(&mut watcher, &uri("conf-0000000000000000"), "conference", 600).await;
    assert_eq!(unknown.status_code.code(), 404);
    let wrong = subscribe(&mut watcher, &uri(&conference_id), "dialog", 600).await;
    assert_eq!(wrong.status_code.code(), 489);
    assert_eq!(sip::header(&wrong.headers, "Allow-Events").as_deref(), Some("conference"));

    // Unsubscribe: 200 and a final NOTIFY.
    let ok = subscribe(&mut watcher, &uri(&conference_id), "conference", 600).await;
    assert_eq!(ok.status_code.code(), 200);
    let dialog = Dialog::of(&ok);
    assert!(next_notify(&mut watcher).await.0.starts_with("active"));
    let bye = watcher
        .in_dialog(rsip::Method::Subscribe, &dialog.target, &dialog, |b| b.header("Event", "conference").header("Expires", "0"))
        .await;
    assert_eq!(bye.status_code.code(), 200);
    assert_eq!(next_notify(&mut watcher).await.0, "terminated");

    // A one-second subscription ends by itself.
    assert_eq!(subscribe(&mut watcher, &uri(&conference_id), "conference", 1).await.status_code.code(), 200);
    assert!(next_notify(&mut watcher).await.0.starts_with("active"));
    assert_eq!(next_notify(&mut watcher).await.0, "terminated;reason=timeout");

    // Someone else's dialog is no dialog: a NOTIFY from a user is refused.
    let forged =
        bob.in_dialog(rsip::Method::Notify, &format!("sip:alice@{DOMAIN}"), &dialog, |b| b.header("Event", "conference")).await;
    assert_eq!(forged.status_code.code(), 481);
    let _ = Reply::decode;
}

/// Each new subscription costs the gateway a snapshot from the conference
/// service: one user's flood of SUBSCRIBEs (here to conferences that do not
/// exist) is refused `503` with `Retry-After` once past its burst, and
/// does not keep others from subscribing.
#[tokio::test]
async fn a_flood_of_subscribes_is_refused_past_its_burst_and_others_are_served() {
    let server = TestServer::start().await;
    let mut mallory = server.client("bob").await;
    let mut codes = Vec::new();
    for n in 0..14 {
        let response = subscribe(&mut mallory, &uri(&format!("conf-{n:016x}")), "conference", 600).await;
        codes.push(response.status_code.code());
        if response.status_code.code() == 503 {
            assert!(sip::header(&response.headers, "Retry-After").is_some());
        }
    }
    assert!(codes[..10].iter().all(|c| *c == 404), "the burst is served: {codes:?}");
    assert!(codes[10..].contains(&503), "then refused: {codes:?}");

    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let mut watcher = server.client("alice").await;
    assert_eq!(subscribe(&mut watcher, &uri(&conference_id), "conference", 600).await.status_code.code(), 200);
}
