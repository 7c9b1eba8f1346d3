//! The sign-in form. The password goes to the SIP user agent in memory only:
//! it answers digest challenges itself, so the password never leaves the
//! browser — except once, when a visitor creates an account on a server
//! that offers it (`--signup`): then it is sent to `POST /signup`, which
//! keeps only its digests, and the new user is signed in.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

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
    // Whether the server offers sign-up, and whether the visitor chose it.
    let offered = RwSignal::new(false);
    let creating = RwSignal::new(false);
    let working = RwSignal::new(false);
    spawn_local(async move {
        let open = api::signup_offered().await;
        let _ = offered.try_set(open);
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let name = user.get_untracked().trim().to_string();
        if name.is_empty() {
            return;
        }
        let secret = password.get_untracked();
        if !creating.get_untracked() {
            on_submit.run((name, secret));
            return;
        }
        working.set(true);
        error.set(None);
        spawn_local(async move {
            match api::sign_up(&name, &secret).await {
                Ok(created) => on_submit.run((created, secret)),
                Err(why) => {
                    let _ = error.try_set(Some(why.to_string()));
                }
            }
            let _ = working.try_set(false);
        });
    };

    view! {
        <form class="card sign-in" on:submit=submit>
            <h2>{move || if creating.get() { "Create an account" } else { "Sign in" }}</h2>
            <label>
                "User name"
                <input type="text" autocomplete="username" required data-testid="sign-in-user"
                    bind:value=user />
            </label>
            <label>
                "Password"
                <input type="password" data-testid="sign-in-password" bind:value=password
                    autocomplete=move || if creating.get() { "new-password" } else { "current-password" } />
            </label>
            {super::shown(move || creating.get(), || view! {
                <p class="hint">"Names: letters, digits, . - _ (lower case). Passwords: 8 characters or more. You get an inbox and two phone numbers to try it with."</p>
            })}
            {move || error.get().map(|why| view! {
                <p class="error" role="alert" data-testid="sign-in-error">{why}</p>
            })}
            <button type="submit" data-testid="sign-in-submit" disabled=move || busy.get() || working.get()>
                {move || match (creating.get(), busy.get() || working.get()) {
                    (_, true) => "Signing in…",
                    (true, false) => "Create account and sign in",
                    (false, false) => "Sign in",
                }}
            </button>
            {super::shown(move || offered.get(), move || view! {
                <button type="button" class="link" data-testid="sign-up-toggle"
                    on:click=move |_| { creating.update(|c| *c = !*c); error.set(None); }>
                    {move || if creating.get() { "I have an account" } else { "New here? Create an account" }}
                </button>
            })}
        </form>
    }
}
