//! Cross-site requests (issue: "any web page can open `/sip` from a
//! visitor's browser"): a page on another site may not open the SIP
//! WebSocket or change anything through `/api` or `/pstn`; the server's own
//! pages, `--allowed-origin` ones and non-browser clients may.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// The status of a `/sip` upgrade with this `Origin` (none: `None`).
async fn upgrade_status(server: &TestServer, origin: Option<&str>) -> u16 {
    let mut request = server.ws_url().into_client_request().expect("url");
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", HeaderValue::from_str(origin).expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("upgrade failed otherwise: {e}"),
    }
}

#[tokio::test]
async fn only_the_servers_own_pages_open_the_sip_websocket() {
    let server = TestServer::start_with(|o| o.edge.allowed_origins = vec!["https://rollcall.example.com".into()]).await;
    let own = format!("http://{}", server.running.http);
    assert_eq!(upgrade_status(&server, None).await, 101, "a non-browser client");
    assert_eq!(upgrade_status(&server, Some(&own)).await, 101, "the app itself");
    assert_eq!(upgrade_status(&server, Some("https://rollcall.example.com")).await, 101, "--allowed-origin");
    assert_eq!(upgrade_status(&server, Some("https://evil.example")).await, 403);
    assert_eq!(upgrade_status(&server, Some("null")).await, 403);
}

#[tokio::test]
async fn a_foreign_page_cannot_change_anything_through_the_apis() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", server.running.http);
    for path in ["/api/contacts/import", "/api/inbox", "/pstn/calls/c1/answer"] {
        let foreign = http.post(format!("{base}{path}")).header("Origin", "https://evil.example").body("x").send();
        assert_eq!(foreign.await.expect("answers").status(), StatusCode::FORBIDDEN, "{path}");
        // The same request from the app's own page reaches authentication.
        let own = http.post(format!("{base}{path}")).header("Origin", &base).body("x").send();
        assert_eq!(own.await.expect("answers").status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // Reads are not state-changing: they still meet authentication only.
    let read = http.get(format!("{base}/api/contacts")).header("Origin", "https://evil.example").send();
    assert_eq!(read.await.expect("answers").status(), StatusCode::UNAUTHORIZED);
}
