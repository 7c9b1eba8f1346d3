//! The keys a phone sends as SIP INFO in its call's dialog, for phones and
//! gateways that do not send them in RTP (RFC 4733): the body of an
//! `application/dtmf-relay` INFO (`Signal=1` and a `Duration=` line) or of
//! an `application/dtmf` one (`1`). The user agent answers the INFO
//! ([`rollcall_shared::ua::call::DTMF_INFO_TYPES`]); this reads the key.

/// The key in an INFO body of `content_type` (lower case, without
/// parameters): `0`–`9`, `*`, `#`, `A`–`D` (either case); `None` when the
/// body names none.
pub fn key(content_type: &str, body: &str) -> Option<char> {
    let signal = match content_type {
        "application/dtmf-relay" => body.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            name.trim().eq_ignore_ascii_case("signal").then_some(value.trim())
        })?,
        "application/dtmf" => body.trim(),
        _ => return None,
    };
    let mut chars = signal.chars();
    match (chars.next()?.to_ascii_uppercase(), chars.next()) {
        (key @ ('0'..='9' | '*' | '#' | 'A'..='D'), None) => Some(key),
        // Some gateways send the RFC 4733 codes of `*` and `#`.
        ('1', Some('0')) if chars.next().is_none() => Some('*'),
        ('1', Some('1')) if chars.next().is_none() => Some('#'),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
