use super::*;

const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
const OTHER_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

fn config() -> ThrottleConfig {
    ThrottleConfig { user_free_failures: 2, ip_free_failures: 4, ..ThrottleConfig::default() }
}

#[test]
fn refusals_start_after_the_allowance_and_double() {
    let throttle = Throttle::new(config());
    throttle.failed("alice", IP);
    throttle.failed("alice", OTHER_IP);
    assert_eq!(throttle.refused_for("alice", IP), None, "two free failures");
    throttle.failed("alice", IP);
    let first = throttle.refused_for("alice", OTHER_IP).expect("refused from any address");
    assert!(first <= Duration::from_secs(1) && first > Duration::from_millis(900), "{first:?}");
    throttle.failed("alice", IP);
    assert!(throttle.refused_for("alice", IP).expect("refused") > Duration::from_millis(1900));
    assert_eq!(throttle.refused_for("bob", OTHER_IP), None, "another user elsewhere is not refused");
}

#[test]
fn one_address_guessing_at_many_users_is_refused() {
    let throttle = Throttle::new(config());
    for user in ["a", "b", "c", "d", "e"] {
        throttle.failed(user, IP);
    }
    assert!(throttle.refused_for("zed", IP).is_some(), "the address is refused for every user");
    assert_eq!(throttle.refused_for("zed", OTHER_IP), None);
}

#[test]
fn success_clears_the_user_and_the_lockout_has_a_ceiling() {
    let throttle = Throttle::new(ThrottleConfig { max_lockout: Duration::from_secs(5), ..config() });
    for _ in 0..40 {
        throttle.failed("alice", OTHER_IP);
    }
    assert!(throttle.refused_for("alice", IP).expect("refused") <= Duration::from_secs(5));
    throttle.succeeded("alice", IP);
    assert!(throttle.refused_for("alice", IP).is_none());
}

#[test]
fn guessing_at_a_name_does_not_lock_out_where_that_user_signs_in() {
    let throttle = Throttle::new(config());
    throttle.succeeded("conference", IP);
    for _ in 0..10 {
        throttle.failed("conference", OTHER_IP);
    }
    assert_eq!(throttle.refused_for("conference", IP), None, "the user's own address goes on");
    assert!(throttle.refused_for("conference", OTHER_IP).is_some(), "the guesser's does not");
    let elsewhere = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 3));
    assert!(throttle.refused_for("conference", elsewhere).is_some(), "nor does a new address");
}

#[test]
fn the_tables_are_bounded() {
    let throttle = Throttle::new(ThrottleConfig { max_entries: 10, ..config() });
    for n in 0..100 {
        throttle.failed(&format!("user{n}"), IpAddr::V4(std::net::Ipv4Addr::from(n as u32)));
    }
    let tables = throttle.tables.locked();
    assert!(tables.users.records.len() <= 10 && tables.ips.records.len() <= 10);
}
