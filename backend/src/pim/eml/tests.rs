use super::*;

const MAIL: &str = "From: \"Bob O'Brien\" <robertob@test123.com>\r\n\
    To: Alice Adams <alice@example.com>, =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.com>\r\n\
    Cc: carol@example.com\r\n\
    Subject: =?UTF-8?Q?Q4_plan_=E2=80=94_call?=\r\n\
    Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\
    MIME-Version: 1.0\r\n\
    Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
    --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCan we   talk\r\nabout Q4?\r\n\
    --b\r\nContent-Type: text/html\r\n\r\n<p>Can we talk about Q4?</p>\r\n--b--\r\n";

#[test]
fn reads_subject_addresses_date_and_snippet() {
    let email = parse(MAIL.as_bytes()).expect("parses");
    assert_eq!(email.subject, "Q4 plan — call");
    assert_eq!(email.from, Address { name: Some("Bob O'Brien".into()), email: "robertob@test123.com".into() });
    assert_eq!(email.to.len(), 2);
    assert_eq!(email.to[1].name.as_deref(), Some("Zoë Müller"));
    assert_eq!(email.cc, vec![Address { name: None, email: "carol@example.com".into() }]);
    assert_eq!(email.date.as_deref(), Some("2026-11-26T10:00:00Z"));
    assert_eq!(email.snippet, "Can we talk about Q4?");
}

#[test]
fn broken_uploads_are_refused() {
    assert_eq!(parse(b"").map_err(|e| e.to_string()), Err(EmlError::NotAMessage.to_string()));
    assert_eq!(parse(b"To: a@example.com\r\n\r\nhi"), Err(EmlError::NoSender));
    assert_eq!(parse(b"From: a@example.com\r\nSubject: x\r\n\r\nhi"), Err(EmlError::NoRecipients));
    assert!(parse(b"just some text, not mail").is_err());
}
