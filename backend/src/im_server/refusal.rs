//! What a request the IM server will not act on is answered, in the order
//! of RFC 3261 §8.2 (and §16.3 for what it proxies): malformed → `400`
//! (or `505`, `416`, as the parser says), a method it does not handle →
//! `405` with `Allow`, an extension it does not support → `420` with
//! `Unsupported`. docs/protocol.md §1 ("Bad input").

use rollcall_shared::sip::{self, rsip, SipError};

/// Methods answered here; anything else gets 405 with this list.
/// (NOTIFY only in a conference subscription the IM server relayed.)
pub const ALLOW: &str = "REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS";

/// Option tags (RFC 3261 §19.2) of the extensions Rollcall supports: none
/// that a request may require. It binds registrations to their connection
/// (RFC 5626's flows, in effect) without claiming `outbound`, keeps no
/// `Path`, and offers no GRUU.
pub const SUPPORTED_OPTIONS: &[&str] = &[];

/// The answer (as text) to input that [`sip::parse`] refused: the status
/// code and reason its error names (`405` with [`ALLOW`] for an unknown
/// method). A `416` for a method not in [`ALLOW`] becomes that method's
/// `405`: RFC 3261 §8.2.1 inspects the method before §8.2.2.1 the
/// Request-URI. `None` when no answer can be formed (not a request, one
/// of the headers a response copies missing, an ACK): the input is
/// garbage.
pub fn to_unparsed(text: &str, error: &SipError) -> Option<String> {
    let code = error.status_code()?;
    let raw_method = text.trim_start_matches(['\r', '\n']).split(' ').next().unwrap_or("");
    let not_allowed = !ALLOW.split(", ").any(|m| m == raw_method);
    if code == 405 || (code == 416 && not_allowed) {
        return sip::response_to_unparsed(text, 405, None, None, &[("Allow", ALLOW)]);
    }
    sip::response_to_unparsed(text, code, Some(&error.reason()), None, &[])
}

/// Why a well-formed request (one that passed [`sip::check_request`]) is
/// not acted on, as a status code and the headers its answer adds: `405`
/// for a method not in [`ALLOW`]; `420` when it requires an extension
/// Rollcall does not support — for a request it answers itself (REGISTER,
/// SUBSCRIBE, OPTIONS) the tags of `Require` (§8.2.2.3), for a MESSAGE,
/// which it proxies, those of `Proxy-Require` (§16.3 step 5; the
/// recipient judges `Require`). `None` to go on. Never call it for an ACK,
/// which is never answered.
pub fn refusal(req: &rsip::Request) -> Option<(u16, Vec<rsip::Header>)> {
    let method = sip::method_name(req.method);
    if !ALLOW.split(", ").any(|m| m == method) {
        return Some((405, vec![sip::make_header("Allow", ALLOW)]));
    }
    let requirements = if req.method == rsip::Method::Message { "Proxy-Require" } else { "Require" };
    let unsupported = sip::unsupported_options(&req.headers, requirements, SUPPORTED_OPTIONS);
    if unsupported.is_empty() {
        return None;
    }
    Some((420, vec![sip::make_header("Unsupported", unsupported.join(", "))]))
}

#[cfg(test)]
mod tests;
