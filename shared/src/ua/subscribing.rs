//! The user agent's side of its subscriptions ([`super::subscriber`]):
//! what the application asks to follow, the SUBSCRIBEs that go out for it
//! (authenticated like MESSAGEs), their answers and the NOTIFYs that come
//! in, and the events the application is told. One path for every event
//! package; conferences only outside the browser.

use crate::sip::message::{Request, Response};
use crate::sip::{self};

use super::auth::Kind;
use super::subscriber::Step;
use super::transaction::{ClientTransaction, Purpose};
use super::{Event, Output, UserAgent};

impl UserAgent {
    /// Watch exactly these AORs (`sip:bob@rollcall.local`) from now on:
    /// subscribe to the new ones, unsubscribe (Expires: 0) from the ones
    /// left out. Kept across reconnects; subscriptions go out only while
    /// registered, and again after every new registration.
    pub fn watch(&mut self, aors: Vec<String>, now: u64) -> Vec<Output> {
        let steps = self.subscriber.watch(aors, self.is_registered(), now);
        self.run_steps(steps, now);
        self.take()
    }

    /// Follow conference `uri` (`sip:conf-…@rollcall.local`) by
    /// subscription (RFC 4575, [`super::conference`]): each document comes
    /// back as [`Event::ConferenceInfo`], the last one with why it ended.
    /// Kept across reconnects like [`UserAgent::watch`], until unfollowed
    /// or ended for good.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn follow_conference(&mut self, uri: &str, now: u64) -> Vec<Output> {
        let steps = self.subscriber.follow(uri, self.is_registered());
        self.run_steps(steps, now);
        self.take()
    }

    /// Stop following conference `uri` (Expires: 0); nothing more of it is
    /// reported.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn unfollow_conference(&mut self, uri: &str, now: u64) -> Vec<Output> {
        let steps = self.subscriber.unfollow(uri, now);
        self.run_steps(steps, now);
        self.take()
    }

    /// Sends `tx`'s SUBSCRIBE (again, after a challenge: the dialog's next
    /// CSeq) under a new branch, with credentials when we have a 407's
    /// challenge cached (the same one MESSAGE uses).
    pub(super) fn send_subscribe(&mut self, mut tx: ClientTransaction, now: u64) {
        let Purpose::Subscribe { call_id, expires } = tx.purpose.clone() else {
            return;
        };
        let Some(uri) = self.subscriber.target(&call_id).map(str::to_owned) else {
            return; // the subscription is gone
        };
        let credentials = self.auth.credentials(Kind::Proxy, "SUBSCRIBE", &uri, &crate::random::random_hex(8));
        match self.subscriber.request(&call_id, expires, &self.id, credentials.as_deref()) {
            Some(Ok((request, branch))) => {
                let text = request.to_string();
                tx.sent(text.clone());
                self.out.push(Output::Send(text));
                self.transactions.insert(branch, tx);
            }
            Some(Err(_)) => {
                // Only a URI that can't be a Request-URI gets here: it is
                // reported, as any subscription that fails.
                self.subscribe_failed(&call_id, expires, 400, None, now);
            }
            None => {}
        }
    }

    /// A final answer other than a challenge to our SUBSCRIBE.
    pub(super) fn subscribe_answered(&mut self, call_id: &str, expires: u32, response: &Response, now: u64) {
        if (200..300).contains(&response.code) {
            let steps = self.subscriber.answered(call_id, expires, response, now);
            return self.run_steps(steps, now);
        }
        let retry_after = response.headers.get("Retry-After").and_then(|v| v.split([';', ' ', '(']).next()?.trim().parse().ok());
        self.subscribe_failed(call_id, expires, response.code, retry_after, now);
    }

    /// Our SUBSCRIBE failed with `code` (408: no answer).
    pub(super) fn subscribe_failed(&mut self, call_id: &str, expires: u32, code: u16, retry_after: Option<u64>, now: u64) {
        let steps = self.subscriber.failed(call_id, expires, code, retry_after, now);
        self.run_steps(steps, now);
    }

    /// A NOTIFY: answered (in a dialog the To tag is ours already; 481s
    /// get one), and what it says reported.
    pub(super) fn on_notify(&mut self, request: &Request, now: u64) {
        let (code, steps) = self.subscriber.notified(request, self.is_registered(), now);
        let response = request.response(code, None, Some(&sip::new_tag()));
        self.out.push(Output::Send(response.to_string()));
        self.run_steps(steps, now);
    }

    /// Registered anew: subscribe to everything followed.
    pub(super) fn subscribe_all(&mut self, now: u64) {
        let steps = self.subscriber.registered();
        self.run_steps(steps, now);
    }

    /// The clock moved on for the subscriptions.
    pub(super) fn tick_subscriptions(&mut self, now: u64) {
        let steps = self.subscriber.tick(self.is_registered(), now);
        self.run_steps(steps, now);
    }

    /// Carries out what the subscriber asks for.
    fn run_steps(&mut self, steps: Vec<Step>, now: u64) {
        for step in steps {
            match step {
                Step::Subscribe { call_id, expires } => {
                    let purpose = Purpose::Subscribe { call_id, expires };
                    self.send_subscribe(ClientTransaction::new(purpose, now, self.config.transport), now);
                }
                Step::Report { aor, online } => self.out.push(Output::Event(Event::Presence { aor, online })),
                #[cfg(not(target_arch = "wasm32"))]
                Step::Conference { uri, body, terminated } => {
                    self.out.push(Output::Event(Event::ConferenceInfo { uri, body, terminated }))
                }
            }
        }
    }
}
