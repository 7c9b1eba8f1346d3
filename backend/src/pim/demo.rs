//! What `--demo` puts in the address books and alice's inbox: enough to
//! show seed Figure 3 — the "Robert O'Brien" of alice's contacts (mobile)
//! and the directory's "Bob O'Brien" (office) with the same e-mail become
//! one roster line with both numbers, accents that differ between the books
//! ("Zoe Muller" / "Zoë Müller") still match, and e-mails with several
//! `To`/`Cc` recipients, one of them in neither book.
//!
//! Numbers are ordinary E.164 numbers in the +1 425 555 01xx range, not the
//! simulator's +1 500 555 000x test numbers, so they ring like any phone.
//! Seeding is skipped for a book or inbox that already has entries, so a
//! restart with `--demo` on the same database adds nothing twice.

use rollcall_shared::directory::{Address, Entry, Phone};
use rollcall_shared::soap::Location::{self, Home, Mobile, Work};

use crate::store::{Book, Email, Store};

/// The demo's e-mail domain.
const DOMAIN: &str = "rollcall.example";

fn entry(name: &str, email: &str, phones: &[(&str, Location)]) -> Entry {
    Entry {
        name: name.into(),
        emails: vec![email.into()],
        phones: phones.iter().map(|(n, l)| Phone { number: n.to_string(), location: *l }).collect(),
        user: None,
    }
}

fn mail(user: &str) -> String {
    format!("{user}@{DOMAIN}")
}

/// The directory entries of the demo users themselves.
fn user_entries() -> Vec<(&'static str, Entry)> {
    vec![
        ("alice", entry("Alice Adams", &mail("alice"), &[("+14255550101", Work), ("+14255550111", Mobile)])),
        ("bob", entry("Bob Baker", &mail("bob"), &[("+14255550102", Work)])),
        ("carol", entry("Carol Chen", &mail("carol"), &[("+14255550103", Work), ("+14255550113", Home)])),
    ]
}

/// The rest of the global directory.
fn directory() -> Vec<Entry> {
    vec![
        entry("Bob O'Brien", "robertob@test123.com", &[("+14255550143", Work)]),
        entry("Zoë Müller", &mail("zoe.muller"), &[("+14255550160", Work)]),
        entry("Dan Novák", &mail("dan.novak"), &[("+14255550170", Work), ("+14255550171", Mobile)]),
    ]
}

/// Each demo user's personal contacts.
fn contacts(user: &str) -> Vec<Entry> {
    match user {
        "alice" => vec![
            entry("Robert O'Brien", "robertob@test123.com", &[("+14255550142", Mobile)]),
            entry("Zoe Muller", &mail("zoe.muller"), &[("+14255550161", Mobile)]),
        ],
        "bob" => vec![entry("Alice Adams", &mail("alice"), &[("+14255550121", Home)])],
        "carol" => vec![entry("Dan Novak", &mail("dan.novak"), &[("+14255550172", Home)])],
        _ => vec![],
    }
}

fn address(name: &str, email: &str) -> Address {
    Address { name: Some(name.into()), email: email.into() }
}

/// Alice's inbox, oldest first.
fn alice_inbox() -> Vec<Email> {
    vec![
        Email {
            subject: "Q4 plan — can we talk?".into(),
            from: address("Bob O'Brien", "robertob@test123.com"),
            to: vec![address("Alice Adams", &mail("alice")), address("Zoë Müller", &mail("zoe.muller"))],
            cc: vec![address("Carol Chen", &mail("carol")), address("Dan Novák", &mail("dan.novak"))],
            date: Some("2026-11-26T09:12:00Z".into()),
            snippet: "The numbers are in. Before Friday I'd like all of us on one call.".into(),
        },
        Email {
            subject: "Launch review".into(),
            from: address("Carol Chen", &mail("carol")),
            to: vec![address("Alice Adams", &mail("alice")), address("Bob Baker", &mail("bob"))],
            cc: vec![address("Erin Example", "erin@partner.example")],
            date: Some("2026-11-26T11:40:00Z".into()),
            snippet: "Erin from the partner team joins us; her number is not in the directory yet.".into(),
        },
        Email {
            subject: "Quick sync".into(),
            from: address("Zoë Müller", &mail("zoe.muller")),
            to: vec![
                address("Alice Adams", &mail("alice")),
                address("Robert O'Brien", "robertob@test123.com"),
                address("Bob Baker", &mail("bob")),
            ],
            cc: vec![],
            date: Some("2026-11-26T14:05:00Z".into()),
            snippet: "Five minutes on the phone instead of twenty e-mails?".into(),
        },
    ]
}

/// A new user's start (`--signup`): the demo directory (if the directory
/// is empty), a directory entry of their own with two fresh numbers (which
/// they may hold in the phone panel), alice's demo contacts, and alice's
/// demo e-mails addressed to them. Their numbers.
pub async fn seed_starter(store: &Store, user: &str) -> anyhow::Result<Vec<String>> {
    let books = store.address_books();
    if books.is_empty(&Book::Directory).await? {
        seed(store, &[]).await?;
    }
    let work = fresh_number(&books).await?;
    let mut mobile = fresh_number(&books).await?;
    while mobile == work {
        mobile = fresh_number(&books).await?;
    }
    let name = display_name(user);
    let own = entry(&name, &mail(user), &[(work.as_str(), Work), (mobile.as_str(), Mobile)]);
    books.add_user_entry(user, &own).await?;
    books.add_all(&Book::Contacts(user.to_string()), &contacts("alice")).await?;
    let me = address(&name, &mail(user));
    for mut email in alice_inbox() {
        for to in email.to.iter_mut().chain(email.cc.iter_mut()) {
            if to.email == mail("alice") {
                *to = me.clone();
            }
        }
        store.inbox().add(user, &email).await?;
    }
    Ok(vec![work, mobile])
}

/// A +1 206 number nobody in the directory has (the phone panel lets only
/// its owner hold it).
async fn fresh_number(books: &crate::store::AddressBooks) -> anyhow::Result<String> {
    for _ in 0..20 {
        let n = u32::from_str_radix(&rollcall_shared::random::random_hex(4), 16).unwrap_or(0) % 10_000_000;
        let number = format!("+1206{n:07}");
        if !books.number_in_directory(&number).await? {
            return Ok(number);
        }
    }
    anyhow::bail!("no fresh number found")
}

/// "dora.novak" → "Dora Novak": a name to show until they have a real one.
fn display_name(user: &str) -> String {
    user.split(['.', '-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seeds the directory (once) and, for each of `users` known to the demo,
/// their contacts and inbox (each only when still empty).
pub async fn seed(store: &Store, users: &[String]) -> anyhow::Result<()> {
    let books = store.address_books();
    if books.is_empty(&Book::Directory).await? {
        for (user, entry) in user_entries() {
            books.add_user_entry(user, &entry).await?;
        }
        books.add_all(&Book::Directory, &directory()).await?;
    }
    for user in users {
        let book = Book::Contacts(user.clone());
        if books.is_empty(&book).await? {
            books.add_all(&book, &contacts(user)).await?;
        }
    }
    if users.iter().any(|u| u == "alice") && store.inbox().is_empty("alice").await? {
        for email in alice_inbox() {
            store.inbox().add("alice", &email).await?;
        }
    }
    Ok(())
}
