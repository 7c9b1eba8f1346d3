use super::*;

fn register(transport: Transport) -> ClientTransaction {
    ClientTransaction::new(Purpose::Register { expires: 300 }, 0, transport)
}

#[test]
fn a_second_fresh_challenge_means_refused() {
    let mut tx = register(Transport::Ws);
    assert_eq!(tx.challenged(false, 10), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(false, 20), ChallengeVerdict::Refused);
}

#[test]
fn stale_nonces_are_answered_again_but_not_forever() {
    let mut tx = register(Transport::Ws);
    assert_eq!(tx.challenged(false, 0), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(true, 0), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(true, 0), ChallengeVerdict::Retry);
    assert_eq!(tx.challenged(true, 0), ChallengeVerdict::Refused);
}

#[test]
fn timer_f_restarts_with_each_retry() {
    let mut tx = register(Transport::Ws);
    assert!(!tx.timed_out(TIMER_F_MS - 1));
    tx.challenged(false, 1_000);
    assert!(!tx.timed_out(TIMER_F_MS));
    assert!(tx.timed_out(TIMER_F_MS + 1_000));
}

#[test]
fn timer_e_doubles_up_to_t2_on_udp_only() {
    let mut tx = register(Transport::Udp);
    tx.sent("REGISTER …".into());
    assert_eq!(tx.retransmission_due(499), None);
    let fired: Vec<u64> = (0..TIMER_F_MS).filter(|&now| tx.retransmission_due(now).is_some()).collect();
    // T1 = 500, then 1 s, 2 s, 4 s, and every 4 s (T2) after that.
    assert_eq!(&fired[..6], &[500, 1_500, 3_500, 7_500, 11_500, 15_500]);
    let mut reliable = register(Transport::Tcp);
    reliable.sent("REGISTER …".into());
    assert!((0..TIMER_F_MS).all(|now| reliable.retransmission_due(now).is_none()), "TCP retransmits by itself");
}

#[test]
fn after_a_provisional_response_timer_e_is_t2() {
    let mut tx = register(Transport::Udp);
    tx.sent("REGISTER …".into());
    tx.provisional(100);
    assert_eq!(tx.retransmission_due(4_099), None);
    assert!(tx.retransmission_due(4_100).is_some());
    assert!(tx.retransmission_due(8_100).is_some());
}
