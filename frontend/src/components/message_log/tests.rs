use super::*;

#[test]
fn directions_and_times_read_from_the_persons_side() {
    assert_eq!(direction("in"), "→ sent");
    assert_eq!(direction("out"), "← received");
    assert_eq!(short_time("2026-11-26T22:50:22.123Z"), "22:50:22.123");
}
