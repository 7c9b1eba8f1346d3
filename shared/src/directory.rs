//! Address book entries and how the roster of seed Figure 3 is built from
//! them: typed text (or the addresses of an e-mail) is resolved against the
//! user's personal contacts and the global directory, and entries that are
//! the same person are aggregated into one roster line — the seed's
//! "Robert O'Brien" with a mobile number in the contacts and an office
//! number in the directory becomes one person with both numbers.
//!
//! Pure logic, no storage: the server runs it over its database, and the
//! browser can run it over the same JSON.
//!
//! Two entries are the same person when they share an e-mail address
//! (compared case-insensitively) or their names [`fold`] to the same text.
//! Sameness is transitive: A and B sharing an e-mail and B and C sharing a
//! name make one person of all three.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::json::{from_json_fields, FromJson, JsonError, Value};
use crate::soap::{is_e164, Location};

/// A phone number of an entry, E.164, with the Figure 3 location it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub number: String,
    pub location: Location,
}

/// One address book entry, as stored in either book.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<Phone>,
    /// The Rollcall user this entry describes (a directory entry linked to
    /// a user name, e.g. by `--demo`): who to watch for presence. Absent
    /// from the JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// Where a person's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The user's personal contacts.
    Contacts,
    /// The global directory.
    Directory,
    /// Only the e-mail itself: an address found in neither book.
    Email,
}

/// One person of a roster: entries of both books merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The first entry's name (contacts come first: the user's own spelling).
    pub name: String,
    /// The other, differently folded names of the merged entries.
    pub also_known_as: Vec<String>,
    pub emails: Vec<String>,
    /// Union of the entries' numbers, one per E.164 number, first label wins.
    pub phones: Vec<Phone>,
    pub sources: Vec<Source>,
    /// The Rollcall user this person is: the first linked user name among
    /// the merged entries. Absent from the JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

// What the browser reads, without serde (`crate::json`).
from_json_fields!(Phone { number, location });
from_json_fields!(Person { name, also_known_as, emails, phones, sources, user });
from_json_fields!(Address { name, email });

impl FromJson for Source {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        match value {
            Value::String(s) if s == "contacts" => Ok(Source::Contacts),
            Value::String(s) if s == "directory" => Ok(Source::Directory),
            Value::String(s) if s == "email" => Ok(Source::Email),
            _ => Err(JsonError::new("expected contacts, directory or email")),
        }
    }
}

impl FromJson for Location {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        match value {
            Value::String(s) => s.parse().map_err(|_| JsonError::new("unknown location")),
            _ => Err(JsonError::new("expected a location")),
        }
    }
}

/// An address of an e-mail (`From`, `To`, `Cc`): display name and address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

/// "Conference everyone" on an e-mail: who starts it and who is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// The user, when either book knows them (with their own numbers).
    pub initiator: Option<Person>,
    /// Sender and recipients, merged, the user left out, in e-mail order.
    pub participants: Vec<Person>,
}

/// Folds text for comparison: lower case, accents removed (`Zoë Müller` →
/// `zoe muller`, `ø` → `o`, `ß` → `ss`), typographic apostrophes made
/// ASCII, runs of whitespace made one space, ends trimmed.
///
/// A table rather than Unicode normalisation (NFD) keeps the browser build
/// free of the normalisation tables; it covers Latin-1 and Latin
/// Extended-A, and drops combining marks of text that arrives decomposed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in lower_case(text).chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue; // a combining mark (decomposed accent)
        }
        if space {
            out.push(' ');
            space = false;
        }
        match fold_char(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

/// `text` in lower case, every script. In the browser the page's own
/// `toLowerCase` does it, so that the `.wasm` carries no Unicode case
/// tables (about 20 KiB, docs/frontend-size.md); it agrees with Rust's
/// per-character mapping except for a word-final `Σ` (`ς`, not `σ`).
fn lower_case(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.chars().flat_map(char::to_lowercase).collect()
    }
}

/// The ASCII of one lower-case accented letter, `None` when it has none.
fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{b4}' => "'",
        _ => return None,
    })
}

