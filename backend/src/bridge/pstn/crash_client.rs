//! The phone panel's way to the conference service: fault injection under
//! a user's own conference goes over HTTP to `POST /admin/crash` with the
//! service's bearer token and the user as `owner` — the panel holds no
//! reference into the conference service, as no box of Figure 1 does into
//! another.

use std::time::Duration;

use crate::conference::admin::LEGS_HEADER;

/// How long the conference service has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a crash was not injected.
#[derive(Debug, thiserror::Error)]
pub enum CrashRefused {
    /// No such conference, or not the user's (the same answer, so that
    /// nobody learns which conference ids exist).
    #[error("no conference {0}")]
    NoSuchConference(String),
    #[error("conference {0} has already ended")]
    Terminated(String),
    #[error("the bridge offers no fault injection")]
    Unsupported,
    #[error("the conference service could not be reached or refused: {0}")]
    Unavailable(String),
}

/// A client of the conference service's operator endpoint.
#[derive(Clone)]
pub struct CrashClient {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl CrashClient {
    /// For the conference service at `conference_url` (its `…/conference`
    /// endpoint), with its bearer `token`.
    pub fn new(conference_url: &str, token: &str) -> anyhow::Result<CrashClient> {
        let base = conference_url.strip_suffix("/conference").unwrap_or(conference_url);
        let http = crate::edge::tls::http_client()?.timeout(TIMEOUT).build()?;
        Ok(CrashClient { url: format!("{base}/admin/crash"), token: token.to_string(), http })
    }

    /// Injects a bridge failure under `conference_id` if `owner` owns it;
    /// how many legs failed.
    pub async fn crash_owned_by(&self, conference_id: &str, owner: &str) -> Result<usize, CrashRefused> {
        let answer = self
            .http
            .post(&self.url)
            .query(&[("conference", conference_id), ("owner", owner)])
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| CrashRefused::Unavailable(e.to_string()))?;
        match answer.status().as_u16() {
            202 => Ok(answer.headers().get(LEGS_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)),
            404 => Err(CrashRefused::NoSuchConference(conference_id.to_string())),
            409 => Err(CrashRefused::Terminated(conference_id.to_string())),
            501 => Err(CrashRefused::Unsupported),
            status => Err(CrashRefused::Unavailable(format!("HTTP {status}"))),
        }
    }
}
