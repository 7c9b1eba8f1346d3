use super::{check_via, stamp_received};

fn stamp(via: &str) -> String {
    stamp_received(via, "192.0.2.7".parse().unwrap(), 5062)
}

#[test]
fn received_is_added_when_the_host_is_not_the_source() {
    assert_eq!(
        stamp("SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1"),
        "SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1;received=192.0.2.7"
    );
    assert_eq!(
        stamp("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1"),
        "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1",
        "the same address: nothing to add"
    );
}

#[test]
fn rport_is_filled_in_with_received() {
    assert_eq!(
        stamp("SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1"),
        "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1;received=192.0.2.7;rport=5062"
    );
    assert_eq!(
        stamp("SIP/2.0/TCP a.invalid;received=10.0.0.1;branch=b"),
        "SIP/2.0/TCP a.invalid;branch=b;received=192.0.2.7",
        "a forged received is replaced"
    );
}

#[test]
fn only_the_top_value_of_a_list_is_stamped() {
    assert_eq!(
        stamp("SIP/2.0/UDP h;branch=a, SIP/2.0/UDP other;branch=b"),
        "SIP/2.0/UDP h;branch=a;received=192.0.2.7, SIP/2.0/UDP other;branch=b"
    );
    assert_eq!(
        stamp("SIP / 2.0 / UDP [2001:db8::1]:5060;branch=a"),
        "SIP / 2.0 / UDP [2001:db8::1]:5060;branch=a;received=192.0.2.7"
    );
}

#[test]
fn via_values() {
    for good in [
        "SIP/2.0/WSS abc.invalid;branch=z9hG4bK5812547",
        "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw",
        "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239",
        "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport",
        "SIP/2.0/UDP iftgw.example.com",
        "SIP/2.0/TCP [2001:db8::1]:5061;received=2001:db8::9;branch=z9hG4bK1;x=\"a;b, c\"",
        "SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en",
    ] {
        assert_eq!(check_via(good), Ok(()), "{good:?}");
    }
    for bad in [
        "",
        "SIP/2.0/UDP 192.0.2.15;;,;,,",
        "SIP/2.0/UDP a,",
        "SIP/2.0/UDP",
        "SIP/2.0 a",
        "SIP/2.0/UDP a b",
        "SIP//UDP a",
        "SIP/2.0/UDP a;=x",
        "SIP/2.0/UDP a;branch=",
        "SIP/2.0/UDP a;x=\"open",
        "SIP/2.0/UDP a;b r=1",
    ] {
        assert!(check_via(bad).is_err(), "{bad:?}");
    }
}
