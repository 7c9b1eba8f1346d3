//! A person at the digest-authenticated JSON APIs — the phone panel
//! (`/pstn/`) and the address book and inbox (`/api/`) — for black-box tests.

use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use rollcall_shared::digest::Challenge;
use serde_json::Value;

use super::{TestServer, PATIENCE};

/// A person at the phone panel: HTTP with a digest-answering helper that
/// caches the challenge and counts `nc` up, as a browser would.
pub struct Person {
    http: reqwest::Client,
    base: String,
    user: String,
    password: String,
    challenge: Option<(Challenge, u32)>,
}

impl Person {
    pub fn new(server: &TestServer, user: &str) -> Person {
        Person {
            http: reqwest::Client::new(),
            base: format!("http://{}", server.running.http),
            user: user.into(),
            password: format!("{user}-pw"),
            challenge: None,
        }
    }

    /// Uses `password` instead of the test users' `<name>-pw`.
    pub fn set_password(&mut self, password: &str) {
        self.password = password.to_string();
    }

    /// `method path`, answering a 401 once; the status and JSON body.
    pub async fn send(&mut self, method: Method, path: &str) -> (StatusCode, Value) {
        self.send_body(method, path, Vec::new()).await
    }

    /// Like [`Person::send`], with a request body.
    pub async fn send_body(&mut self, method: Method, path: &str, body: impl Into<Vec<u8>>) -> (StatusCode, Value) {
        let body = body.into();
        for _ in 0..2 {
            let mut request = self.http.request(method.clone(), format!("{}{path}", self.base)).body(body.clone());
            if let Some((challenge, nc)) = self.challenge.as_mut() {
                *nc += 1;
                let credentials = challenge.answer(&self.user, &self.password, method.as_str(), path, "0a4f113b", *nc);
                request = request.header(AUTHORIZATION, credentials.to_header_value());
            }
            let response = request.send().await.expect("the panel answers");
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED {
                let offered = response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or_default();
                self.challenge = Some((Challenge::parse(offered).expect("a digest challenge"), 0));
                continue;
            }
            let text = response.text().await.expect("a body");
            // Refusals before the handler (413 from the body limit) are plain text.
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return (status, body);
        }
        panic!("{} is still challenged after answering", self.user);
    }

    pub async fn ok(&mut self, method: Method, path: &str) -> Value {
        let (status, body) = self.send(method, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// Long-polls `/pstn/events` until `done` holds for the panel.
    pub async fn wait_for(&mut self, mut done: impl FnMut(&Value) -> bool) -> Value {
        let mut panel = self.ok(Method::GET, "/pstn/phones").await;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done(&panel) {
            assert!(tokio::time::Instant::now() < deadline, "the panel never got there: {panel}");
            let path = format!("/pstn/events?after={}", panel["version"]);
            panel = self.ok(Method::GET, &path).await;
        }
        panel
    }

    /// Waits until `number` rings; the call's JSON.
    pub async fn ringing(&mut self, number: &str) -> Value {
        let panel = self.wait_for(|p| call_on(p, number)["state"] == "ringing").await;
        call_on(&panel, number)
    }
}

/// The call on `number` in a panel, or `null`.
pub fn call_on(panel: &Value, number: &str) -> Value {
    let phones = panel["phones"].as_array().cloned().unwrap_or_default();
    phones.into_iter().find(|p| p["number"] == number).map(|p| p["call"].clone()).unwrap_or(Value::Null)
}
