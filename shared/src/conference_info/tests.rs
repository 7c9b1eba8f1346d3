//! Tests of conference-info documents: the mapping of every participant
//! state, full and partial documents, writing and reading back, other
//! prefixes and extensions, and every limit and rejection (never a panic).
//! The schema check with xmllint is in `shared/tests/conference_info_schema.rs`.

use super::mapping::{conference_uri, Conference, Leg};
use super::*;
use crate::soap::{Cause, ConferenceSnapshot, ConferenceState, Location, Participant, ParticipantState, ParticipantStatus};

/// The one place participants are built (the wire model is growing fields).
fn participant(id: &str, name: &str, phone: &str, state: ParticipantState, cause: Option<u16>) -> Participant {
    Participant {
        attempt: None,
        muted: false,
        participant_id: id.into(),
        name: name.into(),
        phone: phone.into(),
        location: Location::Work,
        state,
        cause: cause.map(Cause),
    }
}

fn snapshot() -> ConferenceSnapshot {
    let alice = participant("p1", "Alice", "+14255550100", ParticipantState::Connected, None);
    ConferenceSnapshot {
        subject: None,
        conference_uri: None,
        created: None,
        locked: false,
        request_id: None,
        conference_id: "conf-00aa".into(),
        sequence: 5,
        state: ConferenceState::Active,
        reason: None,
        initiator: alice.clone(),
        participants: vec![alice, participant("p2", "Bob & <Co>", "+14255550101", ParticipantState::Ringing, None)],
    }
}

fn status(id: &str, state: ParticipantState, cause: Option<u16>) -> ParticipantStatus {
    ParticipantStatus {
        attempt: None,
        final_outcome: None,
        muted: false,
        conference_id: "conf-00aa".into(),
        participant_id: id.into(),
        sequence: 6,
        state,
        cause: cause.map(Cause),
        time: "2024-01-01T00:00:00Z".into(),
    }
}

fn leg(state: ParticipantState, cause: Option<u16>) -> Leg {
    Leg {
        participant_id: "p9".into(),
        name: "Carol".into(),
        phone: "+14255550109".into(),
        state,
        cause,
        muted: false,
        removed: false,
    }
}

#[test]
fn every_state_maps_as_protocol_section_7_says() {
    use DisconnectionMethod as M;
    use EndpointStatus as S;
    let cases = [
        (ParticipantState::Dialing, None, S::DialingOut, None, None),
        (ParticipantState::Ringing, None, S::Alerting, None, None),
        (ParticipantState::Confirming, None, S::Alerting, None, None),
        (ParticipantState::Connected, None, S::Connected, None, None),
        (ParticipantState::Busy, Some(17), S::Disconnected, Some(M::Failed), Some("Q.850;cause=17")),
        (ParticipantState::NoAnswer, Some(19), S::Disconnected, Some(M::Failed), Some("Q.850;cause=19")),
        (ParticipantState::Failed, Some(1), S::Disconnected, Some(M::Failed), Some("Q.850;cause=1")),
        (ParticipantState::Disconnected, Some(16), S::Disconnected, Some(M::Departed), Some("Q.850;cause=16")),
        (ParticipantState::Disconnected, None, S::Disconnected, Some(M::Departed), None),
    ];
    for (state, cause, status, method, reason) in cases {
        let endpoint = leg(state, cause).endpoint();
        assert_eq!(endpoint.status, Some(status), "{state:?}");
        assert_eq!(endpoint.disconnection_method, method, "{state:?}");
        assert_eq!(endpoint.disconnection_reason.as_deref(), reason, "{state:?}");
        assert_eq!(endpoint.entity, "p9");
    }
}

