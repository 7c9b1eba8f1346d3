//! The gateway's client of the conference web service: SOAP 1.2 over HTTP
//! with a bearer token (docs/protocol.md §3).

use std::time::Duration;

use anyhow::Context;
use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::CONTENT_TYPE;

pub struct WebService {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl WebService {
    pub fn new(url: &str, token: &str) -> anyhow::Result<Self> {
        let client =
            crate::edge::tls::http_client()?.timeout(Duration::from_secs(10)).build().context("building the HTTP client")?;
        Ok(WebService { client, url: url.to_string(), token: token.to_string() })
    }

    /// One operation. A SOAP Fault is a normal answer (`BridgeResponse::Fault`);
    /// `Err` means the service could not be reached or answered nonsense.
    pub async fn call(&self, request: &BridgeRequest) -> anyhow::Result<BridgeResponse> {
        let response = self
            .client
            .post(&self.url)
            .header("Content-Type", CONTENT_TYPE)
            .bearer_auth(&self.token)
            .body(request.encode())
            .send()
            .await
            .context("conference web service request")?;
        let status = response.status();
        let body = response.text().await.context("conference web service response body")?;
        BridgeResponse::decode(&body).with_context(|| format!("conference web service answered HTTP {status}"))
    }
}
