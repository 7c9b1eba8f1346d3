//! Timing helpers the benches share.

use std::time::{Duration, Instant};

/// Mean time of `f` over enough iterations to fill about 300 ms (after
/// 50 ms of warming up); and how many iterations that was.
pub fn per_op(mut f: impl FnMut()) -> (Duration, u32) {
    let warm = Instant::now();
    let mut n = 0u32;
    while warm.elapsed() < Duration::from_millis(50) {
        f();
        n += 1;
    }
    let iterations = (n * 6).max(10);
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    (start.elapsed() / iterations, iterations)
}
