//! Building new requests.

use std::fmt::Write as _;

use rsip::Header;

use super::error::{excerpt, SipError};
use super::headers::{canonical_header_name, make_header};
use super::message;
use super::parse::{is_token, method_name};
use super::response::quote;
use super::uri::sip_uri;

/// Builds a new request (a UAC request outside or inside a dialog).
///
/// ```
/// use rollcall_shared::sip::{self, RequestBuilder};
/// let req = RequestBuilder::new(sip::rsip::Method::Message, "sip:bob@rollcall.local")
///     .via("abc.invalid", &sip::new_branch())
///     .from("sip:alice@rollcall.local", Some("Alice"), &sip::new_tag())
///     .to("sip:bob@rollcall.local", None)
///     .call_id(&sip::new_call_id())
///     .cseq(1)
///     .body("text/plain", "hi".into())
///     .build()
///     .unwrap();
/// assert_eq!(sip::parse(&req.to_string()).unwrap(), req.into());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequestBuilder {
    method: rsip::Method,
    uri: String,
    via: Option<String>,
    from: Option<String>,
    to: Option<String>,
    call_id: Option<String>,
    cseq: Option<u32>,
    contact: Option<String>,
    expires: Option<u32>,
    extra: Vec<(String, String)>,
    body: Option<(String, String)>,
}

impl RequestBuilder {
    /// A request for `method` to Request-URI `uri`.
    pub fn new(method: rsip::Method, uri: &str) -> RequestBuilder {
        RequestBuilder {
            method,
            uri: uri.trim().to_owned(),
            via: None,
            from: None,
            to: None,
            call_id: None,
            cseq: None,
            contact: None,
            expires: None,
            extra: Vec::new(),
            body: None,
        }
    }

    /// `Via: SIP/2.0/WS host;branch=branch` (replaces an earlier `via`).
    pub fn via(self, host: &str, branch: &str) -> Self {
        self.via_transport("WS", host, branch)
    }

    /// `Via: SIP/2.0/<transport> host;branch=branch`, e.g. transport `WSS`.
    pub fn via_transport(mut self, transport: &str, host: &str, branch: &str) -> Self {
        self.via = Some(format!("SIP/2.0/{transport} {host};branch={branch}"));
        self
    }

    /// `From: "display" <aor>;tag=tag`.
    pub fn from(mut self, aor: &str, display: Option<&str>, tag: &str) -> Self {
        let mut v = match display {
            Some(d) => format!("{} <{aor}>", quote(d)),
            None => format!("<{aor}>"),
        };
        let _ = write!(v, ";tag={tag}");
        self.from = Some(v);
        self
    }

    /// `To: <aor>` (with `;tag=` inside a dialog).
    pub fn to(mut self, aor: &str, tag: Option<&str>) -> Self {
        let mut v = format!("<{aor}>");
        if let Some(tag) = tag {
            let _ = write!(v, ";tag={tag}");
        }
        self.to = Some(v);
        self
    }

    /// `Call-ID`.
    pub fn call_id(mut self, call_id: &str) -> Self {
        self.call_id = Some(call_id.to_owned());
        self
    }

    /// `CSeq: n METHOD`.
    pub fn cseq(mut self, n: u32) -> Self {
        self.cseq = Some(n);
        self
    }

    /// `Contact`: a full value (`<sip:x@abc.invalid;transport=ws>;expires=60`)
    /// is used as is, a bare URI is put in `<…>`.
    pub fn contact(mut self, contact: &str) -> Self {
        let c = contact.trim();
        self.contact = Some(if c.contains('<') || c == "*" { c.to_owned() } else { format!("<{c}>") });
        self
    }

    /// `Expires` header.
    pub fn expires(mut self, seconds: u32) -> Self {
        self.expires = Some(seconds);
        self
    }

