use leptos::prelude::*;
use rollcall_shared::soap::conference::Reply;
use rollcall_shared::soap::ConferenceState;

use super::{Connection, Stores};
use crate::roster::draft::person_at;
use crate::sip::ua::Event;

/// On the host no driver runs: the stores alone, fed events by hand.
fn stores() -> Stores {
    Stores::start("alice".into(), "alice-pw".into())
}

#[test]
fn registering_signs_in_and_asks_for_the_users_conferences() {
    let stores = stores();
    stores.handle(Event::Registered { again: false });
    assert_eq!(stores.session.connection.get_untracked(), Connection::Registered);
    assert!(stores.session.signed_in.get_untracked());
    // The ListConferences could not go out (no driver here): said so in the banner.
    let notices = stores.notices.list.get_untracked();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].text.starts_with("Not connected"), "{notices:?}");
}

#[test]
fn the_answer_to_start_clears_the_draft_and_an_undelivered_start_keeps_it() {
    let stores = stores();
    stores.draft.members.update(|d| {
        d.add(person_at("+14255550101"));
    });
    stores.draft.starting.set(Some("start-1".into()));
    stores.handle(Event::Undeliverable("no route".into()));
    assert_eq!(stores.draft.starting.get_untracked(), None, "Start may be pressed again");
    assert_eq!(stores.draft.members.with_untracked(|d| d.members.len()), 1, "the draft is kept");

    stores.draft.starting.set(Some("start-2".into()));
    // An answer to something else leaves the Start waiting.
    let other = Reply::CreateConferenceResponse {
        conference_uri: None,
        request_id: "other".into(),
        conference_id: "c0".into(),
        state: ConferenceState::Active,
    };
    stores.handle(Event::Reply(Box::new(other)));
    assert_eq!(stores.draft.starting.get_untracked().as_deref(), Some("start-2"));
    assert_eq!(stores.draft.members.with_untracked(|d| d.members.len()), 1);

    let answer = Reply::CreateConferenceResponse {
        conference_uri: None,
        request_id: "start-2".into(),
        conference_id: "c1".into(),
        state: ConferenceState::Active,
    };
    stores.handle(Event::Reply(Box::new(answer)));
    assert_eq!(stores.draft.starting.get_untracked(), None);
    assert!(stores.draft.members.with_untracked(|d| d.members.is_empty()), "the draft became the conference");
}

#[test]
fn presence_and_sign_out() {
    let stores = stores();
    stores.session.domain.set_value(Some("rollcall.local".into()));
    stores.handle(Event::Presence { aor: "sip:bob@rollcall.local".into(), online: true });
    assert_eq!(stores.people.online("bob"), Some(true));
    assert_eq!(stores.people.online("carol"), None);
    stores.stop();
    assert_eq!(stores.http.credentials("GET", "/api/calls", "c"), None, "nothing of the password is left");
}
