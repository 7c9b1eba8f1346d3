//! The conference web service protocol (docs/protocol.md §3,
//! `urn:rollcall:bridge:1`), modelled on Parlay X Multimedia Conference.
//!
//! Every operation names the `owner` — the AOR the IM server asserted for the
//! requester — so that the conference service can enforce per-conference
//! authorization (only the initiator may change a conference) and the
//! gateway knows whom to send each callback to.

use super::codec::{self, bool_str, read_flag, read_parties, read_party, write_flag, write_parties, write_party};
use super::model::*;
use super::xml::{Element, Fields, Writer, BRIDGE, ENV};
use super::DecodeError;

/// Gateway → conference web service (`POST /conference`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeRequest {
    CreateConference {
        owner: String,
        account: String,
        initiator: Party,
        participants: Vec<Party>,
        subject: Option<String>,
        confirm: bool,
    },
    InviteParticipant {
        owner: String,
        conference_id: String,
        participant: Party,
    },
    DisconnectParticipant {
        owner: String,
        conference_id: String,
        participant_id: String,
    },
    EndConference {
        owner: String,
        conference_id: String,
    },
    GetConferenceInfo {
        owner: String,
        conference_id: String,
    },
    /// Rollcall addition: the owner's conferences that are not terminated.
    ListConferences {
        owner: String,
    },
    /// Rollcall additions (docs/protocol.md §6).
    MuteParticipant {
        owner: String,
        conference_id: String,
        participant_id: String,
        muted: bool,
    },
    MuteAll {
        owner: String,
        conference_id: String,
        muted: bool,
    },
    LockConference {
        owner: String,
        conference_id: String,
        locked: bool,
    },
}

/// Conference web service → gateway, the HTTP response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeResponse {
    CreateConference { conference_id: String, initiator_id: String, state: ConferenceState },
    InviteParticipant { conference_id: String, participant_id: String, state: ParticipantState },
    DisconnectParticipant { conference_id: String, participant_id: String },
    EndConference { conference_id: String },
    MuteParticipant { conference_id: String, participant_id: String, muted: bool },
    MuteAll { conference_id: String, muted: bool },
    LockConference { conference_id: String, locked: bool },
    ConferenceInfo(ConferenceSnapshot),
    Conferences(Vec<ConferenceSnapshot>),
    Fault(Fault),
}

/// Conference web service → gateway's reporting web service (`POST /reporting`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    ParticipantStatus { owner: String, status: ParticipantStatus },
    ConferenceStatus { owner: String, status: ConferenceStatus },
}

impl BridgeRequest {
    /// The requester's AOR, named by every operation.
    pub fn owner(&self) -> &str {
        match self {
            BridgeRequest::CreateConference { owner, .. }
            | BridgeRequest::InviteParticipant { owner, .. }
            | BridgeRequest::DisconnectParticipant { owner, .. }
            | BridgeRequest::EndConference { owner, .. }
            | BridgeRequest::GetConferenceInfo { owner, .. }
            | BridgeRequest::ListConferences { owner }
            | BridgeRequest::MuteParticipant { owner, .. }
            | BridgeRequest::MuteAll { owner, .. }
            | BridgeRequest::LockConference { owner, .. } => owner,
        }
    }

    /// The whole SOAP envelope.
    pub fn encode(&self) -> String {
        Writer::envelope(BRIDGE, |w| match self {
            BridgeRequest::CreateConference { owner, account, initiator, participants, subject, confirm } => {
                w.nest("createConference", |w| {
                    w.leaf("owner", owner);
                    w.leaf("account", account);
                    write_party(w, "initiator", initiator);
                    write_parties(w, participants);
                    w.opt_leaf("subject", subject.as_deref());
                    write_flag(w, "confirm", *confirm);
                })
            }
            BridgeRequest::InviteParticipant { owner, conference_id, participant } => w.nest("inviteParticipant", |w| {
                w.leaf("owner", owner);
                w.leaf("conferenceId", conference_id);
                write_party(w, "participant", participant);
            }),
            BridgeRequest::DisconnectParticipant { owner, conference_id, participant_id } => {
                w.nest("disconnectParticipant", |w| {
                    w.leaf("owner", owner);
                    w.leaf("conferenceId", conference_id);
                    w.leaf("participantId", participant_id);
                })
            }
            BridgeRequest::EndConference { owner, conference_id } => w.nest("endConference", |w| {
                w.leaf("owner", owner);
                w.leaf("conferenceId", conference_id);
            }),
            BridgeRequest::GetConferenceInfo { owner, conference_id } => w.nest("getConferenceInfo", |w| {
                w.leaf("owner", owner);
                w.leaf("conferenceId", conference_id);
            }),
            BridgeRequest::ListConferences { owner } => w.nest("listConferences", |w| w.leaf("owner", owner)),
            BridgeRequest::MuteParticipant { owner, conference_id, participant_id, muted } => w.nest("muteParticipant", |w| {
                w.leaf("owner", owner);
                w.leaf("conferenceId", conference_id);
                w.leaf("participantId", participant_id);
                w.leaf("muted", bool_str(*muted));
            }),
            BridgeRequest::MuteAll { owner, conference_id, muted } => w.nest("muteAll", |w| {
                w.leaf("owner", owner);
                w.leaf("conferenceId", conference_id);
                w.leaf("muted", bool_str(*muted));
            }),
            BridgeRequest::LockConference { owner, conference_id, locked } => w.nest("lockConference", |w| {
                w.leaf("owner", owner);
                w.leaf("conferenceId", conference_id);
                w.leaf("locked", bool_str(*locked));
            }),
        })
    }

