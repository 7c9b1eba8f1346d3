//! Client protocol (`urn:rollcall:conference:1`) ↔ conference web service
//! protocol (`urn:rollcall:bridge:1`). The requester's identity (`owner`)
//! comes from the IM server's `P-Asserted-Identity`, never from the body.

use rollcall_shared::conference_info::mapping::conference_uri;
use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse, Notification};
use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::{ConferenceSnapshot, ParticipantState};

pub fn to_bridge(request: &Request, owner: &str) -> BridgeRequest {
    let owner = owner.to_string();
    match request {
        Request::CreateConference(r) => BridgeRequest::CreateConference {
            owner,
            account: r.account.clone(),
            initiator: r.initiator.clone(),
            participants: r.participants.clone(),
            subject: r.subject.clone(),
            confirm: r.confirm,
        },
        Request::AddParticipant(r) => {
            BridgeRequest::InviteParticipant { owner, conference_id: r.conference_id.clone(), participant: r.participant.clone() }
        }
        Request::RemoveParticipant(r) => BridgeRequest::DisconnectParticipant {
            owner,
            conference_id: r.conference_id.clone(),
            participant_id: r.participant_id.clone(),
        },
        Request::EndConference(r) => BridgeRequest::EndConference { owner, conference_id: r.conference_id.clone() },
        Request::GetConference(r) => BridgeRequest::GetConferenceInfo { owner, conference_id: r.conference_id.clone() },
        Request::ListConferences(_) => BridgeRequest::ListConferences { owner },
        Request::MuteParticipant(r) => BridgeRequest::MuteParticipant {
            owner,
            conference_id: r.conference_id.clone(),
            participant_id: r.participant_id.clone(),
            muted: r.muted,
        },
        Request::MuteAll(r) => BridgeRequest::MuteAll { owner, conference_id: r.conference_id.clone(), muted: r.muted },
        Request::LockConference(r) => {
            BridgeRequest::LockConference { owner, conference_id: r.conference_id.clone(), locked: r.locked }
        }
    }
}

/// The web service's answer as the client's reply; conferences get their
/// SIP URI in `domain`.
pub fn to_reply(response: BridgeResponse, request_id: &str, domain: &str) -> Reply {
    let request_id = request_id.to_string();
    let with_uri = |mut snapshot: ConferenceSnapshot| {
        snapshot.conference_uri = Some(conference_uri(&snapshot.conference_id, domain));
        snapshot
    };
    match response {
        BridgeResponse::CreateConference { conference_id, state, .. } => Reply::CreateConferenceResponse {
            conference_uri: Some(conference_uri(&conference_id, domain)),
            request_id,
            conference_id,
            state,
        },
        BridgeResponse::InviteParticipant { conference_id, participant_id, .. } => Reply::AddParticipantResponse {
            request_id,
            conference_id,
            participant_id,
            // docs/protocol.md §2: the answer to AddParticipant says `dialing`.
            state: ParticipantState::Dialing,
        },
        BridgeResponse::DisconnectParticipant { conference_id, participant_id } => {
            Reply::RemoveParticipantResponse { request_id, conference_id, participant_id }
        }
        BridgeResponse::EndConference { conference_id } => Reply::EndConferenceResponse { request_id, conference_id },
        BridgeResponse::MuteParticipant { conference_id, participant_id, muted } => {
            Reply::MuteParticipantResponse { request_id, conference_id, participant_id, muted }
        }
        BridgeResponse::MuteAll { conference_id, muted } => Reply::MuteAllResponse { request_id, conference_id, muted },
        BridgeResponse::LockConference { conference_id, locked } => {
            Reply::LockConferenceResponse { request_id, conference_id, locked }
        }
        BridgeResponse::ConferenceInfo(snapshot) => {
            Reply::Conference(ConferenceSnapshot { request_id: Some(request_id), ..with_uri(snapshot) })
        }
        BridgeResponse::Conferences(conferences) => {
            Reply::Conferences { request_id, conferences: conferences.into_iter().map(with_uri).collect() }
        }
        BridgeResponse::Fault(fault) => Reply::Fault(fault.with_request_id(Some(request_id))),
    }
}

/// A status callback becomes the event the owner's browser sees.
pub fn notification_to_reply(notification: Notification) -> (String, Reply) {
    match notification {
        Notification::ParticipantStatus { owner, status } => (owner, Reply::ParticipantStatus(status)),
        Notification::ConferenceStatus { owner, status } => (owner, Reply::ConferenceStatus(status)),
    }
}
