use super::*;

#[test]
fn dtmf_relay_bodies_give_their_signal() {
    assert_eq!(key("application/dtmf-relay", "Signal=1\r\nDuration=160\r\n"), Some('1'));
    assert_eq!(key("application/dtmf-relay", "Duration=250\nsignal= #\n"), Some('#'));
    assert_eq!(key("application/dtmf-relay", "Signal=d\r\n"), Some('D'));
    assert_eq!(key("application/dtmf-relay", "Signal=10\r\n"), Some('*'), "the RFC 4733 code of *");
    assert_eq!(key("application/dtmf-relay", "Duration=160\r\n"), None, "no signal");
    assert_eq!(key("application/dtmf-relay", "Signal=12\r\n"), None);
    assert_eq!(key("application/dtmf-relay", "Signal=E\r\n"), None);
}

#[test]
fn dtmf_bodies_are_the_key() {
    assert_eq!(key("application/dtmf", "7"), Some('7'));
    assert_eq!(key("application/dtmf", " * \r\n"), Some('*'));
    assert_eq!(key("application/dtmf", ""), None);
    assert_eq!(key("application/dtmf", "1234"), None);
    assert_eq!(key("text/plain", "1"), None, "another type is no key");
}
