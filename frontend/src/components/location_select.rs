//! Where to call someone: the seed's Figure 3 drop-down (work, home,
//! mobile, other), shared by every form that asks for a number.

use leptos::prelude::*;
use rollcall_shared::soap::Location;

/// A labelled `<select>` bound to `location`; `testid` names it for tests.
#[component]
pub fn LocationSelect(location: RwSignal<Location>, testid: &'static str) -> impl IntoView {
    view! {
        <label>
            "Location"
            <select data-testid=testid
                on:change=move |ev| {
                    if let Ok(l) = event_target_value(&ev).parse() { location.set(l) }
                }>
                {Location::ALL.iter().map(|l| view! {
                    <option value=l.as_str() selected=move || location.get() == *l>{l.as_str()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
