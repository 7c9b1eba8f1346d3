//! The live roster: one card per conference, newest first.

use leptos::prelude::*;

use super::conference_card::ConferenceCard;
use crate::client::Client;

#[component]
pub fn ConferenceList(client: Client) -> impl IntoView {
    let roster = client.roster;
    view! {
        <section class="conferences" data-testid="conference-list">
            {move || roster.with(|r| {
                if r.conferences().is_empty() {
                    view! { <p class="empty">"No conference yet."</p> }.into_any()
                } else {
                    r.conferences()
                        .iter()
                        .map(|c| view! { <ConferenceCard client conference=c.clone() /> })
                        .collect_view()
                        .into_any()
                }
            })}
        </section>
    }
}