/// A phone number as written in an address book (`+1 (425) 555-0123`,
/// `tel:+1-425-555-0123`) made E.164 (`+14255550123`); `None` when it is
/// not an international number. Visual separators are dropped; anything
/// else (letters, extensions) makes it invalid rather than guessed at.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("tel:").or_else(|| raw.strip_prefix("TEL:")).unwrap_or(raw);
    let number = raw.split(';').next().unwrap_or_default();
    let number: String = number.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')).collect();
    is_e164(&number).then_some(number)
}

/// The comparison key of an e-mail address.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Merges entries that are the same person, keeping the order of first
/// appearance. Pass contacts before directory entries so that the user's
/// own spelling of a name and their labels win.
///
/// Linear in the number of entries: each entry's name is folded and its
/// e-mails keyed once, and entries are joined through hash maps of those
/// keys (union-find), not compared pairwise.
pub fn merge<'a>(entries: impl IntoIterator<Item = (Source, &'a Entry)>) -> Vec<Person> {
    let entries: Vec<Prepared<'a>> = entries.into_iter().map(|(source, entry)| Prepared::new(source, entry)).collect();
    // Union-find over entry indices, joined through shared keys.
    let mut parent: Vec<usize> = (0..entries.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut by_email: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let names = (!e.name.is_empty()).then_some(e.name.as_str());
        let keys = e.emails.iter().map(|k| (true, k.as_str())).chain(names.map(|n| (false, n)));
        for (is_email, key) in keys {
            let owners = if is_email { &mut by_email } else { &mut by_name };
            match owners.get(key) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    // The earlier entry stays the root: it names the person.
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    owners.insert(key, i);
                }
            }
        }
    }
    let mut people: Vec<Person> = Vec::new();
    let mut known: Vec<Known<'_>> = Vec::new();
    let mut slot_of_root: HashMap<usize, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let r = root(&mut parent, i);
        let slot = *slot_of_root.entry(r).or_insert_with(|| {
            people.push(Person {
                name: e.entry.name.trim().to_string(),
                also_known_as: Vec::new(),
                emails: Vec::new(),
                phones: Vec::new(),
                sources: Vec::new(),
                user: None,
            });
            // The person's own name, so it is not also-known-as.
            known.push(Known { names: vec![e.name.as_str()], emails: Vec::new() });
            people.len() - 1
        });
        absorb(&mut people[slot], &mut known[slot], e);
    }
    people
}

/// An entry with its comparison keys computed once.
struct Prepared<'a> {
    source: Source,
    entry: &'a Entry,
    /// The folded name (`""` for none).
    name: String,
    /// The e-mail keys, in order.
    emails: Vec<String>,
}

impl<'a> Prepared<'a> {
    fn new(source: Source, entry: &'a Entry) -> Self {
        Prepared { source, entry, name: fold(&entry.name), emails: entry.emails.iter().map(|e| email_key(e)).collect() }
    }
}

/// What a person being built already has, as comparison keys.
struct Known<'a> {
    names: Vec<&'a str>,
    emails: Vec<&'a str>,
}

/// Adds one entry's names, e-mails, numbers, source and linked user (the
/// first one wins) to a person.
fn absorb<'k>(person: &mut Person, known: &mut Known<'k>, e: &'k Prepared<'_>) {
    let entry = e.entry;
    if !e.name.is_empty() && !known.names.contains(&e.name.as_str()) {
        person.also_known_as.push(entry.name.trim().to_string());
        known.names.push(&e.name);
    }
    for (email, key) in entry.emails.iter().zip(&e.emails) {
        if !known.emails.contains(&key.as_str()) {
            known.emails.push(key);
            person.emails.push(email.trim().to_string());
        }
    }
    for phone in &entry.phones {
        let number = normalize_phone(&phone.number).unwrap_or_else(|| phone.number.clone());
        if !person.phones.iter().any(|p| p.number == number) {
            person.phones.push(Phone { number, location: phone.location });
        }
    }
    if !person.sources.contains(&e.source) {
        person.sources.push(e.source);
    }
    if person.user.is_none() {
        person.user.clone_from(&entry.user);
    }
}

