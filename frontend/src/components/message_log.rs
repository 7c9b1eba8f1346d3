//! Messages: the SIP messages — and the SOAP inside them — that the IM
//! server logged on the person's own connections, newest first, from
//! `GET /api/messages`: every request they sent and every answer and event
//! they received, as the server wrote it before acting on it. Optionally
//! only those about one conference. Nobody sees anyone else's.

use leptos::prelude::*;
use leptos::task::spawn_local;
use rollcall_shared::api::LoggedMessage;

use crate::api;
use crate::stores::Http;

#[component]
pub fn MessageLog() -> impl IntoView {
    let http = Http::provided();
    let messages = RwSignal::new(None::<Vec<LoggedMessage>>);
    let error = RwSignal::new(None::<String>);
    let conference = RwSignal::new(String::new());
    let load = move || {
        let about = conference.get_untracked();
        spawn_local(async move {
            match api::messages(http, about.trim()).await {
                Ok(m) => {
                    error.set(None);
                    messages.set(Some(m.messages));
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    load();
    view! {
        <section class="card messages" data-testid="message-log">
            <header class="row">
                <h2>"Messages"</h2>
                <form class="row" on:submit=move |ev| { ev.prevent_default(); load(); }>
                    <label>"Conference "
                        <input data-testid="messages-conference" placeholder="any" prop:value=move || conference.get()
                            on:input=move |ev| conference.set(event_target_value(&ev)) />
                    </label>
                    <button class="link" data-testid="messages-refresh" type="submit">"Show"</button>
                </form>
            </header>
            <p class="hint">"What the server logged on your connections: your requests, and the answers and events you received."</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || messages.with(|list| match list {
                None => view! { <p class="empty">"Loading…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"No messages."</p> }.into_any(),
                Some(list) => view! {
                    <ol class="logged">
                        {list.iter().map(|m| view! {
                            <li data-testid="logged-message">
                                <details>
                                    <summary>
                                        <span class="direction">{direction(&m.direction)}</span>" "
                                        <time>{short_time(&m.at)}</time>" "
                                        <code data-testid="logged-first-line">{m.first_line.clone()}</code>
                                    </summary>
                                    <pre data-testid="logged-text">{m.message.clone()}</pre>
                                </details>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            })}
        </section>
    }
}

/// "in" → "sent" (the server received it from you), "out" → "received".
fn direction(logged: &str) -> &'static str {
    if logged == "in" {
        "→ sent"
    } else {
        "← received"
    }
}

/// "2026-11-26T22:50:22.123Z" → "22:50:22.123".
fn short_time(rfc3339: &str) -> String {
    rfc3339.split_once('T').map_or(rfc3339, |(_, time)| time).trim_end_matches('Z').to_string()
}

#[cfg(test)]
mod tests;
