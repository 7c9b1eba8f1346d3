//! Encoding and decoding of the structures both protocols share — a person
//! to call, a participant, a conference snapshot, the two status events and
//! the SOAP Fault — and of the envelope around every body.
//!
//! The client protocol (`c:`) and the conference web service (`b:`) use the
//! same child elements in their own namespace, so every function here works
//! in the namespace of the [`Writer`] or [`Fields`] it is given.

use super::model::*;
use super::xml::{self, invalid, Element, Fields, Writer, CONF, ENV};
use super::DecodeError;

// ---------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------

/// Parses a SOAP envelope and decodes its body payload with `decode`.
///
/// Whatever goes wrong, the error carries the payload's requestId when one
/// could be read (from the payload, or from a Fault's `env:Detail`), even in
/// a document that is not well-formed past that point.
pub(super) fn decode_envelope<T>(xml: &str, decode: impl FnOnce(&Element) -> Result<T, DecodeError>) -> Result<T, DecodeError> {
    let root = xml::parse(xml)
        .map_err(|e| DecodeError { request_id: e.partial.as_deref().and_then(request_id_in_document), reason: e.reason })?;
    let payload = xml::body_payload(&root)?;
    decode(payload).map_err(|mut e| {
        if e.request_id.is_none() {
            e.request_id = request_id_in_payload(payload);
        }
        e
    })
}

/// The requestId of a (possibly partial) document, if it can be found.
fn request_id_in_document(root: &Element) -> Option<String> {
    xml::body_payload(root).ok().and_then(request_id_in_payload)
}

/// `c:requestId` of a body payload, or of a Fault's `env:Detail`.
fn request_id_in_payload(payload: &Element) -> Option<String> {
    let holder = match payload.is(ENV, "Fault") {
        true => payload.child(ENV, "Detail")?,
        false => payload,
    };
    holder.child(CONF, "requestId").map(|e| e.text.clone())
}

/// The error for a body element that is not one of the protocol's.
pub(super) fn unexpected_body(payload: &Element) -> DecodeError {
    invalid(format!("unexpected body element {}", payload.label()))
}

// ---------------------------------------------------------------------------
// Party: `initiator` / `participant` in requests
// ---------------------------------------------------------------------------

/// `<name><name/><phone/><location/><email/>?</name>`.
pub(super) fn write_party(w: &mut Writer, element: &str, party: &Party) {
    w.nest(element, |w| {
        w.leaf("name", &party.name);
        w.leaf("phone", &party.phone);
        w.leaf("location", party.location.as_str());
        w.opt_leaf("email", party.email.as_deref());
        if !party.alternatives.is_empty() {
            w.nest("alternatives", |w| {
                for alternative in &party.alternatives {
                    w.nest("alternative", |w| {
                        w.leaf("phone", &alternative.phone);
                        w.leaf("location", alternative.location.as_str());
                    });
                }
            });
        }
    });
}

pub(super) fn read_party(f: Fields<'_>) -> Result<Party, DecodeError> {
    let alternatives = match f.opt_child("alternatives") {
        Some(list) => list
            .all("alternative")
            .map(|a| Ok(Alternative { phone: a.text("phone")?, location: a.parse("location")? }))
            .collect::<Result<_, DecodeError>>()?,
        None => Vec::new(),
    };
    Ok(Party {
        name: f.text("name")?,
        phone: f.text("phone")?,
        location: f.parse("location")?,
        email: f.opt_text("email"),
        alternatives,
    })
}

/// An optional `true`/`false` flag: absent is `false`.
pub(super) fn read_flag(f: Fields<'_>, name: &str) -> Result<bool, DecodeError> {
    Ok(f.opt_parse(name)?.unwrap_or(false))
}

/// `true` or `false`, as XML Schema writes a boolean.
pub(super) fn bool_str(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}

/// Writes `name` = `true` only when set: absent means `false`.
pub(super) fn write_flag(w: &mut Writer, name: &str, on: bool) {
    if on {
        w.leaf(name, "true");
    }
}

/// Optional `participants` with one `participant` per party; omitted when
/// there are none.
pub(super) fn write_parties(w: &mut Writer, parties: &[Party]) {
    if !parties.is_empty() {
        w.nest("participants", |w| parties.iter().for_each(|p| write_party(w, "participant", p)));
    }
}

/// The parties of an optional `participants` child (none when absent).
pub(super) fn read_parties(f: Fields<'_>) -> Result<Vec<Party>, DecodeError> {
    let Some(list) = f.opt_child("participants") else { return Ok(Vec::new()) };
    list.all("participant").map(read_party).collect()
}

