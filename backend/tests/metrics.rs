//! `/metrics` (issue "Nothing lost", point 8): what an operator watches,
//! in the Prometheus text format, on an address of their choosing and
//! behind their token.

mod common;

use common::flow::{active_conference, signed_in, Seen};
use common::TestServer;

async fn scrape(url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answers");
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}

/// The value of the sample line starting with `series` (name and labels).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[tokio::test]
async fn registrations_conferences_legs_latencies_and_failures_are_exported() {
    let server =
        TestServer::start_with(|o| o.metrics = Some(("127.0.0.1:0".parse().expect("addr"), Some("s3cret".into())))).await;
    let url = format!("http://{}/metrics", server.running.metrics.expect("a metrics address"));
    assert_eq!(scrape(&url, None).await.0, 401, "the token is required");
    assert_eq!(scrape(&url, Some("wrong")).await.0, 401);

    let mut alice = signed_in(&server, "alice").await;
    active_conference(&mut alice, &mut Seen::default(), "+14255550100").await;
    let mut mallory = server.client("bob").await;
    let challenge = mallory.challenge().await;
    mallory.register_answering(&challenge, "guess", 1).await;

    let (status, text) = scrape(&url, Some("s3cret")).await;
    assert_eq!(status, 200);
    assert!(value(&text, "rollcall_registrations") >= 2.0, "the gateway and alice");
    assert!(value(&text, "rollcall_websockets") >= 3.0);
    assert_eq!(value(&text, "rollcall_live_conferences"), 1.0);
    assert_eq!(value(&text, r#"rollcall_legs{state="connected"}"#), 1.0);
    assert!(value(&text, "rollcall_relay_seconds_count") >= 1.0, "relayed MESSAGEs are timed");
    assert!(value(&text, "rollcall_log_write_seconds_count") >= 10.0);
    assert!(value(&text, "rollcall_auth_failures_total") >= 1.0);
    assert!(text.contains("# TYPE rollcall_relay_seconds histogram"), "{text}");
}
