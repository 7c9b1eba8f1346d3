//! Writing a [`ConferenceInfo`] as XML: the conference-info namespace as
//! the default namespace, elements in the schema's order (RFC 4575 §5 is a
//! sequence), every text and attribute value escaped.

use super::{ConferenceInfo, DocState, Endpoint, Media, User, NAMESPACE};

/// The whole document.
pub(super) fn document(info: &ConferenceInfo) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<conference-info xmlns=\"{NAMESPACE}\" entity=\"{}\" state=\"{}\" version=\"{}\">",
        escape(&info.entity),
        info.state,
        info.version
    ));
    if let Some(description) = &info.description {
        out.push_str("<conference-description>");
        leaf(&mut out, "display-text", description.display_text.as_deref());
        leaf(&mut out, "subject", description.subject.as_deref());
        out.push_str("</conference-description>");
    }
    if let Some(state) = &info.conference_state {
        out.push_str("<conference-state>");
        leaf(&mut out, "user-count", state.user_count.map(|n| n.to_string()).as_deref());
        leaf(&mut out, "active", state.active.map(bool_text));
        leaf(&mut out, "locked", state.locked.map(bool_text));
        out.push_str("</conference-state>");
    }
    if let Some(users) = &info.users {
        out.push_str(&format!("<users{}>", state_attribute(users.state)));
        for u in &users.users {
            user(&mut out, u);
        }
        out.push_str("</users>");
    }
    out.push_str("</conference-info>");
    out
}

fn user(out: &mut String, user: &User) {
    out.push_str(&format!("<user entity=\"{}\"{}>", escape(&user.entity), state_attribute(user.state)));
    leaf(out, "display-text", user.display_text.as_deref());
    for e in &user.endpoints {
        endpoint(out, e);
    }
    out.push_str("</user>");
}

fn endpoint(out: &mut String, endpoint: &Endpoint) {
    out.push_str(&format!("<endpoint entity=\"{}\"{}>", escape(&endpoint.entity), state_attribute(endpoint.state)));
    leaf(out, "status", endpoint.status.map(|s| s.as_str()));
    leaf(out, "disconnection-method", endpoint.disconnection_method.map(|m| m.as_str()));
    if let Some(reason) = &endpoint.disconnection_reason {
        out.push_str("<disconnection-info>");
        leaf(out, "reason", Some(reason));
        out.push_str("</disconnection-info>");
    }
    for m in &endpoint.media {
        media(out, m);
    }
    out.push_str("</endpoint>");
}

fn media(out: &mut String, media: &Media) {
    out.push_str(&format!("<media id=\"{}\">", escape(&media.id)));
    leaf(out, "type", media.media_type.as_deref());
    leaf(out, "status", media.status.map(|s| s.as_str()));
    out.push_str("</media>");
}

/// ` state="…"`, left out for `full` (the schema's default).
fn state_attribute(state: DocState) -> String {
    match state {
        DocState::Full => String::new(),
        other => format!(" state=\"{other}\""),
    }
}

/// `<name>text</name>` when there is a text.
fn leaf(out: &mut String, name: &str, text: Option<&str>) {
    if let Some(text) = text {
        out.push_str(&format!("<{name}>{}</{name}>", escape(text)));
    }
}

fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// Escapes the five XML specials, and drops the characters XML 1.0 does
/// not allow at all (controls other than tab, CR and LF).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