/// What was typed, folded once for matching against many people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The folded text (for e-mails).
    folded: String,
    /// Its words, apostrophes removed (for names).
    words: Vec<String>,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let folded = fold(text);
        let words = if folded.is_empty() { Vec::new() } else { folded.split(' ').map(|w| w.replace('\'', "")).collect() };
        Query { folded, words }
    }

    /// Does `person` match? Every word of the query must begin a word of
    /// one of their names (apostrophes ignored, so `obrien` finds
    /// `O'Brien`), or the query must be part of one of their e-mails. The
    /// empty query matches everyone (the seed: no text brings up the book).
    pub fn matches(&self, person: &Person) -> bool {
        if self.folded.is_empty() || person.emails.iter().any(|e| email_key(e).contains(&self.folded)) {
            return true;
        }
        std::iter::once(&person.name).chain(&person.also_known_as).any(|name| {
            let folded = fold(name).replace('\'', "");
            self.words.iter().all(|w| folded.split(' ').any(|n| n.starts_with(w.as_str())))
        })
    }
}

/// Does `person` match `query`? See [`Query::matches`]; fold the query
/// once with [`Query::new`] to test many people.
pub fn matches(person: &Person, query: &str) -> bool {
    Query::new(query).matches(person)
}

/// Resolves typed text against both books: the merged people that match.
pub fn resolve(query: &str, contacts: &[Entry], directory: &[Entry]) -> Vec<Person> {
    let query = Query::new(query);
    let people = merge(tagged(contacts, directory));
    people.into_iter().filter(|p| query.matches(p)).collect()
}

fn tagged<'a>(contacts: &'a [Entry], directory: &'a [Entry]) -> impl Iterator<Item = (Source, &'a Entry)> {
    contacts.iter().map(|e| (Source::Contacts, e)).chain(directory.iter().map(|e| (Source::Directory, e)))
}

/// "Conference everyone" on an e-mail: each address (sender first, then
/// `To`, then `Cc`) resolved to a merged person — by e-mail, else by a name
/// that folds the same, else a person of the address alone — each person
/// once. Whoever has one of `own_emails` is the user: they are left out of
/// the participants and become the initiator (found even when the e-mail
/// does not name them).
pub fn roster(addresses: &[Address], own_emails: &[String], contacts: &[Entry], directory: &[Entry]) -> Roster {
    let people = merge(tagged(contacts, directory));
    let own: HashSet<String> = own_emails.iter().map(|e| email_key(e)).collect();
    let is_own = |p: &Person| p.emails.iter().any(|e| own.contains(&email_key(e)));
    let initiator = people.iter().find(|p| is_own(p)).cloned();
    let mut chosen: Vec<usize> = Vec::new();
    let mut participants: Vec<Person> = Vec::new();
    let mut unknown: HashSet<String> = HashSet::new();
    for address in addresses {
        let key = email_key(&address.email);
        if key.is_empty() || own.contains(&key) {
            continue;
        }
        let by_email = people.iter().position(|p| p.emails.iter().any(|e| email_key(e) == key));
        let by_name = || {
            let name = fold(address.name.as_deref()?);
            people
                .iter()
                .position(|p| !name.is_empty() && std::iter::once(&p.name).chain(&p.also_known_as).any(|n| fold(n) == name))
        };
        match by_email.or_else(by_name) {
            Some(i) if is_own(&people[i]) => {}
            Some(i) => {
                if !chosen.contains(&i) {
                    chosen.push(i);
                    participants.push(people[i].clone());
                }
            }
            None => {
                if unknown.insert(key) {
                    let name = address.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| address.email.clone());
                    participants.push(Person {
                        name,
                        also_known_as: Vec::new(),
                        emails: vec![address.email.trim().to_string()],
                        phones: Vec::new(),
                        sources: vec![Source::Email],
                        user: None,
                    });
                }
            }
        }
    }
    Roster { initiator, participants }
}

#[cfg(test)]
mod tests;
