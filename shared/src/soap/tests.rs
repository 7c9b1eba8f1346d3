//! Tests of the SOAP encoding of both protocols: round trips of every body,
//! hand-written documents with other prefixes, escaping, every rejection,
//! and truncated or mangled input (which must give errors, never panics).

use super::bridge::{BridgeRequest, BridgeResponse, Notification};
use super::conference::*;
use super::*;

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

fn party(name: &str, phone: &str, email: Option<&str>) -> Party {
    Party {
        alternatives: Vec::new(),
        name: name.into(),
        phone: phone.into(),
        location: Location::Mobile,
        email: email.map(Into::into),
    }
}

fn participant(id: &str, state: ParticipantState, cause: Option<u16>) -> Participant {
    Participant {
        attempt: None,
        muted: false,
        participant_id: id.into(),
        name: format!("Person {id}"),
        phone: "+14255550100".into(),
        location: Location::Home,
        state,
        cause: cause.map(Cause),
    }
}

/// A snapshot with every optional element present.
fn full_snapshot() -> ConferenceSnapshot {
    let initiator = participant("p1", ParticipantState::Disconnected, Some(16));
    ConferenceSnapshot {
        subject: None,
        conference_uri: None,
        created: None,
        locked: false,
        request_id: Some("r-7".into()),
        conference_id: "conf-1".into(),
        sequence: 42,
        state: ConferenceState::Terminated,
        reason: Some(TerminationReason::InitiatorHungUp),
        initiator: initiator.clone(),
        participants: vec![initiator, participant("p2", ParticipantState::Busy, Some(17))],
    }
}

/// A snapshot with every optional element absent.
fn bare_snapshot() -> ConferenceSnapshot {
    ConferenceSnapshot {
        subject: None,
        conference_uri: None,
        created: None,
        locked: false,
        request_id: None,
        conference_id: "conf-2".into(),
        sequence: 0,
        state: ConferenceState::Creating,
        reason: None,
        initiator: participant("p1", ParticipantState::Dialing, None),
        participants: Vec::new(),
    }
}

fn participant_statuses() -> Vec<ParticipantStatus> {
    let with_cause = ParticipantStatus {
        attempt: None,
        final_outcome: None,
        muted: false,
        conference_id: "conf-1".into(),
        participant_id: "p2".into(),
        sequence: 7,
        state: ParticipantState::NoAnswer,
        cause: Some(Cause::NO_ANSWER),
        time: "2026-11-26T10:00:00Z".into(),
    };
    let without_cause = ParticipantStatus { state: ParticipantState::Ringing, cause: None, ..with_cause.clone() };
    vec![with_cause, without_cause]
}

fn conference_statuses() -> Vec<ConferenceStatus> {
    let with_reason = ConferenceStatus {
        locked: false,
        conference_id: "conf-1".into(),
        sequence: u64::MAX,
        state: ConferenceState::Terminated,
        reason: Some(TerminationReason::Inactivity),
        time: "2026-11-26T10:00:00.123+01:00".into(),
    };
    let without_reason = ConferenceStatus { state: ConferenceState::Active, reason: None, ..with_reason.clone() };
    vec![with_reason, without_reason]
}

fn faults() -> Vec<Fault> {
    vec![
        Fault::new(FaultKind::NotAuthorized, "only the initiator may end it").with_request_id(Some("r-1".into())),
        Fault::new(FaultKind::BridgeUnavailable, "bridge down"),
        Fault::new(FaultKind::InvalidNumber, "not E.164: <12 & 34>"),
    ]
}

