//! The live roster: one card per conference, newest first. Cards are keyed
//! by conference id, so a card (and what is typed in its Add form) stays
//! put while events change the roster.

use leptos::prelude::*;

use super::conference_card::ConferenceCard;
use super::shown;
use crate::stores::Conferences;

#[component]
pub fn ConferenceList() -> impl IntoView {
    let roster = Conferences::provided().roster;
    let ids = Memo::new(move |_| roster.with(|r| r.conferences().iter().map(|c| c.id.clone()).collect::<Vec<_>>()));
    view! {
        <section class="conferences" data-testid="conference-list">
            {shown(move || ids.with(|ids| ids.is_empty()), || view! { <p class="empty">"No conference yet."</p> })}
            <For
                each=move || ids.get()
                key=|id| id.clone()
                children=move |id| view! { <ConferenceCard id /> }
            />
        </section>
    }
}
