//! The registrar (RFC 3261 §10): binds an address-of-record to the
//! connection its REGISTER arrived on. Requests are routed by connection
//! (for UDP, the address the REGISTER came from), never by resolving the
//! Contact (RFC 7118 §5.2, RFC 5626 §5.3). One binding per
//! connection and AOR; a closed connection loses its bindings at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_shared::sync::LockExt;

use super::connection::Connection;

struct Binding {
    connection: Arc<Connection>,
    contact: String,
    expires_at: Instant,
}

#[derive(Default)]
pub struct Registrar {
    bindings: Mutex<HashMap<String, Vec<Binding>>>,
}

impl Registrar {
    /// Binds `aor` to `connection` for `expires`, replacing this
    /// connection's earlier binding of the same AOR.
    pub fn bind(&self, aor: &str, connection: &Arc<Connection>, contact: &str, expires: Duration) {
        let mut all = self.bindings.locked();
        let list = all.entry(aor.to_string()).or_default();
        list.retain(|b| b.connection.id != connection.id);
        list.push(Binding {
            connection: Arc::clone(connection),
            contact: contact.to_string(),
            expires_at: Instant::now() + expires,
        });
    }

    /// Removes this connection's binding of `aor`.
    pub fn unbind(&self, aor: &str, connection_id: u64) {
        let mut all = self.bindings.locked();
        if let Some(list) = all.get_mut(aor) {
            list.retain(|b| b.connection.id != connection_id);
            if list.is_empty() {
                all.remove(aor);
            }
        }
    }

    /// Drops every binding made over a connection that has closed; returns
    /// the AORs that have no binding left (they went offline).
    pub fn remove_connection(&self, connection_id: u64) -> Vec<String> {
        self.drop_where(|b| b.connection.id == connection_id)
    }

    /// Drops expired bindings; returns the AORs that went offline.
    pub fn expire(&self) -> Vec<String> {
        let now = Instant::now();
        self.drop_where(|b| b.expires_at <= now)
    }

    /// How many bindings there are (all AORs).
    pub fn binding_count(&self) -> usize {
        self.bindings.locked().values().map(Vec::len).sum()
    }

    /// Is `aor` reachable (at least one live binding)?
    pub fn is_online(&self, aor: &str) -> bool {
        let now = Instant::now();
        self.bindings.locked().get(aor).is_some_and(|list| list.iter().any(|b| b.expires_at > now))
    }

    fn drop_where(&self, gone: impl Fn(&Binding) -> bool) -> Vec<String> {
        let mut all = self.bindings.locked();
        let mut offline = Vec::new();
        all.retain(|aor, list| {
            let before = list.len();
            list.retain(|b| !gone(b));
            if list.is_empty() && before > 0 {
                offline.push(aor.clone());
            }
            !list.is_empty()
        });
        offline
    }

    /// The live bindings of `aor`: each connection with the Contact it
    /// registered. Expired bindings are dropped on the way.
    pub fn lookup(&self, aor: &str) -> Vec<(Arc<Connection>, String)> {
        let mut all = self.bindings.locked();
        let Some(list) = all.get_mut(aor) else { return Vec::new() };
        let now = Instant::now();
        list.retain(|b| b.expires_at > now);
        let found: Vec<_> = list.iter().map(|b| (Arc::clone(&b.connection), b.contact.clone())).collect();
        if list.is_empty() {
            all.remove(aor);
        }
        found
    }

    /// Every live binding: AOR, connection, Contact and time left.
    pub fn all(&self) -> Vec<(String, Arc<Connection>, String, Duration)> {
        let now = Instant::now();
        let all = self.bindings.locked();
        let live = all.iter().flat_map(|(aor, list)| list.iter().filter(move |b| b.expires_at > now).map(move |b| (aor, b)));
        live.map(|(aor, b)| (aor.clone(), Arc::clone(&b.connection), b.contact.clone(), b.expires_at - now)).collect()
    }

    /// The Contact values currently bound to `aor` with their remaining
    /// lifetime in seconds (for the 200 OK to a REGISTER).
    pub fn contacts(&self, aor: &str) -> Vec<(String, u64)> {
        let all = self.bindings.locked();
        let now = Instant::now();
        all.get(aor)
            .map(|list| {
                list.iter()
                    .filter(|b| b.expires_at > now)
                    .map(|b| (b.contact.clone(), whole_seconds(b.expires_at.duration_since(now))))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Seconds, rounded to the nearest: a binding granted 300 s reads 300,
/// not 299, a few microseconds later.
fn whole_seconds(d: Duration) -> u64 {
    (d.as_millis() as u64 + 500) / 1000
}