fn requests() -> Vec<Request> {
    vec![
        Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: "r-1".into(),
            account: "acct-9".into(),
            initiator: party("Ann", "+14255550100", None),
            participants: vec![party("Bob", "+14255550101", Some("bob@example.com")), party("Cy", "+14255550102", None)],
        }),
        Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: "r-2".into(),
            account: "acct-9".into(),
            initiator: party("Ann", "+14255550100", Some("ann@example.com")),
            participants: Vec::new(),
        }),
        Request::AddParticipant(AddParticipant {
            request_id: "r-3".into(),
            conference_id: "conf-1".into(),
            participant: party("Dee", "+15005550002", Some("dee@example.com")),
        }),
        Request::AddParticipant(AddParticipant {
            request_id: "r-4".into(),
            conference_id: "conf-1".into(),
            participant: party("Eve", "+15005550003", None),
        }),
        Request::RemoveParticipant(RemoveParticipant {
            request_id: "r-5".into(),
            conference_id: "conf-1".into(),
            participant_id: "p2".into(),
        }),
        Request::EndConference(EndConference { request_id: "r-6".into(), conference_id: "conf-1".into() }),
        Request::GetConference(GetConference { request_id: "r-7".into(), conference_id: "conf-1".into() }),
        Request::ListConferences(ListConferences { request_id: "r-8".into() }),
    ]
}

fn replies() -> Vec<Reply> {
    let mut replies = vec![
        Reply::CreateConferenceResponse {
            conference_uri: None,
            request_id: "r-1".into(),
            conference_id: "conf-1".into(),
            state: ConferenceState::Creating,
        },
        Reply::AddParticipantResponse {
            request_id: "r-3".into(),
            conference_id: "conf-1".into(),
            participant_id: "p3".into(),
            state: ParticipantState::Dialing,
        },
        Reply::RemoveParticipantResponse {
            request_id: "r-5".into(),
            conference_id: "conf-1".into(),
            participant_id: "p2".into(),
        },
        Reply::EndConferenceResponse { request_id: "r-6".into(), conference_id: "conf-1".into() },
        Reply::Conference(full_snapshot()),
        Reply::Conference(bare_snapshot()),
        Reply::Conferences { request_id: "r-8".into(), conferences: Vec::new() },
        Reply::Conferences { request_id: "r-8".into(), conferences: vec![bare_snapshot(), full_snapshot()] },
    ];
    replies.extend(participant_statuses().into_iter().map(Reply::ParticipantStatus));
    replies.extend(conference_statuses().into_iter().map(Reply::ConferenceStatus));
    replies.extend(faults().into_iter().map(Reply::Fault));
    replies
}

fn bridge_requests() -> Vec<BridgeRequest> {
    let owner = || "sip:ann@rollcall.local".to_string();
    vec![
        BridgeRequest::CreateConference {
            confirm: false,
            subject: None,
            owner: owner(),
            account: "acct-9".into(),
            initiator: party("Ann", "+14255550100", None),
            participants: vec![party("Bob", "+14255550101", Some("bob@example.com"))],
        },
        BridgeRequest::CreateConference {
            confirm: false,
            subject: None,
            owner: owner(),
            account: "acct-9".into(),
            initiator: party("Ann", "+14255550100", Some("ann@example.com")),
            participants: Vec::new(),
        },
        BridgeRequest::InviteParticipant {
            owner: owner(),
            conference_id: "conf-1".into(),
            participant: party("Cy", "+14255550102", None),
        },
        BridgeRequest::DisconnectParticipant { owner: owner(), conference_id: "conf-1".into(), participant_id: "p2".into() },
        BridgeRequest::EndConference { owner: owner(), conference_id: "conf-1".into() },
        BridgeRequest::GetConferenceInfo { owner: owner(), conference_id: "conf-1".into() },
        BridgeRequest::ListConferences { owner: owner() },
    ]
}

fn bridge_responses() -> Vec<BridgeResponse> {
    let mut responses = vec![
        BridgeResponse::CreateConference {
            conference_id: "conf-1".into(),
            initiator_id: "p1".into(),
            state: ConferenceState::Creating,
        },
        BridgeResponse::InviteParticipant {
            conference_id: "conf-1".into(),
            participant_id: "p3".into(),
            state: ParticipantState::Dialing,
        },
        BridgeResponse::DisconnectParticipant { conference_id: "conf-1".into(), participant_id: "p2".into() },
        BridgeResponse::EndConference { conference_id: "conf-1".into() },
        BridgeResponse::ConferenceInfo(full_snapshot()),
        BridgeResponse::ConferenceInfo(bare_snapshot()),
        BridgeResponse::Conferences(Vec::new()),
        BridgeResponse::Conferences(vec![full_snapshot(), bare_snapshot()]),
    ];
    responses.extend(faults().into_iter().map(BridgeResponse::Fault));
    responses
}

