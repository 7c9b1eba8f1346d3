//! The simulated network's legs and scripts.

use super::*;
use crate::bridge::pstn::scripts::{BUSY, HANGS_UP, NO_ANSWER, UNALLOCATED};
use tokio::time::Instant;
use BridgeEventKind::*;

const D: SimDelays = SimDelays::HUMAN;

/// Dials `number` on leg 1 and collects `(kind, virtual time since dial)`
/// until the leg's final event or until `stop_after` non-final events.
async fn run(number: &str, stop_after: usize) -> Vec<(BridgeEventKind, Duration)> {
    let (sim, mut rx) = Simulator::channel(D);
    let start = Instant::now();
    sim.dial(LegId(1), number).expect("dial");
    let mut seen = Vec::new();
    while let Some(event) = rx.recv().await {
        assert_eq!(event.leg, LegId(1));
        seen.push((event.kind, start.elapsed()));
        if event.kind.is_final() || seen.len() == stop_after {
            break;
        }
    }
    seen
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn default_delays_are_human() {
    assert_eq!(SimDelays::default(), D);
    assert!(SimDelays::fast().auto_hangup > SimDelays::fast().answer);
}

#[tokio::test(start_paused = true)]
async fn unallocated_fails_with_cause_1_without_ringing() {
    assert_eq!(run(UNALLOCATED, 9).await, vec![(Failed(Cause(1)), ms(300))]);
}

#[tokio::test(start_paused = true)]
async fn busy_rings_then_busy() {
    assert_eq!(run(BUSY, 9).await, vec![(Ringing, ms(300)), (Busy, ms(1300))]);
    assert_eq!(Busy.cause(), Some(Cause(17)));
}

#[tokio::test(start_paused = true)]
async fn no_answer_rings_until_the_timeout() {
    assert_eq!(run(NO_ANSWER, 9).await, vec![(Ringing, ms(300)), (NoAnswer, ms(30_300))]);
}

#[tokio::test(start_paused = true)]
async fn hangs_up_by_itself_after_answering() {
    assert_eq!(run(HANGS_UP, 9).await, vec![(Ringing, ms(300)), (Answered, ms(1300)), (HungUp(Cause(16)), ms(3300))]);
}

#[tokio::test(start_paused = true)]
async fn any_other_number_rings_then_answers_and_stays() {
    let (sim, mut rx) = Simulator::channel(D);
    sim.dial(LegId(1), "+14255550100").expect("dial");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Answered));
    // Connected calls last until someone hangs up: an hour later, nothing.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(rx.try_recv().is_err());
    assert_eq!(sim.live_legs(), 1);
    sim.hang_up(LegId(1));
    assert_eq!(rx.recv().await, Some(BridgeEvent { leg: LegId(1), kind: HungUp(Cause(16)) }));
    assert_eq!(sim.live_legs(), 0);
}

#[tokio::test(start_paused = true)]
async fn hang_up_while_ringing_confirms_and_silences_the_script() {
    let (sim, mut rx) = Simulator::channel(D);
    sim.dial(LegId(1), BUSY).expect("dial");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
    sim.hang_up(LegId(1));
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(rx.try_recv().is_err(), "no busy after the hang-up");
}

#[tokio::test(start_paused = true)]
async fn hang_up_of_an_ended_or_unknown_leg_does_nothing() {
    let (sim, mut rx) = Simulator::channel(D);
    sim.dial(LegId(1), UNALLOCATED).expect("dial");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Failed(Cause(1))));
    sim.hang_up(LegId(1));
    sim.hang_up(LegId(2));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(rx.try_recv().is_err());
}

#[tokio::test(start_paused = true)]
async fn legs_are_independent_and_run_in_parallel() {
    let (sim, mut rx) = Simulator::channel(D);
    sim.dial(LegId(1), "+14255550100").expect("dial");
    sim.dial(LegId(2), BUSY).expect("dial");
    let mut events = Vec::new();
    for _ in 0..4 {
        events.push(rx.recv().await.expect("event"));
    }
    let of = |leg| events.iter().filter(|e| e.leg == LegId(leg)).map(|e| e.kind).collect::<Vec<_>>();
    assert_eq!(of(1), vec![Ringing, Answered]);
    assert_eq!(of(2), vec![Ringing, Busy]);
}

#[tokio::test(start_paused = true)]
async fn dial_refuses_bad_numbers_and_reused_legs() {
    let (sim, _rx) = Simulator::channel(D);
    assert_eq!(sim.dial(LegId(1), "4255550100"), Err(BridgeError::InvalidNumber("4255550100".into())));
    sim.dial(LegId(1), "+14255550100").expect("dial");
    assert_eq!(sim.dial(LegId(1), "+14255550101"), Err(BridgeError::LegInUse(LegId(1))));
}

#[tokio::test(start_paused = true)]
async fn crash_loses_live_legs_and_ignores_the_rest() {
    let (sim, mut rx) = Simulator::channel(D);
    sim.dial(LegId(1), "+14255550100").expect("dial");
    sim.dial(LegId(2), UNALLOCATED).expect("dial");
    sim.dial(LegId(3), BUSY).expect("dial");
    for _ in 0..3 {
        rx.recv().await.expect("ringing / failed");
    }
    sim.crash(&[LegId(1), LegId(2), LegId(3), LegId(9)]).expect("the simulator can crash");
    assert_eq!(rx.recv().await, Some(BridgeEvent { leg: LegId(1), kind: Lost(Cause(41)) }));
    assert_eq!(rx.recv().await, Some(BridgeEvent { leg: LegId(3), kind: Lost(Cause(41)) }));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(rx.try_recv().is_err(), "no busy, nothing for the ended or unknown legs");
    assert_eq!(sim.live_legs(), 0);
}

#[test]
fn dial_outside_a_runtime_is_unavailable_not_a_panic() {
    let (sim, _rx) = Simulator::channel(D);
    assert!(matches!(sim.dial(LegId(1), "+14255550100"), Err(BridgeError::Unavailable(_))));
}
