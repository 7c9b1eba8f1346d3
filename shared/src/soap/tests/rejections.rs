//! Every rejection of the SOAP decoders: what is missing, malformed or of
//! another protocol is an error naming it (with the requestId when it can
//! be read), never a panic.

use super::*;

/// Asserts `xml` is rejected by `Request::decode` with `request_id`.
fn assert_request_rejected(xml: &str, request_id: Option<&str>) -> DecodeError {
    let error = Request::decode(xml).expect_err(xml);
    assert_eq!(error.request_id.as_deref(), request_id, "{error:?} for {xml}");
    error
}

#[test]
fn malformed_documents_are_rejected() {
    for xml in [
        "",
        "not xml at all",
        "<env:Envelope xmlns:env='http://www.w3.org/2003/05/soap-envelope'>",
        "<a><b></a>",
        "<c:Envelope><c:Body/></c:Envelope>",
    ] {
        assert_request_rejected(xml, None);
    }
    // Broken after a complete requestId: still rejected, the id recovered.
    let list = "<c:ListConferences><c:requestId>r</c:requestId></c:ListConferences>";
    for xml in [
        conference_envelope(&format!("{list}&bogus;")),
        conference_envelope(list) + "<x/>",
        conference_envelope(list).replace("</env:Body>", "</env:Bodie>"),
    ] {
        assert_request_rejected(&xml, Some("r"));
    }
}

