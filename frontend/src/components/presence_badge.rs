//! Whether a Rollcall user is online (registered), live from the IM
//! server's presence agent (SIP SUBSCRIBE/NOTIFY, PIDF). Nothing for people
//! who are not Rollcall users.

use leptos::prelude::*;

use crate::client::Client;

#[component]
pub fn PresenceBadge(client: Client, user: Option<String>) -> impl IntoView {
    user.map(|user| {
        let online = Memo::new(move |_| client.online(&user));
        view! {
            <span class=move || match online.get() {
                    Some(true) => "presence online",
                    Some(false) => "presence offline",
                    None => "presence unknown",
                }>
                <span class="dot" aria-hidden="true">"● "</span>
                <span data-testid="presence">
                    {move || match online.get() {
                        Some(true) => "online",
                        Some(false) => "offline",
                        None => "…",
                    }}
                </span>
            </span>
        }
    })
}
