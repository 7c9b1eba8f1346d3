//! The phone panel: the simulated telephone network's phones that this
//! person holds (docs/protocol.md §5). A held number
//! rings here when a conference dials it, until the person answers,
//! declines (cause 21) or lets it ring out; a connected call lasts until
//! they hang up (cause 16). Live through the `/pstn/events` long-poll.
//! A screened call (docs/protocol.md §6) shows what the caller announces and
//! a keypad: 1 joins, any other key declines. A muted call says so.
//!
//! Below the phones, the network's fault injection: the bridge can be made
//! to fail under one of the person's own conferences (the fatal-error flow).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use rollcall_shared::api::{Panel, PanelPhone};
use rollcall_shared::soap::is_e164;

use crate::api::{self, ApiFailure};
use crate::roster::draft::clean_phone;
use crate::stores::{Conferences, Http};
use crate::time::pause;

/// The keypad's keys and the panel action each presses (`#` escaped for
/// the URL path).
const KEYS: [(&str, &str); 12] = [
    ("1", "keys/1"),
    ("2", "keys/2"),
    ("3", "keys/3"),
    ("4", "keys/4"),
    ("5", "keys/5"),
    ("6", "keys/6"),
    ("7", "keys/7"),
    ("8", "keys/8"),
    ("9", "keys/9"),
    ("*", "keys/*"),
    ("0", "keys/0"),
    ("#", "keys/%23"),
];

/// After a failed long-poll, how long to wait before the next (ms).
const RETRY_MS: u32 = 2_000;

#[component]
pub fn PhonePanel() -> impl IntoView {
    let http = Http::provided();
    let panel = RwSignal::new(None::<Panel>);
    let error = RwSignal::new(None::<String>);

    // The long-poll: each answer is the whole panel; a lost answer costs
    // nothing. The task ends with the page (leaving the tab cancels it).
    spawn_scoped(Box::pin(async move {
        let mut version = None;
        loop {
            let answer = match version {
                None => api::panel(http).await,
                Some(v) => api::panel_changes(http, v).await,
            };
            match answer {
                Ok(p) => {
                    error.set(None);
                    version = Some(p.version);
                    show(panel, p);
                }
                Err(ApiFailure::Unauthorized) => {
                    // Retrying cannot help: the password is no longer good.
                    error.set(Some(ApiFailure::Unauthorized.to_string()));
                    break;
                }
                Err(e) => {
                    error.set(Some(e.to_string()));
                    version = None;
                    pause(RETRY_MS).await;
                }
            }
        }
    }));

    let number = RwSignal::new(String::new());
    let hold = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = clean_phone(&number.get_untracked());
        if !is_e164(&typed) {
            error.set(Some("Enter the number in international form, e.g. +14255550199.".into()));
            return;
        }
        perform(
            panel,
            error,
            Box::pin(async move {
                let answer = api::hold(http, &typed).await;
                // Keep what was typed when it was refused (e.g. held by someone else).
                if answer.is_ok() {
                    number.set(String::new());
                }
                answer
            }),
        );
    };

    view! {
        <section class="card panel" data-testid="phone-panel">
            <h2>"Phones"</h2>
            <p class="help">
                "Hold a number and calls to it ring here until you answer, decline or let it ring out. "
                "Numbers nobody holds answer by themselves."
            </p>
            <form class="hold" on:submit=hold>
                <label class="grow">
                    "Number"
                    <input type="tel" placeholder="+14255550199" data-testid="panel-number" bind:value=number />
                </label>
                <button type="submit" data-testid="panel-hold">"Hold"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="panel-error">{e}</p> })}
            <ul class="phones" aria-live="polite">
                {move || panel.with(|p| match p {
                    None => view! { <li class="empty">"Loading…"</li> }.into_any(),
                    Some(p) if p.phones.is_empty() => {
                        view! { <li class="empty">"You hold no phone."</li> }.into_any()
                    }
                    Some(p) => p.phones.iter().cloned().map(|phone| view! {
                        <PhoneRow phone panel error http />
                    }).collect_view().into_any(),
                })}
            </ul>
        </section>
        <BridgeFaults http />
    }
}

