//! One call leg as a row of the seed's Figure 3 roster: name and presence,
//! where they are called (a drop-down of that person's numbers, when the
//! address books know them), the state (and, once the leg ended, the Q.850
//! cause in words, and the states it went through), and a button that
//! follows the call state: Disconnect while live, Call once ended, then
//! Remove to take the row off the roster.
//!
//! Choosing another number for a live leg re-dials: the leg is released
//! and the person called at the new number (a new leg, which takes the
//! row's place) once the choice has settled for [`REDIAL_AFTER_MS`] — arrow
//! keys on a closed drop-down change it one step at a time, and only the
//! last step should cost a call. The initiator's row has none of these:
//! the initiator leaves by ending the conference.
//!
//! Rows are rebuilt whenever their conference changes, so the choice lives
//! in the card (`picked`, by participant id), not in the row.
//!
//! Every live row, the initiator's too, has a mute toggle; a muted row says
//! so. A person with other numbers shows which attempt this is and why
//! ("busy at work — trying mobile").

use leptos::prelude::*;
use leptos::task::spawn_local;
use rollcall_shared::directory::Person;
use rollcall_shared::soap::conference::{AddParticipant, MuteParticipant, RemoveParticipant, Request};
use rollcall_shared::soap::Party;

use std::collections::HashMap;

use super::presence_badge::PresenceBadge;
use crate::roster::draft::{party, phone_label, short_labels};
use crate::roster::ParticipantView;
use crate::stores::{new_request_id, Conferences, Session};
use crate::time::pause;

/// How long a new choice of number must stand before a live leg is re-dialled.
pub const REDIAL_AFTER_MS: u32 = 600;

/// What the row may do, decided by its conference card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowControls {
    /// The initiator's row: no controls.
    pub initiator: bool,
    /// The conference is still going (legs can be added and released).
    pub open: bool,
    /// The leg is live and can be released ([`crate::roster::ConferenceView::removable`]).
    pub releasable: bool,
}

