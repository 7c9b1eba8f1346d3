//! "Add participant" on a conference card: a name, a number and where to
//! call, sent as AddParticipant (docs/protocol.md §2). The number is only
//! cleaned of spaces and dashes here: the gateway judges it, and a number
//! that is not E.164 comes back as an InvalidNumber Fault in the banner.
//! While the conference is locked the form is disabled and says why.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use rollcall_shared::soap::conference::{AddParticipant as AddRequest, Request};
use rollcall_shared::soap::{Location, Party};

use crate::roster::draft::clean_phone;
use crate::stores::{new_request_id, Session};

use super::location_select::LocationSelect;

#[component]
pub fn AddParticipant(conference_id: String, locked: Signal<bool>) -> impl IntoView {
    let session = Session::provided();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let location = RwSignal::new(Location::Work);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let number = clean_phone(&phone.get_untracked());
        if number.is_empty() || locked.get_untracked() {
            return;
        }
        session.send(Request::AddParticipant(AddRequest {
            request_id: new_request_id(),
            conference_id: conference_id.clone(),
            participant: Party {
                alternatives: Vec::new(),
                name: name.get_untracked().trim().to_string(),
                phone: number,
                location: location.get_untracked(),
                email: None,
            },
        }));
        name.set(String::new());
        phone.set(String::new());
    };

    view! {
        <form class="add-participant" data-testid="add-participant-form" on:submit=submit>
            <fieldset disabled=locked>
                <label class="grow">
                    "Name"
                    <input type="text" required data-testid="add-name" bind:value=name />
                </label>
                <label class="grow">
                    "Number"
                    <input type="tel" placeholder="+14255550101" required data-testid="add-phone"
                        bind:value=phone />
                </label>
                <LocationSelect location testid="add-location" />
                <button type="submit" data-testid="add-participant">"Add participant"</button>
            </fieldset>
            {move || locked.get().then(|| view! {
                <p class="hint" data-testid="add-locked-reason">"The conference is locked: unlock it to add people."</p>
            })}
        </form>
    }
}
