//! The client protocol (docs/protocol.md §2): requests from the browser to the
//! gateway and everything the gateway sends back (answers, events, faults).

use super::codec::{self, bool_str, read_flag, read_parties, read_party, write_flag, write_parties, write_party};
use super::model::*;
use super::xml::{Element, Fields, Writer, CONF, ENV};
use super::DecodeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateConference {
    pub request_id: String,
    pub account: String,
    pub initiator: Party,
    /// Dialled once the initiator has answered.
    pub participants: Vec<Party>,
    /// `c:subject`: what the call is about (the e-mail's subject), told to
    /// each participant when `confirm` is on.
    pub subject: Option<String>,
    /// `c:confirm`: each participant who answers hears who calls and why,
    /// and joins only by pressing 1 (docs/protocol.md §6).
    pub confirm: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddParticipant {
    pub request_id: String,
    pub conference_id: String,
    pub participant: Party,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveParticipant {
    pub request_id: String,
    pub conference_id: String,
    pub participant_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndConference {
    pub request_id: String,
    pub conference_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetConference {
    pub request_id: String,
    pub conference_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListConferences {
    pub request_id: String,
}

/// `c:MuteParticipant` (docs/protocol.md §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuteParticipant {
    pub request_id: String,
    pub conference_id: String,
    pub participant_id: String,
    pub muted: bool,
}

/// `c:MuteAll`: every participant but the initiator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuteAll {
    pub request_id: String,
    pub conference_id: String,
    pub muted: bool,
}

/// `c:LockConference`: a locked conference takes no new participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockConference {
    pub request_id: String,
    pub conference_id: String,
    pub locked: bool,
}

/// A request body (client → gateway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    CreateConference(CreateConference),
    AddParticipant(AddParticipant),
    RemoveParticipant(RemoveParticipant),
    EndConference(EndConference),
    GetConference(GetConference),
    ListConferences(ListConferences),
    MuteParticipant(MuteParticipant),
    MuteAll(MuteAll),
    LockConference(LockConference),
}

/// Everything the gateway sends to a client: answers, events and faults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    CreateConferenceResponse {
        request_id: String,
        conference_id: String,
        state: ConferenceState,
        /// `c:conferenceUri` (docs/protocol.md §7).
        conference_uri: Option<String>,
    },
    AddParticipantResponse {
        request_id: String,
        conference_id: String,
        participant_id: String,
        state: ParticipantState,
    },
    RemoveParticipantResponse {
        request_id: String,
        conference_id: String,
        participant_id: String,
    },
    EndConferenceResponse {
        request_id: String,
        conference_id: String,
    },
    MuteParticipantResponse {
        request_id: String,
        conference_id: String,
        participant_id: String,
        muted: bool,
    },
    MuteAllResponse {
        request_id: String,
        conference_id: String,
        muted: bool,
    },
    LockConferenceResponse {
        request_id: String,
        conference_id: String,
        locked: bool,
    },
    /// `c:Conference` snapshot (answers `GetConference`, with its requestId).
    Conference(ConferenceSnapshot),
    /// `c:Conferences` (answers `ListConferences`).
    Conferences {
        request_id: String,
        conferences: Vec<ConferenceSnapshot>,
    },
    ParticipantStatus(ParticipantStatus),
    ConferenceStatus(ConferenceStatus),
    Fault(Fault),
}

impl Request {
    /// The client-made id the answer will echo.
    pub fn request_id(&self) -> &str {
        match self {
            Request::CreateConference(r) => &r.request_id,
            Request::AddParticipant(r) => &r.request_id,
            Request::RemoveParticipant(r) => &r.request_id,
            Request::EndConference(r) => &r.request_id,
            Request::GetConference(r) => &r.request_id,
            Request::ListConferences(r) => &r.request_id,
            Request::MuteParticipant(r) => &r.request_id,
            Request::MuteAll(r) => &r.request_id,
            Request::LockConference(r) => &r.request_id,
        }
    }

    /// The conference this request is about, if it names one.
    pub fn conference_id(&self) -> Option<&str> {
        match self {
            Request::AddParticipant(r) => Some(&r.conference_id),
            Request::RemoveParticipant(r) => Some(&r.conference_id),
            Request::EndConference(r) => Some(&r.conference_id),
            Request::GetConference(r) => Some(&r.conference_id),
            Request::MuteParticipant(r) => Some(&r.conference_id),
            Request::MuteAll(r) => Some(&r.conference_id),
            Request::LockConference(r) => Some(&r.conference_id),
            Request::CreateConference(_) | Request::ListConferences(_) => None,
        }
    }

