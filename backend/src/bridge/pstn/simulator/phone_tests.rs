//! Phones a person holds: ringing, answering, declining, releasing.

use super::*;
use crate::bridge::pstn::scripts::BUSY;
use tokio::time::Instant;
use BridgeEventKind::*;

const D: SimDelays = SimDelays::HUMAN;
const BOB: &str = "bob";
const PHONE: &str = "+14255550199";

/// A simulator where bob holds [`PHONE`], and leg 1 dialled to it by
/// "acct", already ringing.
async fn ringing() -> (Simulator, EventReceiver) {
    let (sim, mut rx) = Simulator::channel(D);
    sim.hold(BOB, PHONE).expect("hold");
    sim.dial_from(LegId(1), PHONE, "acct").expect("dial");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
    (sim, rx)
}

fn call_of(view: &PanelView) -> Option<(LegId, CallState, String)> {
    view.phones.iter().find_map(|p| p.call.as_ref()).map(|c| (c.id, c.state, c.caller.clone()))
}

#[tokio::test(start_paused = true)]
async fn a_held_phone_rings_until_answered_then_stays_connected() {
    let (sim, mut rx) = ringing().await;
    assert_eq!(call_of(&sim.panel(BOB)), Some((LegId(1), CallState::Ringing, "acct".into())));
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert!(rx.try_recv().is_err(), "no answer by itself");
    sim.answer(BOB, LegId(1)).expect("answer");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Answered));
    // The no-answer timeout no longer applies, nor anything else.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(rx.try_recv().is_err());
    assert_eq!(call_of(&sim.panel(BOB)).map(|c| c.1), Some(CallState::Connected));
    sim.hang_up_phone(BOB, LegId(1)).expect("hang up");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
    assert_eq!(call_of(&sim.panel(BOB)), None);
    assert_eq!(sim.live_legs(), 0);
}

#[tokio::test(start_paused = true)]
async fn decline_is_call_rejected() {
    let (sim, mut rx) = ringing().await;
    sim.decline(BOB, LegId(1)).expect("decline");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Failed(Cause(21))));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(rx.try_recv().is_err(), "no no-answer after the decline");
}

#[tokio::test(start_paused = true)]
async fn an_unattended_held_phone_times_out_with_no_answer() {
    let start = Instant::now();
    let (sim, mut rx) = ringing().await;
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(NoAnswer));
    assert_eq!(start.elapsed(), Duration::from_millis(30_300));
    assert_eq!(sim.answer(BOB, LegId(1)), Err(PhoneError::NoSuchCall("leg-1".into())));
}

#[tokio::test(start_paused = true)]
async fn only_the_holder_acts_and_only_in_the_right_state() {
    let (sim, _rx) = ringing().await;
    assert_eq!(sim.answer("carol", LegId(1)), Err(PhoneError::NoSuchCall("leg-1".into())));
    assert_eq!(sim.decline("carol", LegId(1)), Err(PhoneError::NoSuchCall("leg-1".into())));
    assert_eq!(sim.answer(BOB, LegId(9)), Err(PhoneError::NoSuchCall("leg-9".into())));
    assert!(matches!(sim.hang_up_phone(BOB, LegId(1)), Err(PhoneError::WrongState { state: "ringing", .. })));
    sim.answer(BOB, LegId(1)).expect("answer");
    assert!(matches!(sim.answer(BOB, LegId(1)), Err(PhoneError::WrongState { state: "connected", .. })));
    assert!(matches!(sim.decline(BOB, LegId(1)), Err(PhoneError::WrongState { .. })));
    assert!(call_of(&sim.panel("carol")).is_none(), "carol sees nothing of bob's");
}

#[tokio::test(start_paused = true)]
async fn a_busy_held_phone_gives_busy_to_a_second_call() {
    let (sim, mut rx) = ringing().await;
    sim.dial_from(LegId(2), PHONE, "other").expect("dial");
    let event = rx.recv().await.expect("event");
    assert_eq!((event.leg, event.kind), (LegId(2), Busy));
    assert_eq!(call_of(&sim.panel(BOB)).map(|c| c.0), Some(LegId(1)), "the first call still rings");
}

#[tokio::test(start_paused = true)]
async fn releasing_hangs_up_the_live_call_and_later_calls_answer_by_themselves() {
    let (sim, mut rx) = ringing().await;
    sim.release(BOB, PHONE).expect("release");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
    assert!(sim.panel(BOB).phones.is_empty());
    sim.dial(LegId(2), PHONE).expect("dial");
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Ringing));
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(Answered));
}

#[tokio::test(start_paused = true)]
async fn the_conference_hanging_up_clears_the_panel() {
    let (sim, mut rx) = ringing().await;
    sim.hang_up(LegId(1));
    assert_eq!(rx.recv().await.map(|e| e.kind), Some(HungUp(Cause(16))));
    assert_eq!(call_of(&sim.panel(BOB)), None);
}

#[tokio::test(start_paused = true)]
async fn holding_rules() {
    let (sim, _rx) = Simulator::channel(D);
    assert_eq!(sim.hold(BOB, "4255550199"), Err(PhoneError::InvalidNumber("4255550199".into())));
    assert_eq!(sim.hold(BOB, BUSY), Err(PhoneError::TestNumber(BUSY.into())));
    sim.hold(BOB, PHONE).expect("hold");
    sim.hold(BOB, PHONE).expect("holding again is fine");
    assert_eq!(sim.hold("carol", PHONE), Err(PhoneError::HeldByOther(PHONE.into())));
    assert_eq!(sim.release("carol", PHONE), Err(PhoneError::HeldByOther(PHONE.into())));
    assert_eq!(sim.release(BOB, "+14255550100"), Err(PhoneError::NotHeld("+14255550100".into())));
    assert_eq!(sim.panel(BOB).phones, vec![PhoneView { number: PHONE.into(), call: None }]);
    assert!(sim.panel("carol").phones.is_empty());
}

#[tokio::test(start_paused = true)]
async fn waiting_wakes_for_own_changes_only() {
    let (sim, _rx) = Simulator::channel(D);
    let before = sim.panel(BOB).version;
    // Nothing changes: the wait runs its full course.
    let start = Instant::now();
    assert_eq!(sim.wait_for_change(BOB, before, Duration::from_secs(25)).await.version, before);
    assert_eq!(start.elapsed(), Duration::from_secs(25));
    // Carol's change does not wake bob; bob's own does.
    let waiter = {
        let sim = sim.clone();
        tokio::spawn(async move { sim.wait_for_change(BOB, before, Duration::from_secs(25)).await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    sim.hold("carol", "+14255550111").expect("hold");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!waiter.is_finished());
    sim.hold(BOB, PHONE).expect("hold");
    let view = waiter.await.expect("waiter");
    assert_ne!(view.version, before);
    assert_eq!(view.phones.len(), 1);
    // A client with an unknown version gets the view at once.
    assert_eq!(sim.wait_for_change(BOB, 12345, Duration::from_secs(25)).await, view);
}
