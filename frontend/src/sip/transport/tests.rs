use super::*;

#[test]
fn url_follows_the_page() {
    assert_eq!(sip_url("http:", "127.0.0.1:18080"), "ws://127.0.0.1:18080/sip");
    assert_eq!(sip_url("https:", "rollcall.example"), "wss://rollcall.example/sip");
}

#[test]
fn config_json_parses() {
    let c: ServerConfig =
        rollcall_shared::json::from_str(r#"{"domain":"rollcall.local","gateway":"sip:conference@rollcall.local"}"#).unwrap();
    assert_eq!(c.domain, "rollcall.local");
    assert_eq!(c.gateway, "sip:conference@rollcall.local");
}

#[test]
fn backoff_grows_to_thirty_seconds() {
    assert_eq!(backoff_ms(0, 0.5), 1_000);
    assert_eq!(backoff_ms(1, 0.5), 2_000);
    assert_eq!(backoff_ms(10, 0.5), 30_000);
    assert_eq!(backoff_ms(0, 0.0), 800);
    assert_eq!(backoff_ms(0, 1.0), 1_200);
}
