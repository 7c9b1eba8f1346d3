//! The error banner: Faults from the gateway (with their reason text) and
//! requests that could not be delivered. Each can be dismissed.

use leptos::prelude::*;

use crate::client::Client;

#[component]
pub fn Notices(client: Client) -> impl IntoView {
    let notices = client.notices;
    view! {
        <div class="notices">
            <For
                each=move || notices.get()
                key=|notice| notice.id
                children=move |notice| {
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
                }
            />
        </div>
    }
}
