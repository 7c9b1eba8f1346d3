use super::*;
use crate::bridge::SimDelays;
use crate::conference::testing::{summary, ReportingReceiver};
use crate::conference::{router, ConferenceConfig};
use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::Party;

#[test]
fn query_parameters() {
    assert_eq!(query_param("conference=conf-1", "conference").as_deref(), Some("conf-1"));
    assert_eq!(query_param("x=1&conference=a%2Db", "conference").as_deref(), Some("a-b"));
    assert_eq!(query_param("conference=", "conference"), None);
    assert_eq!(query_param("other=1", "conference"), None);
}

#[tokio::test]
async fn crash_over_http() {
    let key = b"key";
    let mut receiver = ReportingReceiver::start(key, 0).await;
    let config = ConferenceConfig {
        token: "tok".into(),
        reporting_url: receiver.url.clone(),
        signing_key: key.to_vec(),
        max_participants: 4,
        max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
        inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
        confirm_timeout: ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
        call_records: None,
        accounts: None,
    };
    let service = ConferenceService::with_simulator(config, SimDelays::fast()).expect("service");
    let created = service.handle(BridgeRequest::CreateConference {
        confirm: false,
        subject: None,
        owner: "sip:ada@rollcall.local".into(),
        account: "acct".into(),
        initiator: Party { phone: "+14255550100".into(), ..Party::default() },
        participants: vec![],
    });
    let BridgeResponse::CreateConference { conference_id, .. } = created else { panic!("{created:?}") };
    for _ in 0..4 {
        receiver.next().await; // up to `active`
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(service)).await;
    });
    let client = reqwest::Client::new();
    let post = |query: String, token: &'static str| client.post(format!("{base}/admin/crash{query}")).bearer_auth(token).send();
    let status = |r: reqwest::Result<reqwest::Response>| r.expect("sent").status();
    assert_eq!(status(post(format!("?conference={conference_id}"), "wrong").await), StatusCode::UNAUTHORIZED);
    assert_eq!(status(post(String::new(), "tok").await), StatusCode::BAD_REQUEST);
    assert_eq!(status(post("?conference=conf-nope".into(), "tok").await), StatusCode::NOT_FOUND);
    let not_yours = format!("?conference={conference_id}&owner=sip%3Amallory%40rollcall.local");
    assert_eq!(status(post(not_yours, "tok").await), StatusCode::NOT_FOUND, "another owner's: as if it did not exist");
    let crashed = post(format!("?conference={conference_id}&owner=sip%3Aada%40rollcall.local"), "tok").await.expect("sent");
    assert_eq!(crashed.status(), StatusCode::ACCEPTED);
    assert_eq!(crashed.headers().get(LEGS_HEADER).and_then(|v| v.to_str().ok()), Some("1"));
    assert_eq!(summary(&receiver.next().await).1, "disconnected");
    let terminated = summary(&receiver.next().await);
    assert_eq!((terminated.1.as_str(), terminated.2.as_deref(), terminated.3), ("terminated", Some("fatal-error"), 6));
    assert_eq!(status(post(format!("?conference={conference_id}"), "tok").await), StatusCode::CONFLICT);
}
