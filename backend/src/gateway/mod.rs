//! The gateway (box 9 of the seed's Figure 1). It is an ordinary SIP user
//! of the IM server (`sip:conference@<domain>`), connected over a real
//! WebSocket. Each SOAP request that reaches it in a MESSAGE becomes a call
//! on the conference web service over HTTP; each answer, and each status
//! callback that the conference service posts to the gateway's conference
//! reporting web service, goes back to the requester as a MESSAGE.
//!
//! - [`delivery`]: what goes to users and when (per-recipient windows,
//!   recipients who are away), over the one SIP user agent
//!   ([`crate::sip_client`]: register, refresh, reconnect, digest).
//! - [`outbox`]: the queue of MESSAGEs waiting, one per recipient.
//! - [`web_service`]: the HTTP client of the conference web service.
//! - [`reporting`]: the conference reporting web service (`POST /reporting`).
//! - [`translate`]: client protocol ↔ conference web service protocol.
//! - [`ordering`]: answers go out before the events they cause.
//! - [`idempotency`]: a repeated `requestId` gets the first answer again.
//! - [`notifier`]: the conference event package (RFC 4575) for SIP clients
//!   subscribed to a conference's URI.

pub mod delivery;
pub mod idempotency;
pub mod notifier;
mod ordering;
mod outbox;
pub mod reporting;
mod translate;
pub mod web_service;

use std::sync::Arc;

use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::{Fault, FaultKind};
use tracing::{info, warn, Instrument};

pub use ordering::ConferenceGate;

use crate::edge::rate::RateLimiter;
use delivery::{Delivery, Inbound, Outgoing};
use idempotency::Begin;
use web_service::WebService;

/// What a gateway needs to know.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The IM server's WebSocket, e.g. `ws://127.0.0.1:8080/sip`.
    pub im_url: String,
    pub domain: String,
    /// The gateway's own SIP user name (default `conference`).
    pub user: String,
    pub password: String,
    /// The conference web service, e.g. `http://127.0.0.1:8081/conference`.
    pub conference_url: String,
    /// Bearer token presented to the conference web service.
    pub conference_token: String,
    /// Key of the HMAC that signs the callbacks to `/reporting`.
    pub signing_key: Vec<u8>,
    /// How much each user may ask of it.
    pub limits: GatewayLimits,
}

/// What one user may ask of the gateway (flags of `serve` and `gateway`).
#[derive(Debug, Clone)]
pub struct GatewayLimits {
    /// Requests per second per user, on average…
    pub requests_per_second: f64,
    /// …with bursts of this many; beyond, Fault `c:RateLimited`.
    pub request_burst: f64,
}

impl Default for GatewayLimits {
    fn default() -> Self {
        GatewayLimits { requests_per_second: 5.0, request_burst: 30.0 }
    }
}

/// Most users whose request rate is tracked at once.
const MAX_TRACKED_USERS: usize = 100_000;

impl GatewayConfig {
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, self.domain)
    }
}

/// A running gateway: its delivery (and user agent) and what the
/// reporting service shares.
pub struct Gateway {
    pub delivery: Delivery,
    /// Subscriptions to conferences, told of every event.
    pub notifier: notifier::Notifier,
    pub gate: Arc<ConferenceGate>,
    /// Requests per user ([`GatewayLimits`]).
    rate: RateLimiter<String>,
    /// Answers by (user, requestId), for repeats.
    replies: idempotency::Replies,
    /// The SIP domain, for conferences' URIs.
    domain: String,
}

impl Gateway {
    /// Starts the UA (it connects and registers in the background) and the
    /// request processor. Serve [`reporting::router`] to receive callbacks.
    pub fn start(config: GatewayConfig) -> anyhow::Result<Arc<Gateway>> {
        let web_service = Arc::new(WebService::new(&config.conference_url, &config.conference_token)?);
        let (delivery, mut inbound, mut subscribes) = Delivery::start(&config);
        let notifier = notifier::Notifier::start(delivery.client(), Arc::clone(&web_service), config.domain.clone());
        let rate = RateLimiter::new(config.limits.requests_per_second, config.limits.request_burst, MAX_TRACKED_USERS);
        let gateway = Arc::new(Gateway {
            delivery,
            notifier,
            gate: Arc::new(ConferenceGate::default()),
            rate,
            replies: idempotency::Replies::default(),
            domain: config.domain.clone(),
        });
        let to_notifier = Arc::clone(&gateway);
        tokio::spawn(async move {
            while let Some(event) = subscribes.recv().await {
                to_notifier.notifier.ua_event(event);
            }
        });
        let worker = Arc::clone(&gateway);
        tokio::spawn(async move {
            while let Some(message) = inbound.recv().await {
                let gateway = Arc::clone(&worker);
                let web_service = Arc::clone(&web_service);
                tokio::spawn(async move { gateway.process(&web_service, message).await });
            }
        });
        info!(aor = %config.aor(), "gateway started");
        Ok(gateway)
    }

