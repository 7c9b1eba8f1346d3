//! What the nodes of a cluster say to each other over NATS: the subjects,
//! the announcements (JSON) and the SIP messages carried between them.

use serde::{Deserialize, Serialize};

/// The NATS subjects of a cluster whose subjects begin with `prefix`.
#[derive(Debug, Clone)]
pub struct Subjects {
    prefix: String,
}

impl Subjects {
    pub fn new(prefix: &str) -> Subjects {
        Subjects { prefix: prefix.to_string() }
    }

    /// Every node's announcements, heard by all.
    pub fn announcements(&self) -> String {
        format!("{}.announce", self.prefix)
    }

    /// Announcements for `node` alone (the bindings it asked for).
    pub fn announcements_to(&self, node: &str) -> String {
        format!("{}.node.{node}.announce", self.prefix)
    }

    /// Requests for connections of `node`.
    pub fn deliveries_to(&self, node: &str) -> String {
        format!("{}.node.{node}.deliver", self.prefix)
    }

    /// Responses to requests `node` forked.
    pub fn responses_to(&self, node: &str) -> String {
        format!("{}.node.{node}.response", self.prefix)
    }
}

/// How a connection reached its node, as its stand-ins elsewhere must
/// name it in a Via.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    /// The peer's address (for the log).
    pub peer: String,
    /// `UDP`, `TCP`, `TLS`, `WS` or `WSS`.
    pub transport: String,
    /// The node's host[:port] in the Vias of what is sent on it.
    pub sent_by: String,
    /// The user it authenticated as.
    pub user: Option<String>,
}

/// One node's news.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Announcement {
    /// `node` is alive.
    Heartbeat { node: String },
    /// `node` has started and wants every node's bindings.
    Hello { node: String },
    /// `node` is stopping: its connections go with it.
    Bye { node: String },
    /// `aor` is bound to `connection` of `node` for `expires_ms` more.
    Bind { node: String, connection: u64, aor: String, contact: String, expires_ms: u64, reached: Reached },
    /// `aor` is no longer bound to `connection` of `node`.
    Unbind { node: String, connection: u64, aor: String },
    /// `connection` of `node` has closed: every binding of it is gone.
    Closed { node: String, connection: u64 },
}

impl Announcement {
    /// The node it is from.
    pub fn node(&self) -> &str {
        match self {
            Announcement::Heartbeat { node }
            | Announcement::Hello { node }
            | Announcement::Bye { node }
            | Announcement::Bind { node, .. }
            | Announcement::Unbind { node, .. }
            | Announcement::Closed { node, .. } => node,
        }
    }
}

/// A SIP message carried to another node: the node it comes from, the
/// connection it concerns (the target's, for a delivery; the one that
/// answered, for a response), then the message as it is on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    pub node: String,
    pub connection: u64,
    pub text: String,
}

impl Carried {
    /// `NODE CONNECTION\n` then the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.node.len() + 24 + self.text.len());
        out.extend_from_slice(format!("{} {}\n", self.node, self.connection).as_bytes());
        out.extend_from_slice(self.text.as_bytes());
        out
    }

    pub fn decode(payload: &[u8]) -> Option<Carried> {
        let text = std::str::from_utf8(payload).ok()?;
        let (head, message) = text.split_once('\n')?;
        let (node, connection) = head.split_once(' ')?;
        Some(Carried { node: node.to_string(), connection: connection.parse().ok()?, text: message.to_string() })
    }
}

/// A node's name: letters, digits, `-` and `_` (it is a NATS subject
/// token and ends a Via branch), at most 32.
pub fn valid_node_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 32 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
