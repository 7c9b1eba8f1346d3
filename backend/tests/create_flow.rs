//! The create flow of the seed's Figure 4 through every box, over real
//! sockets: browser-side SIP client → IM server → gateway → conference web
//! service → simulated PSTN, and the events all the way back.

mod common;

use common::TestServer;
use rollcall::signing::{sign, unix_now, SIGNATURE_HEADER};
use rollcall_shared::soap::conference::{CreateConference, Reply, Request};
use rollcall_shared::soap::{ConferenceState, FaultKind, Location, ParticipantState, Party};

fn create(request_id: &str, phone: &str) -> Request {
    Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: request_id.into(),
        account: "alice".into(),
        initiator: Party {
            alternatives: Vec::new(),
            name: "Alice".into(),
            phone: phone.into(),
            location: Location::Work,
            email: None,
        },
        participants: Vec::new(),
    })
}

#[tokio::test]
async fn create_flow_events_arrive_in_order_with_sequence_numbers() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    alice.send_request(&create("r1", "+14255550100")).await;

    let Reply::CreateConferenceResponse { request_id, conference_id, state, .. } = alice.next_reply().await else {
        panic!("the response comes first")
    };
    assert_eq!((request_id.as_str(), state), ("r1", ConferenceState::Creating));

    let mut seen = Vec::new();
    let mut initiator_id = None;
    loop {
        match alice.next_reply().await {
            Reply::ParticipantStatus(s) => {
                assert_eq!(s.conference_id, conference_id);
                assert_eq!(*initiator_id.get_or_insert(s.participant_id.clone()), s.participant_id, "one leg");
                seen.push((s.sequence, s.state.as_str().to_string()));
            }
            Reply::ConferenceStatus(s) => {
                assert_eq!(s.conference_id, conference_id);
                seen.push((s.sequence, format!("conference {}", s.state)));
                if s.state == ConferenceState::Active {
                    break;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let expected = [(1, "dialing"), (2, "ringing"), (3, "connected"), (4, "conference active")];
    assert_eq!(seen, expected.map(|(n, s)| (n, s.to_string())).to_vec());
    let _ = ParticipantState::Connected;
}

#[tokio::test]
async fn malformed_soap_gets_an_invalid_request_fault() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    let r = alice.message_to(common::GATEWAY, "<not-soap>").await;
    assert_eq!(r.status_code.code(), 200, "the MESSAGE itself is delivered");
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!(fault.kind, FaultKind::InvalidRequest);

    // A well-formed envelope with a missing element keeps its requestId.
    let body = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:c="urn:rollcall:conference:1"><env:Body><c:AddParticipant><c:requestId>r9</c:requestId></c:AddParticipant></env:Body></env:Envelope>"#;
    alice.message_to(common::GATEWAY, body).await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::InvalidRequest, Some("r9")));
}

#[tokio::test]
async fn invalid_number_is_refused_before_dialing() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.register().await;
    alice.send_request(&create("r2", "425-555-0100")).await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::InvalidNumber, Some("r2")));
}

#[tokio::test]
async fn unsigned_callbacks_are_refused() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let body = "<x/>";
    let unsigned = client.post(&server.running.reporting_url).body(body).send().await.expect("posts");
    assert_eq!(unsigned.status().as_u16(), 401);
    let wrong = client
        .post(&server.running.reporting_url)
        .header("X-Rollcall-Signature", "00".repeat(32))
        .body(body)
        .send()
        .await
        .expect("posts");
    assert_eq!(wrong.status().as_u16(), 401);
}

/// docs/protocol.md §3: a callback's signature is timestamped and accepted once.
#[tokio::test]
async fn stale_and_replayed_callbacks_are_refused() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let key = &server.running.signing_key;
    let post =
        |signature: String| client.post(&server.running.reporting_url).header(SIGNATURE_HEADER, signature).body("<x/>").send();
    // Signed now: the signature is accepted (the body is then not a callback: 400).
    let fresh = sign(key, unix_now(), b"<x/>");
    assert_eq!(post(fresh.clone()).await.expect("posts").status().as_u16(), 400);
    assert_eq!(post(fresh).await.expect("posts").status().as_u16(), 401, "the same signature again is a replay");
    let old = sign(key, unix_now() - 301, b"<x/>");
    assert_eq!(post(old).await.expect("posts").status().as_u16(), 401, "a signature from 301 s ago is stale");
}

#[tokio::test]
async fn wsdl_is_served() {
    let server = TestServer::start().await;
    let wsdl = reqwest::get(format!("{}?wsdl", server.running.conference_url)).await.expect("gets");
    assert_eq!(wsdl.status().as_u16(), 200);
    let text = wsdl.text().await.expect("text");
    assert!(text.contains("urn:rollcall:bridge:1") && text.contains("createConference"));
}
