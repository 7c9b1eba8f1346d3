use super::*;
use rollcall_shared::soap::{ConferenceState, ConferenceStatus};

fn received(from: &str, content_type: &str, body: String) -> Received {
    Received { from: from.into(), content_type: content_type.into(), body }
}

#[test]
fn only_the_gateways_soap_is_a_reply() {
    let gateway = "sip:conference@rollcall.local";
    let reply = Reply::ConferenceStatus(ConferenceStatus {
        locked: false,
        conference_id: "c1".into(),
        sequence: 4,
        state: ConferenceState::Active,
        reason: None,
        time: "2026-11-26T12:00:00Z".into(),
    });
    assert_eq!(gateway_reply(&received(gateway, CONTENT_TYPE, reply.encode()), gateway), Ok(reply.clone()));
    assert!(gateway_reply(&received("sip:mallory@rollcall.local", CONTENT_TYPE, reply.encode()), gateway).is_err());
    assert!(gateway_reply(&received(gateway, "text/plain", reply.encode()), gateway).is_err());
    assert!(gateway_reply(&received(gateway, CONTENT_TYPE, "<nope/>".into()), gateway).is_err());
}

#[test]
fn requests_go_to_the_gateway_as_soap_messages() {
    let config = Config {
        user: "alice".into(),
        domain: "rollcall.local".into(),
        gateway: "sip:conference@rollcall.local".into(),
        secure: true,
    };
    let mut ua = UserAgent::new(config, "pw".into());
    let out = ua.connected(0);
    let register = match out.as_slice() {
        [Output::Send(text)] => text.clone(),
        other => panic!("{other:?}"),
    };
    assert!(register.contains("SIP/2.0/WSS "), "{register}");
    // Not registered yet: the request waits, nothing is sent.
    let request = Request::ListConferences(rollcall_shared::soap::conference::ListConferences { request_id: "r1".into() });
    assert!(ua.send(request, 1).is_empty());
    let outputs = ua.disconnected();
    let events: Vec<Event> =
        outputs.into_iter().filter_map(|o| if let Output::Event(e) = o { ua.ui_event(e) } else { None }).collect();
    assert_eq!(events, vec![Event::Lost]);
}
