use super::*;

fn entry(name: &str, emails: &[&str], phones: &[(&str, Location)]) -> Entry {
    Entry {
        name: name.into(),
        emails: emails.iter().map(|e| e.to_string()).collect(),
        phones: phones.iter().map(|(n, l)| Phone { number: n.to_string(), location: *l }).collect(),
        user: None,
    }
}

fn numbers(person: &Person) -> Vec<(&str, Location)> {
    person.phones.iter().map(|p| (p.number.as_str(), p.location)).collect()
}

#[test]
fn folding_ignores_case_spacing_and_accents() {
    assert_eq!(fold("  Zoë   Müller "), "zoe muller");
    assert_eq!(fold("Bjørn Ødegård"), "bjorn odegard");
    assert_eq!(fold("Straße"), "strasse");
    assert_eq!(fold("Robert O\u{2019}Brien"), "robert o'brien");
    // Decomposed input (e + combining diaeresis) folds the same.
    assert_eq!(fold("Zoe\u{308}"), "zoe");
    assert_eq!(fold("ŁUKASZ Żółć"), "lukasz zolc");
}

#[test]
fn phones_are_made_e164_or_refused() {
    assert_eq!(normalize_phone("+1 (425) 555-0123").as_deref(), Some("+14255550123"));
    assert_eq!(normalize_phone("tel:+1-425-555-0123").as_deref(), Some("+14255550123"));
    assert_eq!(normalize_phone("tel:+44.20.7946.0018;ext=12").as_deref(), Some("+442079460018"));
    assert_eq!(normalize_phone("425 555 0123"), None);
    assert_eq!(normalize_phone("+1 425 CALL ME"), None);
}

/// The seed's example: one roster entry with both the mobile number of the
/// contact and the office number of the directory entry.
#[test]
fn the_obrien_entries_become_one_person() {
    let contacts = [entry("Robert O'Brien", &["robertob@test123.com"], &[("+14255550142", Location::Mobile)])];
    // As in the seed: same name, a different e-mail — merged by name.
    let directory = [entry("Robert O'Brien", &["robertob@abcd.com"], &[("+1 425 555 0143", Location::Work)])];
    let found = resolve("robert", &contacts, &directory);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(numbers(&found[0]), vec![("+14255550142", Location::Mobile), ("+14255550143", Location::Work)]);
    assert_eq!(found[0].emails, vec!["robertob@test123.com", "robertob@abcd.com"]);
    assert_eq!(found[0].sources, vec![Source::Contacts, Source::Directory]);

    // And with another name in the directory but the same e-mail: merged by e-mail,
    // and findable by either name.
    let directory = [entry("Bob O'Brien", &["RobertOB@test123.com"], &[("+14255550143", Location::Work)])];
    let found = resolve("bob obrien", &contacts, &directory);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "Robert O'Brien", "the contact's spelling wins");
    assert_eq!(found[0].also_known_as, vec!["Bob O'Brien"]);
    assert_eq!(found[0].emails, vec!["robertob@test123.com"], "e-mails compared case-insensitively");
    assert_eq!(found[0].phones.len(), 2);
}

#[test]
fn the_same_number_twice_is_listed_once_with_the_first_label() {
    let contacts = [entry("Ann Lee", &["ann@example.com"], &[("+14255550150", Location::Mobile)])];
    let directory = [entry("Ann Lee", &[], &[("+1 425-555-0150", Location::Work), ("+14255550151", Location::Work)])];
    let found = resolve("", &contacts, &directory);
    assert_eq!(numbers(&found[0]), vec![("+14255550150", Location::Mobile), ("+14255550151", Location::Work)]);
}

#[test]
fn resolution_tolerates_case_spacing_and_accents() {
    let directory = [entry("Zoë Müller", &["zoe.mueller@example.com"], &[])];
    for query in ["zoe  muller", "ZOË", "  mül", "Zoe.Mueller@", "z m"] {
        assert_eq!(resolve(query, &[], &directory).len(), 1, "{query}");
    }
    for query in ["zoey", "mullerx", "alice"] {
        assert!(resolve(query, &[], &directory).is_empty(), "{query}");
    }
}

#[test]
fn different_people_are_not_merged() {
    let directory = [
        entry("Ann Lee", &["ann@example.com"], &[("+14255550150", Location::Work)]),
        entry("Anne Lee", &["anne@example.com"], &[("+14255550152", Location::Work)]),
        entry("Bo Lee", &["bo@example.com"], &[("+14255550150", Location::Home)]),
    ];
    let found = resolve("lee", &[], &directory);
    assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["Ann Lee", "Anne Lee", "Bo Lee"]);
    // A shared number alone (a switchboard, a family phone) is no reason to merge.
    assert_eq!(found[2].phones.len(), 1);
}

