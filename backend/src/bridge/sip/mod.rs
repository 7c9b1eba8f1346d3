//! The SIP interface (10) and the conference bridge behind it (16A) of the
//! seed's Figure 1: legs dialled as SIP calls through a trunk, their audio
//! mixed here.
//!
//! | part | here |
//! |---|---|
//! | the offer/answer of each leg | [`sdp`] |
//! | the audio: codecs, RTP and RTCP, jitter buffer, the mix | [`media`] |

pub mod media;
pub mod sdp;
