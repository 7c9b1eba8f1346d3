//! PIDF presence documents (RFC 3863), the bodies of the presence agent's
//! NOTIFYs (docs/protocol.md §1): [`document`]
//! writes one (the IM server), [`basic`] reads one (the browser).
//!
//! Only what Rollcall's presence means is read: is the presentity
//! reachable? That is the `<basic>` status of its tuples — `open` if any
//! tuple is open (RFC 3863 §4.1.4 leaves aggregation to the watcher; one
//! reachable device makes the person reachable), `closed` otherwise,
//! including a document without tuples or without a `basic` status.
//!
//! Reading is namespace-aware and prefix-agnostic (the same tree reader as
//! the SOAP bodies): `presence`, `tuple`, `status` and `basic` are taken in
//! the PIDF namespace under any prefix, or in no namespace at all for
//! sloppy senders; elements of extensions (RPID, `dm:` …) are ignored.

use crate::soap::xml::{self, Element};

/// `Content-Type` of a PIDF document.
pub const CONTENT_TYPE: &str = "application/pidf+xml";
/// The PIDF namespace (RFC 3863 §4.1).
pub const NAMESPACE: &str = "urn:ietf:params:xml:ns:pidf";

/// A presentity's basic status (RFC 3863 §4.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basic {
    Open,
    Closed,
}

impl Basic {
    pub fn is_open(self) -> bool {
        self == Basic::Open
    }
}

/// Why a body is not a PIDF document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PIDF document: {0}")]
pub struct PidfError(pub String);

impl Basic {
    /// The `<basic>` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Basic::Open => "open",
            Basic::Closed => "closed",
        }
    }
}

/// A minimal PIDF document with one tuple: `entity`'s `basic` status.
pub fn document(entity: &str, basic: Basic) -> String {
    let entity = escape(entity);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <presence xmlns=\"{NAMESPACE}\" entity=\"{entity}\">\
         <tuple id=\"rollcall\"><status><basic>{}</basic></status><contact>{entity}</contact></tuple>\
         </presence>",
        basic.as_str()
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The presentity's status in a PIDF document: `Open` when any tuple's
/// `status/basic` is `open`, else `Closed`. Errors when the body is not
/// well-formed XML or its root is not `presence`.
pub fn basic(document: &str) -> Result<Basic, PidfError> {
    let root = xml::parse(document).map_err(|e| PidfError(e.reason))?;
    if !is_pidf(&root, "presence") {
        return Err(PidfError(format!("root element is {}, not presence", root.label())));
    }
    let open = children(&root, "tuple")
        .flat_map(|tuple| children(tuple, "status"))
        .flat_map(|status| children(status, "basic"))
        .any(|basic| basic.text == "open");
    Ok(if open { Basic::Open } else { Basic::Closed })
}

/// Is `element` the PIDF element `local` (PIDF namespace, or none)?
fn is_pidf(element: &Element, local: &str) -> bool {
    element.local == local && element.ns.as_deref().is_none_or(|ns| ns == NAMESPACE)
}

fn children<'a>(element: &'a Element, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
    element.children.iter().filter(move |c| is_pidf(c, local))
}

#[cfg(test)]
mod tests;
