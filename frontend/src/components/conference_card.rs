//! One conference: its id and state (and, once over, why), its roster rows
//! (legs the person took off the roster are not shown), the Add
//! participant form and "Disconnect all" (EndConference) while it is not over.

use std::collections::HashMap;

use leptos::prelude::*;
use rollcall_shared::soap::conference::{EndConference, Request};

use super::add_participant::AddParticipant;
use super::participant_row::{ParticipantRow, RowControls};
use super::shown;
use crate::roster::draft::who_has;
use crate::roster::ConferenceView;
use crate::stores::{new_request_id, Conferences, People, Session};

#[component]
pub fn ConferenceCard(id: String) -> impl IntoView {
    let (session, people, conferences) = (Session::provided(), People::provided(), Conferences::provided());
    let conference = {
        let id = id.clone();
        Memo::new(move |_| conferences.roster.with(|r| r.conference(&id).cloned()))
    };
    let with = move |f: fn(&ConferenceView) -> String| move || conference.with(|c| c.as_ref().map(f).unwrap_or_default());
    let over = move || conference.with(|c| c.as_ref().is_none_or(ConferenceView::is_over));
    let end = {
        let id = id.clone();
        move |_| session.send(Request::EndConference(EndConference { request_id: new_request_id(), conference_id: id.clone() }))
    };
    // The number chosen in each row's drop-down (rows are rebuilt on events).
    let picked = RwSignal::new(HashMap::<String, String>::new());
    let can_add = move || conference.with(|c| c.as_ref().is_some_and(ConferenceView::can_add));
    let add_id = id.clone();
    view! {
        <article class="card conference" data-testid="conference">
            <header>
                <span class="conference-id" data-testid="conference-id">{id.clone()}</span>
                <span class=with(|c| format!("state state-{}", c.state)) data-testid="conference-state">
                    {with(|c| c.state.to_string())}
                </span>
                {move || conference.with(|c| c.as_ref().and_then(|c| c.reason_text())).map(|why| view! {
                    <span class="reason" data-testid="conference-reason">{why}</span>
                })}
                {shown(move || !over(), move || view! {
                    <button class="link danger" data-testid="end-conference" title="Disconnect everyone and end the conference"
                        on:click=end.clone()>"Disconnect all"</button>
                })}
            </header>
            <table class="participants">
                <thead>
                    <tr><th>"Name"</th><th>"Phone"</th><th>"Location"</th><th>"State"</th><th></th></tr>
                </thead>
                <tbody>
                    {move || conference.with(|c| c.as_ref().map(|c| {
                        let hidden = conferences.hidden_legs.get();
                        let everyone = people.everyone.get();
                        c.participants.iter().enumerate()
                            .filter(|(_, p)| p.id.as_ref().is_none_or(|id| !hidden.contains(id)))
                            .map(|(row, p)| view! {
                                <ParticipantRow
                                    conference_id=c.id.clone()
                                    participant=p.clone()
                                    person=who_has(&everyone, &p.phone).cloned()
                                    picked
                                    controls=RowControls {
                                        initiator: row == 0,
                                        open: !c.is_over(),
                                        releasable: c.removable(row).is_some(),
                                    }
                                />
                            }).collect_view()
                    }))}
                </tbody>
            </table>
            {shown(can_add, move || view! { <AddParticipant conference_id=add_id.clone() /> })}
        </article>
    }
}