#[test]
fn removed_is_booted_and_muted_is_recvonly() {
    let mut removed = leg(ParticipantState::Disconnected, Some(16));
    removed.removed = true;
    assert_eq!(removed.endpoint().disconnection_method, Some(DisconnectionMethod::Booted));

    let mut muted = leg(ParticipantState::Connected, None);
    assert_eq!(muted.endpoint().media[0].status, Some(MediaStatus::SendRecv));
    muted.muted = true;
    let endpoint = muted.endpoint();
    assert_eq!(endpoint.status, Some(EndpointStatus::Connected));
    assert_eq!(endpoint.media[0].status, Some(MediaStatus::RecvOnly));
    assert_eq!(endpoint.media[0].media_type.as_deref(), Some("audio"));
    assert!(leg(ParticipantState::Ringing, None).endpoint().media.is_empty());
}

/// §6 in the documents: mute (media `recvonly`), lock, the subject, a
/// confirming participant (alerting), and a fallback number's phone.
#[test]
fn mute_lock_subject_and_fallback_numbers_reach_the_documents() {
    let mut snap = snapshot();
    snap.locked = true;
    snap.subject = Some("Q3 budget".into());
    snap.participants[1].muted = true;
    snap.participants[1].state = ParticipantState::Connected;
    let mut conference = Conference::from_snapshot(&snap, "sip:conf-00aa@rollcall.local");
    let full = ConferenceInfo::read(&conference.full(1).to_xml()).unwrap();
    assert_eq!(full.description.and_then(|d| d.subject).as_deref(), Some("Q3 budget"));
    assert_eq!(full.conference_state.and_then(|s| s.locked), Some(true));
    let bob = &full.users.unwrap().users[1].endpoints[0];
    assert_eq!(bob.media.first().and_then(|m| m.status), Some(MediaStatus::RecvOnly));

    let mut confirming = status("p2", ParticipantState::Confirming, None);
    confirming.attempt = Some(crate::soap::Attempt { phone: "+14255550111".into(), location: Location::Mobile, number: 2 });
    assert!(conference.apply_participant(&confirming));
    let partial = ConferenceInfo::read(&conference.partial(2, &["p2"]).to_xml()).unwrap();
    let user = &partial.users.unwrap().users[0];
    assert_eq!(user.entity, "tel:+14255550111", "the number now tried");
    assert_eq!(user.endpoints[0].status, Some(EndpointStatus::Alerting));
    assert!(user.endpoints[0].media.iter().all(|m| m.status != Some(MediaStatus::RecvOnly)), "unmuted by the event");
}

#[test]
fn a_full_document_lists_everyone_and_reads_back() {
    let uri = conference_uri("conf-00aa", "rollcall.local");
    assert_eq!(uri, "sip:conf-00aa@rollcall.local");
    let conference = Conference::from_snapshot(&snapshot(), &uri);
    let info = conference.full(1);
    let xml = info.to_xml();
    assert!(xml.contains("<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\""), "{xml}");
    assert!(xml.contains("state=\"full\" version=\"1\""), "{xml}");
    assert!(xml.contains("<display-text>Bob &amp; &lt;Co&gt;</display-text>"), "{xml}");
    let back = ConferenceInfo::read(&xml).unwrap();
    assert_eq!(back, info);
    assert_eq!(back.conference_state, Some(ConferenceStateInfo { user_count: Some(1), active: Some(true), locked: Some(false) }));
    let users = back.users.unwrap().users;
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].entity, "tel:+14255550100");
    assert_eq!(users[0].display_text.as_deref(), Some("Alice"));
    assert_eq!(users[1].endpoints[0].status, Some(EndpointStatus::Alerting));
}

