//! Reading an uploaded e-mail (`.eml`, RFC 5322 with MIME) into the
//! [`Email`] the inbox keeps, with `mail-parser`.
//!
//! `mail-parser` is deliberately forgiving and makes *something* of any
//! bytes; what makes an upload broken here is what a roster cannot do
//! without: a `From` address and at least one `To`/`Cc` address.

use mail_parser::MessageParser;
use rollcall_shared::directory::Address;

use crate::store::Email;

/// Characters of body text kept as the snippet.
pub const SNIPPET_CHARS: usize = 200;

/// Why an upload is not an e-mail we can keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmlError {
    #[error("not an e-mail message (no RFC 5322 header section)")]
    NotAMessage,
    #[error("the e-mail has no From address")]
    NoSender,
    #[error("the e-mail has no To or Cc address")]
    NoRecipients,
}

/// Parses `raw` into the stored form: subject, sender, `To`, `Cc`, date
/// (RFC 3339) and the first [`SNIPPET_CHARS`] of the text body with its
/// whitespace collapsed.
pub fn parse(raw: &[u8]) -> Result<Email, EmlError> {
    let message = MessageParser::default().parse(raw).ok_or(EmlError::NotAMessage)?;
    if message.headers().is_empty() {
        return Err(EmlError::NotAMessage);
    }
    let addresses = |list: Option<&mail_parser::Address>| -> Vec<Address> {
        list.map(|l| {
            l.iter()
                .filter_map(|a| {
                    let email = a.address()?.trim();
                    email.contains('@').then(|| Address {
                        name: a.name().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
                        email: email.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let from = addresses(message.from()).into_iter().next().ok_or(EmlError::NoSender)?;
    let to = addresses(message.to());
    let cc = addresses(message.cc());
    if to.is_empty() && cc.is_empty() {
        return Err(EmlError::NoRecipients);
    }
    let snippet = message
        .body_preview(SNIPPET_CHARS * 2)
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(SNIPPET_CHARS).collect())
        .unwrap_or_default();
    Ok(Email {
        subject: message.subject().unwrap_or_default().trim().to_string(),
        from,
        to,
        cc,
        date: message.date().map(|d| d.to_rfc3339()),
        snippet,
    })
}

#[cfg(test)]
mod tests;
