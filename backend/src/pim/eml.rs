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
mod tests {
    use super::*;

    const MAIL: &str = "From: \"Bob O'Brien\" <robertob@test123.com>\r\n\
        To: Alice Adams <alice@example.com>, =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.com>\r\n\
        Cc: carol@example.com\r\n\
        Subject: =?UTF-8?Q?Q4_plan_=E2=80=94_call?=\r\n\
        Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCan we   talk\r\nabout Q4?\r\n\
        --b\r\nContent-Type: text/html\r\n\r\n<p>Can we talk about Q4?</p>\r\n--b--\r\n";

    #[test]
    fn reads_subject_addresses_date_and_snippet() {
        let email = parse(MAIL.as_bytes()).expect("parses");
        assert_eq!(email.subject, "Q4 plan — call");
        assert_eq!(email.from, Address { name: Some("Bob O'Brien".into()), email: "robertob@test123.com".into() });
        assert_eq!(email.to.len(), 2);
        assert_eq!(email.to[1].name.as_deref(), Some("Zoë Müller"));
        assert_eq!(email.cc, vec![Address { name: None, email: "carol@example.com".into() }]);
        assert_eq!(email.date.as_deref(), Some("2026-11-26T10:00:00Z"));
        assert_eq!(email.snippet, "Can we talk about Q4?");
    }

    #[test]
    fn broken_uploads_are_refused() {
        assert_eq!(parse(b"").map_err(|e| e.to_string()), Err(EmlError::NotAMessage.to_string()));
        assert_eq!(parse(b"To: a@example.com\r\n\r\nhi"), Err(EmlError::NoSender));
        assert_eq!(parse(b"From: a@example.com\r\nSubject: x\r\n\r\nhi"), Err(EmlError::NoRecipients));
        assert!(parse(b"just some text, not mail").is_err());
    }
}