// ---------------------------------------------------------------------------
// Participant and conference snapshot
// ---------------------------------------------------------------------------

/// One call leg of a snapshot: participantId, name, phone, location, state, cause?.
fn write_participant(w: &mut Writer, element: &str, p: &Participant) {
    w.nest(element, |w| {
        w.leaf("participantId", &p.participant_id);
        w.leaf("name", &p.name);
        w.leaf("phone", &p.phone);
        w.leaf("location", p.location.as_str());
        w.leaf("state", p.state.as_str());
        w.opt_leaf("cause", p.cause.map(|c| c.0));
        write_flag(w, "muted", p.muted);
        w.opt_leaf("attempt", p.attempt);
    });
}

fn read_participant(f: Fields<'_>) -> Result<Participant, DecodeError> {
    Ok(Participant {
        participant_id: f.text("participantId")?,
        name: f.text("name")?,
        phone: f.text("phone")?,
        location: f.parse("location")?,
        state: f.parse("state")?,
        cause: f.opt_parse("cause")?.map(Cause),
        muted: read_flag(f, "muted")?,
        attempt: f.opt_parse("attempt")?,
    })
}

/// A conference snapshot as element `element` (`c:Conference`, `b:conference`).
pub(super) fn write_snapshot(w: &mut Writer, element: &str, s: &ConferenceSnapshot) {
    w.nest(element, |w| {
        w.opt_leaf("requestId", s.request_id.as_deref());
        w.leaf("conferenceId", &s.conference_id);
        w.leaf("sequence", &s.sequence.to_string());
        w.leaf("state", s.state.as_str());
        w.opt_leaf("reason", s.reason.map(TerminationReason::as_str));
        write_participant(w, "initiator", &s.initiator);
        w.nest("participants", |w| {
            s.participants.iter().for_each(|p| write_participant(w, "participant", p));
        });
        write_flag(w, "locked", s.locked);
        w.opt_leaf("conferenceUri", s.conference_uri.as_deref());
        w.opt_leaf("subject", s.subject.as_deref());
        w.opt_leaf("created", s.created.as_deref());
    });
}

