//! What one user may ask of Rollcall (issue: "bounded work per request"):
//! a request rate per user at the gateway, and a number of live
//! conferences per user at the conference service — both answered with
//! Fault `c:RateLimited` (docs/protocol.md §6), which changes nothing.

mod common;

use common::flow::{active_conference, party, read_until, signed_in, Seen};
use common::TestServer;
use rollcall::gateway::GatewayLimits;
use rollcall_shared::soap::conference::{CreateConference, EndConference, ListConferences, Reply, Request};
use rollcall_shared::soap::{ConferenceState, FaultKind};

#[tokio::test]
async fn requests_over_the_users_rate_get_rate_limited_with_a_retry_time() {
    let server =
        TestServer::start_with(|o| o.gateway_limits = GatewayLimits { requests_per_second: 0.2, request_burst: 3.0 }).await;
    let mut alice = signed_in(&server, "alice").await;
    for n in 0..3 {
        alice.send_request(&Request::ListConferences(ListConferences { request_id: format!("l{n}") })).await;
        assert!(matches!(alice.next_reply().await, Reply::Conferences { .. }), "within the burst");
    }
    alice.send_request(&Request::ListConferences(ListConferences { request_id: "over".into() })).await;
    let Reply::Fault(fault) = alice.next_reply().await else { panic!("a Fault") };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::RateLimited, Some("over")));
    assert!(fault.retry_after.is_some_and(|s| (1..=5).contains(&s)), "{:?}", fault.retry_after);
    // Another user is not affected.
    let mut bob = signed_in(&server, "bob").await;
    bob.send_request(&Request::ListConferences(ListConferences { request_id: "b".into() })).await;
    assert!(matches!(bob.next_reply().await, Reply::Conferences { .. }));
}

#[tokio::test]
async fn live_conferences_per_user_are_capped() {
    let server = TestServer::start_with(|o| o.max_live_per_owner = 2).await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (first, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let mut seen2 = Seen::default();
    active_conference(&mut alice, &mut seen2, "+14255550102").await;
    let third = Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: "third".into(),
        account: String::new(),
        initiator: party("Alice", "+14255550103"),
        participants: Vec::new(),
    });
    alice.send_request(&third).await;
    let fault = read_until(&mut alice, &mut Seen::default(), |r| matches!(r, Reply::Fault(_))).await;
    let Reply::Fault(fault) = fault else { unreachable!() };
    assert_eq!((fault.kind, fault.request_id.as_deref()), (FaultKind::RateLimited, Some("third")));
    // Ending one makes room.
    alice.send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id: first.clone() })).await;
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ConferenceStatus(s) if s.conference_id == first && s.state == ConferenceState::Terminated),
    )
    .await;
    alice.send_request(&third).await;
    let created =
        read_until(&mut alice, &mut Seen::default(), |r| matches!(r, Reply::CreateConferenceResponse { .. } | Reply::Fault(_)))
            .await;
    assert!(matches!(created, Reply::CreateConferenceResponse { .. }), "{created:?}");
}
