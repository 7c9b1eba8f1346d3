//! One conference, readable at a glance: what it is about (the e-mail's
//! subject, or who is called), how long it has run, how many are on the
//! call, whether it is locked; its roster rows (legs the person took off
//! the roster are not shown); and the controls while it runs — lock,
//! mute all, disconnect all (EndConference), and the Add participant form,
//! which says why it is disabled while the conference is locked.

use std::collections::HashMap;

use leptos::prelude::*;
use rollcall_shared::soap::conference::{EndConference, LockConference, MuteAll, Request};

use super::add_participant::AddParticipant;
use super::participant_row::{ParticipantRow, RowControls};
use super::shown;
use crate::roster::draft::who_has;
use crate::roster::ConferenceView;
use crate::stores::{new_request_id, Conferences, People, Session};
use crate::time::{clock_text, parse_ms};

#[component]
pub fn ConferenceCard(id: String) -> impl IntoView {
    let (session, people, conferences) = (Session::provided(), People::provided(), Conferences::provided());
    let conference = {
        let id = id.clone();
        Memo::new(move |_| conferences.roster.with(|r| r.conference(&id).cloned()))
    };
    let with = move |f: fn(&ConferenceView) -> String| move || conference.with(|c| c.as_ref().map(f).unwrap_or_default());
    let over = move || conference.with(|c| c.as_ref().is_none_or(ConferenceView::is_over));
    let locked = move || conference.with(|c| c.as_ref().is_some_and(|c| c.locked));
    let end = {
        let id = id.clone();
        move |_| session.send(Request::EndConference(EndConference { request_id: new_request_id(), conference_id: id.clone() }))
    };
    let lock = {
        let id = id.clone();
        move |_| {
            let locked = !locked();
            session.send(Request::LockConference(LockConference {
                request_id: new_request_id(),
                conference_id: id.clone(),
                locked,
            }))
        }
    };
    let can_mute_all = move || conference.with(|c| c.as_ref().is_some_and(ConferenceView::can_mute_all));
    let mute_all = {
        let id = id.clone();
        move |_| {
            let muted = can_mute_all();
            session.send(Request::MuteAll(MuteAll { request_id: new_request_id(), conference_id: id.clone(), muted }))
        }
    };
    // How long it has run, while it runs.
    let started = Memo::new(move |_| conference.with(|c| c.as_ref().and_then(|c| c.created.as_deref().and_then(parse_ms))));
    let running_for = move || {
        let started = started.get()?;
        (!over()).then(|| clock_text(((conferences.clock.get() - started) / 1000.0).max(0.0) as u64))
    };
    // The number chosen in each row's drop-down (rows are rebuilt on events).
    let picked = RwSignal::new(HashMap::<String, String>::new());
    let add_id = id.clone();
    view! {
        <article class="card conference" data-testid="conference">
            <header>
                <h3 class="conference-title" data-testid="conference-title">{with(ConferenceView::title)}</h3>
                <div class="conference-facts">
                    <span class=with(|c| format!("state state-{}", c.state)) data-testid="conference-state">
                        {with(|c| c.state.to_string())}
                    </span>
                    {move || running_for().map(|t| view! { <span class="timer" data-testid="conference-duration">{t}</span> })}
                    {move || (!over()).then(|| view! {
                        <span data-testid="conference-count">
                            {with(|c| match c.on_call() { 1 => "1 on the call".to_string(), n => format!("{n} on the call") })}
                        </span>
                    })}
                    {move || locked().then(|| view! { <span class="badge locked" data-testid="conference-locked">"locked"</span> })}
                    {move || conference.with(|c| c.as_ref().and_then(|c| c.reason_text())).map(|why| view! {
                        <span class="reason" data-testid="conference-reason">{why}</span>
                    })}
                    <span class="conference-id muted" data-testid="conference-id">{id.clone()}</span>
                </div>
                {shown(move || !over(), move || view! {
                    <div class="conference-controls">
                        <button class="link" data-testid="lock-conference" aria-pressed=move || locked().to_string()
                            title="A locked conference takes nobody new" on:click=lock.clone()>
                            {move || if locked() { "Unlock" } else { "Lock" }}
                        </button>
                        <button class="link" data-testid="mute-all" title="Everyone but you" on:click=mute_all.clone()
                            disabled=move || !conference.with(|c| c.as_ref().is_some_and(|c| c.participants.iter().skip(1).any(|p| p.is_live())))>
                            {move || if can_mute_all() { "Mute all" } else { "Unmute all" }}
                        </button>
                        <button class="link danger" data-testid="end-conference" title="Disconnect everyone and end the conference"
                            on:click=end.clone()>"Disconnect all"</button>
                    </div>
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
            {shown(move || !over(), move || view! { <AddParticipant conference_id=add_id.clone() locked=Signal::derive(locked) /> })}
        </article>
    }
}