    pub fn decode(xml: &str) -> Result<BridgeRequest, DecodeError> {
        codec::decode_envelope(xml, decode_request)
    }
}

/// The operation in a request payload.
fn decode_request(payload: &Element) -> Result<BridgeRequest, DecodeError> {
    let f = Fields::new(payload, BRIDGE);
    let request = match payload.local_in(BRIDGE) {
        Some("createConference") => BridgeRequest::CreateConference {
            owner: f.text("owner")?,
            account: f.text("account")?,
            initiator: read_party(f.child("initiator")?)?,
            participants: read_parties(f)?,
            subject: f.opt_text("subject"),
            confirm: read_flag(f, "confirm")?,
        },
        Some("inviteParticipant") => BridgeRequest::InviteParticipant {
            owner: f.text("owner")?,
            conference_id: f.text("conferenceId")?,
            participant: read_party(f.child("participant")?)?,
        },
        Some("disconnectParticipant") => BridgeRequest::DisconnectParticipant {
            owner: f.text("owner")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
        },
        Some("endConference") => BridgeRequest::EndConference { owner: f.text("owner")?, conference_id: f.text("conferenceId")? },
        Some("getConferenceInfo") => {
            BridgeRequest::GetConferenceInfo { owner: f.text("owner")?, conference_id: f.text("conferenceId")? }
        }
        Some("listConferences") => BridgeRequest::ListConferences { owner: f.text("owner")? },
        Some("muteParticipant") => BridgeRequest::MuteParticipant {
            owner: f.text("owner")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
            muted: f.parse("muted")?,
        },
        Some("muteAll") => {
            BridgeRequest::MuteAll { owner: f.text("owner")?, conference_id: f.text("conferenceId")?, muted: f.parse("muted")? }
        }
        Some("lockConference") => BridgeRequest::LockConference {
            owner: f.text("owner")?,
            conference_id: f.text("conferenceId")?,
            locked: f.parse("locked")?,
        },
        _ => return Err(codec::unexpected_body(payload)),
    };
    Ok(request)
}

impl BridgeResponse {
    /// The whole SOAP envelope.
    pub fn encode(&self) -> String {
        Writer::envelope(BRIDGE, |w| match self {
            BridgeResponse::CreateConference { conference_id, initiator_id, state } => w.nest("createConferenceResponse", |w| {
                w.leaf("conferenceId", conference_id);
                w.leaf("initiatorId", initiator_id);
                w.leaf("state", state.as_str());
            }),
            BridgeResponse::InviteParticipant { conference_id, participant_id, state } => {
                w.nest("inviteParticipantResponse", |w| {
                    w.leaf("conferenceId", conference_id);
                    w.leaf("participantId", participant_id);
                    w.leaf("state", state.as_str());
                })
            }
            BridgeResponse::DisconnectParticipant { conference_id, participant_id } => {
                w.nest("disconnectParticipantResponse", |w| {
                    w.leaf("conferenceId", conference_id);
                    w.leaf("participantId", participant_id);
                })
            }
            BridgeResponse::EndConference { conference_id } => {
                w.nest("endConferenceResponse", |w| w.leaf("conferenceId", conference_id))
            }
            BridgeResponse::MuteParticipant { conference_id, participant_id, muted } => w.nest("muteParticipantResponse", |w| {
                w.leaf("conferenceId", conference_id);
                w.leaf("participantId", participant_id);
                w.leaf("muted", bool_str(*muted));
            }),
            BridgeResponse::MuteAll { conference_id, muted } => w.nest("muteAllResponse", |w| {
                w.leaf("conferenceId", conference_id);
                w.leaf("muted", bool_str(*muted));
            }),
            BridgeResponse::LockConference { conference_id, locked } => w.nest("lockConferenceResponse", |w| {
                w.leaf("conferenceId", conference_id);
                w.leaf("locked", bool_str(*locked));
            }),
            BridgeResponse::ConferenceInfo(snapshot) => {
                w.nest("getConferenceInfoResponse", |w| codec::write_snapshot(w, "conference", snapshot))
            }
            BridgeResponse::Conferences(snapshots) => {
                w.nest("listConferencesResponse", |w| snapshots.iter().for_each(|s| codec::write_snapshot(w, "conference", s)))
            }
            BridgeResponse::Fault(fault) => codec::write_fault(w, fault),
        })
    }