    /// One request from a user: decode, call the web service, answer.
    async fn process(&self, web_service: &WebService, message: Inbound) {
        let owner = message.asserted_identity;
        let request = match Request::decode(&message.body) {
            Ok(r) => r,
            Err(e) => {
                warn!(%owner, error = %e, "undecodable request");
                return self.send(&owner, Reply::Fault(e.to_fault()));
            }
        };
        if let Err(wait) = self.rate.take(&owner) {
            let seconds = wait.as_secs_f64().ceil().clamp(1.0, 3600.0) as u64;
            warn!(%owner, seconds, "request refused: over the user's rate");
            let fault = Fault::new(FaultKind::RateLimited, format!("too many requests; try again in {seconds} s"))
                .with_retry_after(seconds)
                .with_request_id(Some(request.request_id().to_string()));
            return self.send(&owner, Reply::Fault(fault));
        }
        let body = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            message.body.hash(&mut hasher);
            hasher.finish()
        };
        let ticket = match self.replies.begin(&owner, request.request_id(), body) {
            Begin::First(ticket) => ticket,
            Begin::Repeat(reply) => {
                info!(%owner, request_id = request.request_id(), "a repeated request: the first answer again");
                crate::metrics::global().repeated_requests.inc();
                return self.send(&owner, reply);
            }
            Begin::Reused => {
                let fault = Fault::new(FaultKind::InvalidRequest, "this requestId was used for another request; make a new one")
                    .with_request_id(Some(request.request_id().to_string()));
                return self.send(&owner, Reply::Fault(fault));
            }
            Begin::Running(mut first) => {
                // Answered when the first one is (or never, if it is lost).
                let reply = match first.wait_for(Option::is_some).await {
                    Ok(reply) => reply.clone(),
                    Err(_) => None,
                };
                if let Some(reply) = reply {
                    self.send(&owner, reply);
                }
                return;
            }
        };
        let span = tracing::info_span!("request", %owner, request_id = request.request_id());
        // The conference's callbacks wait until the answer is queued (`ordering`).
        let hold = request.conference_id().map(|id| self.gate.hold(id));
        let creating = matches!(request, Request::CreateConference(_)).then(|| self.gate.creating(&owner));
        let reply = self.call(web_service, &request, &owner).instrument(span).await;
        self.replies.finish(ticket, &reply);
        let created = match &reply {
            Reply::CreateConferenceResponse { conference_id, .. } => Some(conference_id.clone()),
            _ => None,
        };
        if let Reply::RemoveParticipantResponse { conference_id, participant_id, .. } = &reply {
            // Before the gate opens for the disconnection it causes.
            self.notifier.removed(conference_id, participant_id);
        }
        self.send(&owner, reply);
        drop(hold);
        if let Some(id) = created {
            self.gate.announce(&id);
        }
        drop(creating);
    }

    /// The web service's answer as a reply to the client; a service that
    /// cannot be reached is Fault `c:BridgeUnavailable`.
    async fn call(&self, web_service: &WebService, request: &Request, owner: &str) -> Reply {
        let request_id = request.request_id().to_string();
        match web_service.call(&translate::to_bridge(request, owner)).await {
            Ok(response) => translate::to_reply(response, &request_id, &self.domain),
            Err(e) => {
                warn!(error = %e, "conference web service unreachable");
                Reply::Fault(
                    Fault::new(FaultKind::BridgeUnavailable, "the conference service is unavailable; try again")
                        .with_request_id(Some(request_id)),
                )
            }
        }
    }

    /// Queues a reply for `owner`'s AOR.
    pub fn send(&self, owner: &str, reply: Reply) {
        self.delivery.send(Outgoing { to: owner.to_string(), body: reply.encode() });
    }
}
