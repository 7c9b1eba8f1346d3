use std::time::{Duration, Instant};

use super::wire::*;
use super::{Limits, State};

#[test]
fn announcements_read_back_as_written() {
    let bind = Announcement::Bind {
        node: "n1".into(),
        connection: 7,
        aor: "sip:bob@rollcall.local".into(),
        contact: "<sip:bob@x.invalid;transport=ws>".into(),
        expires_ms: 300_000,
        reached: Reached {
            peer: "127.0.0.1:5000".into(),
            transport: "WS".into(),
            sent_by: "rollcall.local".into(),
            user: Some("bob".into()),
        },
    };
    let text = serde_json::to_string(&bind).expect("written");
    assert!(text.contains(r#""kind":"bind""#), "{text}");
    assert_eq!(serde_json::from_str::<Announcement>(&text).expect("read"), bind);
    assert_eq!(bind.node(), "n1");
    assert!(serde_json::from_str::<Announcement>(r#"{"kind":"takeover","node":"x"}"#).is_err(), "an unknown kind is refused");
}

#[test]
fn a_carried_message_keeps_its_text_whole() {
    let carried =
        Carried { node: "n-2".into(), connection: 42, text: "MESSAGE sip:bob@d SIP/2.0\r\nVia: x\r\n\r\nhi\nthere".into() };
    assert_eq!(Carried::decode(&carried.encode()), Some(carried));
    for bad in [&b"no newline"[..], b"n1 notanumber\nX", b"n1\nX", b"\xff\xfe 1\nX"] {
        assert_eq!(Carried::decode(bad), None, "{bad:?}");
    }
}

#[test]
fn node_names_are_subject_tokens() {
    assert!(valid_node_name("im-1") && valid_node_name("a_b") && valid_node_name(&"x".repeat(32)));
    for bad in ["", "a.b", "a b", "a*", ">", &"x".repeat(33)] {
        assert!(!valid_node_name(bad), "{bad}");
    }
}

#[test]
fn subjects_keep_clusters_and_nodes_apart() {
    let s = Subjects::new("acme");
    assert_eq!(s.announcements(), "acme.announce");
    assert_eq!(s.announcements_to("n1"), "acme.node.n1.announce");
    assert_eq!(s.deliveries_to("n1"), "acme.node.n1.deliver");
    assert_eq!(s.responses_to("n1"), "acme.node.n1.response");
}

fn small() -> State {
    State { limits: Limits { nodes: 2, stand_ins: 3, dialogs: 2 }, ..State::default() }
}

#[test]
fn other_nodes_are_kept_up_to_the_limit() {
    let mut state = small();
    assert!(state.heard("a") && state.heard("b"), "new nodes");
    assert!(!state.heard("a"), "known already");
    assert!(!state.heard("c"), "a third is not kept");
    assert_eq!(state.nodes.len(), 2);
    assert_eq!(state.room_for_stand_in("a"), Ok(()));
    assert!(state.room_for_stand_in("c").is_err(), "no stand-ins of a node past the limit");
    state.stand_ins = 3;
    assert!(state.room_for_stand_in("a").is_err(), "no stand-ins past the limit");
}

#[test]
fn other_nodes_dialogs_are_kept_up_to_the_limit_expired_ones_first_out() {
    let mut state = small();
    let key = |n: &str| (format!("call-{n}"), "s".to_string(), "n".to_string());
    let later = Instant::now() + Duration::from_secs(60);
    assert!(state.keep_dialog("a".into(), key("1"), Instant::now()), "kept (it expires at once)");
    assert!(state.keep_dialog("a".into(), key("2"), later));
    assert!(state.keep_dialog("b".into(), key("3"), later), "the expired one made room");
    assert!(!state.keep_dialog("b".into(), key("4"), later), "full of live dialogs");
    assert!(state.keep_dialog("b".into(), key("3"), later), "a known one is renewed");
    assert_eq!(state.dialogs.len(), 2);
}