#[test]
fn wrong_envelopes_are_rejected() {
    let list = "<c:ListConferences><c:requestId>r</c:requestId></c:ListConferences>";
    let soap_1_1 = format!(
        r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="{CONFERENCE_NS}"><e:Body>{list}</e:Body></e:Envelope>"#
    );
    let not_envelope = format!(r#"<env:Body xmlns:env="{ENVELOPE_NS}" xmlns:c="{CONFERENCE_NS}">{list}</env:Body>"#);
    let no_body = format!(r#"<env:Envelope xmlns:env="{ENVELOPE_NS}" xmlns:c="{CONFERENCE_NS}">{list}</env:Envelope>"#);
    let empty_body = conference_envelope("");
    for xml in [soap_1_1, not_envelope, no_body, empty_body] {
        let error = assert_request_rejected(&xml, None);
        assert!(error.reason.contains("Envelope") || error.reason.contains("Body"), "{error:?}");
    }
}

#[test]
fn unknown_body_elements_are_rejected() {
    let unknown = conference_envelope("<c:DoSomething><c:requestId>r-1</c:requestId></c:DoSomething>");
    let error = assert_request_rejected(&unknown, Some("r-1"));
    assert!(error.reason.contains("c:DoSomething"), "{error:?}");
    // A reply or a bridge body is not a request, and the other way round.
    let reply = Reply::EndConferenceResponse { request_id: "r-2".into(), conference_id: "c".into() }.encode();
    assert_request_rejected(&reply, Some("r-2"));
    assert!(Reply::decode(&requests()[0].encode()).is_err());
    assert!(BridgeRequest::decode(&requests()[0].encode()).is_err());
    assert!(BridgeResponse::decode(&bridge_requests()[0].encode()).is_err());
    assert!(Notification::decode(&bridge_responses()[0].encode()).is_err());
    // The right local name in the wrong namespace.
    let wrong_ns = format!(
        r#"<env:Envelope xmlns:env="{ENVELOPE_NS}"><env:Body><ListConferences xmlns="urn:other"><requestId>r</requestId></ListConferences></env:Body></env:Envelope>"#
    );
    assert_request_rejected(&wrong_ns, None);
}

#[test]
fn missing_children_are_rejected_and_the_request_id_kept() {
    let no_conference = conference_envelope(
        "<c:AddParticipant><c:requestId>r-1</c:requestId>\
         <c:participant><c:name>A</c:name><c:phone>+1</c:phone><c:location>work</c:location></c:participant>\
         </c:AddParticipant>",
    );
    let error = assert_request_rejected(&no_conference, Some("r-1"));
    assert_eq!(error.reason, "missing c:conferenceId in c:AddParticipant");
    assert_eq!(error.to_fault().request_id.as_deref(), Some("r-1"));
    assert_eq!(error.to_fault().kind, FaultKind::InvalidRequest);

    let no_phone = conference_envelope(
        "<c:AddParticipant><c:requestId>r-2</c:requestId><c:conferenceId>x</c:conferenceId>\
         <c:participant><c:name>A</c:name><c:location>work</c:location></c:participant></c:AddParticipant>",
    );
    let error = assert_request_rejected(&no_phone, Some("r-2"));
    assert_eq!(error.reason, "missing c:phone in c:participant");

    let no_request_id = conference_envelope("<c:GetConference><c:conferenceId>x</c:conferenceId></c:GetConference>");
    assert_request_rejected(&no_request_id, None);

    let status = conference_envelope(
        "<c:ConferenceStatus><c:conferenceId>x</c:conferenceId>\
         <c:sequence>1</c:sequence><c:state>active</c:state></c:ConferenceStatus>",
    );
    assert!(Reply::decode(&status).expect_err("no time").reason.contains("c:time"));

    let snapshot = BridgeResponse::ConferenceInfo(bare_snapshot()).encode().replace("b:initiator", "b:initiatorX");
    assert!(BridgeResponse::decode(&snapshot).is_err());
}

#[test]
fn bad_tokens_and_numbers_are_rejected() {
    let bad_location = requests()[0].encode().replace(">mobile<", ">cellphone<");
    let error = assert_request_rejected(&bad_location, Some("r-1"));
    assert!(error.reason.contains("cellphone"), "{error:?}");

    for (from, to) in [
        ("<c:sequence>42<", "<c:sequence>forty-two<"),
        ("<c:sequence>42<", "<c:sequence>-1<"),
        ("<c:sequence>42<", "<c:sequence><"),
        ("<c:cause>16<", "<c:cause>sixteen<"),
        ("<c:cause>16<", "<c:cause>70000<"),
        ("<c:state>terminated<", "<c:state>Terminated<"),
        ("<c:state>busy<", "<c:state>engaged<"),
        ("<c:reason>initiator-hung-up<", "<c:reason>bored<"),
    ] {
        let xml = Reply::Conference(full_snapshot()).encode().replacen(from, to, 1);
        assert_ne!(xml, Reply::Conference(full_snapshot()).encode(), "{from} not found");
        let error = Reply::decode(&xml).expect_err(&xml);
        assert_eq!(error.request_id.as_deref(), Some("r-7"), "{error:?}");
    }
}

#[test]
fn faults_with_unknown_codes_are_rejected() {
    let fault = Reply::Fault(faults()[0].clone()).encode();
    for (from, to) in [
        ("c:NotAuthorized", "c:NotAllowed"),
        ("c:NotAuthorized", "env:NotAuthorized"),
        ("c:NotAuthorized", "zz:NotAuthorized"),
        ("env:Sender", "env:MustUnderstand"),
        ("env:Sender", "c:Sender"),
        ("<env:Subcode><env:Value>c:NotAuthorized</env:Value></env:Subcode>", ""),
        (r#"<env:Reason><env:Text xml:lang="en">only the initiator may end it</env:Text></env:Reason>"#, ""),
    ] {
        let xml = fault.replacen(from, to, 1);
        let error = Reply::decode(&xml).expect_err(&xml);
        assert_eq!(error.request_id.as_deref(), Some("r-1"), "{error:?}");
        assert!(BridgeResponse::decode(&xml).is_err());
    }
}

#[test]
fn the_request_id_survives_a_broken_rest() {
    let valid = requests()[2].encode();
    let cut = valid.find("<c:conferenceId>").expect("conferenceId");
    assert_request_rejected(&valid[..cut], Some("r-3"));
    assert_request_rejected(&valid[..cut + 20], Some("r-3"));
    // Cut inside the requestId itself: its text may be incomplete, so none.
    let inside = valid.find("r-3").expect("request id") + 2;
    assert_request_rejected(&valid[..inside], None);
    // A mismatched end tag after the requestId.
    let mismatched = valid.replacen("</c:conferenceId>", "</c:conference>", 1);
    assert_request_rejected(&mismatched, Some("r-3"));
}

#[test]
fn hostile_nesting_is_rejected_without_overflow() {
    let depth = 100_000;
    let deep = conference_envelope(&format!("{}{}", "<c:x>".repeat(depth), "</c:x>".repeat(depth)));
    assert_request_rejected(&deep, None);
    let deep_detail = conference_envelope(&format!(
        "<c:ListConferences><c:requestId>r</c:requestId>{}</c:ListConferences>",
        "<c:x>".repeat(depth)
    ));
    assert_request_rejected(&deep_detail, Some("r"));
}
