//! Calls this user agent places (RFC 3261 §13–§15, §17.1.1): the INVITE
//! and its client transaction, the dialog it creates, ACK, CANCEL, BYE and
//! re-INVITE. Session descriptions are passed through as they are — the
//! offer/answer exchange (RFC 3264) is the application's.
//!
//! Timers, named as in RFC 3261 (§17.1.1.2, Table 4):
//! - **Timer A**: on UDP the INVITE goes out again after T1, then at
//!   doubling intervals, until a response comes.
//! - **Timer B** (64·T1): no response at all by then fails the call (408).
//! - **Timer D** (32 s on UDP, 0 otherwise): after a final failure, the
//!   call is kept that long to ACK retransmissions of the failure.
//! - A 2xx is ACKed by the dialog (new branch, to the remote target); a
//!   retransmitted 2xx is ACKed again while the call lasts.
//! - BYE and CANCEL are non-INVITE transactions: Timers E and F, as
//!   [`super::transaction`] has them.
//!
//! In a confirmed dialog, INFO carrying a key pressed ([`DTMF_INFO_TYPES`])
//! is answered 200 and reported ([`CallEvent::Info`]); other INFO 415.
//!
//! CANCEL is only sent once a provisional response has come (RFC 3261
//! §9.1); hanging up before that waits for one. A 2xx that crosses a
//! CANCEL is ACKed and the call hung up with BYE.

use std::collections::HashMap;

use crate::sip::message::{Request, Response};
use crate::sip::{self, rsip, RequestBuilder};

use super::auth::{self, Authenticator, Kind};
use super::registration::Identity;
use super::transaction::{T1_MS, T2_MS, TIMER_F_MS};
use super::{Event, Output};

/// Timer B = 64 × T1: how long an INVITE waits for any response.
pub const TIMER_B_MS: u64 = 64 * T1_MS;
/// Timer D on UDP: how long a failed call waits for retransmissions of
/// its failure (reliable transports: 0).
pub const TIMER_D_MS: u64 = 32_000;

/// The content types of INFO requests a call takes (the keys a phone
/// sends in its dialog: `Signal=1` as Cisco's `application/dtmf-relay`,
/// or `1` as `application/dtmf`); any other INFO is answered 415.
pub const DTMF_INFO_TYPES: [&str; 2] = ["application/dtmf-relay", "application/dtmf"];

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// Never answered: the final response (408 when nobody answered, 487
    /// once cancelled), and the Q.850 cause its `Reason` header gave
    /// (RFC 3326), if any.
    Failed(u16, String, Option<u16>),
    /// Answered, then hung up here (BYE sent, answered or not).
    HungUp,
    /// Answered, then hung up by the far end (BYE received), with the
    /// Q.850 cause of its `Reason` header, if any.
    RemoteHungUp(Option<u16>),
}

/// What the application is told of its calls.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent {
    /// A provisional response (180 Ringing, 183 Session Progress…), with
    /// the early session description if it carried one.
    Progress {
        code: u16,
        sdp: Option<String>,
    },
    /// A 2xx: the call is up, with the answer (or the offer, when the
    /// INVITE had none).
    Answered {
        sdp: Option<String>,
    },
    /// A re-INVITE was answered 2xx, with the new answer.
    Updated {
        sdp: Option<String>,
    },
    /// A re-INVITE was refused; the session goes on as it was.
    UpdateRefused {
        code: u16,
    },
    /// The far end sent a key pressed in an INFO in the dialog
    /// ([`DTMF_INFO_TYPES`]), already answered 200: its content type and
    /// body, for the application to read.
    Info {
        content_type: String,
        body: String,
    },
    Ended(CallEnd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// INVITE sent, nothing back yet.
    Calling,
    /// A provisional response came.
    Proceeding,
    /// A 2xx came and was ACKed.
    Confirmed,
    /// BYE sent.
    Ending,
    /// Failed or ended; kept until `keep_until` (Timer D) to absorb
    /// retransmissions.
    Done,
}

/// A request of ours in flight, for Timers A/E and B/F.
#[derive(Debug, Clone)]
struct Outstanding {
    branch: String,
    text: String,
    /// When to send it again (unreliable transports), and the interval.
    retransmit: Option<(u64, u64)>,
    /// Timer B or F.
    give_up_at: u64,
    /// INVITE (Timer A: no cap) or not (Timer E: capped at T2).
    invite: bool,
}

