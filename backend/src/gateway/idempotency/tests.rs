use super::*;
use rollcall_shared::soap::{ConferenceState, Fault};

fn created(id: &str) -> Reply {
    Reply::CreateConferenceResponse {
        conference_uri: None,
        request_id: "r1".into(),
        conference_id: id.into(),
        state: ConferenceState::Creating,
    }
}

#[tokio::test]
async fn a_repeat_gets_the_first_answer_whether_it_comes_during_or_after() {
    let replies = Replies::default();
    let Begin::First(ticket) = replies.begin("alice", "r1", 1) else { panic!("first") };
    let Begin::Running(mut waiting) = replies.begin("alice", "r1", 1) else { panic!("running") };
    assert!(matches!(replies.begin("bob", "r1", 1), Begin::First(_)), "per user");
    replies.finish(ticket, &created("conf-1"));
    waiting.changed().await.expect("answered");
    assert_eq!(waiting.borrow().clone(), Some(created("conf-1")));
    assert!(matches!(replies.begin("alice", "r1", 1), Begin::Repeat(r) if r == created("conf-1")));
    assert!(matches!(replies.begin("alice", "", 1), Begin::First(_)), "no id, no matching");
    assert!(matches!(replies.begin("alice", "r1", 2), Begin::Reused), "another request, the same id");
}

#[test]
fn a_first_request_that_never_finishes_does_not_hold_its_repeats() {
    let replies = Replies::default();
    let Begin::First(ticket) = replies.begin("alice", "r3", 1) else { panic!("first") };
    drop(ticket);
    assert!(matches!(replies.begin("alice", "r3", 1), Begin::First(_)), "runs anew");
}

#[test]
fn answers_that_invite_a_retry_are_not_remembered() {
    let replies = Replies::default();
    let Begin::First(ticket) = replies.begin("alice", "r2", 1) else { panic!("first") };
    replies.finish(ticket, &Reply::Fault(Fault::new(FaultKind::BridgeUnavailable, "down")));
    assert!(matches!(replies.begin("alice", "r2", 1), Begin::First(_)), "tried again");
}
