//! One call leg: name, number, location, state (and, once the leg ended,
//! the Q.850 cause in words), the states it went through, and a Disconnect
//! button while it is live (not on the initiator's row: the initiator
//! leaves by ending the conference).

use leptos::prelude::*;
use rollcall_shared::soap::conference::{RemoveParticipant, Request};

use crate::client::Client;
use crate::roster::ParticipantView;

#[component]
pub fn ParticipantRow(
    client: Client,
    conference_id: String,
    participant: ParticipantView,
    /// The leg's id when it can be disconnected now.
    removable: Option<String>,
) -> impl IntoView {
    let state_class = format!("state state-{}", participant.state);
    let disconnect = removable.map(|participant_id| {
        let remove = move |_| {
            client.send(Request::RemoveParticipant(RemoveParticipant {
                request_id: crate::client::new_request_id(),
                conference_id: conference_id.clone(),
                participant_id: participant_id.clone(),
            }))
        };
        view! {
            <button class="link danger" data-testid="participant-disconnect" on:click=remove>
                "Disconnect"
            </button>
        }
    });
    view! {
        <tr data-testid="participant-row">
            <td data-testid="participant-name">{participant.name.clone()}</td>
            <td data-testid="participant-phone">{participant.phone.clone()}</td>
            <td>{participant.location.as_str()}</td>
            <td>
                <span class=state_class data-testid="participant-state">{participant.state.as_str()}</span>
                {participant.cause_text().map(|why| view! {
                    <span class="cause" data-testid="participant-cause">{why}</span>
                })}
                <span class="history" data-testid="participant-history">{participant.history_text()}</span>
            </td>
            <td class="actions">{disconnect}</td>
        </tr>
    }
}
