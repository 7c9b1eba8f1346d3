//! The page frame: a header, then either the sign-in form or, once the
//! browser has registered, the workspace.

use leptos::prelude::*;

use super::connection_badge::ConnectionBadge;
use super::sign_in::SignIn;
use super::workspace::Workspace;
use crate::client::{Client, Connection};

#[component]
pub fn App() -> impl IntoView {
    // The signed-in session, if any. Dropped again when registration is
    // refused (wrong password) or the person signs out.
    let session = RwSignal::new(None::<Client>);
    let sign_in_error = RwSignal::new(None::<String>);

    // A refused registration ends the session and says why on the form.
    Effect::new(move |_| {
        if let Some(client) = session.get() {
            if let Connection::Refused(why) = client.connection.get() {
                client.stop();
                session.set(None);
                sign_in_error.set(Some(why));
            }
        }
    });

    // The session's signals must belong to the App, not to the sign-in form
    // that asked for them: the form goes away once signed in, and disposes
    // of what it owns.
    let owner = Owner::current().expect("App runs inside a reactive owner");
    let sign_in = Callback::new(move |(user, password): (String, String)| {
        sign_in_error.set(None);
        session.set(Some(owner.with(|| Client::start(user, password))));
    });
    let signed_in = Memo::new(move |_| session.get().is_some_and(|client| client.signed_in.get()));
    let sign_out = move |_| {
        if let Some(client) = session.get_untracked() {
            client.stop();
        }
        session.set(None);
    };

    view! {
        <header class="topbar">
            <h1>"Rollcall"</h1>
            {move || session.get().map(|client| view! {
                <span class="who">{client.user.get_value()}</span>
                <ConnectionBadge connection=client.connection />
                <button class="link" data-testid="sign-out" on:click=sign_out>"Sign out"</button>
            })}
        </header>
        <main>
            // The form stays put (keeping what was typed) from submit until
            // the first registration, or until it is refused.
            // One `match` on a memo rather than a <Show> (less code in the
            // .wasm): each side is built again only when it comes into view.
            {move || match signed_in.get() {
                false => view! {
                    <SignIn
                        on_submit=sign_in
                        busy=Signal::derive(move || session.get().is_some())
                        error=sign_in_error
                    />
                }.into_any(),
                true => session.get().map(|client| view! { <Workspace client /> }).into_any(),
            }}
        </main>
    }
}
