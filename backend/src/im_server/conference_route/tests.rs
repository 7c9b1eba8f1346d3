use super::*;

#[test]
fn conference_users_and_events() {
    assert!(is_conference("conf-0123456789abcdef"));
    assert!(!is_conference("alice"));
    assert!(!is_conference("conference"));
}

#[test]
fn the_bounds_per_user_and_in_all() {
    let held = ["sip:alice@d", "sip:alice@d", "sip:bob@d"];
    assert_eq!(room(held.iter().copied(), "sip:alice@d", 3, 10), Ok(()));
    assert_eq!(room(held.iter().copied(), "sip:alice@d", 2, 10), Err(Full::User));
    assert_eq!(room(held.iter().copied(), "sip:carol@d", 2, 10), Ok(()));
    assert_eq!(room(held.iter().copied(), "sip:carol@d", 2, 3), Err(Full::All));
    assert_eq!(room(std::iter::empty(), "sip:carol@d", MAX_PER_USER, MAX_DIALOGS), Ok(()));
    let many = vec!["sip:alice@d"; MAX_PER_USER];
    assert_eq!(room(many.iter().copied(), "sip:alice@d", MAX_PER_USER, MAX_DIALOGS), Err(Full::User));
    let crowd: Vec<String> = (0..MAX_DIALOGS).map(|i| format!("sip:u{i}@d")).collect();
    assert_eq!(room(crowd.iter().map(String::as_str), "sip:new@d", MAX_PER_USER, MAX_DIALOGS), Err(Full::All));
}