impl Outstanding {
    fn new(branch: String, text: String, now: u64, reliable: bool, invite: bool) -> Outstanding {
        let retransmit = (!reliable).then_some((now + T1_MS, T1_MS));
        let give_up_at = now + if invite { TIMER_B_MS } else { TIMER_F_MS };
        Outstanding { branch, text, retransmit, give_up_at, invite }
    }

    fn due(&mut self, now: u64) -> Option<String> {
        let (at, interval) = self.retransmit?;
        if now < at {
            return None;
        }
        let next = if self.invite { interval * 2 } else { (interval * 2).min(T2_MS) };
        self.retransmit = Some((now + next, next));
        Some(self.text.clone())
    }
}

/// One call, from INVITE to its end.
#[derive(Debug)]
struct Call {
    state: State,
    /// Our From address: the user agent's AOR, or the caller ID the call
    /// was placed with.
    from: String,
    /// The Request-URI the call was placed to.
    target: String,
    call_id: String,
    local_tag: String,
    remote_tag: Option<String>,
    /// The To header's address (the target's AOR as dialled).
    to: String,
    /// The remote target (Contact of the 2xx) and route set
    /// (Record-Route, reversed): where in-dialog requests go.
    remote_target: Option<String>,
    route_set: Vec<String>,
    cseq: u32,
    /// The INVITE (or re-INVITE) in flight and its CSeq.
    invite: Option<(Outstanding, u32)>,
    /// The branch of the last INVITE sent: its final response may come
    /// again after the transaction is over (ACKed again).
    invite_branch: String,
    /// Whether the INVITE in flight is a re-INVITE.
    reinviting: bool,
    /// The offer of the INVITE in flight (sent again after a challenge).
    offer: Option<String>,
    /// The last ACK sent, to send again for a retransmitted final response.
    ack: Option<String>,
    /// CANCEL or BYE in flight.
    closing: Option<Outstanding>,
    /// Hang-up asked before any provisional response: CANCEL when one comes.
    cancel_wanted: bool,
    /// Challenges answered for the INVITE in flight (a second fresh one
    /// means our credentials are refused).
    challenges: u8,
    keep_until: u64,
}

/// The calls of one user agent.
#[derive(Debug, Default)]
pub struct Calls {
    calls: HashMap<u64, Call>,
}

/// What a call needs of its user agent.
pub struct Context<'a> {
    pub id: &'a Identity,
    pub auth: &'a mut Authenticator,
    pub reliable: bool,
    pub out: &'a mut Vec<Output>,
}

impl Context<'_> {
    fn send(&mut self, text: String) {
        self.out.push(Output::Send(text));
    }

    fn event(&mut self, call: u64, event: CallEvent) {
        self.out.push(Output::Event(Event::Call { id: call, event }));
    }
}

impl Calls {
    /// Places call `id` to `to` (a SIP URI), offering `sdp` when given,
    /// from `from` (an AOR) or else the user agent's own.
    pub fn invite(&mut self, cx: &mut Context, id: u64, from: Option<&str>, to: &str, sdp: Option<String>, now: u64) {
        let mut call = Call {
            state: State::Calling,
            from: from.unwrap_or(&cx.id.aor).to_owned(),
            target: to.to_owned(),
            call_id: sip::new_call_id(),
            local_tag: sip::new_tag(),
            remote_tag: None,
            to: to.to_owned(),
            remote_target: None,
            route_set: Vec::new(),
            cseq: 0,
            invite: None,
            invite_branch: String::new(),
            reinviting: false,
            offer: sdp,
            ack: None,
            closing: None,
            cancel_wanted: false,
            challenges: 0,
            keep_until: 0,
        };
        match call.send_invite(cx, now) {
            Ok(()) => {
                self.calls.insert(id, call);
            }
            Err(why) => cx.event(id, CallEvent::Ended(CallEnd::Failed(400, why, None))),
        }
    }