fn notifications() -> Vec<Notification> {
    let owner = || "sip:ann@rollcall.local".to_string();
    let mut notifications: Vec<Notification> =
        participant_statuses().into_iter().map(|status| Notification::ParticipantStatus { owner: owner(), status }).collect();
    notifications
        .extend(conference_statuses().into_iter().map(|status| Notification::ConferenceStatus { owner: owner(), status }));
    notifications
}

/// Every fixture of every decoder, encoded.
fn all_encoded() -> Vec<String> {
    let mut all: Vec<String> = requests().iter().map(Request::encode).collect();
    all.extend(replies().iter().map(Reply::encode));
    all.extend(bridge_requests().iter().map(BridgeRequest::encode));
    all.extend(bridge_responses().iter().map(BridgeResponse::encode));
    all.extend(notifications().iter().map(Notification::encode));
    all
}

/// The richest fixture of each kind (each optional element present at
/// least once), for the slower fuzz-ish tests.
fn rich_encoded() -> Vec<String> {
    vec![
        requests()[0].encode(),
        requests()[2].encode(),
        replies()[7].encode(),
        Reply::Fault(faults()[0].clone()).encode(),
        Reply::ParticipantStatus(participant_statuses()[0].clone()).encode(),
        bridge_requests()[0].encode(),
        BridgeResponse::ConferenceInfo(full_snapshot()).encode(),
        BridgeResponse::Fault(faults()[0].clone()).encode(),
        notifications()[0].encode(),
        notifications()[2].encode(),
    ]
}

/// Runs `xml` through every decoder; true when every one rejects it.
fn rejected_by_all(xml: &str) -> bool {
    [
        Request::decode(xml).is_err(),
        Reply::decode(xml).is_err(),
        BridgeRequest::decode(xml).is_err(),
        BridgeResponse::decode(xml).is_err(),
        Notification::decode(xml).is_err(),
    ]
    .iter()
    .all(|&rejected| rejected)
}

