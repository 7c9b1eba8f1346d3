//! Adding people to the roster (seed Figure 3): what is typed is resolved
//! against both address books (by name or e-mail, tolerant of case, spacing
//! and accents — the server merges one person's entries into one). One
//! match is added at once; several are offered to choose from; a typed
//! international number is added as it is. An empty box opens the
//! address-book picker, which also imports contacts from a vCard file.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rollcall_shared::directory::Person;
use rollcall_shared::soap::is_e164;

use super::file_upload::FileUpload;
use crate::api;
use crate::roster::draft::{clean_phone, person_at, same_person, who_has};
use crate::stores::{DraftRoster, Http, People, Session};

/// What the list under the box shows.
#[derive(Debug, Clone, PartialEq)]
enum Offer {
    None,
    /// Several people matched what was typed.
    Choices(Vec<Person>),
    /// The whole address book (the box was empty).
    Picker,
}

#[component]
pub fn PersonAdder() -> impl IntoView {
    let (session, people, draft, http) = (Session::provided(), People::provided(), DraftRoster::provided(), Http::provided());
    let typed = RwSignal::new(String::new());
    let offer = RwSignal::new(Offer::None);
    let message = RwSignal::new(None::<String>);

    let add = move |person: Person| {
        let name = person.name.clone();
        if !draft.members.try_update(|d| d.add(person)).unwrap_or(false) {
            message.set(Some(format!("{name} is on the roster already.")));
        }
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let text = typed.get_untracked().trim().to_string();
        if text.is_empty() {
            offer.update(|o| *o = if *o == Offer::Picker { Offer::None } else { Offer::Picker });
            return;
        }
        spawn_local(async move {
            match api::resolve(http, &text).await {
                Ok(found) => {
                    let number = clean_phone(&text);
                    match found.people.len() {
                        // Resolution does not look at numbers: a typed number
                        // that is someone's is that person.
                        0 if is_e164(&number) => add(people
                            .everyone
                            .with_untracked(|people| who_has(people, &number).cloned())
                            .unwrap_or_else(|| person_at(&number))),
                        0 => {
                            message.set(Some(format!("Nobody in your address books matches “{text}”.")));
                            return;
                        }
                        1 => found.people.into_iter().for_each(add),
                        _ => {
                            offer.set(Offer::Choices(found.people));
                            return;
                        }
                    }
                    // Unless something else was typed meanwhile.
                    if typed.try_get_untracked().is_some_and(|now| now.trim() == text) {
                        typed.set(String::new());
                    }
                    offer.set(Offer::None);
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };

    let listed = move || match offer.get() {
        Offer::None => Vec::new(),
        Offer::Choices(people) => people,
        Offer::Picker => people.everyone.get(),
    };

    view! {
        <form class="add-person" on:submit=submit>
            <label class="grow">
                "Add people"
                <input type="search" placeholder="Name, e-mail or +number — empty for the address book"
                    data-testid="add-person" bind:value=typed />
            </label>
            <button type="submit" data-testid="add-person-submit">"Add"</button>
        </form>
        {move || message.get().map(|m| view! { <p class="hint" role="status" data-testid="add-person-message">{m}</p> })}
        {super::shown(move || offer.with(|o| *o != Offer::None), move || view! {
            <div class="picker" data-testid="picker">
                <ul>
                    {move || listed().into_iter().map(|person| {
                        let on_roster = draft.members.with(|d| d.members.iter().any(|m| same_person(&m.person, &person)));
                        let numbers = person.phones.iter().map(|p| p.number.clone()).collect::<Vec<_>>().join(", ");
                        let name = person.name.clone();
                        view! {
                            <li data-testid="picker-person">
                                <span class="name" data-testid="picker-name">{name}</span>
                                <span class="muted">{numbers}</span>
                                <button type="button" class="link" data-testid="picker-add" disabled=on_roster
                                    aria-label=format!("Add {} to the roster", person.name)
                                    on:click=move |_| {
                                        add(person.clone());
                                        if matches!(offer.get_untracked(), Offer::Choices(_)) {
                                            typed.set(String::new());
                                            offer.set(Offer::None);
                                        }
                                    }>
                                    {if on_roster { "On the roster" } else { "Add" }}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {super::shown(move || offer.with(|o| *o == Offer::Picker), move || view! {
                    <FileUpload label="Import contacts (.vcf)" accept=".vcf,text/vcard" testid="upload-vcard"
                        on_file=Callback::new(move |text: String| {
                            spawn_local(async move {
                                match api::import_contacts(http, text).await {
                                    Ok(done) => {
                                        message.set(Some(match done.imported {
                                            1 => "Imported 1 contact.".to_string(),
                                            n => format!("Imported {n} contacts."),
                                        }));
                                        people.reload(session, http);
                                    }
                                    Err(e) => message.set(Some(format!("Nothing imported: {e}"))),
                                }
                            })
                        }) />
                })}
            </div>
        })}
    }
}