/// Reads a snapshot from the element `f` (its requestId too, when present).
/// A missing `participants` reads as an empty list.
pub(super) fn read_snapshot(f: Fields<'_>) -> Result<ConferenceSnapshot, DecodeError> {
    let participants = match f.opt_child("participants") {
        Some(list) => list.all("participant").map(read_participant).collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(ConferenceSnapshot {
        request_id: f.opt_text("requestId"),
        conference_id: f.text("conferenceId")?,
        sequence: f.parse("sequence")?,
        state: f.parse("state")?,
        reason: f.opt_parse("reason")?,
        initiator: read_participant(f.child("initiator")?)?,
        participants,
        locked: read_flag(f, "locked")?,
        conference_uri: f.opt_text("conferenceUri"),
        subject: f.opt_text("subject"),
        created: f.opt_text("created"),
    })
}

/// Every snapshot child named `element` of `f`.
pub(super) fn read_snapshots(f: Fields<'_>, element: &'static str) -> Result<Vec<ConferenceSnapshot>, DecodeError> {
    f.all(element).map(read_snapshot).collect()
}

// ---------------------------------------------------------------------------
// Status events (children only: the caller names the element)
// ---------------------------------------------------------------------------

/// conferenceId, participantId, sequence, state, cause?, time.
pub(super) fn write_participant_status(w: &mut Writer, s: &ParticipantStatus) {
    w.leaf("conferenceId", &s.conference_id);
    w.leaf("participantId", &s.participant_id);
    w.leaf("sequence", &s.sequence.to_string());
    w.leaf("state", s.state.as_str());
    w.opt_leaf("cause", s.cause.map(|c| c.0));
    w.leaf("time", &s.time);
    write_flag(w, "muted", s.muted);
    if let Some(attempt) = &s.attempt {
        w.leaf("phone", &attempt.phone);
        w.leaf("location", attempt.location.as_str());
        w.leaf("attempt", &attempt.number.to_string());
    }
    w.opt_leaf("final", s.final_outcome);
}

pub(super) fn read_participant_status(f: Fields<'_>) -> Result<ParticipantStatus, DecodeError> {
    let attempt = match f.opt_parse("attempt")? {
        Some(number) => Some(Attempt { phone: f.text("phone")?, location: f.parse("location")?, number }),
        None => None,
    };
    Ok(ParticipantStatus {
        conference_id: f.text("conferenceId")?,
        participant_id: f.text("participantId")?,
        sequence: f.parse("sequence")?,
        state: f.parse("state")?,
        cause: f.opt_parse("cause")?.map(Cause),
        time: f.text("time")?,
        muted: read_flag(f, "muted")?,
        attempt,
        final_outcome: f.opt_parse("final")?,
    })
}

/// conferenceId, sequence, state, reason?, time.
pub(super) fn write_conference_status(w: &mut Writer, s: &ConferenceStatus) {
    w.leaf("conferenceId", &s.conference_id);
    w.leaf("sequence", &s.sequence.to_string());
    w.leaf("state", s.state.as_str());
    w.opt_leaf("reason", s.reason.map(TerminationReason::as_str));
    w.leaf("time", &s.time);
    write_flag(w, "locked", s.locked);
}

pub(super) fn read_conference_status(f: Fields<'_>) -> Result<ConferenceStatus, DecodeError> {
    Ok(ConferenceStatus {
        conference_id: f.text("conferenceId")?,
        sequence: f.parse("sequence")?,
        state: f.parse("state")?,
        reason: f.opt_parse("reason")?,
        time: f.text("time")?,
        locked: read_flag(f, "locked")?,
    })
}

// ---------------------------------------------------------------------------
// Fault
// ---------------------------------------------------------------------------

/// A SOAP 1.2 `env:Fault`. The subcode and the requestId are always in the
/// client protocol's namespace; when the envelope's body namespace is another
/// one, `xmlns:c` is declared on `env:Fault` itself.
pub(super) fn write_fault(w: &mut Writer, fault: &Fault) {
    let xmlns_c = CONF.xmlns();
    let declarations: &[(&str, &str)] = if w.ns() == CONF { &[] } else { &[(&xmlns_c, CONF.uri)] };
    w.nest_with(ENV, "Fault", declarations, |w| {
        w.nest_in(ENV, "Code", |w| {
            w.leaf_in(ENV, "Value", &[], &format!("{}:{}", ENV.prefix, fault_code_name(fault.code)));
            w.nest_in(ENV, "Subcode", |w| {
                w.leaf_in(ENV, "Value", &[], &format!("{}:{}", CONF.prefix, fault.kind.as_str()));
            });
        });
        w.nest_in(ENV, "Reason", |w| w.leaf_in(ENV, "Text", &[("xml:lang", "en")], &fault.reason));
        if fault.request_id.is_some() || fault.retry_after.is_some() {
            w.nest_in(ENV, "Detail", |w| {
                if let Some(request_id) = &fault.request_id {
                    w.leaf_in(CONF, "requestId", &[], request_id);
                }
                if let Some(seconds) = fault.retry_after {
                    w.leaf_in(CONF, "retryAfter", &[], &seconds.to_string());
                }
            });
        }
    });
}

/// Reads an `env:Fault`. Code and subcode values are QNames resolved against
/// the namespace declarations in scope, whatever their prefixes.
pub(super) fn read_fault(fault: &Element) -> Result<Fault, DecodeError> {
    let f = Fields::new(fault, ENV);
    let code = f.child("Code")?;
    let code_value = code.child("Value")?.element();
    let code_kind = match code_value.text_qname() {
        Some((ns, "Sender")) if ns == ENV.uri => FaultCode::Sender,
        Some((ns, "Receiver")) if ns == ENV.uri => FaultCode::Receiver,
        _ => return Err(invalid(format!("unknown fault code `{}`", code_value.text))),
    };
    let subcode_value = code.child("Subcode")?.child("Value")?.element();
    let kind = match subcode_value.text_qname() {
        Some((ns, local)) if ns == CONF.uri => local.parse::<FaultKind>().ok(),
        _ => None,
    }
    .ok_or_else(|| invalid(format!("unknown fault subcode `{}`", subcode_value.text)))?;
    Ok(Fault {
        code: code_kind,
        kind,
        reason: f.child("Reason")?.text("Text")?,
        request_id: f.opt_child("Detail").and_then(|d| d.in_ns(CONF).opt_text("requestId")),
        retry_after: f.opt_child("Detail").and_then(|d| d.in_ns(CONF).opt_text("retryAfter")).and_then(|s| s.trim().parse().ok()),
    })
}

fn fault_code_name(code: FaultCode) -> &'static str {
    match code {
        FaultCode::Sender => "Sender",
        FaultCode::Receiver => "Receiver",
    }
}
