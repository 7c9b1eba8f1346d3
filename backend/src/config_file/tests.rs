use super::parse;

#[test]
fn keys_become_variables() {
    let pairs = parse("# gateway\nconference-token = abc\n\nim-url=\"ws://h/sip\"\n").expect("parses");
    assert_eq!(
        pairs,
        vec![
            ("ROLLCALL_CONFERENCE_TOKEN".to_string(), "abc".to_string()),
            ("ROLLCALL_IM_URL".to_string(), "ws://h/sip".to_string())
        ]
    );
    assert!(parse("no equals sign").is_err());
    assert!(parse("bad key! = 1").is_err());
}
