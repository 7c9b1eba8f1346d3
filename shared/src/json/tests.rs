use super::*;
use crate::api::{
    ApiError, CallLeg, Calls, Email, EmailRoster, Emails, Imported, LoggedMessage, LoggedMessages, Message, Panel, PanelCall,
    PanelPhone, People,
};
use crate::directory::{Address, Person, Phone, Source};
use crate::soap::Location;

/// What serde writes for `value`, read back by `FromJson`, is `value`.
fn round_trip<T: serde::Serialize + FromJson + PartialEq + std::fmt::Debug>(value: T) {
    let text = serde_json::to_string(&value).expect("serde writes it");
    assert_eq!(from_str::<T>(&text).expect(&text), value, "{text}");
    let pretty = serde_json::to_string_pretty(&value).expect("serde writes it");
    assert_eq!(from_str::<T>(&pretty).expect(&pretty), value, "{pretty}");
}

fn person(name: &str, user: Option<&str>) -> Person {
    Person {
        name: name.into(),
        also_known_as: vec!["Bobby \"B\" O’Brien".into()],
        emails: vec!["bob@example.com".into()],
        phones: vec![
            Phone { number: "+14255550101".into(), location: Location::Work },
            Phone { number: "+14255550102".into(), location: Location::Mobile },
        ],
        sources: vec![Source::Contacts, Source::Directory, Source::Email],
        user: user.map(str::to_owned),
    }
}

#[test]
fn every_api_answer_reads_as_serde_wrote_it() {
    round_trip(ApiError { error: "held-by-other".into(), message: "+1 is held\nby \\ someone".into() });
    let call = PanelCall {
        id: "leg-7".into(),
        state: "ringing".into(),
        since: "2026-01-02T03:04:05Z".into(),
        caller: "alice".into(),
        announcement: Some("Ann is calling you. Press 1 to join.".into()),
        muted: true,
    };
    round_trip(Panel {
        user: "bob".into(),
        version: u64::MAX,
        phones: vec![
            PanelPhone { number: "+14255550199".into(), call: Some(call) },
            PanelPhone { number: "+14255550198".into(), call: None },
        ],
    });
    round_trip(Panel::default());
    round_trip(People { people: vec![person("Bob", Some("bob")), person("Zoë Müller", None)] });
    round_trip(Imported { imported: 3 });
    let message = Message {
        subject: "Q3 \u{1F4DE} review".into(),
        from: Address { name: Some("Ann".into()), email: "ann@example.com".into() },
        to: vec![Address { name: None, email: "bob@example.com".into() }],
        cc: vec![],
        date: None,
        snippet: "tab\tand \u{1} control".into(),
    };
    let email = Email { id: -5, message: message.clone() };
    round_trip(email.clone());
    round_trip(Emails {
        emails: vec![email, Email { id: 9, message: Message { date: Some("2026-01-01T00:00:00Z".into()), ..message } }],
    });
    round_trip(EmailRoster {
        email_id: 4,
        initiator: Some(person("Alice", Some("alice"))),
        participants: vec![person("Bob", None)],
    });
    round_trip(EmailRoster { email_id: 4, initiator: None, participants: vec![] });
    let leg = CallLeg {
        conference_id: "c1".into(),
        participant_id: "p1".into(),
        number: "+15005550002".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        answered_at: None,
        ended_at: Some("2026-01-01T00:00:03Z".into()),
        final_state: "busy".into(),
        cause: Some(17),
    };
    round_trip(Calls { calls: vec![leg.clone(), CallLeg { cause: None, answered_at: Some("x".into()), ..leg }] });
    let logged = LoggedMessage {
        id: 1,
        at: "t".into(),
        direction: "in".into(),
        first_line: "MESSAGE sip:x SIP/2.0".into(),
        message: "MESSAGE sip:x SIP/2.0\r\n\r\n<a/>".into(),
    };
    round_trip(LoggedMessages { messages: vec![logged] });
}

