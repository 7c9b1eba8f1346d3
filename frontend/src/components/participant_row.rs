//! One call leg: name, number, location, state (with the Q.850 cause in
//! words), and the states it went through.

use leptos::prelude::*;

use crate::roster::ParticipantView;

#[component]
pub fn ParticipantRow(participant: ParticipantView) -> impl IntoView {
    let state_class = format!("state state-{}", participant.state);
    view! {
        <tr data-testid="participant-row">
            <td data-testid="participant-name">{participant.name.clone()}</td>
            <td data-testid="participant-phone">{participant.phone.clone()}</td>
            <td>{participant.location.as_str()}</td>
            <td>
                <span class=state_class data-testid="participant-state">{participant.state_text()}</span>
                <span class="history" data-testid="participant-history">{participant.history_text()}</span>
            </td>
        </tr>
    }
}
