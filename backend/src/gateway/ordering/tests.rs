use super::*;

#[tokio::test(start_paused = true)]
async fn callbacks_wait_for_the_announcement_and_for_requests_in_flight() {
    let gate = Arc::new(ConferenceGate::default());
    let limit = Duration::from_secs(2);
    assert!(gate.is_open("c0", "ada"), "unknown, and nothing being created: passes");
    let creating = gate.creating("ada");
    assert!(!gate.is_open("c1", "ada"), "unknown while ada creates one: held");
    assert!(gate.is_open("c9", "bob"), "another owner's: passes");
    gate.announce("c1");
    drop(creating);
    assert!(gate.is_open("c1", "ada"));
    let first = gate.hold("c1");
    let second = gate.hold("c1");
    assert!(!gate.is_open("c1", "ada"), "a request in flight holds the callbacks");
    drop(first);
    assert!(!gate.is_open("c1", "ada"), "until the last one is answered");
    let waiter = {
        let gate = Arc::clone(&gate);
        tokio::spawn(async move { gate.wait_open("c1", "ada", limit).await })
    };
    drop(second);
    waiter.await.expect("opens");
    assert!(gate.is_open("c1", "ada"));
    // The limit ends a wait that nothing ends.
    let _creating = gate.creating("ada");
    let start = tokio::time::Instant::now();
    gate.wait_open("never", "ada", limit).await;
    assert_eq!(start.elapsed(), limit);
}