#[test]
fn decoding_follows_serde_defaults() {
    // Unknown members are ignored; an absent Option is None.
    let person: Person =
        from_str(r#"{"name":"Ann","also_known_as":[],"emails":[],"phones":[],"sources":["email"],"extra":{"a":[1,2]}}"#)
            .expect("reads");
    assert_eq!(person.user, None);
    // An absent required member is an error that names it.
    let e = from_str::<Imported>("{}").expect_err("no imported");
    assert_eq!(e.to_string(), "expected an integer at imported");
    let e = from_str::<People>(
        r#"{"people":[{"name":"A","also_known_as":[],"emails":[],"phones":[{"number":"+1","location":"moon"}],"sources":[]}]}"#,
    )
    .expect_err("bad location");
    assert_eq!(e.at, "people.phones.location");
    // Integers are integers, in range.
    assert!(from_str::<Imported>(r#"{"imported":1.0}"#).is_err());
    assert!(from_str::<Imported>(r#"{"imported":-1}"#).is_err());
    assert_eq!(from_str::<CallLegCause>(r#"{"cause":65535}"#).expect("u16").0, Some(65535));
    assert!(from_str::<CallLegCause>(r#"{"cause":65536}"#).is_err());
    assert!(from_str::<Imported>("[]").is_err());
}

/// Just the `cause` member of a call leg.
struct CallLegCause(Option<u16>);

impl FromJson for CallLegCause {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        field(value, "cause").map(CallLegCause)
    }
}

#[test]
fn parses_what_rfc_8259_allows() {
    assert_eq!(parse(" null ").unwrap(), Value::Null);
    assert_eq!(parse("true").unwrap(), Value::Bool(true));
    assert_eq!(parse("[]").unwrap(), Value::Array(vec![]));
    assert_eq!(parse("{ }").unwrap(), Value::Object(vec![]));
    for n in ["0", "-0", "12", "-3.25", "1e9", "2E-3", "6.02e+23"] {
        assert_eq!(parse(n).unwrap(), Value::Number(n.into()), "{n}");
    }
    assert_eq!(
        parse(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00""#).unwrap(),
        Value::String("a\"b\\c/d\u{8}\u{c}\n\r\té€😀".into())
    );
    assert_eq!(parse("\"zoë\"").unwrap(), Value::String("zoë".into()));
    let v = parse(r#"{"a":1,"b":[true,{"c":null}],"a":2}"#).unwrap();
    assert_eq!(v.get("a"), Some(&Value::Number("1".into())), "the first of duplicates");
    assert_eq!(
        v.get("b").and_then(|b| match b {
            Value::Array(items) => items[1].get("c"),
            _ => None,
        }),
        Some(&Value::Null)
    );
    assert_eq!(v.get("zzz"), None);
}

#[test]
fn refuses_what_is_not_json() {
    for bad in [
        "",
        " ",
        "nul",
        "True",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{a:1}",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "\"open",
        "\"bad \\x escape\"",
        "\"\\ud800\"",
        "\"\\ud800\\u0041\"",
        "\"\\u12\"",
        "\"raw\ncontrol\"",
        "[] []",
        "'single'",
        "NaN",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} parsed");
    }
    let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
    assert_eq!(parse(&deep).unwrap_err().what, "nested too deeply");
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(parse(&ok).is_ok());
    assert_eq!(parse("[1,]").unwrap_err().to_string(), "unexpected character at 3");
}

#[test]
fn quoted_strings_are_what_serde_reads() {
    for text in ["", "plain", "quote \" backslash \\ slash /", "new\nline\r\ttab \u{1} \u{1f}", "zoë 😀 \u{7f}"] {
        let quoted = quote(text);
        assert_eq!(serde_json::from_str::<String>(&quoted).expect(&quoted), text);
        assert_eq!(from_str::<String>(&quoted).expect(&quoted), text);
    }
    assert_eq!(quote("a\u{1}b"), r#""a\u0001b""#);
}
