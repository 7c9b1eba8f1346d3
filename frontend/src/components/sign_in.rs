//! The sign-in form. The password goes to the SIP user agent in memory only:
//! it answers digest challenges itself, so the password never leaves the
//! browser.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub fn SignIn(
    /// Called with (user name, password).
    on_submit: Callback<(String, String)>,
    /// A sign-in is under way: the form waits.
    #[prop(into)]
    busy: Signal<bool>,
    /// Why the last sign-in failed.
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let name = user.get_untracked().trim().to_string();
        if name.is_empty() {
            return;
        }
        on_submit.run((name, password.get_untracked()));
    };

    view! {
        <form class="card sign-in" on:submit=submit>
            <h2>"Sign in"</h2>
            <label>
                "User name"
                <input type="text" autocomplete="username" required data-testid="sign-in-user"
                    bind:value=user />
            </label>
            <label>
                "Password"
                <input type="password" autocomplete="current-password" data-testid="sign-in-password"
                    bind:value=password />
            </label>
            {move || error.get().map(|why| view! {
                <p class="error" role="alert" data-testid="sign-in-error">{why}</p>
            })}
            <button type="submit" data-testid="sign-in-submit" disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
        </form>
    }
}
