use super::*;

#[test]
fn times_and_outcomes_read_plainly() {
    assert_eq!(short_time("2026-11-26T22:50:22.123Z"), "2026-11-26 22:50:22");
    assert_eq!(short_time("2026-11-26T22:50:22Z"), "2026-11-26 22:50:22");
    let leg = CallLeg {
        conference_id: "conf-1".into(),
        participant_id: "p2".into(),
        number: "+15005550002".into(),
        started_at: String::new(),
        answered_at: None,
        ended_at: None,
        final_state: "busy".into(),
        cause: Some(17),
    };
    assert_eq!(outcome(&leg), "busy");
    let hung_up = CallLeg { final_state: "disconnected".into(), cause: Some(16), ..leg };
    assert_eq!(outcome(&hung_up), "disconnected · normal clearing");
}
