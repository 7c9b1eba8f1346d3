//! Client protocol (`urn:rollcall:conference:1`) ↔ conference web service
//! protocol (`urn:rollcall:bridge:1`). The requester's identity (`owner`)
//! comes from the IM server's `P-Asserted-Identity`, never from the body.

use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse, Notification};
use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::ParticipantState;

pub fn to_bridge(request: &Request, owner: &str) -> BridgeRequest {
    let owner = owner.to_string();
    match request {
        Request::CreateConference(r) => BridgeRequest::CreateConference {
            owner,
            account: r.account.clone(),
            initiator: r.initiator.clone(),
            participants: r.participants.clone(),
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
    }
}

pub fn to_reply(response: BridgeResponse, request_id: &str) -> Reply {
    let request_id = request_id.to_string();
    match response {
        BridgeResponse::CreateConference { conference_id, state, .. } => {
            Reply::CreateConferenceResponse { request_id, conference_id, state }
        }
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
        BridgeResponse::ConferenceInfo(mut snapshot) => {
            snapshot.request_id = Some(request_id);
            Reply::Conference(snapshot)
        }
        BridgeResponse::Conferences(conferences) => Reply::Conferences { request_id, conferences },
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
