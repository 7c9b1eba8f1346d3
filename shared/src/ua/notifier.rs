//! The user agent as a notifier (RFC 6665), for the gateway: SUBSCRIBEs
//! (of any event package, once the application serves one —
//! [`UserAgent::serve_events`](super::UserAgent::serve_events)) are handed
//! to the application unanswered ([`NotifierEvent::Subscribe`]); it answers
//! them ([`UserAgent::respond`](super::UserAgent::respond)) and sends
//! NOTIFYs in their dialogs ([`Notify`],
//! [`UserAgent::notify`](super::UserAgent::notify)), whose fate comes back
//! as [`NotifierEvent::Notified`]. The dialogs (tags, CSeq, expiry) are
//! the application's; the user agent keeps the NOTIFY's client
//! transaction (Timer F; Timer E on UDP). Not in the browser's build.

use crate::sip::message::{self, uri_aor};
use crate::sip::{self, rsip, RequestBuilder};

use super::registration::Identity;
use super::transaction::{ClientTransaction, Purpose};
use super::{Event, Output, UserAgent};

/// A NOTIFY to send in a subscription dialog the application keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// The application's, back in [`NotifierEvent::Notified`].
    pub id: u64,
    /// Request-URI: the subscriber's Contact (remote target).
    pub target: String,
    /// Our side: the URI subscribed to, and our tag (the 2xx's To tag).
    pub from: String,
    pub from_tag: String,
    /// The subscriber's AOR and tag (the SUBSCRIBE's From).
    pub to: String,
    pub to_tag: String,
    pub call_id: String,
    pub cseq: u32,
    /// Our Contact, e.g. `<sip:conf-…@rollcall.local>`.
    pub contact: String,
    /// `Event` (the package), `Subscription-State`.
    pub event: String,
    pub subscription_state: String,
    /// `(Content-Type, body)`, if any.
    pub body: Option<(String, String)>,
}

/// What a notifier application is told.
#[derive(Debug, Clone, PartialEq)]
pub enum NotifierEvent {
    /// A SUBSCRIBE to answer (with [`super::UserAgent::respond`]), and the
    /// sender's AOR the IM server asserted (`P-Asserted-Identity`), if any.
    Subscribe { request: message::Request, asserted: Option<String> },
    /// NOTIFY `id` got final response `code` (`408`: none in time).
    Notified { id: u64, code: u16 },
}

/// The asserted sender of `request`: its `P-Asserted-Identity`'s AOR.
pub(super) fn asserted(request: &message::Request) -> Option<String> {
    request.headers.address("P-Asserted-Identity").ok().and_then(|a| uri_aor(&a.uri).ok())
}

/// `notify` as a request from us, under `branch`.
pub(super) fn request(notify: &Notify, id: &Identity, branch: &str) -> Result<message::Request, sip::SipError> {
    let mut builder = RequestBuilder::new(rsip::Method::Notify, &notify.target)
        .via_transport(id.transport, &id.via_host, branch)
        .from(&notify.from, None, &notify.from_tag)
        .to(&notify.to, Some(&notify.to_tag))
        .call_id(&notify.call_id)
        .cseq(notify.cseq)
        .contact(&notify.contact)
        .header("Event", &notify.event)
        .header("Subscription-State", &notify.subscription_state);
    if let Some((content_type, body)) = &notify.body {
        builder = builder.body(content_type, body.clone());
    }
    builder.build_message()
}

impl UserAgent {
    /// Serve these event packages (e.g. `conference`) as a notifier: from
    /// now on every SUBSCRIBE is handed to the application
    /// ([`NotifierEvent::Subscribe`]), which answers it, 489 for
    /// a package it does not serve.
    pub fn serve_events(&mut self, packages: Vec<String>) {
        self.event_packages = packages;
    }

    /// Sends the application's answer to a request it was handed.
    pub fn respond(&mut self, response: String) -> Vec<Output> {
        self.out.push(Output::Send(response));
        self.take()
    }

    /// Sends a NOTIFY in one of the application's subscription dialogs; its
    /// final response comes back as [`NotifierEvent::Notified`].
    pub fn notify(&mut self, notify: Notify, now: u64) -> Vec<Output> {
        let branch = sip::new_branch();
        match request(&notify, &self.id, &branch) {
            Ok(request) => {
                let text = request.to_string();
                let mut tx = ClientTransaction::new(Purpose::Notify { id: notify.id }, now, self.config.transport);
                tx.sent(text.clone());
                self.transactions.insert(branch, tx);
                self.out.push(Output::Send(text));
            }
            Err(_) => self.notified(notify.id, 400),
        }
        self.take()
    }

    pub(super) fn notified(&mut self, id: u64, code: u16) {
        self.out.push(Output::Event(Event::Notifier(NotifierEvent::Notified { id, code })));
    }
}
