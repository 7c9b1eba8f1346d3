use super::*;

#[test]
fn reads_a_vcard_4_with_uri_numbers_and_types() {
    let text = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë Müller\r\nN:Müller;Zoë;;;\r\n\
        EMAIL;TYPE=work:zoe@example.com\r\n\
        TEL;VALUE=uri;TYPE=\"work,voice\":tel:+1-425-555-0160\r\n\
        TEL;VALUE=uri;TYPE=cell:tel:+14255550161;ext=1\r\n\
        TEL;TYPE=home:+1 (425) 555-0162\r\nTEL;TYPE=voice:+14255550163\r\nEND:VCARD\r\n";
    let entries = parse(text).expect("parses");
    assert_eq!(entries.len(), 1);
    let zoe = &entries[0];
    assert_eq!(zoe.name, "Zoë Müller");
    assert_eq!(zoe.emails, vec!["zoe@example.com"]);
    let phones: Vec<(&str, Location)> = zoe.phones.iter().map(|p| (p.number.as_str(), p.location)).collect();
    assert_eq!(
        phones,
        vec![
            ("+14255550160", Location::Work),
            ("+14255550161", Location::Mobile),
            ("+14255550162", Location::Home),
            ("+14255550163", Location::Other),
        ]
    );
}

#[test]
fn reads_vcard_3_with_folding_escapes_groups_and_shorthand_types() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nN:O'Brien;Robert;;;\nFN:Robert O'Brien\\, Jr.\n\
        item1.EMAIL;TYPE=INTERNET:robertob@\n test123.com\n\
        TEL;TYPE=CELL,VOICE:+14255550\n\t142\nTEL;WORK:+14255550143\nTEL;type=mobile:+14255550142\n\
        NOTE:a note\\; with: colons\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:3.0\nN:Chen;Carol;Ann;Dr.;\nEMAIL:mailto:carol@example.com\nEND:VCARD";
    let entries = parse(text).expect("parses");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].name, "Robert O'Brien, Jr.");
    assert_eq!(entries[0].emails, vec!["robertob@test123.com"]);
    assert_eq!(entries[0].phones.len(), 2, "the repeated mobile number once: {:?}", entries[0].phones);
    assert_eq!(entries[0].phones[0].location, Location::Mobile);
    assert_eq!(entries[0].phones[1].location, Location::Work);
    // No FN: the name from N, in reading order.
    assert_eq!(entries[1].name, "Dr. Carol Ann Chen");
    assert_eq!(entries[1].emails, vec!["carol@example.com"]);
}

#[test]
fn broken_files_name_the_line() {
    let cases = [
        ("BEGIN:VCARD\nFN:A\nTEL:555-0100\nEND:VCARD\n", 3, "E.164"),
        ("BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nEND:VCARD\n", 3, "BEGIN inside"),
        ("BEGIN:VCARD\nFN:A\n", 1, "not closed"),
        ("FN:A\n", 1, "outside"),
        ("BEGIN:VCARD\nVERSION:4.0\nEND:VCARD\n", 1, "without FN or N"),
        ("BEGIN:VCARD\nFN:A\nthis line has no colon\nEND:VCARD\n", 3, "no `:`"),
        ("BEGIN:VCARD\nFN:A\nEMAIL:not-an-address\nEND:VCARD\n", 3, "e-mail"),
    ];
    for (text, line, words) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(e.to_string().contains(words), "{e}");
        assert!(e.to_string().starts_with(&format!("vCard line {line}:")), "{e}");
    }
}

#[test]
fn an_empty_file_has_no_cards() {
    assert_eq!(parse("\n\r\n"), Ok(vec![]));
}