    /// The whole SOAP envelope.
    pub fn encode(&self) -> String {
        Writer::envelope(CONF, |w| match self {
            Request::CreateConference(r) => w.nest("CreateConference", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("account", &r.account);
                write_party(w, "initiator", &r.initiator);
                write_parties(w, &r.participants);
                w.opt_leaf("subject", r.subject.as_deref());
                write_flag(w, "confirm", r.confirm);
            }),
            Request::AddParticipant(r) => w.nest("AddParticipant", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
                write_party(w, "participant", &r.participant);
            }),
            Request::RemoveParticipant(r) => w.nest("RemoveParticipant", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
                w.leaf("participantId", &r.participant_id);
            }),
            Request::EndConference(r) => w.nest("EndConference", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
            }),
            Request::GetConference(r) => w.nest("GetConference", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
            }),
            Request::ListConferences(r) => w.nest("ListConferences", |w| w.leaf("requestId", &r.request_id)),
            Request::MuteParticipant(r) => w.nest("MuteParticipant", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
                w.leaf("participantId", &r.participant_id);
                w.leaf("muted", bool_str(r.muted));
            }),
            Request::MuteAll(r) => w.nest("MuteAll", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
                w.leaf("muted", bool_str(r.muted));
            }),
            Request::LockConference(r) => w.nest("LockConference", |w| {
                w.leaf("requestId", &r.request_id);
                w.leaf("conferenceId", &r.conference_id);
                w.leaf("locked", bool_str(r.locked));
            }),
        })
    }

    /// Reads a request envelope. On error, [`DecodeError::request_id`] holds
    /// the `c:requestId` whenever it could be read.
    pub fn decode(xml: &str) -> Result<Request, DecodeError> {
        codec::decode_envelope(xml, decode_request)
    }
}

/// The request in a body payload.
fn decode_request(payload: &Element) -> Result<Request, DecodeError> {
    let f = Fields::new(payload, CONF);
    let request = match payload.local_in(CONF) {
        Some("CreateConference") => Request::CreateConference(CreateConference {
            request_id: f.text("requestId")?,
            account: f.text("account")?,
            initiator: read_party(f.child("initiator")?)?,
            participants: read_parties(f)?,
            subject: f.opt_text("subject"),
            confirm: read_flag(f, "confirm")?,
        }),
        Some("AddParticipant") => Request::AddParticipant(AddParticipant {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            participant: read_party(f.child("participant")?)?,
        }),
        Some("RemoveParticipant") => Request::RemoveParticipant(RemoveParticipant {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
        }),
        Some("EndConference") => {
            Request::EndConference(EndConference { request_id: f.text("requestId")?, conference_id: f.text("conferenceId")? })
        }
        Some("GetConference") => {
            Request::GetConference(GetConference { request_id: f.text("requestId")?, conference_id: f.text("conferenceId")? })
        }
        Some("ListConferences") => Request::ListConferences(ListConferences { request_id: f.text("requestId")? }),
        Some("MuteParticipant") => Request::MuteParticipant(MuteParticipant {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
            muted: f.parse("muted")?,
        }),
        Some("MuteAll") => Request::MuteAll(MuteAll {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            muted: f.parse("muted")?,
        }),
        Some("LockConference") => Request::LockConference(LockConference {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            locked: f.parse("locked")?,
        }),
        _ => return Err(codec::unexpected_body(payload)),
    };
    Ok(request)
}

