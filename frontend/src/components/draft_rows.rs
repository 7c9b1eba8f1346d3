//! The people on the roster before the call: name, presence (for Rollcall
//! users), where to call them (a drop-down of their own numbers) and a
//! remove button. Someone without a number is listed but will not be called.

use leptos::prelude::*;

use super::presence_badge::PresenceBadge;
use crate::roster::draft::{phone_label, Member};
use crate::stores::DraftRoster;

#[component]
pub fn DraftRows() -> impl IntoView {
    let draft = DraftRoster::provided().members;
    let rows = move || draft.with(|d| d.members.iter().cloned().enumerate().collect::<Vec<_>>());
    view! {
        {super::shown(move || draft.with(|d| !d.members.is_empty()), move || view! {
            <table class="draft participants" data-testid="draft">
                <thead><tr><th>"Name"</th><th>"Presence"</th><th>"Call at"</th><th></th></tr></thead>
                <tbody>
                    // Re-rendered as a whole: the roster is short, and rows
                    // hold no typing of their own.
                    {move || rows().into_iter().map(|(index, member)| view! {
                        <DraftRow draft index member />
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

#[component]
fn DraftRow(draft: RwSignal<crate::roster::draft::Draft>, index: usize, member: Member) -> impl IntoView {
    let subject = DraftRoster::provided().subject;
    let remove = move |_| {
        draft.update(|d| d.remove(index));
        // The e-mail's subject goes with the last of its people.
        if draft.with_untracked(|d| d.members.is_empty()) {
            subject.set(None);
        }
    };
    let chosen = member.number.clone().unwrap_or_default();
    let where_to = if member.person.phones.is_empty() {
        view! { <span class="muted" data-testid="draft-no-number">"no number"</span> }.into_any()
    } else {
        view! {
            <select data-testid="draft-number" aria-label=format!("Number to call {}", member.person.name) on:change=move |ev| {
                let number = event_target_value(&ev);
                draft.update(|d| d.choose(index, &number));
            }>
                {member.person.phones.iter().map(|p| view! {
                    <option value=p.number.clone() selected=p.number == chosen>{phone_label(p)}</option>
                }).collect_view()}
            </select>
        }
        .into_any()
    };
    view! {
        <tr data-testid="draft-row">
            <td data-testid="draft-name" title=member.person.emails.join(", ")>{member.person.name.clone()}</td>
            <td><PresenceBadge user=member.person.user.clone() /></td>
            <td>{where_to}</td>
            <td class="actions">
                <button class="link danger" data-testid="draft-remove" title="Remove from the roster"
                    aria-label=format!("Remove {} from the roster", member.person.name)
                    on:click=remove>"Remove"</button>
            </td>
        </tr>
    }
}
