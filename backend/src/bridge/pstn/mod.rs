//! The public switched telephone network of the seed's Figure 1 (box 18)
//! and the telephones on it (box 20), simulated, so that the whole system
//! runs and is tested on one machine (docs/protocol.md §5):
//!
//! - [`simulator`]: the network — a [`BridgeDriver`](crate::bridge::BridgeDriver)
//!   that owns every live leg and held phone under one lock.
//! - [`scripts`]: what it does by itself: test numbers, delays, each leg's
//!   script.
//! - [`phones`]: phones a person holds, and what the panel shows of them.
//! - [`panel`]: the phone panel, `/pstn/` over HTTP digest, where people
//!   answer them; [`crash_client`]: its one way to the conference service
//!   (over HTTP).

pub mod crash_client;
pub mod panel;
pub mod phones;
pub mod scripts;
pub mod simulator;

pub use scripts::SimDelays;
pub use simulator::Simulator;
