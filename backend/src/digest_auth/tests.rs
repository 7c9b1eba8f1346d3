use super::*;
use crate::store::{Store, User};

const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

async fn setup(ttl: Duration) -> (Authenticator, Users) {
    let store = Store::open(":memory:").await.expect("db");
    store.users().upsert(&User::with_password("alice", "rollcall.local", "pw")).await.expect("user");
    (Authenticator::new("rollcall.local", ttl, vec![Algorithm::Sha256, Algorithm::Md5], Arc::default()), store.users())
}

fn answer(c: &Challenge, password: &str, nc: u32) -> Vec<String> {
    vec![c.answer("alice", password, "REGISTER", "sip:rollcall.local", "abc", nc).to_header_value()]
}

#[tokio::test]
async fn challenge_order_follows_configuration() {
    let (auth, _) = setup(Duration::from_secs(60)).await;
    let cs = auth.challenges(false);
    assert_eq!(cs.iter().map(|c| c.algorithm).collect::<Vec<_>>(), vec![Algorithm::Sha256, Algorithm::Md5]);
    assert_eq!(cs[0].nonce, cs[1].nonce);
}

#[tokio::test]
async fn good_bad_and_replayed_credentials() {
    let (auth, users) = setup(Duration::from_secs(60)).await;
    let c = auth.challenges(false).remove(0);
    assert_eq!(auth.check(&users, &[], "REGISTER", PEER).await.expect("check"), Verdict::Challenge);
    assert_eq!(auth.check(&users, &answer(&c, "wrong", 1), "REGISTER", PEER).await.expect("check"), Verdict::Challenge);
    assert_eq!(
        auth.check(&users, &answer(&c, "pw", 1), "REGISTER", PEER).await.expect("check"),
        Verdict::Authenticated("alice".into())
    );
    // Same nc again: a replay.
    assert_eq!(auth.check(&users, &answer(&c, "pw", 1), "REGISTER", PEER).await.expect("check"), Verdict::Stale);
    // Higher nc with the same nonce: fine.
    assert_eq!(
        auth.check(&users, &answer(&c, "pw", 2), "REGISTER", PEER).await.expect("check"),
        Verdict::Authenticated("alice".into())
    );
    // The MD5 challenge of the same nonce works as well.
    let md5 = auth.challenges(false).remove(1);
    assert_eq!(
        auth.check(&users, &answer(&md5, "pw", 1), "REGISTER", PEER).await.expect("check"),
        Verdict::Authenticated("alice".into())
    );
}

#[tokio::test]
async fn http_credentials_must_name_the_requested_uri() {
    let (auth, users) = setup(Duration::from_secs(60)).await;
    let c = auth.challenges(false).remove(0);
    let header = vec![c.answer("alice", "pw", "GET", "/pstn/phones", "abc", 1).to_header_value()];
    let check = |uri| auth.check_request(&users, &header, "GET", Some(uri), PEER);
    assert_eq!(check("/pstn/events").await.expect("check"), Verdict::Challenge);
    assert_eq!(check("/pstn/phones").await.expect("check"), Verdict::Authenticated("alice".into()));
}

#[tokio::test]
async fn expired_nonce_is_stale() {
    let (auth, users) = setup(Duration::ZERO).await;
    let c = auth.challenges(false).remove(0);
    assert_eq!(auth.check(&users, &answer(&c, "pw", 1), "REGISTER", PEER).await.expect("check"), Verdict::Stale);
}

#[tokio::test]
async fn nc_values_out_of_order_within_the_window_once_each() {
    let (auth, users) = setup(Duration::from_secs(60)).await;
    let c = auth.challenges(false).remove(0);
    let check = |nc| {
        let header = answer(&c, "pw", nc);
        let (auth, users) = (&auth, &users);
        async move { auth.check(users, &header, "REGISTER", PEER).await.expect("check") }
    };
    let ok = Verdict::Authenticated("alice".into());
    assert_eq!(check(4).await, ok);
    assert_eq!(check(2).await, ok, "an earlier nc that arrives late");
    assert_eq!(check(3).await, ok);
    assert_eq!(check(2).await, Verdict::Stale, "but never twice");
    assert_eq!(check(4).await, Verdict::Stale);
    assert_eq!(check(4 + NC_WINDOW).await, ok);
    assert_eq!(check(1).await, Verdict::Stale, "below the window");
    assert_eq!(check(5).await, ok, "inside the window");
}

#[tokio::test]
async fn a_made_up_nonce_is_stale_whatever_the_password() {
    let (auth, users) = setup(Duration::from_secs(60)).await;
    let mut made_up = auth.challenges(false).remove(0);
    made_up.nonce = "0123456789abcdef0123456789abcdef".into();
    assert_eq!(auth.check(&users, &answer(&made_up, "pw", 1), "REGISTER", PEER).await.expect("check"), Verdict::Stale);
    assert_eq!(auth.check(&users, &answer(&made_up, "wrong", 1), "REGISTER", PEER).await.expect("check"), Verdict::Stale);
}

#[tokio::test]
async fn wrong_passwords_lead_to_refusal_without_a_check() {
    let (auth, users) = setup(Duration::from_secs(60)).await;
    let c = auth.challenges(false).remove(0);
    for nc in 1..=5 {
        assert_eq!(auth.check(&users, &answer(&c, "wrong", nc), "REGISTER", PEER).await.expect("check"), Verdict::Challenge);
    }
    assert_eq!(auth.check(&users, &answer(&c, "wrong", 6), "REGISTER", PEER).await.expect("check"), Verdict::Challenge);
    let verdict = auth.check(&users, &answer(&c, "pw", 7), "REGISTER", PEER).await.expect("check");
    assert!(matches!(verdict, Verdict::Refused { .. }), "even the right password, while refused: {verdict:?}");
}