impl Reply {
    /// The requestId this reply answers: `None` for events, and for a
    /// snapshot or Fault that does not answer a particular request.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Reply::CreateConferenceResponse { request_id, .. }
            | Reply::AddParticipantResponse { request_id, .. }
            | Reply::RemoveParticipantResponse { request_id, .. }
            | Reply::EndConferenceResponse { request_id, .. }
            | Reply::MuteParticipantResponse { request_id, .. }
            | Reply::MuteAllResponse { request_id, .. }
            | Reply::LockConferenceResponse { request_id, .. }
            | Reply::Conferences { request_id, .. } => Some(request_id),
            Reply::Conference(snapshot) => snapshot.request_id.as_deref(),
            Reply::Fault(fault) => fault.request_id.as_deref(),
            Reply::ParticipantStatus(_) | Reply::ConferenceStatus(_) => None,
        }
    }

    /// The whole SOAP envelope.
    pub fn encode(&self) -> String {
        Writer::envelope(CONF, |w| match self {
            Reply::CreateConferenceResponse { request_id, conference_id, state, conference_uri } => {
                w.nest("CreateConferenceResponse", |w| {
                    w.leaf("requestId", request_id);
                    w.leaf("conferenceId", conference_id);
                    w.leaf("state", state.as_str());
                    w.opt_leaf("conferenceUri", conference_uri.as_deref());
                })
            }
            Reply::AddParticipantResponse { request_id, conference_id, participant_id, state } => {
                w.nest("AddParticipantResponse", |w| {
                    w.leaf("requestId", request_id);
                    w.leaf("conferenceId", conference_id);
                    w.leaf("participantId", participant_id);
                    w.leaf("state", state.as_str());
                })
            }
            Reply::RemoveParticipantResponse { request_id, conference_id, participant_id } => {
                w.nest("RemoveParticipantResponse", |w| {
                    w.leaf("requestId", request_id);
                    w.leaf("conferenceId", conference_id);
                    w.leaf("participantId", participant_id);
                })
            }
            Reply::EndConferenceResponse { request_id, conference_id } => w.nest("EndConferenceResponse", |w| {
                w.leaf("requestId", request_id);
                w.leaf("conferenceId", conference_id);
            }),
            Reply::MuteParticipantResponse { request_id, conference_id, participant_id, muted } => {
                w.nest("MuteParticipantResponse", |w| {
                    w.leaf("requestId", request_id);
                    w.leaf("conferenceId", conference_id);
                    w.leaf("participantId", participant_id);
                    w.leaf("muted", bool_str(*muted));
                })
            }
            Reply::MuteAllResponse { request_id, conference_id, muted } => w.nest("MuteAllResponse", |w| {
                w.leaf("requestId", request_id);
                w.leaf("conferenceId", conference_id);
                w.leaf("muted", bool_str(*muted));
            }),
            Reply::LockConferenceResponse { request_id, conference_id, locked } => w.nest("LockConferenceResponse", |w| {
                w.leaf("requestId", request_id);
                w.leaf("conferenceId", conference_id);
                w.leaf("locked", bool_str(*locked));
            }),
            Reply::Conference(snapshot) => codec::write_snapshot(w, "Conference", snapshot),
            Reply::Conferences { request_id, conferences } => w.nest("Conferences", |w| {
                w.leaf("requestId", request_id);
                conferences.iter().for_each(|s| codec::write_snapshot(w, "Conference", s));
            }),
            Reply::ParticipantStatus(status) => w.nest("ParticipantStatus", |w| codec::write_participant_status(w, status)),
            Reply::ConferenceStatus(status) => w.nest("ConferenceStatus", |w| codec::write_conference_status(w, status)),
            Reply::Fault(fault) => codec::write_fault(w, fault),
        })
    }

    /// Reads a reply envelope (answer, event or `env:Fault`).
    pub fn decode(xml: &str) -> Result<Reply, DecodeError> {
        codec::decode_envelope(xml, decode_reply)
    }
}

/// The reply in a body payload.
fn decode_reply(payload: &Element) -> Result<Reply, DecodeError> {
    if payload.is(ENV, "Fault") {
        return codec::read_fault(payload).map(Reply::Fault);
    }
    let f = Fields::new(payload, CONF);
    let reply = match payload.local_in(CONF) {
        Some("CreateConferenceResponse") => Reply::CreateConferenceResponse {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            state: f.parse("state")?,
            conference_uri: f.opt_text("conferenceUri"),
        },
        Some("AddParticipantResponse") => Reply::AddParticipantResponse {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
            state: f.parse("state")?,
        },
        Some("RemoveParticipantResponse") => Reply::RemoveParticipantResponse {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
        },
        Some("EndConferenceResponse") => {
            Reply::EndConferenceResponse { request_id: f.text("requestId")?, conference_id: f.text("conferenceId")? }
        }
        Some("MuteParticipantResponse") => Reply::MuteParticipantResponse {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            participant_id: f.text("participantId")?,
            muted: f.parse("muted")?,
        },
        Some("MuteAllResponse") => Reply::MuteAllResponse {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            muted: f.parse("muted")?,
        },
        Some("LockConferenceResponse") => Reply::LockConferenceResponse {
            request_id: f.text("requestId")?,
            conference_id: f.text("conferenceId")?,
            locked: f.parse("locked")?,
        },
        Some("Conference") => Reply::Conference(codec::read_snapshot(f)?),
        Some("Conferences") => {
            Reply::Conferences { request_id: f.text("requestId")?, conferences: codec::read_snapshots(f, "Conference")? }
        }
        Some("ParticipantStatus") => Reply::ParticipantStatus(codec::read_participant_status(f)?),
        Some("ConferenceStatus") => Reply::ConferenceStatus(codec::read_conference_status(f)?),
        _ => return Err(codec::unexpected_body(payload)),
    };
    Ok(reply)
}