#[test]
fn a_partial_document_carries_only_the_changed_user() {
    let mut conference = Conference::from_snapshot(&snapshot(), "sip:conf-00aa@rollcall.local");
    assert!(conference.apply_participant(&status("p2", ParticipantState::Connected, None)));
    let info = conference.partial(2, &["p2"]);
    let back = ConferenceInfo::read(&info.to_xml()).unwrap();
    assert_eq!(back.state, DocState::Partial);
    assert_eq!(back.version, 2);
    assert_eq!(back.description, None);
    assert_eq!(back.conference_state.unwrap().user_count, Some(2));
    let users = back.users.unwrap();
    assert_eq!(users.state, DocState::Partial);
    assert_eq!(users.users.len(), 1);
    assert_eq!(users.users[0].state, DocState::Partial);
    assert_eq!(users.users[0].entity, "tel:+14255550101");
    assert_eq!(users.users[0].endpoints[0].status, Some(EndpointStatus::Connected));

    // A conference-level change: no users at all.
    conference.apply_conference(&crate::soap::ConferenceStatus {
        locked: false,
        conference_id: "conf-00aa".into(),
        sequence: 9,
        state: ConferenceState::Terminated,
        reason: None,
        time: String::new(),
    });
    let ended = conference.partial(3, &[]);
    assert_eq!(ended.users, None);
    assert_eq!(ended.conference_state.unwrap().active, Some(false));
}

#[test]
fn an_unknown_participant_is_left_to_a_new_snapshot_and_removals_survive_it() {
    let mut conference = Conference::from_snapshot(&snapshot(), "sip:conf-00aa@rollcall.local");
    assert!(!conference.apply_participant(&status("p3", ParticipantState::Dialing, None)));
    conference.mark_removed("p2");
    let mut newer = snapshot();
    newer.participants.push(participant("p3", "Dan", "+14255550103", ParticipantState::Dialing, None));
    conference.merge_snapshot(&newer);
    assert_eq!(conference.legs.len(), 3);
    assert!(conference.legs[1].removed);
    assert!(conference.apply_participant(&status("p2", ParticipantState::Disconnected, Some(16))));
    let endpoint = conference.legs[1].endpoint();
    assert_eq!(endpoint.disconnection_method, Some(DisconnectionMethod::Booted));
}

#[test]
fn the_same_phone_twice_is_one_user_with_two_endpoints() {
    let mut snap = snapshot();
    snap.participants.push(participant("p3", "Alice again", "+14255550100", ParticipantState::Dialing, None));
    let info = Conference::from_snapshot(&snap, "sip:c@d").full(1);
    let users = info.users.unwrap().users;
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].endpoints.len(), 2);
    assert_eq!(users[0].endpoints[1].entity, "p3");
}

#[test]
fn texts_are_cut_to_the_limit_on_a_character_boundary() {
    let long = "é".repeat(MAX_TEXT_BYTES);
    let cut = bounded(&long);
    assert!(cut.len() <= MAX_TEXT_BYTES);
    assert!(cut.chars().all(|c| c == 'é'));
    let mut snap = snapshot();
    snap.participants[1].name = long;
    let xml = Conference::from_snapshot(&snap, "sip:c@d").full(1).to_xml();
    assert!(ConferenceInfo::read(&xml).is_ok());
}

#[test]
fn controls_are_dropped_not_written() {
    let mut snap = snapshot();
    snap.participants[1].name = "Bob\u{1}\u{8}".into();
    let xml = Conference::from_snapshot(&snap, "sip:c@d").full(1).to_xml();
    let back = ConferenceInfo::read(&xml).unwrap();
    assert_eq!(back.users.unwrap().users[1].display_text.as_deref(), Some("Bob"));
}

#[test]
fn other_prefixes_and_extensions_are_read() {
    let xml = r#"<?xml version="1.0"?>
        <ci:conference-info xmlns:ci="urn:ietf:params:xml:ns:conference-info" xmlns:x="urn:example"
            entity="sip:conf@example.com" state="partial" version="7" x:extra="1">
          <ci:conference-state><ci:user-count>3</ci:user-count><ci:active>1</ci:active><x:more>ignored</x:more></ci:conference-state>
          <ci:users state="partial">
            <ci:user entity="tel:+1" state="deleted"/>
            <x:wrapper><ci:user entity="tel:+2"/></x:wrapper>
          </ci:users>
        </ci:conference-info>"#;
    let info = ConferenceInfo::read(xml).unwrap();
    assert_eq!(info.version, 7);
    assert_eq!(info.state, DocState::Partial);
    assert_eq!(info.conference_state.unwrap().active, Some(true));
    let users = info.users.unwrap().users;
    assert_eq!(users.len(), 1, "a user inside an extension element is not ours");
    assert_eq!(users[0].state, DocState::Deleted);
}

