//! Events are kept for a user who is briefly offline (issue "Nothing
//! lost", point 2): the gateway holds MESSAGEs refused with 480 (no
//! registration) or 408 (the tab went away) and tries again, so a tab that
//! comes back within a minute gets them, in order, without a resync.

mod common;

use common::flow::{active_conference, add, read_until, signed_in, Seen};
use common::TestServer;
use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::ParticipantState;

#[tokio::test]
async fn a_tab_that_comes_back_gets_the_events_it_missed() {
    // The no-answer number rings for 300 ms: long enough to leave, short
    // enough that its end happens while alice is away.
    let server = TestServer::start_with(|o| o.delays.no_answer_timeout = std::time::Duration::from_millis(300)).await;
    let mut alice = signed_in(&server, "alice").await;
    let mut seen = Seen::default();
    let (conference_id, _) = active_conference(&mut alice, &mut seen, "+14255550100").await;
    let nobody = add(&mut alice, &mut seen, &conference_id, "nobody", "+15005550003").await;
    drop(alice); // the tab closes: its binding goes with it

    // Back after the call to +15005550003 has ended.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let mut alice = signed_in(&server, "alice").await;
    // The events continue the sequence the first tab saw: `seen` checks it.
    read_until(
        &mut alice,
        &mut seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == nobody && s.state == ParticipantState::NoAnswer),
    )
    .await;
}
