//! The error banner: Faults from the gateway (with their reason text) and
//! requests that could not be delivered. Each can be dismissed.

use leptos::prelude::*;

use crate::stores::NoticeBoard;

#[component]
pub fn Notices() -> impl IntoView {
    let board = NoticeBoard::provided();
    view! {
        <div class="notices">
            // Redrawn whole when the list changes (a keyed <For> costs the
            // .wasm several KiB; these rows hold no state of their own).
            {move || board.list.get().into_iter().map(|notice| {
                let id = notice.id;
                view! {
                    <div class="notice error" role="alert" data-testid="fault">
                        <span data-testid="fault-text">{notice.text}</span>
                        <button class="link" title="Dismiss"
                            on:click=move |_| board.dismiss(id)>
                            "×"
                        </button>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}
