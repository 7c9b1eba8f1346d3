//! Whether a Rollcall user is online (registered), live from the IM
//! server's presence agent (SIP SUBSCRIBE/NOTIFY, PIDF). Nothing for people
//! who are not Rollcall users.

use leptos::prelude::*;

use crate::stores::People;

#[component]
pub fn PresenceBadge(user: Option<String>) -> impl IntoView {
    let people = People::provided();
    user.map(|user| {
        let online = Memo::new(move |_| people.online(&user));
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
