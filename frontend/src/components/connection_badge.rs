//! Shows the SIP connection: connecting, registered or lost.

use leptos::prelude::*;

use crate::stores::Connection;

#[component]
pub fn ConnectionBadge(connection: RwSignal<Connection>) -> impl IntoView {
    view! {
        <span
            class=move || format!("badge badge-{}", connection.get().label())
            data-testid="connection-state"
            title="SIP registration with the IM server"
        >
            {move || connection.get().label()}
        </span>
    }
}
