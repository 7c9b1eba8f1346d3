//! The page frame: a header, then either the sign-in form or, once the
//! browser has registered, the workspace.

use leptos::prelude::*;

use super::connection_badge::ConnectionBadge;
use super::sign_in::SignIn;
use super::workspace::Workspace;
use crate::stores::{Connection, Stores};

#[component]
pub fn App() -> impl IntoView {
    // The signed-in session, if any. Dropped again when registration is
    // refused (wrong password) or the person signs out.
    let session = RwSignal::new(None::<Stores>);
    let sign_in_error = RwSignal::new(None::<String>);

    // A refused registration ends the session and says why on the form.
    Effect::new(move |_| {
        if let Some(stores) = session.get() {
            if let Connection::Refused(why) = stores.session.connection.get() {
                stores.stop();
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
        session.set(Some(owner.with(|| Stores::start(user, password))));
    });
    let signed_in = Memo::new(move |_| session.get().is_some_and(|stores| stores.session.signed_in.get()));
    let sign_out = move |_| {
        if let Some(stores) = session.get_untracked() {
            stores.stop();
        }
        session.set(None);
    };

    view! {
        <header class="topbar">
            <h1>"Rollcall"</h1>
            {move || session.get().map(|stores| view! {
                <span class="who">{stores.session.user.get_value()}</span>
                <ConnectionBadge connection=stores.session.connection />
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
                true => session.get().map(|stores| view! { <Workspace stores /> }).into_any(),
            }}
        </main>
    }
}
