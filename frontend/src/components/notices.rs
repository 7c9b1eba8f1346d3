//! The error banner: Faults from the gateway (with their reason text) and
//! requests that could not be delivered. Each can be dismissed.

use leptos::prelude::*;

use crate::client::Client;

#[component]
pub fn Notices(client: Client) -> impl IntoView {
    let notices = client.notices;
    view! {
        <div class="notices">
            // Redrawn whole when the list changes (a keyed <For> costs the
            // .wasm several KiB; these rows hold no state of their own).
            {move || notices.get().into_iter().map(|notice| {
                let id = notice.id;
                view! {
                    <div class="notice error" role="alert" data-testid="fault">
                        <span data-testid="fault-text">{notice.text}</span>
                        <button class="link" title="Dismiss"
                            on:click=move |_| notices.update(|n| n.retain(|x| x.id != id))>
                            "×"
                        </button>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}
