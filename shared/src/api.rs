//! JSON shapes of Rollcall's HTTP APIs on the public port — the phone panel
//! of the simulated network (`/pstn/`) and the personal information manager
//! (`/api/`) — as the browser reads them. Documented in
//! `docs/protocol.md`; every answer that is not a success is an
//! [`ApiError`].

use serde::{Deserialize, Serialize};

use crate::directory::{Address, Entry, Person};
use crate::json::{field, from_json_fields, FromJson, JsonError, Value};

/// A refusal: `{"error": code, "message": text}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

/// `GET /pstn/phones`, `GET /pstn/events`, and the answer to every panel
/// action: the caller's held phones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Panel {
    pub user: String,
    /// Changes whenever this user's panel changes (compare for equality only).
    pub version: u64,
    pub phones: Vec<PanelPhone>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelPhone {
    /// E.164.
    pub number: String,
    /// The live call on this phone, if any.
    pub call: Option<PanelCall>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelCall {
    /// Opaque (`leg-7`): the `{id}` of `/pstn/calls/{id}/…`.
    pub id: String,
    /// `dialing`, `ringing`, `confirming` (answered, hearing the
    /// announcement) or `connected`.
    pub state: String,
    /// RFC 3339, UTC: when it entered `state`.
    pub since: String,
    /// The account of the conference that dials.
    pub caller: String,
    /// What the caller asks before letting the person in ("… Press 1 to
    /// join."), for a screened call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    /// The conference has muted this phone.
    #[serde(default)]
    pub muted: bool,
}

/// An address book entry with its id (`GET /api/contacts`, `/api/directory`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntry {
    pub id: i64,
    #[serde(flatten)]
    pub entry: Entry,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Entries {
    pub entries: Vec<StoredEntry>,
}

/// `GET /api/resolve?q=TEXT`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct People {
    pub people: Vec<Person>,
}

/// `POST /api/contacts/import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    pub imported: u64,
}

/// One e-mail of a user's inbox, with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub id: i64,
    #[serde(flatten)]
    pub message: Message,
}

/// What Rollcall keeps of an e-mail: as much as a roster needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub subject: String,
    pub from: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// RFC 3339, from the `Date` header when there was one.
    pub date: Option<String>,
    pub snippet: String,
}

/// `GET /api/inbox`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Emails {
    pub emails: Vec<Email>,
}

/// `GET /api/inbox/{id}/roster`: "conference everyone" on an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRoster {
    pub email_id: i64,
    /// The user, with their own numbers (`None`: not in the directory).
    pub initiator: Option<Person>,
    pub participants: Vec<Person>,
}

/// One call leg of the user's conferences (`GET /api/calls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLeg {
    pub conference_id: String,
    pub participant_id: String,
    pub number: String,
    pub started_at: String,
    pub answered_at: Option<String>,
    /// `None` while the leg is live (or was, when the server stopped).
    pub ended_at: Option<String>,
    /// The final participant state as on the SOAP wire (`disconnected`, `busy`, …).
    pub final_state: String,
    /// Q.850.
    pub cause: Option<u16>,
}

/// One SIP message as the IM server logged it (`GET /api/messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedMessage {
    pub id: i64,
    /// RFC 3339, when it was logged.
    pub at: String,
    /// `in` (to the server) or `out` (from it).
    pub direction: String,
    pub first_line: String,
    /// The whole message as logged (digest responses redacted).
    pub message: String,
}

/// `GET /api/messages`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoggedMessages {
    pub messages: Vec<LoggedMessage>,
}

/// `GET /api/calls`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Calls {
    pub calls: Vec<CallLeg>,
}

// What the browser reads, without serde (`crate::json`): the same member
// names as the derives above; tested against serde's output.
from_json_fields!(ApiError { error, message });
from_json_fields!(Panel { user, version, phones });
from_json_fields!(PanelPhone { number, call });
from_json_fields!(PanelCall { id, state, since, caller, announcement, muted });
from_json_fields!(People { people });
from_json_fields!(Imported { imported });
from_json_fields!(Message { subject, from, to, cc, date, snippet });
from_json_fields!(Emails { emails });
from_json_fields!(EmailRoster { email_id, initiator, participants });
from_json_fields!(CallLeg { conference_id, participant_id, number, started_at, answered_at, ended_at, final_state, cause });
from_json_fields!(LoggedMessage { id, at, direction, first_line, message });
from_json_fields!(LoggedMessages { messages });
from_json_fields!(Calls { calls });

impl FromJson for Email {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        // `message` is flattened into the e-mail's object.
        Ok(Email { id: field(value, "id")?, message: Message::from_json(value)? })
    }
}
