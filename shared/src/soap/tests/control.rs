//! The additions of docs/protocol.md §6–§7: the control requests and their
//! answers, mute and lock flags, fallback numbers and attempts, the
//! subject, confirmation and the conference's URI.

use super::*;

fn round_trip_request(request: Request) {
    let xml = request.encode();
    assert_eq!(Request::decode(&xml), Ok(request), "{xml}");
}

fn round_trip_reply(reply: Reply) {
    let xml = reply.encode();
    assert_eq!(Reply::decode(&xml), Ok(reply), "{xml}");
}

fn envelope(body: &str) -> String {
    format!(
        r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:c="urn:rollcall:conference:1"><env:Body>{body}</env:Body></env:Envelope>"#
    )
}

#[test]
fn control_requests_and_answers_round_trip() {
    let (r, c, p) = (String::from("r1"), String::from("conf-1"), String::from("p-2"));
    for muted in [true, false] {
        round_trip_request(Request::MuteParticipant(MuteParticipant {
            request_id: r.clone(),
            conference_id: c.clone(),
            participant_id: p.clone(),
            muted,
        }));
        round_trip_request(Request::MuteAll(MuteAll { request_id: r.clone(), conference_id: c.clone(), muted }));
        round_trip_request(Request::LockConference(LockConference {
            request_id: r.clone(),
            conference_id: c.clone(),
            locked: muted,
        }));
        round_trip_reply(Reply::MuteParticipantResponse {
            request_id: r.clone(),
            conference_id: c.clone(),
            participant_id: p.clone(),
            muted,
        });
        round_trip_reply(Reply::MuteAllResponse { request_id: r.clone(), conference_id: c.clone(), muted });
        round_trip_reply(Reply::LockConferenceResponse { request_id: r.clone(), conference_id: c.clone(), locked: muted });
    }
    for (owner, muted) in [("sip:a@x", true), ("sip:b@x", false)] {
        let requests = [
            BridgeRequest::MuteParticipant { owner: owner.into(), conference_id: c.clone(), participant_id: p.clone(), muted },
            BridgeRequest::MuteAll { owner: owner.into(), conference_id: c.clone(), muted },
            BridgeRequest::LockConference { owner: owner.into(), conference_id: c.clone(), locked: muted },
        ];
        for request in requests {
            assert_eq!(request.owner(), owner);
            assert_eq!(BridgeRequest::decode(&request.encode()), Ok(request));
        }
        let responses = [
            BridgeResponse::MuteParticipant { conference_id: c.clone(), participant_id: p.clone(), muted },
            BridgeResponse::MuteAll { conference_id: c.clone(), muted },
            BridgeResponse::LockConference { conference_id: c.clone(), locked: muted },
        ];
        for response in responses {
            assert_eq!(BridgeResponse::decode(&response.encode()), Ok(response));
        }
    }
}

#[test]
fn create_carries_fallback_numbers_subject_and_confirmation() {
    let bob = Party {
        name: "Bob".into(),
        phone: "+14255550101".into(),
        location: Location::Work,
        email: None,
        alternatives: vec![
            Alternative { phone: "+14255550111".into(), location: Location::Mobile },
            Alternative { phone: "+14255550121".into(), location: Location::Home },
        ],
    };
    let create = CreateConference {
        request_id: "r1".into(),
        account: String::new(),
        initiator: Party { name: "Ann".into(), phone: "+14255550100".into(), ..Party::default() },
        participants: vec![bob.clone()],
        subject: Some("Q3 budget & <forecast>".into()),
        confirm: true,
    };
    let xml = Request::CreateConference(create.clone()).encode();
    assert!(
        xml.contains("<c:alternatives><c:alternative><c:phone>+14255550111</c:phone><c:location>mobile</c:location>"),
        "{xml}"
    );
    assert!(xml.contains("<c:subject>Q3 budget &amp; &lt;forecast&gt;</c:subject><c:confirm>true</c:confirm>"), "{xml}");
    round_trip_request(Request::CreateConference(create.clone()));
    let bridge = BridgeRequest::CreateConference {
        owner: "sip:ann@x".into(),
        account: "ann".into(),
        initiator: create.initiator.clone(),
        participants: vec![bob],
        subject: create.subject.clone(),
        confirm: true,
    };
    assert_eq!(BridgeRequest::decode(&bridge.encode()), Ok(bridge));
}