    /// Any further header (several with the same name are kept in order).
    /// `Content-Length` is ignored (always computed); a `Max-Forwards` given
    /// here replaces the default 70.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Body and its `Content-Type`.
    pub fn body(mut self, content_type: &str, body: String) -> Self {
        self.body = Some((content_type.to_owned(), body));
        self
    }

    /// The request: `Via`, `Max-Forwards: 70`, `From`, `To`, `Call-ID`,
    /// `CSeq`, `Contact`, `Expires`, extra headers, `Content-Type`,
    /// `Content-Length` (body bytes). Errors when `Via`, `From`, `To`,
    /// `Call-ID` or `CSeq` is missing, the URI does not parse, or a header
    /// name or value could not go on the wire (CR/LF, bad name).
    pub fn build(self) -> Result<rsip::Request, SipError> {
        let (method, uri_text) = (self.method, self.uri.clone());
        let plain = self.build_message()?;
        let uri = sip_uri(&uri_text)?.to_rsip();
        if !uri.to_string().eq_ignore_ascii_case(&uri_text) {
            // rsip would print something else than what was asked for
            // (the URI's `?headers`, which rsip does not keep).
            return Err(SipError::BadUri(excerpt(&uri_text)));
        }
        let headers: Vec<Header> = plain.headers.0.iter().map(|(name, value)| make_header(name, value.as_str())).collect();
        Ok(rsip::Request { method, uri, version: rsip::Version::V2, headers: headers.into(), body: plain.body.into_bytes() })
    }

    /// The request as [`message::Request`], without `rsip` (the browser's
    /// build): what [`RequestBuilder::build`] makes, checked the same way
    /// except that the Request-URI only needs the shape `scheme:rest`.
    pub fn build_message(self) -> Result<message::Request, SipError> {
        let via = self.via.ok_or(SipError::MissingHeader("Via"))?;
        let from = self.from.ok_or(SipError::MissingHeader("From"))?;
        let to = self.to.ok_or(SipError::MissingHeader("To"))?;
        let call_id = self.call_id.ok_or(SipError::MissingHeader("Call-ID"))?;
        let cseq = self.cseq.ok_or(SipError::MissingHeader("CSeq"))?;
        let shaped = self.uri.split_once(':').is_some_and(|(scheme, rest)| is_token(scheme) && !rest.is_empty());
        if !shaped || self.uri.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(SipError::BadUri(excerpt(&self.uri)));
        }
        let method = method_name(self.method).to_owned();
        let mut lines: Vec<(String, String)> = vec![("Via".into(), via)];
        let max_forwards = self
            .extra
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Max-Forwards"))
            .map_or_else(|| "70".to_owned(), |(_, v)| v.clone());
        lines.push(("Max-Forwards".into(), max_forwards));
        lines.push(("From".into(), from));
        lines.push(("To".into(), to));
        lines.push(("Call-ID".into(), call_id));
        lines.push(("CSeq".into(), format!("{cseq} {method}")));
        if let Some(contact) = self.contact {
            lines.push(("Contact".into(), contact));
        }
        if let Some(expires) = self.expires {
            lines.push(("Expires".into(), expires.to_string()));
        }
        for (name, value) in self.extra {
            let full = canonical_header_name(&name);
            if !["Max-Forwards", "Content-Length"].iter().any(|n| n.eq_ignore_ascii_case(full)) {
                lines.push((name, value));
            }
        }
        let body = match self.body {
            Some((content_type, body)) => {
                lines.push(("Content-Type".into(), content_type));
                body
            }
            None => String::new(),
        };
        lines.push(("Content-Length".into(), body.len().to_string()));
        let mut headers = message::Headers::default();
        for (name, value) in lines {
            if !is_token(&name) {
                return Err(SipError::BadHeader(format!("bad header name `{}`", excerpt(&name))));
            }
            let value = value.trim();
            if value.contains(['\r', '\n']) {
                return Err(SipError::BadHeader(format!("line break in `{name}` value")));
            }
            headers.push(&name, value);
        }
        Ok(message::Request { method, uri: self.uri, headers, body })
    }
}
