use super::*;

fn register() -> ClientTransaction {
    ClientTransaction::new(Purpose::Register { expires: 300 }, 0)
}

#[test]
fn a_second_fresh_challenge_means_refused() {
    let mut tx = register();
    assert_eq!(tx.challenged(false, 10), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(false, 20), ChallengeVerdict::Refused);
}

#[test]
fn stale_nonces_are_answered_again_but_not_forever() {
    let mut tx = register();
    assert_eq!(tx.challenged(false, 0), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(true, 0), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(true, 0), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(true, 0), ChallengeVerdict::Refused);
}

#[test]
fn timer_f_restarts_with_each_retry() {
    let mut tx = register();
    assert!(!tx.timed_out(TIMER_F_MS - 1));
    tx.challenged(false, 1_000);
    assert!(!tx.timed_out(TIMER_F_MS));
    assert!(tx.timed_out(TIMER_F_MS + 1_000));
}