#[test]
fn absent_additions_read_as_their_defaults() {
    let xml = envelope(
        "<c:CreateConference><c:requestId>r1</c:requestId><c:account/><c:initiator><c:name>Ann</c:name>\
         <c:phone>+14255550100</c:phone><c:location>work</c:location></c:initiator></c:CreateConference>",
    );
    let Ok(Request::CreateConference(create)) = Request::decode(&xml) else { panic!("{xml}") };
    assert_eq!((create.subject, create.confirm, create.initiator.alternatives.len()), (None, false, 0));

    let xml = envelope(
        "<c:ParticipantStatus><c:conferenceId>c</c:conferenceId><c:participantId>p</c:participantId>\
         <c:sequence>3</c:sequence><c:state>confirming</c:state><c:time>t</c:time></c:ParticipantStatus>",
    );
    let Ok(Reply::ParticipantStatus(status)) = Reply::decode(&xml) else { panic!("{xml}") };
    assert_eq!(
        (status.state, status.muted, status.attempt, status.final_outcome),
        (ParticipantState::Confirming, false, None, None)
    );
}

#[test]
fn an_attempt_that_another_follows_says_so() {
    let status = ParticipantStatus {
        conference_id: "c".into(),
        participant_id: "p".into(),
        sequence: 9,
        state: ParticipantState::Busy,
        cause: Some(Cause::USER_BUSY),
        time: "2026-12-07T10:00:00Z".into(),
        muted: true,
        attempt: Some(Attempt { phone: "+14255550101".into(), location: Location::Work, number: 1 }),
        final_outcome: Some(false),
    };
    let xml = Reply::ParticipantStatus(status.clone()).encode();
    assert!(xml.contains("<c:muted>true</c:muted><c:phone>+14255550101</c:phone><c:location>work</c:location><c:attempt>1</c:attempt><c:final>false</c:final>"), "{xml}");
    round_trip_reply(Reply::ParticipantStatus(status.clone()));
    let notification = Notification::ParticipantStatus { owner: "sip:a@x".into(), status };
    assert_eq!(Notification::decode(&notification.encode()), Ok(notification));
}

#[test]
fn locked_conferences_and_their_uri_round_trip() {
    let status = ConferenceStatus {
        conference_id: "c".into(),
        sequence: 4,
        state: ConferenceState::Active,
        reason: None,
        time: "t".into(),
        locked: true,
    };
    round_trip_reply(Reply::ConferenceStatus(status));
    round_trip_reply(Reply::CreateConferenceResponse {
        request_id: "r".into(),
        conference_id: "conf-1".into(),
        state: ConferenceState::Creating,
        conference_uri: Some("sip:conf-1@rollcall.local".into()),
    });
    let mut snapshot = full_snapshot();
    snapshot.locked = true;
    snapshot.conference_uri = Some("sip:conf-1@rollcall.local".into());
    snapshot.subject = Some("Launch".into());
    snapshot.created = Some("2026-12-07T10:00:00.000Z".into());
    snapshot.participants[1].muted = true;
    snapshot.participants[1].attempt = Some(2);
    round_trip_reply(Reply::Conference(snapshot));
}

#[test]
fn a_flag_that_is_not_a_boolean_is_refused_with_the_request_id() {
    let xml = envelope(
        "<c:LockConference><c:requestId>r9</c:requestId><c:conferenceId>c</c:conferenceId><c:locked>yes</c:locked></c:LockConference>",
    );
    let error = Request::decode(&xml).expect_err("not a boolean");
    assert_eq!(error.request_id.as_deref(), Some("r9"));
    let missing = envelope("<c:MuteAll><c:requestId>r8</c:requestId><c:conferenceId>c</c:conferenceId></c:MuteAll>");
    assert_eq!(Request::decode(&missing).expect_err("no c:muted").request_id.as_deref(), Some("r8"));
}
