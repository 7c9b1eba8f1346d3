//! "Call me at": the initiator's phone number and location, and the Start
//! button that sends CreateConference (PROTOCOL.md §2).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use rollcall_shared::soap::conference::{CreateConference, Request};
use rollcall_shared::soap::{is_e164, Location, Party};

use crate::client::Client;

use super::location_select::LocationSelect;

#[component]
pub fn StartForm(client: Client) -> impl IntoView {
    let phone = RwSignal::new(String::new());
    let location = RwSignal::new(Location::Work);
    let hint = RwSignal::new(None::<&'static str>);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let number = crate::client::clean_phone(&phone.get_untracked());
        if !is_e164(&number) {
            hint.set(Some(
                "Enter the number in international form, e.g. +14255550100.",
            ));
            return;
        }
        hint.set(None);
        let user = client.user.get_value();
        client.send(Request::CreateConference(CreateConference {
            request_id: crate::client::new_request_id(),
            account: user.clone(),
            initiator: Party {
                name: user,
                phone: number,
                location: location.get_untracked(),
                email: None,
            },
            participants: Vec::new(),
        }));
    };

    view! {
        <form class="card start" on:submit=submit>
            <label class="grow">
                "Call me at"
                <input type="tel" placeholder="+14255550100" autocomplete="tel" required
                    data-testid="phone" bind:value=phone />
            </label>
            <LocationSelect location testid="location" />
            <button type="submit" data-testid="start-conference">"Start conference"</button>
            {move || hint.get().map(|h| view! { <p class="hint" data-testid="phone-hint">{h}</p> })}
        </form>
    }
}
