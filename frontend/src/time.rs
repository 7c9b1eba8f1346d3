//! Waiting in the browser (a `setTimeout`); on the host, where the
//! components only compile, it returns at once.

/// Waits `ms` milliseconds.
pub async fn pause(ms: u32) {
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}
