//! The bridge's audio, one leg at a time and one room at a time: G.711
//! frames ([`codec`]), the RTP stream each way ([`rtp`]) and its reports
//! ([`rtcp`]), the jitter buffer each incoming stream is played out of
//! ([`jitter`]), the mix every listener hears ([`mixer`]), and the keys
//! a phone presses ([`dtmf`], RFC 4733). All of it
//! is plain computation on 20 ms frames at 8 kHz; the sockets and the
//! clock are the room's.

pub mod codec;
pub mod dtmf;
pub mod jitter;
pub mod mixer;
pub mod rtcp;
pub mod rtp;
