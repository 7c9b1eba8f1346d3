use super::*;
use rollcall_shared::directory::Source;

fn person(name: &str, email: &str, phones: &[(&str, Location)]) -> Person {
    Person {
        name: name.into(),
        also_known_as: vec![],
        emails: if email.is_empty() { vec![] } else { vec![email.into()] },
        phones: phones.iter().map(|(n, l)| Phone { number: n.to_string(), location: *l }).collect(),
        sources: vec![Source::Directory],
        user: None,
    }
}

#[test]
fn a_member_is_called_at_their_first_number_until_another_is_chosen() {
    let mut draft = Draft::default();
    let robert =
        person("Robert O'Brien", "robertob@test123.com", &[("+14255550142", Location::Mobile), ("+14255550143", Location::Work)]);
    assert!(draft.add(robert.clone()));
    assert_eq!(draft.parties()[0].phone, "+14255550142");
    assert_eq!(draft.parties()[0].location, Location::Mobile);
    assert_eq!(draft.parties()[0].email.as_deref(), Some("robertob@test123.com"));

    draft.choose(0, "+14255550143");
    assert_eq!(draft.parties()[0].phone, "+14255550143");
    assert_eq!(draft.parties()[0].location, Location::Work);
    // Not one of his numbers: ignored.
    draft.choose(0, "+19999999999");
    assert_eq!(draft.parties()[0].phone, "+14255550143");
    assert_eq!(phone_label(draft.members[0].phone().unwrap()), "work · +14255550143");
}

#[test]
fn the_same_person_is_added_once() {
    let mut draft = Draft::default();
    assert!(draft.add(person("Zoë Müller", "zoe@x.example", &[("+14255550160", Location::Work)])));
    // Same e-mail, another spelling; same folded name, no e-mail.
    assert!(!draft.add(person("Zoe M.", "ZOE@x.example", &[])));
    assert!(!draft.add(person("zoe  muller", "", &[])));
    // A typed number, twice.
    assert!(draft.add(person_at("+12065550100")));
    assert!(!draft.add(person_at("+12065550100")));
    assert!(draft.add(person_at("+12065550101")));
    assert_eq!(draft.members.len(), 3);
    draft.remove(1);
    draft.remove(7);
    assert_eq!(draft.members.len(), 2);
}

#[test]
fn people_without_a_number_are_listed_not_called() {
    let mut draft = Draft::default();
    let mut erin = person("Erin Example", "erin@partner.example", &[]);
    erin.sources = vec![Source::Email];
    let mut bob = person("Bob Baker", "bob@rollcall.example", &[("+14255550102", Location::Work)]);
    bob.user = Some("bob".into());
    draft.replace(vec![bob, erin.clone(), erin]);
    assert_eq!(draft.members.len(), 2);
    assert_eq!(draft.parties().len(), 1);
    assert_eq!(draft.without_number(), vec!["Erin Example"]);
    assert_eq!(draft.members[0].person.user.as_deref(), Some("bob"));
}

#[test]
fn short_labels_tell_numbers_apart() {
    let phones = [
        Phone { number: "+14255550142".into(), location: Location::Mobile },
        Phone { number: "+14255550143".into(), location: Location::Work },
        Phone { number: "+14255550144".into(), location: Location::Work },
    ];
    assert_eq!(short_labels(&phones), ["mobile", "work …0143", "work …0144"]);
}

#[test]
fn a_live_number_leads_back_to_its_person() {
    let people = vec![
        person("Bob Baker", "bob@x", &[("+14255550102", Location::Work)]),
        person("Dan Novák", "dan@x", &[("+14255550170", Location::Work), ("+14255550171", Location::Mobile)]),
    ];
    assert_eq!(who_has(&people, "+14255550171").map(|p| p.name.as_str()), Some("Dan Novák"));
    assert!(who_has(&people, "+15005550002").is_none());
}

#[test]
fn clean_phone_drops_what_people_write_numbers_with() {
    assert_eq!(clean_phone(" +1 (425) 555-0100 "), "+14255550100");
    assert_eq!(clean_phone("+1.425.555.0101"), "+14255550101");
    // Not E.164 stays not E.164: the server answers InvalidNumber.
    assert_eq!(clean_phone("425 555 0100"), "4255550100");
    assert_eq!(clean_phone("call me"), "callme");
}
