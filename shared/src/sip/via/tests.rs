use super::stamp_received;

fn stamp(via: &str) -> String {
    stamp_received(via, "192.0.2.7".parse().unwrap(), 5062)
}

#[test]
fn received_is_added_when_the_host_is_not_the_source() {
    assert_eq!(stamp("SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1"), "SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1;received=192.0.2.7");
    assert_eq!(stamp("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1"), "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1", "the same address: nothing to add");
}

#[test]
fn rport_is_filled_in_with_received() {
    assert_eq!(stamp("SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1"), "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1;received=192.0.2.7;rport=5062");
    assert_eq!(stamp("SIP/2.0/TCP a.invalid;received=10.0.0.1;branch=b"), "SIP/2.0/TCP a.invalid;branch=b;received=192.0.2.7", "a forged received is replaced");
}

#[test]
fn only_the_top_value_of_a_list_is_stamped() {
    assert_eq!(stamp("SIP/2.0/UDP h;branch=a, SIP/2.0/UDP other;branch=b"), "SIP/2.0/UDP h;branch=a;received=192.0.2.7, SIP/2.0/UDP other;branch=b");
    assert_eq!(stamp("SIP / 2.0 / UDP [2001:db8::1]:5060;branch=a"), "SIP / 2.0 / UDP [2001:db8::1]:5060;branch=a;received=192.0.2.7");
}