    pub fn decode(xml: &str) -> Result<BridgeResponse, DecodeError> {
        codec::decode_envelope(xml, decode_response)
    }
}

/// The response (or Fault) in a response payload.
fn decode_response(payload: &Element) -> Result<BridgeResponse, DecodeError> {
    if payload.is(ENV, "Fault") {
        return codec::read_fault(payload).map(BridgeResponse::Fault);
    }
    let f = Fields::new(payload, BRIDGE);
    let response = match payload.local_in(BRIDGE) {
        Some("createConferenceResponse") => BridgeResponse::CreateConference {
            conference_id: f.text("conferenceId")?,
            initiator_id: f.text("initiatorId")?,
            state: f.parse("state")?,
        },
        Some("inviteParticipantResponse") => BridgeResponse::InviteParticipant {
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
            state: f.parse("state")?,
        },
        Some("disconnectParticipantResponse") => BridgeResponse::DisconnectParticipant {
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
        },
        Some("endConferenceResponse") => BridgeResponse::EndConference { conference_id: f.text("conferenceId")? },
        Some("muteParticipantResponse") => BridgeResponse::MuteParticipant {
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
            muted: f.parse("muted")?,
        },
        Some("muteAllResponse") => BridgeResponse::MuteAll { conference_id: f.text("conferenceId")?, muted: f.parse("muted")? },
        Some("lockConferenceResponse") => {
            BridgeResponse::LockConference { conference_id: f.text("conferenceId")?, locked: f.parse("locked")? }
        }
        Some("getConferenceInfoResponse") => BridgeResponse::ConferenceInfo(codec::read_snapshot(f.child("conference")?)?),
        Some("listConferencesResponse") => BridgeResponse::Conferences(codec::read_snapshots(f, "conference")?),
        _ => return Err(codec::unexpected_body(payload)),
    };
    Ok(response)
}

impl Notification {
    pub fn owner(&self) -> &str {
        match self {
            Notification::ParticipantStatus { owner, .. } | Notification::ConferenceStatus { owner, .. } => owner,
        }
    }

    /// The whole SOAP envelope.
    pub fn encode(&self) -> String {
        Writer::envelope(BRIDGE, |w| match self {
            Notification::ParticipantStatus { owner, status } => w.nest("notifyParticipantStatus", |w| {
                w.leaf("owner", owner);
                codec::write_participant_status(w, status);
            }),
            Notification::ConferenceStatus { owner, status } => w.nest("notifyConferenceStatus", |w| {
                w.leaf("owner", owner);
                codec::write_conference_status(w, status);
            }),
        })
    }

    pub fn decode(xml: &str) -> Result<Notification, DecodeError> {
        codec::decode_envelope(xml, decode_notification)
    }
}

/// The status callback in a notification payload.
fn decode_notification(payload: &Element) -> Result<Notification, DecodeError> {
    let f = Fields::new(payload, BRIDGE);
    let notification = match payload.local_in(BRIDGE) {
        Some("notifyParticipantStatus") => {
            Notification::ParticipantStatus { owner: f.text("owner")?, status: codec::read_participant_status(f)? }
        }
        Some("notifyConferenceStatus") => {
            Notification::ConferenceStatus { owner: f.text("owner")?, status: codec::read_conference_status(f)? }
        }
        _ => return Err(codec::unexpected_body(payload)),
    };
    Ok(notification)
}
