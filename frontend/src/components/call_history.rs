//! Call history: one line per call leg of the person's conferences, the
//! seed's billing data (number, when it was dialled, answered and ended, and
//! how it ended), newest first, from `GET /api/calls`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use rollcall_shared::api::CallLeg;
use rollcall_shared::soap::Cause;

use crate::api;
use crate::stores::Http;

#[component]
pub fn CallHistory() -> impl IntoView {
    let http = Http::provided();
    let legs = RwSignal::new(None::<Vec<CallLeg>>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::calls(http).await {
                Ok(c) => {
                    error.set(None);
                    legs.set(Some(c.calls));
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    load();
    view! {
        <section class="card calls" data-testid="call-history">
            <header class="row">
                <h2>"Call history"</h2>
                <button class="link" data-testid="calls-refresh" on:click=move |_| load()>"Refresh"</button>
            </header>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || legs.with(|legs| match legs {
                None => view! { <p class="empty">"Loading…"</p> }.into_any(),
                Some(legs) if legs.is_empty() => view! { <p class="empty">"No calls yet."</p> }.into_any(),
                Some(legs) => view! {
                    <table class="legs">
                        <thead><tr>
                            <th>"Number"</th><th>"Dialled"</th><th>"Answered"</th><th>"Ended"</th><th>"Outcome"</th><th>"Conference"</th>
                        </tr></thead>
                        <tbody>
                            {legs.iter().map(|leg| view! {
                                <tr data-testid="call-leg">
                                    <td data-testid="call-number">{leg.number.clone()}</td>
                                    <td>{short_time(&leg.started_at)}</td>
                                    <td>{leg.answered_at.as_deref().map(short_time).unwrap_or_else(|| "—".into())}</td>
                                    <td>{leg.ended_at.as_deref().map(short_time).unwrap_or_else(|| "—".into())}</td>
                                    <td data-testid="call-outcome">{outcome(leg)}</td>
                                    <td class="conference-id" data-testid="call-conference">{leg.conference_id.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </section>
    }
}

/// "2026-11-26T22:50:22.123Z" → "2026-11-26 22:50:22" (UTC, as stored).
fn short_time(rfc3339: &str) -> String {
    let trimmed = rfc3339.split('.').next().unwrap_or(rfc3339).trim_end_matches('Z');
    trimmed.replacen('T', " ", 1)
}

/// The final state and, when there is one, the cause in words:
/// "busy", "disconnected · normal clearing".
fn outcome(leg: &CallLeg) -> String {
    match leg.cause.map(|c| Cause(c).describe()) {
        Some(why) if why != leg.final_state => format!("{} · {why}", leg.final_state),
        _ => leg.final_state.clone(),
    }
}

#[cfg(test)]
mod tests;
