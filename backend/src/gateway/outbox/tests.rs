use super::*;

fn to(who: &str, body: &str) -> Outgoing {
    Outgoing { to: who.to_string(), body: body.to_string() }
}

#[test]
fn bounded_per_recipient_and_in_all() {
    let mut outbox = Outbox::default();
    for _ in 0..MAX_QUEUED_PER_RECIPIENT {
        assert!(outbox.push_back(to("sip:frozen@x", "")));
    }
    assert!(!outbox.push_back(to("sip:frozen@x", "")), "that recipient is full");
    assert!(outbox.push_back(to("sip:alice@x", "")), "others are not held up");
    let mut n = 0;
    while outbox.len() < MAX_QUEUED {
        assert!(outbox.push_back(to(&format!("sip:u{n}@x"), "")));
        n += 1;
    }
    assert!(!outbox.push_back(to("sip:bob@x", "")), "the outbox is full");
    assert_eq!(outbox.remove_recipient("sip:frozen@x"), MAX_QUEUED_PER_RECIPIENT);
    assert!(outbox.push_back(to("sip:bob@x", "")), "room again");
}

#[test]
fn each_recipient_in_order_busy_ones_set_aside_until_woken() {
    let mut outbox = Outbox::default();
    for body in ["1", "2", "3"] {
        outbox.push_back(to("sip:a@x", body));
    }
    outbox.push_back(to("sip:b@x", "1"));
    let next = |o: &mut Outbox, busy: &str| o.next(|t| t == busy).map(|m| format!("{}{}", &m.to[4..5], m.body));
    assert_eq!(next(&mut outbox, ""), Some("a1".into()));
    assert_eq!(next(&mut outbox, ""), Some("b1".into()), "recipients take turns");
    assert_eq!(next(&mut outbox, "sip:a@x"), None, "a is busy and set aside");
    assert_eq!(next(&mut outbox, ""), None, "…until woken");
    outbox.push_front(to("sip:a@x", "0"));
    assert_eq!(next(&mut outbox, ""), Some("a0".into()), "what comes back goes first");
    outbox.wake("sip:a@x");
    assert_eq!(next(&mut outbox, ""), Some("a2".into()));
    assert_eq!(next(&mut outbox, ""), Some("a3".into()));
    assert_eq!(next(&mut outbox, ""), None);
    assert!(outbox.is_empty());
}
