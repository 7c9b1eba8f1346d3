//! The gateway's client of the conference web service: SOAP 1.2 over HTTP
//! with a bearer token (docs/protocol.md §3). Given several instances'
//! URLs (comma-separated), it uses one and moves to the next when that
//! one cannot be reached (docs/operations.md "Several conference services").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::FaultKind;
use rollcall_shared::soap::CONTENT_TYPE;

pub struct WebService {
    client: reqwest::Client,
    urls: Vec<String>,
    /// The one in use.
    current: AtomicUsize,
    token: String,
}

impl WebService {
    pub fn new(url: &str, token: &str) -> anyhow::Result<Self> {
        let client =
            // A host that is down answers nothing: give up connecting soon and
            // try the next instance, rather than spend the whole timeout.
            crate::edge::tls::http_client()?
                .timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(2))
                .build()
                .context("building the HTTP client")?;
        let urls = crate::conference::callbacks::reporting_urls(url);
        anyhow::ensure!(!urls.is_empty(), "no conference web service URL");
        Ok(WebService { client, urls, current: AtomicUsize::new(0), token: token.to_string() })
    }

    /// One operation. A SOAP Fault is a normal answer (`BridgeResponse::Fault`);
    /// `Err` means no instance could be reached, or one answered nonsense.
    /// An instance that cannot be reached is left for the next, each tried
    /// once per call. An instance that does not know the conference asked
    /// about (`NoSuchConference`) passes it on to the next too: a
    /// conference lives in the instance that created it, which need not be
    /// the one in use now (it was unreachable for a moment, say).
    pub async fn call(&self, request: &BridgeRequest) -> anyhow::Result<BridgeResponse> {
        let body = request.encode();
        let first = self.current.load(Ordering::Relaxed);
        let mut last_error = None;
        let mut not_known = None;
        for step in 0..self.urls.len() {
            let at = (first + step) % self.urls.len();
            match self.call_at(&self.urls[at], &body).await {
                Err(Unreachable(e)) => {
                    tracing::warn!(url = %self.urls[at], error = %format!("{e:#}"), "a conference web service is unreachable");
                    last_error = Some(e);
                }
                Ok(Ok(BridgeResponse::Fault(fault))) if fault.kind == FaultKind::NoSuchConference => {
                    if not_known.is_none() && last_error.is_none() {
                        self.current.store(at, Ordering::Relaxed);
                    }
                    not_known.get_or_insert(BridgeResponse::Fault(fault));
                }
                Ok(answered) => {
                    if not_known.is_none() {
                        self.current.store(at, Ordering::Relaxed);
                    }
                    return answered;
                }
            }
        }
        match not_known {
            Some(answer) => Ok(answer),
            None => Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no conference web service"))),
        }
    }

    /// One operation at `url`: the answer (or nonsense), or `Unreachable`.
    async fn call_at(&self, url: &str, body: &str) -> Result<anyhow::Result<BridgeResponse>, Unreachable> {
        let sent = self
            .client
            .post(url)
            .header("Content-Type", CONTENT_TYPE)
            .bearer_auth(&self.token)
            .body(body.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) if e.is_connect() => return Err(Unreachable(anyhow::Error::new(e).context("conference web service request"))),
            Err(e) => return Ok(Err(anyhow::Error::new(e).context("conference web service request"))),
        };
        let status = response.status();
        Ok(async {
            let body = response.text().await.context("conference web service response body")?;
            BridgeResponse::decode(&body).with_context(|| format!("conference web service answered HTTP {status}"))
        }
        .await)
    }
}

/// An instance that could not be reached (nothing was asked of it).
struct Unreachable(anyhow::Error);

#[cfg(test)]
mod tests;
