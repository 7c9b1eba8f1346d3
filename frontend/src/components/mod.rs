//! The page, one component per file. State lives in signals next to the
//! component that uses it; what several share (connection, roster, notices)
//! lives in the stores of [`crate::stores`], provided as Leptos context by
//! the workspace.

mod add_participant;
mod app;
mod call_history;
mod conference_card;
mod conference_list;
mod connection_badge;
mod draft_rows;
mod file_upload;
mod inbox;
mod location_select;
mod message_log;
mod notices;
mod participant_row;
mod person_adder;
mod phone_panel;
mod presence_badge;
mod sign_in;
mod start_form;
mod workspace;

pub use app::App;

use leptos::prelude::*;

/// `view()` while `when()` holds, nothing otherwise: what `<Show>` does
/// without a fallback, in less code (no boxed children; every `<Show>` is
/// its own copy of that machinery in the .wasm, docs/frontend-size.md).
/// The condition is memoised: the view is built again only when it turns
/// true.
pub fn shown<V: IntoView + 'static>(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> V + Send + Sync + 'static,
) -> impl IntoView {
    let on = Memo::new(move |_| when());
    move || on.get().then(&view)
}
