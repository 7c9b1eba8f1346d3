//! Rollcall in the browser: sign in, say where to be called, press Start,
//! and watch the call come up — a SIP user agent over WebSocket carrying
//! SOAP requests to the conference gateway (docs/protocol.md §1–§2), and a
//! Leptos page showing the live roster.
//!
//! Built for wasm32 by trunk (`make frontend`); on the host only the logic
//! compiles, for `cargo test`.

// On the host nothing mounts the page, so the UI code is unused there.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]

mod api;
mod components;
mod roster;
mod sip;
mod stores;
mod time;

fn main() {
    // No panic hook: the build makes a panic one trap instruction
    // (`-Cpanic=immediate-abort`, docs/frontend-size.md), so there is no
    // message to show; the console shows `RuntimeError: unreachable` and the
    // stack.
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(components::App);
}
