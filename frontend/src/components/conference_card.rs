//! One conference: its id and state, its participants, and an End button
//! while it is not over.

use leptos::prelude::*;
use rollcall_shared::soap::conference::{EndConference, Request};

use super::participant_row::ParticipantRow;
use crate::client::Client;
use crate::roster::ConferenceView;

#[component]
pub fn ConferenceCard(client: Client, conference: ConferenceView) -> impl IntoView {
    let id = conference.id.clone();
    let end = move |_| {
        client.send(Request::EndConference(EndConference {
            request_id: crate::client::new_request_id(),
            conference_id: id.clone(),
        }))
    };
    let state_class = format!("state state-{}", conference.state);
    view! {
        <article class="card conference" data-testid="conference">
            <header>
                <span class="conference-id" data-testid="conference-id">{conference.id.clone()}</span>
                <span class=state_class data-testid="conference-state">{conference.state_text()}</span>
                {(!conference.is_over()).then(|| view! {
                    <button class="link danger" data-testid="end-conference" on:click=end>"End"</button>
                })}
            </header>
            <table class="participants">
                <thead>
                    <tr><th>"Name"</th><th>"Phone"</th><th>"Location"</th><th>"State"</th></tr>
                </thead>
                <tbody>
                    {conference.participants.into_iter().map(|p| view! { <ParticipantRow participant=p /> }).collect_view()}
                </tbody>
            </table>
        </article>
    }
}
