use super::*;
use crate::bridge::SimDelays;
use crate::conference::testing::{summary, ReportingReceiver};
use crate::conference::ConferenceConfig;
use rollcall_shared::soap::bridge::Notification;
use rollcall_shared::soap::{ConferenceState, Party};

const TOKEN: &str = "gateway-token";
const KEY: &[u8] = b"callback key";
const ADA: &str = "sip:ada@rollcall.local";

/// The conference service on 127.0.0.1 with the simulator at test speed,
/// reporting to a receiver that checks signatures.
async fn start() -> (String, ReportingReceiver, reqwest::Client) {
    let receiver = ReportingReceiver::start(KEY, 0).await;
    let config = ConferenceConfig {
        token: TOKEN.into(),
        reporting_url: receiver.url.clone(),
        signing_key: KEY.to_vec(),
        max_participants: 8,
        max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
        inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
        confirm_timeout: ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
        call_records: None,
        accounts: None,
    };
    let service = ConferenceService::with_simulator(config, SimDelays::fast()).expect("service");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/conference", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(service)).await;
    });
    (url, receiver, reqwest::Client::new())
}

async fn call(client: &reqwest::Client, url: &str, request: &BridgeRequest) -> (StatusCode, String, BridgeResponse) {
    let response = client
        .post(url)
        .bearer_auth(TOKEN)
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(request.encode())
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = response.text().await.expect("body");
    (status, content_type, BridgeResponse::decode(&body).expect("a SOAP response"))
}

fn create(owner: &str, phone: &str) -> BridgeRequest {
    BridgeRequest::CreateConference {
        confirm: false,
        subject: None,
        owner: owner.into(),
        account: String::new(), // the owner's default
        initiator: Party { name: "Ada".into(), phone: phone.into(), ..Party::default() },
        participants: vec![],
    }
}

/// The create flow over real sockets: SOAP in, signed callbacks out.
#[tokio::test]
async fn create_over_http_reports_signed_events_in_order() {
    let (url, mut receiver, client) = start().await;
    let (status, content_type, response) = call(&client, &url, &create(ADA, "+14255550100")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, CONTENT_TYPE);
    let BridgeResponse::CreateConference { conference_id, initiator_id, state } = response else { panic!("{response:?}") };
    assert_eq!(state, ConferenceState::Creating);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let n = receiver.next().await;
        assert_eq!(n.owner(), ADA);
        let id = match &n {
            Notification::ParticipantStatus { status, .. } => &status.conference_id,
            Notification::ConferenceStatus { status, .. } => &status.conference_id,
        };
        assert_eq!(id, &conference_id);
        seen.push(summary(&n));
    }
    let i = initiator_id;
    let want = |who: &str, state: &str, seq| (who.to_string(), state.to_string(), None, seq);
    assert_eq!(seen, [want(&i, "dialing", 1), want(&i, "ringing", 2), want(&i, "connected", 3), want("conference", "active", 4)]);

    // Someone else may not touch it: a Sender fault, HTTP 400.
    let end = BridgeRequest::EndConference { owner: "sip:mallory@rollcall.local".into(), conference_id };
    let (status, _, response) = call(&client, &url, &end).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(matches!(response, BridgeResponse::Fault(f) if f.kind == FaultKind::NotAuthorized));
}

#[tokio::test]
async fn invalid_number_is_a_sender_fault() {
    let (url, _receiver, client) = start().await;
    let (status, _, response) = call(&client, &url, &create(ADA, "555-0100")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(matches!(response, BridgeResponse::Fault(f) if f.kind == FaultKind::InvalidNumber && f.code == FaultCode::Sender));
}

#[tokio::test]
async fn requires_the_bearer_token() {
    let (url, mut receiver, client) = start().await;
    let body = create(ADA, "+14255550100").encode();
    for auth in [None, Some("Bearer wrong-token"), Some("Basic Z2F0ZXdheTp0b2tlbg=="), Some("Bearer ")] {
        let mut request = client.post(&url).body(body.clone());
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let response = request.send().await.expect("sent");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
    }
    let ok = client.post(&url).header(header::AUTHORIZATION, format!("bearer {TOKEN}")).body(body).send().await;
    assert_eq!(ok.expect("sent").status(), StatusCode::OK, "the scheme is case-insensitive");
    assert_eq!(summary(&receiver.next().await).3, 1, "only the authorized request created a conference");
}

#[tokio::test]
async fn large_bodies_are_refused() {
    let (url, _receiver, client) = start().await;
    let big = "x".repeat(MAX_MESSAGE_BYTES + 1);
    let response = client.post(&url).bearer_auth(TOKEN).body(big.clone()).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let response = client.post(&url).body(big).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "authentication comes first");
}

#[tokio::test]
async fn undecodable_requests_get_an_invalid_request_fault() {
    let (url, _receiver, client) = start().await;
    for body in [
        &b"not xml at all"[..],
        b"<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body><x/></env:Body></env:Envelope>",
        b"\xff\xfe",
    ] {
        let response = client.post(&url).bearer_auth(TOKEN).body(body.to_vec()).send().await.expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let text = response.text().await.expect("body");
        let decoded = BridgeResponse::decode(&text).expect("a SOAP fault");
        assert!(matches!(decoded, BridgeResponse::Fault(f) if f.kind == FaultKind::InvalidRequest), "{text}");
    }
}

#[tokio::test]
async fn serves_the_wsdl() {
    let (url, _receiver, client) = start().await;
    let response = client.get(format!("{url}?wsdl")).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE].to_str().expect("ascii").starts_with("text/xml"));
    let wsdl = response.text().await.expect("body");
    assert!(wsdl.contains("targetNamespace=\"urn:rollcall:bridge:1\""));
    assert!(wsdl.contains("http://schemas.xmlsoap.org/wsdl/soap12/"));
    for operation in [
        "createConference",
        "inviteParticipant",
        "disconnectParticipant",
        "endConference",
        "getConferenceInfo",
        "listConferences",
    ] {
        assert!(wsdl.contains(&format!("<wsdl:operation name=\"{operation}\">")), "{operation}");
    }
    assert!(wsdl.contains(&format!("location=\"{url}\"")), "the address is where it was fetched from");

    let response = client.get(&url).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let response = client.put(&url).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn bearer_parsing() {
    let mut headers = HeaderMap::new();
    assert!(!bearer_matches(&headers, "t"));
    headers.insert(header::AUTHORIZATION, "Bearer t".parse().expect("header"));
    assert!(bearer_matches(&headers, "t"));
    assert!(!bearer_matches(&headers, "tt"));
    assert!(!bearer_matches(&headers, ""), "an empty token never matches");
    assert!(is_plain_host("127.0.0.1:8080") && is_plain_host("[::1]:80"));
    assert!(!is_plain_host("evil\"><x") && !is_plain_host(""));
}

/// The WSDL is well-formed XML (parsed by the same XML library as SOAP).
#[test]
fn wsdl_is_well_formed() {
    let mut reader = quick_xml_reader();
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("WSDL is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0);
}

fn quick_xml_reader() -> quick_xml::Reader<&'static [u8]> {
    let mut reader = quick_xml::Reader::from_str(WSDL);
    reader.config_mut().check_end_names = true;
    reader
}
