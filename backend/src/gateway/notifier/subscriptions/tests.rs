use std::time::{Duration, Instant};

use rollcall_shared::conference_info::mapping::Conference;

use super::*;

fn subscription(owner: &str, conference_id: &str, expires_at: Instant) -> Subscription {
    Subscription {
        conference_id: conference_id.into(),
        owner: owner.into(),
        subscriber_uri: owner.into(),
        target: owner.into(),
        conference: Conference { entity: "sip:c@d".into(), subject: None, active: true, locked: false, legs: Vec::new() },
        sequence: 0,
        version: 1,
        cseq: 1,
        expires_at,
    }
}

fn key(n: usize) -> Key {
    (format!("call-{n}"), "them".into(), "us".into())
}

#[test]
fn an_owner_may_hold_at_most_max_per_owner() {
    let later = Instant::now() + Duration::from_secs(60);
    let mut table = Subscriptions::default();
    for n in 0..MAX_PER_OWNER {
        table.insert(key(n), subscription("sip:alice@d", "conf-1", later)).expect("room");
    }
    assert_eq!(table.insert(key(999), subscription("sip:alice@d", "conf-1", later)), Err(Full::Owner));
    assert_eq!(table.room_for("sip:bob@d"), Ok(()));
    assert_eq!(table.of_conference("conf-1").len(), MAX_PER_OWNER);
    assert!(table.watches("conf-1"));
    assert!(!table.watches("conf-2"));
}

#[test]
fn at_most_max_subscriptions_in_all() {
    let later = Instant::now() + Duration::from_secs(60);
    let mut table = Subscriptions::default();
    for n in 0..MAX_SUBSCRIPTIONS {
        table.insert(key(n), subscription(&format!("sip:u{}@d", n / MAX_PER_OWNER), "conf-1", later)).expect("room");
    }
    assert_eq!(table.len(), MAX_SUBSCRIPTIONS);
    assert_eq!(table.room_for("sip:newcomer@d"), Err(Full::All));
}

#[test]
fn expired_ones_are_taken_out() {
    let now = Instant::now();
    let mut table = Subscriptions::default();
    table.insert(key(1), subscription("sip:alice@d", "conf-1", now)).expect("room");
    table.insert(key(2), subscription("sip:alice@d", "conf-1", now + Duration::from_secs(60))).expect("room");
    let expired = table.take_expired(now);
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].0, key(1));
    assert_eq!(table.len(), 1);
}

#[test]
fn the_oldest_of_an_owners_subscriptions_is_the_one_expiring_first() {
    let now = Instant::now();
    let mut table = Subscriptions::default();
    table.insert(key(1), subscription("sip:alice@d", "conf-1", now + Duration::from_secs(300))).expect("room");
    table.insert(key(2), subscription("sip:alice@d", "conf-2", now + Duration::from_secs(60))).expect("room");
    table.insert(key(3), subscription("sip:bob@d", "conf-3", now + Duration::from_secs(1))).expect("room");
    assert_eq!(table.oldest_of("sip:alice@d"), Some(key(2)));
    assert_eq!(table.oldest_of("sip:carol@d"), None);
}