    /// Hangs up call `id`: CANCEL before it is answered (once a provisional
    /// response has come), BYE after.
    pub fn hang_up(&mut self, cx: &mut Context, id: u64, now: u64) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        match call.state {
            State::Calling => call.cancel_wanted = true,
            State::Proceeding if call.closing.is_none() => call.send_cancel(cx, now),
            State::Confirmed => call.send_bye(cx, now),
            _ => {}
        }
    }

    /// Sends a new offer in the confirmed call `id` (re-INVITE: hold,
    /// resume, a new media address).
    pub fn reinvite(&mut self, cx: &mut Context, id: u64, sdp: Option<String>, now: u64) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        if call.state != State::Confirmed || call.invite.is_some() {
            return cx.event(id, CallEvent::UpdateRefused { code: 491 });
        }
        call.offer = sdp;
        call.reinviting = true;
        if call.send_invite(cx, now).is_err() {
            call.reinviting = false;
            cx.event(id, CallEvent::UpdateRefused { code: 400 });
        }
    }

    /// A response for one of our calls' requests; `false` when it is not.
    pub fn on_response(&mut self, cx: &mut Context, response: &Response, branch: &str, now: u64) -> bool {
        let Some((&id, call)) = self.calls.iter_mut().find(|(_, c)| c.owns(branch)) else { return false };
        let method = response.headers.get("CSeq").and_then(|v| v.split_whitespace().nth(1)).unwrap_or("");
        match method {
            "INVITE" => call.on_invite_response(cx, id, response, now),
            "BYE" if call.state == State::Ending && response.code >= 200 => call.finish(cx, id, CallEnd::HungUp, now),
            _ => {} // CANCEL: its 200 says nothing, the INVITE's 487 follows; a BYE's 1xx
        }
        true
    }

    /// A request in one of our dialogs (BYE, ACK, re-INVITE); `false` when
    /// it belongs to none.
    pub fn on_request(&mut self, cx: &mut Context, request: &Request, now: u64) -> bool {
        let (Ok(call_id), Some(to_tag)) = (request.headers.call_id(), request.headers.tag("To")) else { return false };
        let Some((&id, call)) = self.calls.iter_mut().find(|(_, c)| c.call_id == call_id && c.local_tag == to_tag) else {
            return false;
        };
        let tag = sip::new_tag();
        match request.method.as_str() {
            "ACK" => {}
            "BYE" => {
                cx.send(request.response(200, None, Some(&tag)).to_string());
                if matches!(call.state, State::Confirmed | State::Ending) {
                    call.finish(cx, id, CallEnd::RemoteHungUp(q850_cause(&request.headers.get_all("Reason"))), now);
                }
            }
            // A new offer from the far end is not taken (yet): the session
            // goes on as it was (RFC 3261 §14.2).
            "INVITE" => cx.send(request.response(488, None, Some(&tag)).to_string()),
            "INFO" if call.state == State::Confirmed => {
                let content_type = request.headers.get("Content-Type").unwrap_or("");
                let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                if DTMF_INFO_TYPES.contains(&media_type.as_str()) {
                    cx.send(request.response(200, None, Some(&tag)).to_string());
                    cx.event(id, CallEvent::Info { content_type: media_type, body: request.body.clone() });
                } else {
                    // RFC 6086 §4.2.2: 415 with the types taken.
                    let mut response = request.response(415, None, Some(&tag));
                    response.headers.push("Accept", DTMF_INFO_TYPES.join(", "));
                    cx.send(response.to_string());
                }
            }
            _ => cx.send(request.response(405, None, Some(&tag)).to_string()),
        }
        true
    }

    /// Timers A, B, D (and E, F for BYE and CANCEL).
    pub fn tick(&mut self, cx: &mut Context, now: u64) {
        let mut failed = Vec::new();
        for (&id, call) in self.calls.iter_mut() {
            if let Some((tx, _)) = call.invite.as_mut() {
                if let Some(text) = tx.due(now) {
                    cx.send(text);
                }
                if now >= tx.give_up_at {
                    failed.push(id);
                }
            }
            if let Some(tx) = call.closing.as_mut() {
                if let Some(text) = tx.due(now) {
                    cx.send(text);
                }
                // A BYE nobody answers still ends the call here.
                if now >= tx.give_up_at && call.state == State::Ending {
                    failed.push(id);
                }
            }
        }
        for id in failed {
            let Some(call) = self.calls.get_mut(&id) else { continue };
            if call.state == State::Ending {
                call.finish(cx, id, CallEnd::HungUp, now);
            } else if call.reinviting {
                call.invite = None;
                call.reinviting = false;
                cx.event(id, CallEvent::UpdateRefused { code: 408 });
            } else {
                call.finish(cx, id, CallEnd::Failed(408, "Request Timeout".into(), None), now);
            }
        }
        self.calls.retain(|_, c| c.state != State::Done || now < c.keep_until);
    }

    /// Calls not yet ended.
    pub fn live(&self) -> usize {
        self.calls.values().filter(|c| c.state != State::Done).count()
    }
}

impl Call {
    /// Is `branch` one of this call's requests?
    fn owns(&self, branch: &str) -> bool {
        self.invite_branch == branch || self.closing.as_ref().is_some_and(|tx| tx.branch == branch)
    }