/// Runs a panel action; every action answers with the new panel. The task
/// belongs to the page: leaving it cancels the task, not the request.
/// (Boxed: one copy of the task for every action, docs/frontend-size.md.)
fn perform(
    panel: RwSignal<Option<Panel>>,
    error: RwSignal<Option<String>>,
    action: futures::future::LocalBoxFuture<'static, Result<Panel, ApiFailure>>,
) {
    spawn_scoped(Box::pin(async move {
        match action.await {
            Ok(p) => {
                error.set(None);
                show(panel, p);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    }))
}

/// A task of the page, cancelled when the page goes. Every task here is
/// boxed and goes through this one function: one copy of Leptos's
/// cancellation wrapper instead of one per task (docs/frontend-size.md).
fn spawn_scoped(task: futures::future::LocalBoxFuture<'static, ()>) {
    spawn_local_scoped_with_cancellation(task)
}

fn show(panel: RwSignal<Option<Panel>>, p: Panel) {
    if panel.try_with_untracked(|old| old.as_ref() != Some(&p)).unwrap_or(false) {
        panel.set(Some(p));
    }
}

#[component]
fn PhoneRow(phone: PanelPhone, panel: RwSignal<Option<Panel>>, error: RwSignal<Option<String>>, http: Http) -> impl IntoView {
    let number = phone.number.clone();
    let release = move |_| {
        let number = number.clone();
        perform(panel, error, Box::pin(async move { api::release(http, &number).await }));
    };
    let on_call = move |id: String, action: &'static str| {
        move |_| {
            let id = id.clone();
            perform(panel, error, Box::pin(async move { api::act_on_call(http, &id, action).await }));
        }
    };
    let call = phone.call.clone();
    let state = call.as_ref().map_or("idle", |c| match c.state.as_str() {
        "dialing" => "dialing",
        "ringing" => "ringing",
        "confirming" => "confirming",
        "connected" => "connected",
        _ => "other",
    });
    let announcement = call.as_ref().filter(|c| c.state == "confirming").and_then(|c| c.announcement.clone());
    let keypad = announcement.as_ref().and(call.as_ref()).map(|c| {
        let id = c.id.clone();
        view! {
            <div class="keypad" role="group" aria-label="Keypad" data-testid="panel-keypad">
                {KEYS.iter().map(|(key, action)| view! {
                    <button type="button" data-testid=format!("panel-key-{key}") on:click=on_call(id.clone(), action)>{*key}</button>
                }).collect_view()}
            </div>
        }
    });
    let muted = call.as_ref().is_some_and(|c| c.muted);
    view! {
        <li class=format!("phone phone-{state}") data-testid="panel-phone" data-number=phone.number.clone()>
            <span class="number" data-testid="panel-phone-number">{phone.number.clone()}</span>
            <span class=format!("state state-{state}") data-testid="panel-call-state">
                {match &call {
                    None => "idle".to_string(),
                    Some(c) if c.state == "ringing" => format!("ringing — {} calls", c.caller),
                    Some(c) => c.state.clone(),
                }}
            </span>
            {muted.then(|| view! { <span class="badge" data-testid="panel-muted">"muted"</span> })}
            {announcement.map(|text| view! { <q class="announcement" data-testid="panel-announcement">{text}</q> })}
            {keypad}
            <span class="actions">
                {call.map(|c| match c.state.as_str() {
                    "ringing" => view! {
                        <button data-testid="panel-answer" aria-label=format!("Answer {}", phone.number) on:click=on_call(c.id.clone(), "answer")>"Answer"</button>
                        <button class="danger" data-testid="panel-decline" aria-label=format!("Decline on {}", phone.number) on:click=on_call(c.id.clone(), "decline")>"Decline"</button>
                    }.into_any(),
                    "connected" | "confirming" => view! {
                        <button class="danger" data-testid="panel-hangup" aria-label=format!("Hang up {}", phone.number) on:click=on_call(c.id.clone(), "hangup")>"Hang up"</button>
                    }.into_any(),
                    _ => ().into_any(),
                })}
                <button class="link" data-testid="panel-release" aria-label=format!("Release {}", phone.number) on:click=release>"Release"</button>
            </span>
        </li>
    }
}

/// Fault injection for the person's own running conferences.
#[component]
fn BridgeFaults(http: Http) -> impl IntoView {
    let conferences = Conferences::provided();
    let running = Memo::new(move |_| {
        conferences.roster.with(|r| r.conferences().iter().filter(|c| !c.is_over()).map(|c| c.id.clone()).collect::<Vec<_>>())
    });
    let message = RwSignal::new(None::<String>);
    // The request belongs to this section, not to its row: the row goes
    // away (the list is redrawn) as soon as the conference ends, which may
    // be before the answer comes.
    let owner = Owner::current().expect("a component runs inside a reactive owner");
    let crash = move |id: String| {
        owner.with(|| {
            spawn_scoped(Box::pin(async move {
                let said = match api::crash_bridge(http, &id).await {
                    Ok(_) => format!("The bridge failed under {id}."),
                    Err(e) => e.to_string(),
                };
                message.set(Some(said));
            }))
        })
    };
    view! {
        <section class="card faults" data-testid="bridge-faults">
            <h2>"Network faults"</h2>
            <p class="help">"Make the conference bridge fail under one of your running conferences: everyone is cut off and the conference ends with a fatal error."</p>
            {super::shown(move || running.with(Vec::is_empty), || view! { <p class="empty">"No conference running."</p> })}
            <ul>
                // Redrawn whole when the list changes: the rows hold no state.
                {move || running.get().into_iter().map(|id| {
                    let (target, crash) = (id.clone(), crash.clone());
                    view! {
                        <li data-testid="fault-conference">
                            <span class="conference-id">{id}</span>
                            <button class="link danger" data-testid="crash-bridge"
                                on:click=move |_| crash(target.clone())>"Fail the bridge"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || message.get().map(|m| view! { <p class="help" data-testid="fault-result">{m}</p> })}
        </section>
    }
}