#[test]
fn sameness_is_transitive() {
    let people = merge([
        (Source::Contacts, &entry("A One", &["a@x.com"], &[])),
        (Source::Directory, &entry("Alias", &["a@x.com", "b@x.com"], &[])),
        (Source::Directory, &entry("B Two", &["b@x.com"], &[])),
    ]);
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].also_known_as, vec!["Alias", "B Two"]);
}

fn address(name: Option<&str>, email: &str) -> Address {
    Address { name: name.map(str::to_string), email: email.into() }
}

#[test]
fn roster_of_an_email_leaves_the_user_out_and_makes_them_initiator() {
    let contacts = [entry("Robert O'Brien", &["robertob@test123.com"], &[("+14255550142", Location::Mobile)])];
    let directory = [
        entry("Alice Adams", &["alice@example.com"], &[("+14255550101", Location::Work)]),
        entry("Bob O'Brien", &["robertob@test123.com"], &[("+14255550143", Location::Work)]),
        entry("Zoë Müller", &["zoe@example.com"], &[("+14255550160", Location::Work)]),
    ];
    let addresses = [
        address(Some("Zoe Muller"), "ZOE@example.com"),
        address(Some("Alice Adams"), "alice@example.com"),
        address(None, "robertob@test123.com"),
        address(Some("Zoë Müller"), "zoe@example.com"),
        address(Some("Stranger"), "who@elsewhere.org"),
        address(Some("Stranger"), "WHO@elsewhere.org"),
    ];
    let roster = roster(&addresses, &["Alice@Example.com".into()], &contacts, &directory);
    let initiator = roster.initiator.expect("alice is in the directory");
    assert_eq!((initiator.name.as_str(), initiator.phones.len()), ("Alice Adams", 1));
    let names: Vec<&str> = roster.participants.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Zoë Müller", "Robert O'Brien", "Stranger"]);
    assert_eq!(roster.participants[1].phones.len(), 2);
    assert_eq!(roster.participants[2].sources, vec![Source::Email]);
    assert!(roster.participants[2].phones.is_empty());
}

#[test]
fn an_address_is_found_by_name_when_its_email_is_unknown() {
    let directory = [entry("Carol Chen", &["carol@example.com"], &[("+14255550103", Location::Work)])];
    let roster = roster(&[address(Some("carol  CHEN"), "carol.private@home.net")], &[], &[], &directory);
    assert_eq!(roster.initiator, None);
    assert_eq!(roster.participants.len(), 1);
    assert_eq!(roster.participants[0].phones.len(), 1);
}

#[test]
fn json_shape() {
    let person = merge([(Source::Directory, &entry("Ann", &["a@x.com"], &[("+14255550150", Location::Mobile)]))]);
    let json = serde_json::to_value(&person[0]).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"name":"Ann","also_known_as":[],"emails":["a@x.com"],
            "phones":[{"number":"+14255550150","location":"mobile"}],"sources":["directory"]})
    );
}

fn linked(user: &str, name: &str, emails: &[&str]) -> Entry {
    Entry { user: Some(user.into()), ..entry(name, emails, &[]) }
}

/// A contact (never linked) merged with the directory entry of a user is
/// that user; of two linked entries, the first one's user wins.
#[test]
fn the_linked_user_carries_through_a_merge() {
    let contacts = [entry("Bobby", &["bob@example.com"], &[])];
    let directory = [linked("bob", "Bob Baker", &["bob@example.com"]), entry("Ann Lee", &[], &[])];
    let found = resolve("", &contacts, &directory);
    assert_eq!(
        found.iter().map(|p| (p.name.as_str(), p.user.as_deref())).collect::<Vec<_>>(),
        [("Bobby", Some("bob")), ("Ann Lee", None)]
    );
    let people = merge([
        (Source::Directory, &linked("carol", "Carol Chen", &["c@x.com"])),
        (Source::Directory, &linked("carol2", "C. Chen", &["c@x.com"])),
    ]);
    assert_eq!(people[0].user.as_deref(), Some("carol"));
    // The roster's people carry it too.
    let roster = roster(&[address(None, "bob@example.com")], &[], &contacts, &directory);
    assert_eq!(roster.participants[0].user.as_deref(), Some("bob"));
}

#[test]
fn user_is_in_the_json_only_when_linked() {
    let entry_json = serde_json::to_value(linked("bob", "Bob", &[])).expect("json");
    assert_eq!(entry_json["user"], "bob");
    let read: Entry = serde_json::from_str(r#"{"name":"Ann","emails":[],"phones":[]}"#).expect("no user field");
    assert_eq!(read.user, None);
    let person = merge([(Source::Directory, &linked("bob", "Bob", &[]))]);
    let json = serde_json::to_value(&person[0]).expect("json");
    assert_eq!(json["user"], "bob");
}
