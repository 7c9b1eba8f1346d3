//! Handing legs to the bridge: a participant's call placed (screened with
//! the announcement when the conference asks participants to confirm), a
//! number the bridge refuses at once reported `dialing` then `failed`, and
//! the person's next number dialled at once when one attempt ends busy,
//! unanswered or failed (docs/protocol.md §6).

use super::*;

impl ConferenceService {
    /// Hands waiting leg `index` to the bridge and reports it `dialing`.
    /// Participants of a conference with `confirm` are screened with the
    /// announcement; the initiator never is.
    pub(super) fn dial(&self, on_bridge: &mut LegIndex, conf: &mut Conference, index: usize) -> Result<(), BridgeError> {
        let Some(leg) = conf.legs.get(index) else { return Ok(()) };
        let announcement = (conf.confirm && index != 0).then(|| announcement(conf));
        let call = Dial {
            room: &conf.id,
            leg: leg.leg_id,
            number: &leg.party.phone,
            caller: &conf.account,
            announcement: announcement.as_deref(),
        };
        self.driver.place(&call)?;
        if leg.muted {
            self.driver.set_muted(leg.leg_id, true);
        }
        on_bridge.insert(leg.leg_id, (conf.id.clone(), index));
        self.step(conf, index, LegInput::Dial);
        Ok(())
    }

    /// Dials leg `index`, reporting a number the bridge refuses at once as
    /// `dialing` then `failed` — and, while the person has another number,
    /// moves on to it.
    pub(super) fn dial_or_fail(&self, on_bridge: &mut LegIndex, conf: &mut Conference, index: usize) {
        if let Err(error) = self.dial(on_bridge, conf, index) {
            tracing::warn!(%error, participant = %conf.legs[index].participant_id, "bridge refused to dial");
            let cause = match error {
                BridgeError::InvalidNumber(_) => Cause(28), // invalid number format
                BridgeError::LegInUse(_) | BridgeError::Unavailable(_) | BridgeError::Unsupported(_) => Cause::TEMPORARY_FAILURE,
            };
            self.step(conf, index, LegInput::Dial);
            self.step(conf, index, LegInput::Failed(cause));
            self.try_next_number(on_bridge, conf, index);
        }
    }

    /// Leg `index`'s attempt ended busy, unanswered or failed: dial the
    /// person's next number at once, if there is one and the conference
    /// goes on. Returns whether it did.
    pub(super) fn try_next_number(&self, on_bridge: &mut LegIndex, conf: &mut Conference, index: usize) -> bool {
        if conf.state.is_terminated() {
            return false;
        }
        let leg_id = LegId(self.next_leg.fetch_add(1, Ordering::Relaxed));
        let Some(leg) = conf.legs.get_mut(index) else { return false };
        if !leg.next_number(leg_id) {
            return false;
        }
        tracing::info!(participant = %leg.participant_id, attempt = leg.attempt, "trying the next number");
        self.dial_or_fail(on_bridge, conf, index);
        true
    }

    /// Dials every waiting participant (the initiator has just answered).
    /// One the bridge refuses is reported `dialing`, then `failed`.
    pub(super) fn dial_waiting(&self, on_bridge: &mut LegIndex, conf: &mut Conference) {
        for index in 1..conf.legs.len() {
            if conf.legs[index].state == LegState::Pending {
                self.dial_or_fail(on_bridge, conf, index);
            }
        }
    }
}

/// What a screened participant hears (docs/protocol.md §6).
fn announcement(conf: &Conference) -> String {
    let name = conf.legs[0].party.name.trim();
    let caller = if name.is_empty() { "Someone" } else { name };
    match &conf.subject {
        Some(subject) => format!("{caller} is calling you into a conference about {subject}. Press 1 to join."),
        None => format!("{caller} is calling you into a conference. Press 1 to join."),
    }
}
