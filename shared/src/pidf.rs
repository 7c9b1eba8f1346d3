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
mod tests {
    use super::*;

    /// What the IM server's presence agent sends (backend
    /// `im_server::presence::pidf`).
    fn server_document(basic: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:bob@rollcall.local\">\
             <tuple id=\"rollcall\"><status><basic>{basic}</basic></status>\
             <contact>sip:bob@rollcall.local</contact></tuple></presence>"
        )
    }

    #[test]
    fn what_the_server_writes_the_browser_reads() {
        for status in [Basic::Open, Basic::Closed] {
            let body = document("sip:bob&co@rollcall.example", status);
            assert_eq!(basic(&body), Ok(status), "{body}");
            assert!(body.contains("entity=\"sip:bob&amp;co@rollcall.example\""));
        }
    }

    #[test]
    fn reads_the_servers_documents() {
        assert_eq!(basic(&server_document("open")), Ok(Basic::Open));
        assert_eq!(basic(&server_document("closed")), Ok(Basic::Closed));
        assert!(Basic::Open.is_open() && !Basic::Closed.is_open());
    }

    #[test]
    fn any_prefix_extensions_and_whitespace() {
        let doc = r#"<?xml version="1.0"?>
            <p:presence xmlns:p="urn:ietf:params:xml:ns:pidf"
                        xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
                        xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="pres:bob@x">
              <p:tuple id="a"><p:status><p:basic> closed </p:basic></p:status></p:tuple>
              <dm:person id="p"><rpid:activities><rpid:away/></rpid:activities></dm:person>
              <p:tuple id="b">
                <p:status><rpid:basic>closed</rpid:basic><p:basic>open</p:basic></p:status>
                <p:note>phone</p:note>
              </p:tuple>
            </p:presence>"#;
        assert_eq!(basic(doc), Ok(Basic::Open), "one open tuple is enough");
        let no_namespace = "<presence><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>";
        assert_eq!(basic(no_namespace), Ok(Basic::Open));
    }

    #[test]
    fn only_pidf_basic_counts() {
        let other_ns = r#"<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:x="urn:x">
            <tuple id="t"><status><x:basic>open</x:basic></status></tuple></presence>"#;
        assert_eq!(basic(other_ns), Ok(Basic::Closed));
        let no_tuples = r#"<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:bob@x"/>"#;
        assert_eq!(basic(no_tuples), Ok(Basic::Closed));
    }

    #[test]
    fn refuses_what_is_not_pidf() {
        assert!(basic("").is_err());
        assert!(basic("<presence><tuple>").is_err());
        assert!(basic("<other xmlns=\"urn:ietf:params:xml:ns:pidf\"/>").is_err());
        assert!(basic("<presence xmlns=\"urn:x\"/>").is_err());
    }
}