/// Wraps a body payload in an envelope that binds `env` and `c`.
fn conference_envelope(payload: &str) -> String {
    format!(r#"<env:Envelope xmlns:env="{ENVELOPE_NS}" xmlns:c="{CONFERENCE_NS}"><env:Body>{payload}</env:Body></env:Envelope>"#)
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn every_request_round_trips() {
    for request in requests() {
        let xml = request.encode();
        assert_eq!(Request::decode(&xml), Ok(request), "{xml}");
    }
}

#[test]
fn every_reply_round_trips() {
    for reply in replies() {
        let xml = reply.encode();
        assert_eq!(Reply::decode(&xml), Ok(reply), "{xml}");
    }
}

#[test]
fn every_bridge_request_round_trips() {
    for request in bridge_requests() {
        let xml = request.encode();
        assert_eq!(BridgeRequest::decode(&xml), Ok(request), "{xml}");
    }
}

#[test]
fn every_bridge_response_round_trips() {
    for response in bridge_responses() {
        let xml = response.encode();
        assert_eq!(BridgeResponse::decode(&xml), Ok(response), "{xml}");
    }
}

#[test]
fn every_notification_round_trips() {
    for notification in notifications() {
        let xml = notification.encode();
        assert_eq!(Notification::decode(&xml), Ok(notification), "{xml}");
    }
}

#[test]
fn encoding_uses_the_contract_names() {
    let xml = requests()[0].encode();
    for expected in [
        r#"xmlns:env="http://www.w3.org/2003/05/soap-envelope""#,
        r#"xmlns:c="urn:rollcall:conference:1""#,
        "<env:Body><c:CreateConference><c:requestId>r-1</c:requestId><c:account>acct-9</c:account>",
        "<c:initiator><c:name>Ann</c:name><c:phone>+14255550100</c:phone><c:location>mobile</c:location></c:initiator>",
        "<c:participants><c:participant><c:name>Bob</c:name>",
        "<c:email>bob@example.com</c:email>",
    ] {
        assert!(xml.contains(expected), "{expected} not in {xml}");
    }
    let xml = Reply::ParticipantStatus(participant_statuses()[0].clone()).encode();
    assert!(xml.contains("<c:state>no-answer</c:state><c:cause>19</c:cause>"), "{xml}");
    let xml = Notification::ConferenceStatus { owner: "o".into(), status: conference_statuses()[0].clone() }.encode();
    assert!(xml.contains(r#"xmlns:b="urn:rollcall:bridge:1""#), "{xml}");
    assert!(xml.contains("<b:notifyConferenceStatus><b:owner>o</b:owner>"), "{xml}");
    assert!(xml.contains("<b:reason>inactivity</b:reason>"), "{xml}");
}

#[test]
fn fault_encoding_follows_soap_1_2() {
    let xml = Reply::Fault(faults()[0].clone()).encode();
    let expected = concat!(
        "<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode>",
        "<env:Value>c:NotAuthorized</env:Value></env:Subcode></env:Code><env:Reason>",
        r#"<env:Text xml:lang="en">only the initiator may end it</env:Text></env:Reason>"#,
        "<env:Detail><c:requestId>r-1</c:requestId></env:Detail></env:Fault>",
    );
    assert!(xml.contains(expected), "{xml}");
    let xml = Reply::Fault(faults()[1].clone()).encode();
    assert!(xml.contains("<env:Value>env:Receiver</env:Value>"), "{xml}");
    assert!(!xml.contains("env:Detail"), "{xml}");
    // In the bridge protocol the subcode's `c` prefix is declared on the Fault.
    let xml = BridgeResponse::Fault(faults()[0].clone()).encode();
    assert!(xml.contains(r#"<env:Fault xmlns:c="urn:rollcall:conference:1">"#), "{xml}");
}

#[test]
fn bridge_snapshots_use_the_bridge_namespace() {
    let xml = BridgeResponse::ConferenceInfo(full_snapshot()).encode();
    assert!(xml.contains("<b:getConferenceInfoResponse><b:conference><b:requestId>r-7</b:requestId>"), "{xml}");
    assert!(xml.contains("<b:participants><b:participant><b:participantId>p1</b:participantId>"), "{xml}");
    assert!(!xml.contains("<c:"), "{xml}");
}

// ---------------------------------------------------------------------------
// Prefixes, whitespace, extensions
// ---------------------------------------------------------------------------

fn expected_create() -> Request {
    Request::CreateConference(CreateConference {
        confirm: false,
        subject: None,
        request_id: "r-1".into(),
        account: "acct".into(),
        initiator: Party {
            alternatives: Vec::new(),
            name: "Ann".into(),
            phone: "+14255550100".into(),
            location: Location::Work,
            email: None,
        },
        participants: vec![Party {
            alternatives: Vec::new(),
            name: "Bob".into(),
            phone: "+14255550101".into(),
            location: Location::Other,
            email: Some("bob@example.com".into()),
        }],
    })
}

#[test]
fn create_conference_decodes_with_any_prefix() {
    let other_prefixes = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
        <soap:Envelope xmlns:soap="{ENVELOPE_NS}">
          <soap:Body>
            <x:CreateConference xmlns:x="{CONFERENCE_NS}">
              <x:requestId>r-1</x:requestId>
              <x:account>acct</x:account>
              <x:initiator><x:name>Ann</x:name><x:phone>+14255550100</x:phone><x:location>work</x:location></x:initiator>
              <x:participants>
                <x:participant><x:name>Bob</x:name><x:phone>+14255550101</x:phone>
                  <x:location>other</x:location><x:email>bob@example.com</x:email></x:participant>
              </x:participants>
            </x:CreateConference>
          </soap:Body>
        </soap:Envelope>"#
    );
    assert_eq!(Request::decode(&other_prefixes), Ok(expected_create()));

    let default_namespaces = format!(
        r#"<Envelope xmlns="{ENVELOPE_NS}"><Body><CreateConference xmlns="{CONFERENCE_NS}">
             <requestId>r-1</requestId><account>acct</account>
             <initiator><name>Ann</name><phone>+14255550100</phone><location>work</location></initiator>
             <participants><participant><name>Bob</name><phone>+14255550101</phone>
               <location>other</location><email>bob@example.com</email></participant></participants>
           </CreateConference></Body></Envelope>"#
    );
    assert_eq!(Request::decode(&default_namespaces), Ok(expected_create()));
}

#[test]
fn fault_decodes_with_any_prefix() {
    let expected = Reply::Fault(Fault::new(FaultKind::NotAuthorized, "not yours").with_request_id(Some("r-9".into())));
    let other_prefixes = format!(
        r#"<s:Envelope xmlns:s="{ENVELOPE_NS}"><s:Body><s:Fault xmlns:rc="{CONFERENCE_NS}">
             <s:Code><s:Value>s:Sender</s:Value>
               <s:Subcode><s:Value>rc:NotAuthorized</s:Value></s:Subcode></s:Code>
             <s:Reason><s:Text xml:lang="en">not yours</s:Text></s:Reason>
             <s:Detail><rc:requestId>r-9</rc:requestId></s:Detail>
           </s:Fault></s:Body></s:Envelope>"#
    );
    assert_eq!(Reply::decode(&other_prefixes), Ok(expected.clone()));

    // Unprefixed QNames resolve to the default namespace; the subcode's
    // prefix is declared on the very element that uses it.
    let default_namespace = format!(
        r#"<Envelope xmlns="{ENVELOPE_NS}"><Body><Fault>
             <Code><Value>Sender</Value>
               <Subcode><Value xmlns:q="{CONFERENCE_NS}"> q:NotAuthorized </Value></Subcode></Code>
             <Reason><Text>not yours</Text></Reason>
             <Detail><requestId xmlns="{CONFERENCE_NS}">r-9</requestId></Detail>
           </Fault></Body></Envelope>"#
    );
    assert_eq!(Reply::decode(&default_namespace), Ok(expected));

    // `c` bound to some other namespace: the subcode is not Rollcall's.
    let wrong_binding = conference_envelope(
        r#"<env:Fault xmlns:c="urn:other"><env:Code><env:Value>env:Sender</env:Value>
             <env:Subcode><env:Value>c:NotAuthorized</env:Value></env:Subcode></env:Code>
             <env:Reason><env:Text>x</env:Text></env:Reason></env:Fault>"#,
    );
    assert!(Reply::decode(&wrong_binding).is_err());
}

#[test]
fn whitespace_is_trimmed_and_unknown_children_and_headers_are_ignored() {
    let xml = format!(
        r#"<env:Envelope xmlns:env="{ENVELOPE_NS}" xmlns:c="{CONFERENCE_NS}" xmlns:z="urn:ext">
             <env:Header><z:trace>abc</z:trace></env:Header>
             <env:Body>
               <c:ParticipantStatus>
                 <c:conferenceId>
                    conf-1
                 </c:conferenceId>
                 <c:participantId>	p2 </c:participantId>
                 <c:sequence> 7 </c:sequence>
                 <c:state>
                   no-answer</c:state>
                 <c:cause>19</c:cause>
                 <c:time>2026-11-26T10:00:00Z</c:time>
                 <c:futureField><c:nested>ignored</c:nested></c:futureField>
                 <z:extension>ignored</z:extension>
               </c:ParticipantStatus>
             </env:Body>
           </env:Envelope>"#
    );
    assert_eq!(Reply::decode(&xml), Ok(Reply::ParticipantStatus(participant_statuses()[0].clone())));
}

// ---------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------

#[test]
fn markup_and_non_ascii_characters_survive() {
    let awkward = [r#"<b>Tom & "Jerry"</b>"#, "Zoë O'Brien", "José Müller-Łukasiewicz 李小龍 🎉", "a]]>b"];
    for name in awkward {
        let request = Request::AddParticipant(AddParticipant {
            request_id: format!("id <{name}>"),
            conference_id: "conf&1".into(),
            participant: Party { name: name.into(), email: Some(format!("{name}@x")), ..party("", "+1425", None) },
        });
        let xml = request.encode();
        assert!(!xml.contains(name) || !name.contains(['<', '&', '"', '\'']), "unescaped {name:?} in {xml}");
        assert_eq!(Request::decode(&xml), Ok(request), "{xml}");
    }
    let fault = Fault::new(FaultKind::InvalidRequest, "Zoë's <number> & \"more\"");
    assert_eq!(Reply::decode(&Reply::Fault(fault.clone()).encode()), Ok(Reply::Fault(fault)));
}

#[test]
fn character_and_entity_references_are_decoded() {
    let xml = conference_envelope(
        "<c:EndConference><c:requestId>&#x5A;o&#235; O&apos;Brien &lt;&amp;&gt;</c:requestId>\
         <c:conferenceId><![CDATA[a<b]]></c:conferenceId></c:EndConference>",
    );
    let expected = Request::EndConference(EndConference { request_id: "Zoë O'Brien <&>".into(), conference_id: "a<b".into() });
    assert_eq!(Request::decode(&xml), Ok(expected));
}

// ---------------------------------------------------------------------------
// Fuzz-ish
// ---------------------------------------------------------------------------

#[test]
fn truncated_envelopes_never_panic() {
    for xml in rich_encoded() {
        for (end, _) in xml.char_indices() {
            // No strict prefix of an encoded envelope is a valid document.
            assert!(rejected_by_all(&xml[..end]), "{}", &xml[..end]);
        }
    }
}

#[test]
fn mangled_envelopes_never_panic() {
    // A small deterministic generator (xorshift) to pick what to break.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    let junk = ["<", ">", "&", "&#0;", "&#xFFFFFFFF;", ":", "\"", "/", "]]>", "<!DOCTYPE x>", "\u{0}", "é", "<?pi?>", ""];
    for xml in all_encoded() {
        let boundaries: Vec<usize> = xml.char_indices().map(|(i, _)| i).collect();
        for _ in 0..50 {
            let at = boundaries[next(boundaries.len())];
            let len = next(8);
            let end = boundaries.iter().copied().find(|&b| b >= at + len).unwrap_or(xml.len());
            let mangled = format!("{}{}{}", &xml[..at], junk[next(junk.len())], &xml[end..]);
            rejected_by_all(&mangled);
        }
    }
}

#[test]
fn rate_limited_fault_carries_retry_after() {
    use crate::soap::conference::Reply;
    let fault = Fault::new(FaultKind::RateLimited, "slow down").with_retry_after(7).with_request_id(Some("r1".into()));
    let text = Reply::Fault(fault.clone()).encode();
    assert!(text.contains("c:RateLimited") && text.contains("<c:retryAfter>7</c:retryAfter>"), "{text}");
    assert_eq!(Reply::decode(&text).expect("decodes"), Reply::Fault(fault));
    let locked = Reply::Fault(Fault::new(FaultKind::ConferenceLocked, "locked"));
    assert_eq!(Reply::decode(&locked.encode()).expect("decodes"), locked);
}

// ---------------------------------------------------------------------------
// The browser's XML reader (`xml::plain`) against quick-xml
// ---------------------------------------------------------------------------

/// Both readers accept `doc` with the same tree, or both refuse it.
fn same_reading(doc: &str) -> bool {
    match (xml::plain::parse(doc), xml::parse_with_quick_xml(doc)) {
        (Ok(ours), Ok(theirs)) => {
            assert_eq!(ours, theirs, "{doc}");
            true
        }
        (Err(_), Err(_)) => false,
        (Ok(_), Err(e)) => panic!("only the plain reader reads {doc:?} (quick-xml: {})", e.reason),
        (Err(e), Ok(_)) => panic!("only quick-xml reads {doc:?} (plain: {})", e.reason),
    }
}

#[test]
fn the_browsers_xml_reader_reads_what_quick_xml_reads() {
    let mut docs = all_encoded();
    docs.push(crate::pidf::document("sip:bob@rollcall.local", crate::pidf::Basic::Open));
    let hand_written = [
        "\u{feff}".to_owned() + &format!("<?xml version='1.0'?>\r\n<!-- a comment --><e:Envelope xmlns:e='{ENVELOPE_NS}'\r\n  xmlns:c = \"{CONFERENCE_NS}\"><e:Body><c:Fault><e:Code><e:Value>e:Sender</e:Value></e:Code>\
            <e:Reason><e:Text xml:lang=\"en\">a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233;&#x1F389;\r\nline<![CDATA[ <raw> & ]]></e:Text></e:Reason></c:Fault></e:Body></e:Envelope>"),
        format!(r#"<Envelope xmlns="{ENVELOPE_NS}"><Body><X xmlns=""><y>unqualified</y><z xmlns="urn:z">z:text</z></X><?pi data?><empty/><empty a="1" /></Body></Envelope>"#),
        "<r xmlns:p=\"\"/>".to_owned(),
        r#"<a:r xmlns:a="urn:a"><a:in xmlns:a="urn:b">a:v</a:in><b xmlns:q="urn:q">q:v</b><c>v</c><d>xml:x</d><e>  spaced  </e></a:r>"#.to_owned(),
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>".to_owned(),
        "<r>a]]>b > c</r>".to_owned(),
        "  <r/>  ".to_owned(),
    ];
    docs.extend(hand_written);
    for doc in &docs {
        assert!(same_reading(doc), "both should read {doc}");
    }
}

#[test]
fn the_browsers_xml_reader_refuses_what_quick_xml_refuses() {
    let refused = [
        "",
        "   ",
        "<r>",
        "</r>",
        "<r></s>",
        "<r><s></r></s>",
        "<r/><s/>",
        "text<r/>",
        "<r/>text",
        "<p:r/>",
        "<r><p:s/></r>",
        "<r a=1/>",
        "<r a/>",
        "<r a=\"1/>",
        "<r a=\"1\" a=\"2\"/>",
        "<r>&unknown;</r>",
        "<r>&amp</r>",
        "<r>&#xZZ;</r>",
        "<r>&#0;</r>",
        "<!DOCTYPE r><r/>",
        "<r><!-- open</r>",
        "<r><![CDATA[ open</r>",
        "<?xml version='1.0'",
        "<r><!ELEMENT x></r>",
        "<r xmlns:p=\"urn:p\"><s xmlns:p=\"\"><p:t/></s></r>",
    ];
    for doc in refused {
        assert!(!same_reading(doc), "both should refuse {doc:?}");
    }
    // Names that are not XML names, and `<` in an attribute value:
    // quick-xml lets them pass, the plain reader does not.
    for doc in ["<1r/>", "<r><-s/></r>", "<r 1a=\"x\"/>", "<r attr=\"<\"/>"] {
        assert!(xml::plain::parse(doc).is_err(), "{doc}");
    }
    let deep = "<a>".repeat(xml::MAX_DEPTH + 1) + &"</a>".repeat(xml::MAX_DEPTH + 1);
    assert!(!same_reading(&deep));
    // Every cut of every document is refused by both (or read alike).
    for doc in rich_encoded() {
        for cut in (0..doc.len()).filter(|c| doc.is_char_boundary(*c)) {
            same_reading(&doc[..cut]);
        }
    }
}

mod control;
mod rejections;
