//! What a signed-in person sees: where to be called, the Start button, the
//! notices and the live roster.

use leptos::prelude::*;

use super::conference_list::ConferenceList;
use super::notices::Notices;
use super::start_form::StartForm;
use crate::client::Client;

#[component]
pub fn Workspace(client: Client) -> impl IntoView {
    view! {
        <Notices client />
        <StartForm client />
        <ConferenceList client />
    }
}
