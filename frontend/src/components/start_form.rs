//! The roster of seed Figure 3 before the call: the owner row ("call me
//! at": one of the person's own numbers or any number typed, with its
//! location), the people to call with their location drop-downs and
//! presence, the box that adds people by name, and the Start button that
//! sends one CreateConference with every participant (docs/protocol.md §2: the
//! bridge dials them once the initiator has answered).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use rollcall_shared::soap::conference::{CreateConference, Request};
use rollcall_shared::soap::{is_e164, Location, Party};

use super::draft_rows::DraftRows;
use super::location_select::LocationSelect;
use super::person_adder::PersonAdder;
use crate::roster::draft::{clean_phone, phone_label};
use crate::stores::{new_request_id, DraftRoster, People, Session};

/// The most of an e-mail's subject sent as `c:subject` (the server takes 200).
const SUBJECT_CHARS: usize = 120;

#[component]
pub fn StartForm() -> impl IntoView {
    let (session, people, draft) = (Session::provided(), People::provided(), DraftRoster::provided());
    let phone = RwSignal::new(String::new());
    let location = RwSignal::new(Location::Work);
    let hint = RwSignal::new(None::<String>);

    // The person's own first number, once the directory says what it is
    // (unless they typed one already).
    Effect::new(move |_| {
        if let Some(first) = people.me.with(|me| me.as_ref().and_then(|me| me.phones.first().cloned())) {
            if phone.get_untracked().is_empty() {
                phone.set(first.number);
                location.set(first.location);
            }
        }
    });

    let busy = move || draft.starting.with(Option::is_some);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if draft.starting.with_untracked(Option::is_some) {
            return; // the last Start is not answered yet
        }
        let number = clean_phone(&phone.get_untracked());
        if !is_e164(&number) {
            hint.set(Some("Enter your number in international form, e.g. +14255550100.".into()));
            return;
        }
        let (participants, skipped) = draft.members.with_untracked(|d| (d.parties(), d.without_number().join(", ")));
        hint.set((!skipped.is_empty()).then(|| format!("Not called (no number): {skipped}.")));
        let user = session.user.get_value();
        let name = people.me.with_untracked(|me| me.as_ref().map(|me| me.name.clone()));
        let request_id = new_request_id();
        draft.starting.set(Some(request_id.clone()));
        // A subject is told to strangers' phones: an e-mail subject, kept short.
        let subject = draft.subject.get_untracked().map(|s| s.trim().chars().take(SUBJECT_CHARS).collect());
        session.send(Request::CreateConference(CreateConference {
            // Only participants are asked; nobody to ask, nothing to say.
            confirm: draft.confirm.get_untracked() && !participants.is_empty(),
            subject,
            request_id,
            // Empty: the server bills the user's default account (docs/protocol.md §8).
            account: String::new(),
            initiator: Party {
                alternatives: Vec::new(),
                name: name.unwrap_or(user),
                phone: number,
                location: location.get_untracked(),
                email: None,
            },
            participants,
        }));
    };

    let my_numbers = move || people.me.with(|me| me.as_ref().map(|me| me.phones.clone()).unwrap_or_default());

    view! {
        <section class="card start-card">
            <h2>"New conference"</h2>
            <form class="start" id="start-form" on:submit=submit>
                <label class="grow">
                    "Call me at"
                    <input type="tel" placeholder="+14255550100" autocomplete="tel" required
                        data-testid="phone" bind:value=phone />
                </label>
                <LocationSelect location testid="location" />
                <div class="my-numbers">
                    {move || my_numbers().into_iter().map(|p| {
                        let label = phone_label(&p);
                        let number = p.number.clone();
                        view! {
                            <button type="button" class="chip" data-testid="my-number"
                                class:current=move || phone.get() == number
                                on:click=move |_| { phone.set(p.number.clone()); location.set(p.location); }>
                                {label}
                            </button>
                        }
                    }).collect_view()}
                </div>
            </form>
            {move || draft.subject.get().map(|s| view! {
                <p class="about" data-testid="draft-subject">"About: " <q>{s}</q></p>
            })}
            <DraftRows />
            <PersonAdder />
            <label class="check">
                <input type="checkbox" data-testid="confirm-setting" bind:checked=draft.confirm />
                "Ask each person to press 1 to join (an answering machine never joins)"
            </label>
            <div class="start-actions">
                <button type="submit" form="start-form" data-testid="start-conference" disabled=busy
                    on:click=ignore_repeat_clicks>
                    {move || match draft.members.with(|d| d.parties().len()) {
                        0 => "Start conference".to_string(),
                        1 => "Start conference with 1 person".to_string(),
                        n => format!("Start conference with {n} people"),
                    }}
                </button>
                {move || hint.get().map(|h| view! { <p class="hint" data-testid="phone-hint">{h}</p> })}
            </div>
        </section>
    }
}

/// The second click of a double-click (`detail` 2 and up) submits
/// nothing: by then the first Start may already be answered, and a
/// double-click means one conference.
fn ignore_repeat_clicks(ev: leptos::ev::MouseEvent) {
    if ev.detail() > 1 {
        ev.prevent_default();
    }
}
