//! Waiting in the browser (a `setTimeout`); on the host, where the
//! components only compile, it returns at once.

/// Milliseconds since the Unix epoch (0 on the host).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now();
    #[cfg(not(target_arch = "wasm32"))]
    0.0
}

/// An RFC 3339 time as milliseconds since the Unix epoch, when the browser
/// can read it (never on the host).
pub fn parse_ms(rfc3339: &str) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    return Some(js_sys::Date::parse(rfc3339)).filter(|ms| ms.is_finite());
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = rfc3339;
        None
    }
}

/// How long something has run, as a call timer shows it: `0:07`, `12:30`,
/// `1:02:03`.
pub fn clock_text(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Waits `ms` milliseconds.
pub async fn pause(ms: u32) {
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_text_reads_like_a_call_timer() {
        assert_eq!(super::clock_text(7), "0:07");
        assert_eq!(super::clock_text(750), "12:30");
        assert_eq!(super::clock_text(3723), "1:02:03");
    }
}
