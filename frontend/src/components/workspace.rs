//! What a signed-in person sees: the notices, then one of the pages chosen
//! by the tabs — the conference (the roster of seed Figure 3 and the live
//! conferences), the inbox, the phone panel of the simulated network, the call
//! history, and the messages the server logged for the person. The conference page stays mounted while another page is shown,
//! so nothing typed there is lost.

use leptos::prelude::*;

use super::call_history::CallHistory;
use super::conference_list::ConferenceList;
use super::inbox::Inbox;
use super::message_log::MessageLog;
use super::notices::Notices;
use super::phone_panel::PhonePanel;
use super::start_form::StartForm;
use crate::stores::Stores;

/// The pages of the workspace, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Conference,
    Inbox,
    Phones,
    History,
    Messages,
}

impl Page {
    const ALL: [Page; 5] = [Page::Conference, Page::Inbox, Page::Phones, Page::History, Page::Messages];

    fn label(self) -> &'static str {
        match self {
            Page::Conference => "Conference",
            Page::Inbox => "Inbox",
            Page::Phones => "Phones",
            Page::History => "Call history",
            Page::Messages => "Messages",
        }
    }

    /// The tab's `data-testid`.
    fn testid(self) -> &'static str {
        match self {
            Page::Conference => "nav-conference",
            Page::Inbox => "nav-inbox",
            Page::Phones => "nav-phones",
            Page::History => "nav-history",
            Page::Messages => "nav-messages",
        }
    }
}

#[component]
pub fn Workspace(stores: Stores) -> impl IntoView {
    stores.provide();
    let page = RwSignal::new(Page::Conference);
    let shown = Memo::new(move |_| page.get());
    // The address books: the picker, presence, and where each person can be called.
    stores.people.reload(stores.session, stores.http);
    view! {
        <nav class="tabs" aria-label="Pages">
            {Page::ALL.into_iter().map(|p| view! {
                <button class="tab" class:current=move || page.get() == p
                    aria-current=move || (page.get() == p).then_some("page")
                    data-testid=p.testid() on:click=move |_| page.set(p)>
                    {p.label()}
                </button>
            }).collect_view()}
        </nav>
        <Notices />
        <div class="page" class:hidden=move || page.get() != Page::Conference>
            <StartForm />
            <ConferenceList />
        </div>
        // The other pages exist only while shown (one `match` rather than a
        // <Show> each: less code in the .wasm). The memo re-renders only
        // when the page changes, not when a tab is clicked again.
        {move || match shown.get() {
            Page::Conference => ().into_any(),
            Page::Inbox => view! {
                <Inbox on_roster=Callback::new(move |()| page.set(Page::Conference)) />
            }.into_any(),
            Page::Phones => view! { <PhonePanel /> }.into_any(),
            Page::History => view! { <CallHistory /> }.into_any(),
            Page::Messages => view! { <MessageLog /> }.into_any(),
        }}
    }
}
