//! The conference bridge and the telephone network behind it, as the
//! seed's Figure 1 draws them:
//!
//! | Figure 1 | here |
//! |---|---|
//! | conference bridge 16, reached over interfaces 10 (SIP), 12 (Parlay), 14 (proprietary) | [`driver`]: the [`BridgeDriver`] trait, its contract and its events — one implementation per interface |
//! | PSTN 18 and its telephones 20 | [`pstn`]: the simulated network (the default driver), held phones and the phone panel |
//! | SIP interface 10 and the bridge 16A behind it | [`sip`]: legs as SIP calls through a trunk, their audio mixed here |
//!
//! The conference web service (box 8) holds a `BridgeDriver` and nothing
//! else of this module.

pub mod driver;
pub mod pstn;
pub mod sip;

pub use driver::*;
pub use pstn::{SimDelays, Simulator};
