//! The inbox: the person's e-mails, newest first, each with "Conference
//! everyone" — the seed's headline use. It fills the roster with the
//! sender and every To/Cc recipient, resolved against the address books
//! (the person themselves as the initiator, at their own number), and opens
//! the conference page: one more click starts the call. An `.eml` file can
//! be added to the inbox.

use leptos::prelude::*;
use leptos::task::spawn_local;
use rollcall_shared::api::Email;
use rollcall_shared::directory::Address;

use super::file_upload::FileUpload;
use crate::api;
use crate::stores::{DraftRoster, Http, People};

#[component]
pub fn Inbox(on_roster: Callback<()>) -> impl IntoView {
    let (http, people, draft) = (Http::provided(), People::provided(), DraftRoster::provided());
    let emails = RwSignal::new(None::<Vec<Email>>);
    let error = RwSignal::new(None::<String>);
    spawn_local(async move {
        match api::inbox(http).await {
            Ok(inbox) => emails.set(Some(inbox.emails)),
            Err(e) => error.set(Some(e.to_string())),
        }
    });

    let conference_everyone = move |email_id: i64, subject: String| {
        spawn_local(async move {
            match api::email_roster(http, email_id).await {
                Ok(roster) => {
                    draft.members.update(|d| d.replace(roster.participants));
                    draft.subject.set(Some(subject).filter(|s| !s.trim().is_empty()));
                    if let Some(me) = roster.initiator {
                        people.me.set(Some(me));
                    }
                    error.set(None);
                    on_roster.try_run(());
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };

    let upload = Callback::new(move |eml: String| {
        spawn_local(async move {
            match api::upload_email(http, eml).await {
                Ok(email) => {
                    error.set(None);
                    emails.update(|list| list.get_or_insert_with(Vec::new).insert(0, email));
                }
                Err(e) => error.set(Some(format!("Not added: {e}"))),
            }
        })
    });

    view! {
        <section class="card inbox" data-testid="inbox">
            <header class="row">
                <h2>"Inbox"</h2>
                <FileUpload label="Add an e-mail (.eml)" accept=".eml,message/rfc822" testid="upload-eml" on_file=upload />
            </header>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="inbox-error">{e}</p> })}
            {move || emails.with(|list| match list {
                None => view! { <p class="empty">"Loading…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"No e-mail."</p> }.into_any(),
                Some(list) => view! {
                    <ul class="emails">
                        {list.iter().map(|email| {
                            let id = email.id;
                            let email = &email.message;
                            let subject = email.subject.clone();
                            view! {
                                <li class="email" data-testid="email">
                                    <div class="email-head">
                                        <span class="from">{who(&email.from)}</span>
                                        <span class="subject" data-testid="email-subject">{email.subject.clone()}</span>
                                        <span class="muted">{email.date.clone().unwrap_or_default().replace('T', " ").trim_end_matches('Z').to_string()}</span>
                                    </div>
                                    <div class="muted recipients">
                                        "To " {everyone(&email.to)}
                                        {(!email.cc.is_empty()).then(|| format!(" · Cc {}", everyone(&email.cc)))}
                                    </div>
                                    <p class="snippet">{email.snippet.clone()}</p>
                                    <button data-testid="conference-everyone" aria-label=format!("Conference everyone on “{}”", email.subject)
                                        on:click=move |_| conference_everyone(id, subject.clone())>
                                        "Conference everyone"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </section>
    }
}

fn who(address: &Address) -> String {
    address.name.clone().unwrap_or_else(|| address.email.clone())
}

fn everyone(addresses: &[Address]) -> String {
    addresses.iter().map(who).collect::<Vec<_>>().join(", ")
}
