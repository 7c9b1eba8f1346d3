//! A vCard reader (RFC 2426 for 3.0, RFC 6350 for 4.0), for importing
//! address books: it keeps what a roster needs — the name (`FN`, else `N`),
//! e-mail addresses (`EMAIL`) and phone numbers (`TEL`) with their Figure 3
//! location — and ignores every other property.
//!
//! Written here rather than taken from a crate: the maintained ones
//! (`calcard`) bring iCalendar and JSContact along, far more than four
//! properties, and this module must also build for the browser.
//!
//! Strict where guessing would store wrong data: a card without a name, a
//! `BEGIN` inside a card, a missing `END`, or a number that is not E.164 is
//! an error naming its line, and nothing of the file is returned.

use crate::directory::{normalize_phone, Entry, Phone};
use crate::soap::Location;

/// What is wrong with a vCard file, and on which (physical, 1-based) line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("vCard line {line}: {message}")]
pub struct VcardError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> VcardError {
    VcardError { line, message: message.into() }
}

/// One content line after unfolding: `group.NAME;PARAM=V:value`.
struct ContentLine {
    /// Physical line where it started.
    line: usize,
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

/// Reads every card of `text` into entries, in file order.
pub fn parse(text: &str) -> Result<Vec<Entry>, VcardError> {
    let mut entries = Vec::new();
    let mut card: Option<(usize, Card)> = None;
    for content in unfold(text) {
        let content = content?;
        match (content.name.as_str(), card.as_mut()) {
            ("BEGIN", None) if content.value.eq_ignore_ascii_case("VCARD") => card = Some((content.line, Card::default())),
            ("BEGIN", Some(_)) => return Err(error(content.line, "BEGIN inside a card (missing END:VCARD?)")),
            (_, None) => return Err(error(content.line, format!("{} outside BEGIN:VCARD … END:VCARD", content.name))),
            ("END", Some(_)) => {
                if let Some((begin, done)) = card.take() {
                    entries.push(done.finish().ok_or_else(|| error(begin, "card without FN or N"))?);
                }
            }
            (_, Some((_, current))) => current.take(&content)?,
        }
    }
    if let Some((begin, _)) = card {
        return Err(error(begin, "card not closed by END:VCARD"));
    }
    Ok(entries)
}

/// Splits into content lines, joining folded lines (a line starting with a
/// space or tab continues the previous one, RFC 6350 §3.2). Empty lines are
/// skipped.
fn unfold(text: &str) -> impl Iterator<Item = Result<ContentLine, VcardError>> + '_ {
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), logical.last_mut()) {
            (Some(rest), Some((_, previous))) => previous.push_str(rest),
            _ if raw.trim().is_empty() => {}
            _ => logical.push((i + 1, raw.to_string())),
        }
    }
    logical.into_iter().map(|(line, text)| split_line(line, &text))
}

/// `group.NAME;PARAM=a,b;PARAM2="x":value` → its parts. Parameter values
/// may be quoted (and then contain `:` and `;`).
fn split_line(line: usize, text: &str) -> Result<ContentLine, VcardError> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon.ok_or_else(|| error(line, format!("no `:` in `{}`", shorten(text))))?;
    let (head, value) = (&text[..colon], &text[colon + 1..]);
    let mut parts = split_unquoted(head, ';').into_iter();
    let name = parts.next().unwrap_or_default();
    let name = name.rsplit('.').next().unwrap_or_default().trim().to_ascii_uppercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(error(line, format!("bad property name in `{}`", shorten(text))));
    }
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_string()),
            // vCard 2.1 / 3.0 shorthand: `TEL;CELL:` means `TYPE=CELL`.
            None => ("TYPE".to_string(), p.trim().to_string()),
        })
        .collect();
    Ok(ContentLine { line, name, params, value: value.to_string() })
}

fn split_unquoted(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    for c in text.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c == separator && !in_quotes {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Undoes text escapes: `\n` `\N` → newline, `\,` `\;` `\\` → the character.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a structured value (`N`) at unescaped `;`, unescaping each part.
fn components(value: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
            current.push('\\');
            current.push(c);
        } else if c == '\\' {
            escaped = true;
        } else if c == ';' {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts.iter().map(|p| unescape(p)).collect()
}

/// The card being read.
#[derive(Default)]
struct Card {
    formatted_name: Option<String>,
    /// `N` turned into "Given Family" for cards without `FN`.
    structured_name: Option<String>,
    emails: Vec<String>,
    phones: Vec<Phone>,
}

impl Card {
    fn take(&mut self, content: &ContentLine) -> Result<(), VcardError> {
        match content.name.as_str() {
            "FN" => {
                let name = unescape(&content.value).trim().to_string();
                if !name.is_empty() && self.formatted_name.is_none() {
                    self.formatted_name = Some(name);
                }
            }
            "N" => {
                // Family; Given; Additional; Prefixes; Suffixes
                let parts = components(&content.value);
                let pick = |i: usize| parts.get(i).map(|s| s.replace(',', " ")).unwrap_or_default();
                let name = [pick(3), pick(1), pick(2), pick(0), pick(4)]
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                if !name.is_empty() {
                    self.structured_name = Some(name);
                }
            }
            "EMAIL" => {
                let email = unescape(&content.value).trim().to_string();
                let email = email.strip_prefix("mailto:").unwrap_or(&email).to_string();
                if !email.contains('@') {
                    return Err(error(content.line, format!("EMAIL `{}` is not an e-mail address", shorten(&email))));
                }
                if !self.emails.iter().any(|e| e.eq_ignore_ascii_case(&email)) {
                    self.emails.push(email);
                }
            }
            "TEL" => {
                let raw = unescape(&content.value);
                let number = normalize_phone(&raw).ok_or_else(|| {
                    error(content.line, format!("TEL `{}` is not an international (E.164) number", shorten(raw.trim())))
                })?;
                if !self.phones.iter().any(|p| p.number == number) {
                    self.phones.push(Phone { number, location: location(&content.params) });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Option<Entry> {
        let name = self.formatted_name.or(self.structured_name)?;
        Some(Entry { name, emails: self.emails, phones: self.phones, user: None })
    }
}

/// The Figure 3 location of a `TEL`'s `TYPE`s: `cell`/`mobile` → mobile,
/// `home` → home, `work` → work, anything else (`voice`, `other`, none) →
/// other. Mobile wins over home and work: `TYPE=work,cell` is a work mobile,
/// and it is reached on the mobile.
fn location(params: &[(String, String)]) -> Location {
    let types: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "TYPE")
        .flat_map(|(_, v)| v.split(',').map(|t| t.trim().to_ascii_lowercase()).collect::<Vec<_>>())
        .collect();
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("cell") || has("mobile") {
        Location::Mobile
    } else if has("home") {
        Location::Home
    } else if has("work") {
        Location::Work
    } else {
        Location::Other
    }
}

#[cfg(test)]
mod tests;