#[component]
pub fn ParticipantRow(
    conference_id: String,
    participant: ParticipantView,
    /// Who this number belongs to, when the address books say.
    person: Option<Person>,
    controls: RowControls,
    /// The number chosen in each row's drop-down, by participant id.
    picked: RwSignal<HashMap<String, String>>,
) -> impl IntoView {
    let (session, conferences) = (Session::provided(), Conferences::provided());
    let state_class = format!("state state-{}", participant.state);
    let live = participant.is_live();
    let leg = participant.id.clone();
    let numbers = person.as_ref().map(|p| p.phones.clone()).unwrap_or_default();
    // The number the drop-down shows and the Call button dials: the last
    // choice, read when needed (the row is not rebuilt by a choice).
    let current = {
        let (leg, phone) = (leg.clone(), participant.phone.clone());
        move || {
            leg.as_ref()
                .and_then(|id| picked.try_with_untracked(|m| m.get(id).cloned()).flatten())
                .unwrap_or_else(|| phone.clone())
        }
    };
    let chosen = current();

    // The party to call at `number`: the person's own label for it.
    let party_at = {
        let person = person.clone();
        let participant = participant.clone();
        move |number: &str| -> Party {
            match person.as_ref().and_then(|p| p.phones.iter().find(|ph| ph.number == number).map(|ph| (p, ph))) {
                // A number chosen by hand: that one, no fallbacks (the one
                // just left would be among them).
                Some((p, phone)) => Party { alternatives: Vec::new(), ..party(p, phone) },
                None => Party {
                    alternatives: Vec::new(),
                    name: participant.name.clone(),
                    phone: number.to_string(),
                    location: participant.location,
                    email: None,
                },
            }
        }
    };
    let release = {
        let (conference_id, leg) = (conference_id.clone(), leg.clone());
        move || {
            if let Some(participant_id) = leg.clone() {
                session.send(Request::RemoveParticipant(RemoveParticipant {
                    request_id: new_request_id(),
                    conference_id: conference_id.clone(),
                    participant_id,
                }));
            }
        }
    };
    let call = {
        let (conference_id, leg) = (conference_id.clone(), leg.clone());
        move |number: String| {
            session.send(Request::AddParticipant(AddParticipant {
                request_id: new_request_id(),
                conference_id: conference_id.clone(),
                participant: party_at(&number),
            }));
            // The new leg takes this row's place.
            if let Some(id) = leg.clone() {
                conferences.hidden_legs.update(|h| {
                    h.insert(id);
                });
            }
        }
    };
    let mute = {
        let (conference_id, leg, muted) = (conference_id.clone(), leg.clone(), participant.muted);
        move |_| {
            if let Some(participant_id) = leg.clone() {
                session.send(Request::MuteParticipant(MuteParticipant {
                    request_id: new_request_id(),
                    conference_id: conference_id.clone(),
                    participant_id,
                    muted: !muted,
                }));
            }
        }
    };
    let hide = {
        let leg = leg.clone();
        move |_| {
            if let Some(id) = leg.clone() {
                conferences.hidden_legs.update(|h| {
                    h.insert(id);
                });
            }
        }
    };

    let editable = !controls.initiator && controls.open;
    let location = if editable && numbers.len() > 1 {
        let (release, call) = (release.clone(), call.clone());
        let (conference_id, leg) = (conference_id.clone(), leg.clone());
        let label = format!("Number to call {}", participant.name);
        view! {
            <select data-testid="participant-location" aria-label=label on:change=move |ev| {
                let Some(id) = leg.clone() else { return };
                let number = event_target_value(&ev);
                picked.update_untracked(|m| {
                    m.insert(id.clone(), number.clone());
                });
                if !live {
                    return; // Call uses it
                }
                let (release, call, conference_id) = (release.clone(), call.clone(), conference_id.clone());
                // Not scoped to the row: rows are rebuilt on every event.
                spawn_local(async move {
                    pause(REDIAL_AFTER_MS).await;
                    let settled = picked.try_with_untracked(|m| m.get(&id) == Some(&number)).unwrap_or(false);
                    let still_live = conferences.roster.with_untracked(|r| {
                        r.conference(&conference_id)
                            .and_then(|c| c.participants.iter().find(|p| p.id.as_ref() == Some(&id)))
                            .is_some_and(ParticipantView::is_live)
                    });
                    if settled && still_live {
                        release();
                        call(number);
                    }
                });
            }>
                {numbers.iter().zip(short_labels(&numbers)).map(|(p, label)| view! {
                    <option value=p.number.clone() selected=p.number == chosen title=phone_label(p)>{label}</option>
                }).collect_view()}
            </select>
        }
        .into_any()
    } else {
        view! { <span>{participant.location.as_str()}</span> }.into_any()
    };

    let actions = match (editable, controls.releasable, live) {
        (true, true, _) => view! {
            <button class="link danger" data-testid="participant-disconnect" on:click=move |_| release()>
                "Disconnect"
            </button>
        }
        .into_any(),
        (true, false, false) => view! {
            <button class="link" data-testid="participant-connect" on:click=move |_| call(current())>
                "Call"
            </button>
            <button class="link" data-testid="participant-remove" title="Remove from the roster" on:click=hide>
                "Remove"
            </button>
        }
        .into_any(),
        _ => ().into_any(),
    };
    let mute_button = (controls.open && live && leg.is_some()).then(|| {
        let label = if participant.muted { "Unmute" } else { "Mute" };
        view! {
            <button class="link" data-testid="participant-mute" aria-pressed=participant.muted.to_string()
                aria-label=format!("{label} {}", participant.name) on:click=mute>{label}</button>
        }
    });

    view! {
        <tr data-testid="participant-row">
            <td>
                <span data-testid="participant-name">{participant.name.clone()}</span>
                " "
                <PresenceBadge user=person.as_ref().and_then(|p| p.user.clone()) />
            </td>
            <td data-testid="participant-phone">{participant.phone.clone()}</td>
            <td>{location}</td>
            <td>
                <span class=state_class data-testid="participant-state">{participant.state.as_str()}</span>
                {participant.cause_text().map(|why| view! {
                    <span class="cause" data-testid="participant-cause">{why}</span>
                })}
                {participant.muted.then(|| view! { <span class="badge" data-testid="participant-muted">"muted"</span> })}
                {participant.attempt.map(|n| view! { <span class="attempt" data-testid="participant-attempt">{format!("attempt {n}")}</span> })}
                {participant.fallback_text().map(|why| view! {
                    <span class="fallback" data-testid="participant-fallback">{why}</span>
                })}
                <span class="history" data-testid="participant-history">{participant.history_text()}</span>
            </td>
            <td class="actions">{mute_button}{actions}</td>
        </tr>
    }
}
