//! Reading the fields every message has: addresses of From and To, tags,
//! Call-ID, CSeq, Max-Forwards, expiry, the body as text.

use std::str::FromStr;

use super::error::{excerpt, SipError};
use super::headers::header;
use super::name_addr::{aor, parse_name_addr, split_list, NameAddr};

/// A SIP request, response or either: headers and a body.
pub trait Message: rsip::message::HasHeaders {
    /// The raw body.
    fn body_bytes(&self) -> &[u8];
}

impl Message for rsip::Request {
    fn body_bytes(&self) -> &[u8] {
        &self.body
    }
}

impl Message for rsip::Response {
    fn body_bytes(&self) -> &[u8] {
        &self.body
    }
}

impl Message for rsip::SipMessage {
    fn body_bytes(&self) -> &[u8] {
        self.body()
    }
}

/// The body as UTF-8 text.
pub fn body_text<M: Message>(msg: &M) -> Result<&str, SipError> {
    std::str::from_utf8(msg.body_bytes()).map_err(|_| SipError::BodyNotUtf8)
}

pub(super) fn address_header<M: Message>(msg: &M, name: &'static str) -> Result<NameAddr, SipError> {
    let value = header(msg.headers(), name).ok_or(SipError::MissingHeader(name))?;
    parse_name_addr(&value)
}

/// AOR of the `From` header.
pub fn from_aor<M: Message>(msg: &M) -> Result<String, SipError> {
    Ok(aor(&address_header(msg, "From")?.parsed_uri()?))
}

/// AOR of the `To` header.
pub fn to_aor<M: Message>(msg: &M) -> Result<String, SipError> {
    Ok(aor(&address_header(msg, "To")?.parsed_uri()?))
}

/// The `tag` of the `From` header, if any (and if From parses).
pub fn from_tag<M: Message>(msg: &M) -> Option<String> {
    address_header(msg, "From").ok()?.param("tag").flatten().map(str::to_owned)
}

/// The `tag` of the `To` header, if any (and if To parses).
pub fn to_tag<M: Message>(msg: &M) -> Option<String> {
    address_header(msg, "To").ok()?.param("tag").flatten().map(str::to_owned)
}

/// The `Call-ID`.
pub fn call_id<M: Message>(msg: &M) -> Result<String, SipError> {
    header(msg.headers(), "Call-ID").filter(|v| !v.is_empty()).ok_or(SipError::MissingHeader("Call-ID"))
}

/// `CSeq` number and method.
pub fn cseq<M: Message>(msg: &M) -> Result<(u32, rsip::Method), SipError> {
    let value = header(msg.headers(), "CSeq").ok_or(SipError::MissingHeader("CSeq"))?;
    let bad = || SipError::BadHeader(format!("bad CSeq `{}`", excerpt(&value)));
    let mut parts = value.split_whitespace();
    let (Some(seq), Some(method), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let seq: u32 = seq.parse().map_err(|_| bad())?;
    let method = rsip::Method::from_str(method).map_err(|_| bad())?;
    Ok((seq, method))
}

/// `Max-Forwards` (RFC 3261 §20.22, `1*DIGIT`): `None` without one, its
/// value otherwise, leading zeros allowed (RFC 4475 §3.1.1.1: `0068` is 68)
/// and values beyond `u32` saturating. An error when it is not digits.
pub fn max_forwards<M: Message>(msg: &M) -> Result<Option<u32>, SipError> {
    let Some(value) = header(msg.headers(), "Max-Forwards") else {
        return Ok(None);
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SipError::BadHeader(format!("bad Max-Forwards `{}`", excerpt(&value))));
    }
    Ok(Some(value.parse::<u32>().unwrap_or(u32::MAX)))
}

/// Requested expiry in seconds: the first Contact's `expires` parameter,
/// else the `Expires` header (RFC 3261 §10.3 step 6 precedence); `None`
/// when neither is present and valid. Values beyond `u32` saturate.
pub fn expires<M: Message>(msg: &M) -> Option<u32> {
    let parse_secs = |s: &str| -> Option<u32> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(s.parse::<u64>().map_or(u32::MAX, |v| v.min(u32::MAX as u64) as u32))
    };
    let from_contact = header(msg.headers(), "Contact").and_then(|c| {
        let first = split_list(&c).first().map(|s| s.to_string())?;
        let na = parse_name_addr(&first).ok()?;
        parse_secs(na.param("expires")??)
    });
    from_contact.or_else(|| header(msg.headers(), "Expires").and_then(|e| parse_secs(&e)))
}