    /// The request line and dialog headers of a request in this call.
    fn builder(&self, cx: &Context, method: rsip::Method, branch: &str, cseq: u32) -> RequestBuilder {
        let uri = self.remote_target.as_deref().unwrap_or(&self.target);
        let mut builder = RequestBuilder::new(method, uri)
            .via_transport(cx.id.transport, &cx.id.via_host, branch)
            .from(&self.from, None, &self.local_tag)
            .to(&self.to, self.remote_tag.as_deref())
            .call_id(&self.call_id)
            .cseq(cseq);
        for route in &self.route_set {
            builder = builder.header("Route", route);
        }
        builder
    }

    /// Sends the INVITE (or re-INVITE), with credentials when a challenge
    /// is known.
    fn send_invite(&mut self, cx: &mut Context, now: u64) -> Result<(), String> {
        self.cseq += 1;
        let branch = sip::new_branch();
        let uri = self.remote_target.clone().unwrap_or_else(|| self.target.clone());
        let mut builder = self.builder(cx, rsip::Method::Invite, &branch, self.cseq).contact(&cx.id.contact);
        for kind in [Kind::Www, Kind::Proxy] {
            if let Some(credentials) = cx.auth.credentials(kind, "INVITE", &uri, &crate::random::random_hex(8)) {
                builder = builder.header(kind.credentials_header(), &credentials);
            }
        }
        if let Some(sdp) = &self.offer {
            builder = builder.body("application/sdp", sdp.clone());
        }
        let text = builder.build_message().map_err(|e| e.to_string())?.to_string();
        cx.send(text.clone());
        self.invite_branch = branch.clone();
        self.invite = Some((Outstanding::new(branch, text, now, cx.reliable, true), self.cseq));
        Ok(())
    }

    fn on_invite_response(&mut self, cx: &mut Context, id: u64, response: &Response, now: u64) {
        let code = response.code;
        let sdp = (!response.body.is_empty()).then(|| response.body.clone());
        // The dialog's remote tag: from a 1xx that makes an early dialog,
        // and from the 2xx that makes the dialog (never from a failure: the
        // INVITE sent again after a challenge starts over).
        let early = code > 100 && code < 200 && self.remote_tag.is_none();
        let established = (200..300).contains(&code) && self.state != State::Confirmed;
        if !self.reinviting && (early || established) {
            self.remote_tag = response.headers.tag("To");
        }
        if code < 200 {
            if let Some((tx, _)) = self.invite.as_mut() {
                // Proceeding: Timer A stops, and so does Timer B — a phone
                // may ring as long as it likes; the application hangs up.
                tx.retransmit = None;
                tx.give_up_at = u64::MAX;
            }
            if self.state == State::Calling {
                self.state = State::Proceeding;
                if self.cancel_wanted {
                    self.send_cancel(cx, now);
                }
            }
            if code > 100 && !self.reinviting {
                cx.event(id, CallEvent::Progress { code, sdp });
            }
            return;
        }
        if (200..300).contains(&code) {
            return self.on_success(cx, id, response, sdp, now);
        }
        // A failure: ACKed by the transaction (same branch, RFC 3261 §17.1.1.3).
        let Some((tx, cseq)) = self.invite.take() else {
            // A retransmission of a failure already ACKed (Timer D).
            if let Some(ack) = &self.ack {
                cx.send(ack.clone());
            }
            return;
        };
        let ack = self.ack_for_failure(cx, &tx, cseq, response);
        cx.send(ack.clone());
        self.ack = Some(ack);
        if (code == 401 || code == 407) && self.challenged(cx, code, response) {
            self.ack = None;
            self.remote_tag = None;
            if self.send_invite(cx, now).is_ok() {
                return;
            }
        }
        if self.reinviting {
            self.reinviting = false;
            return cx.event(id, CallEvent::UpdateRefused { code });
        }
        let reason = if response.reason.is_empty() { sip::reason_phrase(code).to_owned() } else { response.reason.clone() };
        let cause = q850_cause(&response.headers.get_all("Reason"));
        self.finish(cx, id, CallEnd::Failed(code, reason, cause), now);
    }

    /// Takes a 401/407's challenge; `true` to send the INVITE again with
    /// credentials (not a second fresh challenge in a row: refused).
    fn challenged(&mut self, cx: &mut Context, code: u16, response: &Response) -> bool {
        let kind = if code == 401 { Kind::Www } else { Kind::Proxy };
        let Some(challenge) = auth::choose(&response.headers.get_all(kind.challenge_header())) else { return false };
        if self.challenges >= 3 || (self.challenges > 0 && !challenge.stale) {
            return false;
        }
        self.challenges += 1;
        cx.auth.challenged(kind, challenge).is_ok()
    }