#[test]
fn what_is_not_a_document_is_refused() {
    let bad = [
        "",
        "not xml",
        "<conference-info entity=\"x\"/>",                                                         // no namespace
        "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\"/>",                     // no entity
        "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\" version=\"-1\"/>",
        "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\" state=\"half\"/>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\"/>",
        "<!DOCTYPE x [<!ENTITY a \"b\">]><conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\"/>",
        "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\"><conference-state><active>yes</active></conference-state></conference-info>",
        "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\"><p:users/></conference-info>",
        "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\"><users>",
    ];
    for xml in bad {
        assert!(ConferenceInfo::read(xml).is_err(), "accepted: {xml}");
    }
}

#[test]
fn every_limit_is_enforced_by_the_reader() {
    let head = "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"x\">";
    let users = |n: usize| format!("{head}<users>{}</users></conference-info>", "<user entity=\"tel:+1\"/>".repeat(n));
    assert!(ConferenceInfo::read(&users(MAX_USERS)).is_ok());
    assert!(ConferenceInfo::read(&users(MAX_USERS + 1)).is_err());

    let endpoints =
        |n: usize| format!("{head}<users><user>{}</user></users></conference-info>", "<endpoint entity=\"e\"/>".repeat(n));
    assert!(ConferenceInfo::read(&endpoints(MAX_ENDPOINTS)).is_ok());
    assert!(ConferenceInfo::read(&endpoints(MAX_ENDPOINTS + 1)).is_err());

    let media = |n: usize| {
        format!("{head}<users><user><endpoint>{}</endpoint></user></users></conference-info>", "<media id=\"1\"/>".repeat(n))
    };
    assert!(ConferenceInfo::read(&media(MAX_MEDIA)).is_ok());
    assert!(ConferenceInfo::read(&media(MAX_MEDIA + 1)).is_err());

    let text = |n: usize| {
        format!("{head}<conference-description><subject>{}</subject></conference-description></conference-info>", "a".repeat(n))
    };
    assert!(ConferenceInfo::read(&text(MAX_TEXT_BYTES)).is_ok());
    assert!(ConferenceInfo::read(&text(MAX_TEXT_BYTES + 1)).is_err());
    let attribute = format!("<conference-info xmlns=\"{NAMESPACE}\" entity=\"{}\"/>", "a".repeat(MAX_TEXT_BYTES + 1));
    assert!(ConferenceInfo::read(&attribute).is_err());

    let deep = format!("{head}{}{}</conference-info>", "<x:a xmlns:x=\"urn:x\">".repeat(40), "</x:a>".repeat(40));
    assert!(ConferenceInfo::read(&deep).is_err());
    let huge = format!("{head}<!--{}--></conference-info>", " ".repeat(crate::MAX_MESSAGE_BYTES));
    assert!(ConferenceInfo::read(&huge).is_err());
}

#[test]
fn truncated_documents_give_errors_never_panics() {
    let xml = Conference::from_snapshot(&snapshot(), "sip:conf-00aa@rollcall.local").full(1).to_xml();
    for end in 0..xml.len() {
        if xml.is_char_boundary(end) {
            let _ = ConferenceInfo::read(&xml[..end]);
        }
    }
}

#[test]
fn tokens_round_trip() {
    for s in [
        "pending",
        "dialing-out",
        "dialing-in",
        "alerting",
        "on-hold",
        "connected",
        "muted-via-focus",
        "disconnecting",
        "disconnected",
    ] {
        assert_eq!(s.parse::<EndpointStatus>().unwrap().as_str(), s);
    }
    for s in ["departed", "booted", "failed", "busy"] {
        assert_eq!(s.parse::<DisconnectionMethod>().unwrap().to_string(), s);
    }
    assert!("sideways".parse::<MediaStatus>().is_err());
}
