//! The conference web service (box 8 of the seed's Figure 1): SOAP 1.2 over
//! HTTP for the gateway (docs/protocol.md §3), the conference and call-leg state
//! machines, and signed status callbacks to the gateway's reporting web
//! service. It reaches the telephone network through a
//! [`BridgeDriver`](crate::bridge::BridgeDriver).
//!
//! ```text
//! gateway ──POST /conference──▶ http ──▶ service ──dial/hang_up──▶ bridge driver
//!    ▲                                      │  ▲                         │
//!    └──POST /reporting (signed)── callbacks ◀─┘  └───── BridgeEvent ─────┘
//! ```
//!
//! - [`state`]: the leg and conference state machines.
//! - `record`: one conference as the service remembers it.
//! - [`service`]: the operations; `service/bridge_events.rs` the reaction
//!   to the bridge, `service/journal.rs` what is written down and read back
//!   after a restart.
//! - [`callbacks`]: ordered, signed, retried delivery of events.
//! - [`billing`]: a call record for every finished leg.
//! - [`accounts`]: which billing account a new conference bills (§8).
//! - [`admin`]: `POST /admin/crash`, fault injection for operators.
//! - [`http`]: the axum routes, `POST /conference` and `GET /conference?wsdl`.
//!
//! Starting it:
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! use rollcall::bridge::SimDelays;
//! use rollcall::conference::{router, ConferenceConfig, ConferenceService};
//!
//! let service = ConferenceService::with_simulator(
//!     ConferenceConfig {
//!         token: "gateway-token".into(),
//!         reporting_url: "http://127.0.0.1:8081/reporting".into(),
//!         signing_key: b"shared callback key".to_vec(),
//!         max_participants: ConferenceConfig::DEFAULT_MAX_PARTICIPANTS,
//!         max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
//!         inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
//!         confirm_timeout: ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
//!         call_records: None,
//!         accounts: None,
//!     },
//!     SimDelays::default(),
//! )?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8082").await?;
//! axum::serve(listener, router(service)).await?;
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod admin;
pub mod billing;
pub mod callbacks;
pub mod http;
mod record;
pub mod recovery;
pub mod service;
pub mod state;

#[cfg(test)]
mod testing;

pub use billing::{CallRecorder, StoreRecorder};
pub use callbacks::{CallbackDispatcher, Reporter, RetryPolicy};
pub use http::{router, WSDL};
pub use service::{ConferenceConfig, ConferenceService, CrashError, StartError, TERMINATED_RETENTION};