    fn on_success(&mut self, cx: &mut Context, id: u64, response: &Response, sdp: Option<String>, now: u64) {
        let retransmission = self.invite.is_none();
        if !retransmission {
            // The dialog's view of the far end: its Contact, its route set.
            if let Some(contact) = response.headers.address("Contact").ok().map(|a| a.uri) {
                self.remote_target = Some(contact);
            }
            if !self.reinviting {
                self.route_set = response.headers.get_all("Record-Route").iter().rev().map(|r| r.to_string()).collect();
            }
        }
        let cseq = self.invite.as_ref().map(|(_, n)| *n).unwrap_or(self.cseq);
        let ack = self.builder(cx, rsip::Method::Ack, &sip::new_branch(), cseq).build_message().map(|r| r.to_string());
        if let Ok(ack) = ack {
            cx.send(ack.clone());
            self.ack = Some(ack);
        }
        if retransmission {
            return;
        }
        self.invite = None;
        if self.reinviting {
            self.reinviting = false;
            return cx.event(id, CallEvent::Updated { sdp });
        }
        let cancelled = self.cancel_wanted || self.closing.is_some();
        self.state = State::Confirmed;
        self.closing = None;
        cx.event(id, CallEvent::Answered { sdp });
        if cancelled {
            // Answered as we hung up: the call is up, so it is hung up.
            self.send_bye(cx, now);
        }
    }

    /// The ACK of a failure: the INVITE's branch and Request-URI, the
    /// response's To (RFC 3261 §17.1.1.3).
    fn ack_for_failure(&self, cx: &Context, tx: &Outstanding, cseq: u32, response: &Response) -> String {
        let mut builder = RequestBuilder::new(rsip::Method::Ack, &self.target)
            .via_transport(cx.id.transport, &cx.id.via_host, &tx.branch)
            .from(&self.from, None, &self.local_tag)
            .to(&self.to, response.headers.tag("To").as_deref())
            .call_id(&self.call_id)
            .cseq(cseq);
        for route in &self.route_set {
            builder = builder.header("Route", route);
        }
        builder.build_message().map(|r| r.to_string()).unwrap_or_default()
    }

    /// CANCEL of the INVITE in flight: its branch, Request-URI, Call-ID,
    /// From, To and CSeq number (RFC 3261 §9.1).
    fn send_cancel(&mut self, cx: &mut Context, now: u64) {
        let Some((invite, cseq)) = &self.invite else { return };
        let mut builder = RequestBuilder::new(rsip::Method::Cancel, &self.target)
            .via_transport(cx.id.transport, &cx.id.via_host, &invite.branch)
            .from(&self.from, None, &self.local_tag)
            .to(&self.to, None)
            .call_id(&self.call_id)
            .cseq(*cseq);
        for route in &self.route_set {
            builder = builder.header("Route", route);
        }
        if let Ok(cancel) = builder.build_message() {
            let text = cancel.to_string();
            cx.send(text.clone());
            // Timers E/F for the CANCEL; it shares the INVITE's branch, so
            // its responses are told apart by CSeq method.
            self.closing = Some(Outstanding::new(invite.branch.clone(), text, now, cx.reliable, false));
        }
        self.cancel_wanted = false;
    }

    fn send_bye(&mut self, cx: &mut Context, now: u64) {
        self.cseq += 1;
        let branch = sip::new_branch();
        if let Ok(bye) = self.builder(cx, rsip::Method::Bye, &branch, self.cseq).build_message() {
            let text = bye.to_string();
            cx.send(text.clone());
            self.closing = Some(Outstanding::new(branch, text, now, cx.reliable, false));
        }
        self.state = State::Ending;
    }

    fn finish(&mut self, cx: &mut Context, id: u64, end: CallEnd, now: u64) {
        self.state = State::Done;
        self.invite = None;
        self.closing = None;
        self.keep_until = now + if cx.reliable { 0 } else { TIMER_D_MS };
        cx.event(id, CallEvent::Ended(end));
    }
}

/// The Q.850 cause among `Reason` header values (RFC 3326:
/// `Reason: Q.850;cause=17;text="User busy"`; several reasons may share a
/// header, comma-separated).
pub fn q850_cause(values: &[&str]) -> Option<u16> {
    values.iter().flat_map(|v| v.split(',')).find_map(|reason| {
        let mut parts = reason.split(';').map(str::trim);
        if !parts.next()?.eq_ignore_ascii_case("Q.850") {
            return None;
        }
        parts.find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim().eq_ignore_ascii_case("cause").then(|| value.trim().parse().ok()).flatten()
        })
    })
}

#[cfg(test)]
mod tests;
