//! Registration (RFC 3261 §10) as a small state machine: the REGISTER
//! requests this browser sends, and when to refresh.
//!
//! One Call-ID and From tag for the life of the user agent, CSeq growing by
//! one per request, so the registrar sees refreshes of one binding. We ask
//! for 300 s and refresh at 80 % of what the registrar granted, early enough
//! to survive a slow round trip, late enough not to chatter.

use crate::sip::message::{Request, Response};
use crate::sip::{self, rsip, RequestBuilder};

/// Seconds of binding we ask for.
pub const REQUESTED_EXPIRES: u32 = 300;
/// Never refresh sooner than this (a registrar granting 1 s would otherwise
/// make us loop).
const MIN_REFRESH_MS: u64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not registered (not connected yet, or the connection was lost).
    Idle,
    /// A REGISTER is on its way.
    Registering,
    /// Bound; refresh due at `refresh_at` (ms).
    Registered { refresh_at: u64 },
    /// Bound, and a refreshing REGISTER is on its way.
    Refreshing,
    /// Expires: 0 sent.
    Unregistering,
    /// The registrar refused us (wrong password, unknown user): final.
    Refused,
}

/// Who we are, for building requests.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `sip:alice@rollcall.local`.
    pub aor: String,
    /// The registrar's domain, our REGISTER's Request-URI `sip:<domain>`.
    pub domain: String,
    /// This browser tab's Contact (`<sip:alice@x1y2.invalid;transport=ws>`).
    pub contact: String,
    /// Host for our Via header (`x1y2.invalid`, RFC 7118 §5.2).
    pub via_host: String,
    /// `WS` or `WSS`.
    pub transport: &'static str,
    /// Unique per tab: tells our binding apart from other tabs' in a 200.
    pub instance: String,
}

#[derive(Debug)]
pub struct Registration {
    pub state: State,
    call_id: String,
    from_tag: String,
    cseq: u32,
    /// Registered at least once in this session (so the next one is a
    /// re-registration after a reconnect).
    pub ever_registered: bool,
}

impl Default for Registration {
    fn default() -> Self {
        Registration::new()
    }
}

impl Registration {
    pub fn new() -> Self {
        Registration {
            state: State::Idle,
            call_id: sip::new_call_id(),
            from_tag: sip::new_tag(),
            cseq: 0,
            ever_registered: false,
        }
    }

    /// The Request-URI (and digest `uri`) of our REGISTERs.
    pub fn request_uri(id: &Identity) -> String {
        format!("sip:{}", id.domain)
    }

    /// A REGISTER asking for `expires` seconds (0 unregisters), with
    /// `authorization` when we have credentials. Returns it with its branch.
    pub fn request(
        &mut self,
        id: &Identity,
        expires: u32,
        authorization: Option<&str>,
    ) -> Result<(Request, String), sip::SipError> {
        self.cseq += 1;
        let branch = sip::new_branch();
        let mut builder = RequestBuilder::new(rsip::Method::Register, &Self::request_uri(id))
            .via_transport(id.transport, &id.via_host, &branch)
            .from(&id.aor, None, &self.from_tag)
            .to(&id.aor, None)
            .call_id(&self.call_id)
            .cseq(self.cseq)
            .contact(&id.contact)
            .expires(expires);
        if let Some(value) = authorization {
            builder = builder.header(super::auth::Kind::Www.credentials_header(), value);
        }
        self.state = match self.state {
            _ if expires == 0 => State::Unregistering,
            State::Registered { .. } | State::Refreshing => State::Refreshing,
            _ => State::Registering,
        };
        Ok((builder.build_message()?, branch))
    }

    /// A 2xx arrived at `now` (ms): note the binding and when to refresh.
    /// Returns true when this is a new registration (not a refresh).
    pub fn registered(&mut self, granted: u32, now: u64) -> bool {
        let was_registered = self.is_bound();
        self.state = State::Registered { refresh_at: now + refresh_delay_ms(granted) };
        !was_registered
    }

    /// Bound at the registrar (a refresh may be under way).
    pub fn is_bound(&self) -> bool {
        matches!(self.state, State::Registered { .. } | State::Refreshing)
    }

    /// Is a refresh due at `now`?
    pub fn refresh_due(&self, now: u64) -> bool {
        matches!(self.state, State::Registered { refresh_at } if now >= refresh_at)
    }
}

/// When to refresh a binding granted for `granted` seconds: at 80 %.
pub fn refresh_delay_ms(granted: u32) -> u64 {
    (u64::from(granted) * 800).max(MIN_REFRESH_MS)
}

/// The expiry the registrar granted our binding: the `expires` parameter of
/// our own Contact in the 200 (which lists every binding of the AOR), else
/// the `Expires` header, else what we asked for.
pub fn granted_expires(response: &Response, id: &Identity) -> u32 {
    let ours = response
        .headers
        .get_all("Contact")
        .into_iter()
        .flat_map(|line| sip::split_list(line).into_iter().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|value| sip::parse_name_addr(&value).ok())
        .find(|addr| addr.uri.contains(&id.instance))
        .and_then(|addr| addr.param("expires").flatten().and_then(|v| v.parse().ok()));
    ours.or_else(|| response.headers.get("Expires").and_then(|v| v.parse().ok())).unwrap_or(REQUESTED_EXPIRES)
}

#[cfg(test)]
mod tests;
