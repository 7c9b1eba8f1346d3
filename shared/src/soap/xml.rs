//! Namespace-aware XML reading and writing helpers (implementation detail).
//!
//! Reading turns a document into a tiny tree of [`Element`]s with
//! quick-xml's `NsReader`, so that everything above this layer compares
//! (namespace URI, local name) pairs and never looks at prefixes. [`Fields`]
//! then reads the children of one element in one namespace, producing
//! [`DecodeError`]s that say what was wrong.
//!
//! Writing is plain `String` pushes through [`Writer`], which escapes every
//! text and attribute value and always uses the canonical prefixes (`env`,
//! `c`, `b`).

use std::fmt::Display;
use std::str::FromStr;

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesRef, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

use super::{DecodeError, BRIDGE_NS, CONFERENCE_NS, ENVELOPE_NS};

/// Deepest element nesting accepted. Rollcall's bodies need 7 levels; the
/// limit keeps hostile input from building arbitrarily deep trees.
pub(crate) const MAX_DEPTH: usize = 32;

/// A namespace and the prefix Rollcall writes for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ns {
    pub uri: &'static str,
    pub prefix: &'static str,
}

impl Ns {
    /// The attribute name that declares this prefix: `xmlns:c`.
    pub fn xmlns(self) -> String {
        format!("xmlns:{}", self.prefix)
    }
}

/// The SOAP 1.2 envelope namespace, written `env:`.
pub(crate) const ENV: Ns = Ns { uri: ENVELOPE_NS, prefix: "env" };
/// The client protocol namespace, written `c:`.
pub(crate) const CONF: Ns = Ns { uri: CONFERENCE_NS, prefix: "c" };
/// The conference web service namespace, written `b:`.
pub(crate) const BRIDGE: Ns = Ns { uri: BRIDGE_NS, prefix: "b" };

/// Builds the error every decoder returns (the requestId is filled in later).
pub(crate) fn invalid(reason: impl Into<String>) -> DecodeError {
    DecodeError { reason: reason.into(), request_id: None }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// One element of a parsed document: its expanded name, its own text and its
/// child elements. Attributes are not kept (only namespace declarations
/// matter, and those are already applied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// Namespace URI, `None` when the name is in no namespace.
    pub ns: Option<String>,
    /// Local name (without prefix).
    pub local: String,
    /// The element's own character data, trimmed of XML whitespace.
    pub text: String,
    /// When `text` has the shape of a QName (`prefix:local` or `local`): the
    /// namespace its prefix is bound to in this element's scope. This is how
    /// SOAP Fault codes such as `env:Sender` are read without assuming any
    /// prefix.
    pub text_ns: Option<String>,
    pub children: Vec<Element>,
}

impl Element {
    /// Is this element `{ns}local`?
    pub fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns.as_deref() == Some(ns.uri) && self.local == local
    }

    /// The local name when this element is in namespace `ns`.
    pub fn local_in(&self, ns: Ns) -> Option<&str> {
        (self.ns.as_deref() == Some(ns.uri)).then_some(self.local.as_str())
    }

    /// The first child `{ns}local`.
    pub fn child(&self, ns: Ns, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// The text read as a QName, resolved: `(namespace URI, local part)`.
    /// `None` when the text is not a QName or its prefix is not bound.
    pub fn text_qname(&self) -> Option<(&str, &str)> {
        let ns = self.text_ns.as_deref()?;
        let local = self.text.rsplit(':').next()?;
        Some((ns, local))
    }

    /// How to name this element in an error message: `c:Foo` for Rollcall's
    /// namespaces, `{uri}Foo` otherwise.
    pub fn label(&self) -> String {
        let known = [ENV, CONF, BRIDGE];
        match (&self.ns, known.iter().find(|k| self.ns.as_deref() == Some(k.uri))) {
            (_, Some(k)) => format!("{}:{}", k.prefix, self.local),
            (Some(uri), None) => format!("{{{uri}}}{}", self.local),
            (None, None) => self.local.clone(),
        }
    }
}

/// Why a document could not be parsed, with whatever was complete before the
/// error (so that a requestId can still be echoed).
#[derive(Debug)]
pub(crate) struct ParseError {
    pub reason: String,
    /// The tree built so far: every element that was closed, inside the
    /// still-open ancestors. `None` when nothing was read.
    pub partial: Option<Box<Element>>,
}

/// Parses a whole document into its root [`Element`]. Rejects anything that
/// is not well-formed namespaced XML, DTDs, and nesting deeper than
/// [`MAX_DEPTH`].
///
/// The browser reads with [`plain`] (no quick-xml in its `.wasm`); the
/// server with quick-xml. Both give the same trees.
pub(crate) fn parse(xml: &str) -> Result<Element, ParseError> {
    #[cfg(target_arch = "wasm32")]
    return plain::parse(xml);
    #[cfg(not(target_arch = "wasm32"))]
    return parse_with_quick_xml(xml);
}

/// The reader the browser uses (also compiled on the host, where the tests
/// compare it with quick-xml: `soap/tests.rs`).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) mod plain;

/// [`parse`] with quick-xml's `NsReader`.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn parse_with_quick_xml(xml: &str) -> Result<Element, ParseError> {
    let mut parser = TreeBuilder::default();
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    loop {
        let step = match reader.read_resolved_event() {
            Ok((ns, event)) => match event {
                Event::Eof => return parser.finish(),
                event => namespace_uri(ns).and_then(|ns| parser.on_event(ns, event, &reader)),
            },
            Err(e) => Err(format!("not well-formed XML: {e}")),
        };
        if let Err(reason) = step {
            return Err(parser.fail(reason));
        }
    }
}

/// The namespace URI an element name resolved to (`None`: no namespace).
fn namespace_uri(ns: ResolveResult<'_>) -> Result<Option<String>, String> {
    match ns {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(format!("undeclared namespace prefix `{}`", String::from_utf8_lossy(&prefix))),
    }
}

/// Builds the tree from reader events: a stack of open elements.
#[derive(Default)]
struct TreeBuilder {
    open: Vec<Element>,
    root: Option<Element>,
}

impl TreeBuilder {
    /// Handles one event (anything but `Eof`).
    fn on_event(&mut self, ns: Option<String>, event: Event<'_>, reader: &NsReader<&[u8]>) -> Result<(), String> {
        match event {
            Event::Start(start) => {
                // Attribute values are not kept, but they must be well-formed.
                for attribute in start.attributes() {
                    attribute.map_err(|e| format!("bad attribute: {e}"))?;
                }
                self.start(ns, String::from_utf8_lossy(start.local_name().as_ref()).into_owned())
            }
            Event::End(_) => self.end(|text| resolve_text_qname(text, reader)),
            Event::Text(text) => self.text(&text.xml10_content().map_err(|e| e.to_string())?),
            Event::CData(data) => self.text(&data.xml10_content().map_err(|e| e.to_string())?),
            Event::GeneralRef(reference) => self.text(&resolve_reference(&reference)?),
            Event::DocType(_) => Err("a DTD is not allowed in a SOAP message".into()),
            // `expand_empty_elements` turns these into Start + End.
            Event::Empty(_) => Err("unexpected empty-element event".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Eof => Ok(()),
        }
    }

    fn start(&mut self, ns: Option<String>, local: String) -> Result<(), String> {
        if self.root.is_some() {
            return Err("content after the root element".into());
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(format!("elements nested deeper than {MAX_DEPTH}"));
        }
        self.open.push(Element { ns, local, ..Element::default() });
        Ok(())
    }

    /// Closes the innermost element. Called while the element's namespace
    /// scope is still in effect: `text_ns` gives the namespace the text's
    /// QName prefix is bound to there (see [`text_qname_prefix`]).
    fn end(&mut self, text_ns: impl FnOnce(&str) -> Option<String>) -> Result<(), String> {
        let mut element = self.open.pop().ok_or("end tag without start tag")?;
        element.text = trim_xml_whitespace(&element.text).to_string();
        element.text_ns = text_ns(&element.text);
        match self.open.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), String> {
        match self.open.last_mut() {
            Some(element) => {
                element.text.push_str(text);
                Ok(())
            }
            None if trim_xml_whitespace(text).is_empty() => Ok(()),
            None => Err("text outside the root element".into()),
        }
    }

    fn finish(self) -> Result<Element, ParseError> {
        if let Some(open) = self.open.last() {
            let reason = format!("document ends inside <{}>", open.label());
            return Err(self.fail(reason));
        }
        self.root.ok_or_else(|| ParseError { reason: "no root element".into(), partial: None })
    }

    /// Turns a failure into a [`ParseError`], keeping the complete part of
    /// the tree. The innermost open element is dropped when it is a leaf:
    /// its text may be cut short (only it can hold partial text; its open
    /// ancestors only hold complete children).
    fn fail(mut self, reason: String) -> ParseError {
        if self.open.last().is_some_and(|e| e.children.is_empty()) {
            self.open.pop();
        }
        let mut partial = self.root.take();
        while let Some(mut element) = self.open.pop() {
            element.children.extend(partial.take());
            partial = Some(element);
        }
        ParseError { reason, partial: partial.map(Box::new) }
    }
}

/// The text of an entity or character reference: the five predefined
/// entities and `&#…;` only (there is no DTD to define others).
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, String> {
    if let Some(ch) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
        return Ok(ch.to_string());
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    resolve_predefined_entity(&name).map(str::to_string).ok_or_else(|| format!("unknown entity `&{name};`"))
}

/// When `text` looks like a QName: its prefix (`Some(None)` without one,
/// meaning the default namespace); `None` when it is no QName.
fn text_qname_prefix(text: &str) -> Option<Option<&str>> {
    let looks_like_qname = !text.is_empty()
        && text.matches(':').count() <= 1
        && !text.starts_with(':')
        && !text.ends_with(':')
        && !text.contains(|c: char| c.is_whitespace());
    looks_like_qname.then(|| text.split_once(':').map(|(prefix, _)| prefix))
}

/// If `text` looks like a QName, the namespace its prefix (or, without a
/// prefix, the default namespace) is bound to in the reader's current scope.
fn resolve_text_qname(text: &str, reader: &NsReader<&[u8]>) -> Option<String> {
    text_qname_prefix(text)?;
    let prefix = QName(text.as_bytes()).prefix();
    match reader.resolver().resolve_prefix(prefix, true) {
        ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        ResolveResult::Unbound | ResolveResult::Unknown(_) => None,
    }
}

/// Trims the four XML whitespace characters (not Unicode spaces such as
/// U+00A0, which may be part of a value).
fn trim_xml_whitespace(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// The payload of a SOAP 1.2 envelope: the first element of `env:Body`.
/// A `env:Header` is ignored.
pub(crate) fn body_payload(root: &Element) -> Result<&Element, DecodeError> {
    if !root.is(ENV, "Envelope") {
        return Err(invalid(format!("root element is {}, not a SOAP 1.2 env:Envelope", root.label())));
    }
    let body = root.child(ENV, "Body").ok_or_else(|| invalid("missing env:Body"))?;
    body.children.first().ok_or_else(|| invalid("empty env:Body"))
}

/// The children of one element in one namespace, read by local name.
/// Unknown children are ignored; errors name what is missing or malformed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    element: &'a Element,
    ns: Ns,
}

impl<'a> Fields<'a> {
    pub fn new(element: &'a Element, ns: Ns) -> Self {
        Fields { element, ns }
    }

    pub fn element(&self) -> &'a Element {
        self.element
    }

    /// The same element, its children read in another namespace.
    pub fn in_ns(&self, ns: Ns) -> Fields<'a> {
        Fields { element: self.element, ns }
    }

    /// `prefix:name`, for error messages.
    fn name(&self, name: &str) -> String {
        format!("{}:{name}", self.ns.prefix)
    }

    /// The required child `name`.
    pub fn child(&self, name: &str) -> Result<Fields<'a>, DecodeError> {
        self.opt_child(name).ok_or_else(|| invalid(format!("missing {} in {}", self.name(name), self.element.label())))
    }

    /// The child `name`, if present.
    pub fn opt_child(&self, name: &str) -> Option<Fields<'a>> {
        self.element.child(self.ns, name).map(|e| Fields::new(e, self.ns))
    }

    /// Every child `name`, in document order.
    pub fn all(&self, name: &'a str) -> impl Iterator<Item = Fields<'a>> + 'a {
        let ns = self.ns;
        self.element.children.iter().filter(move |c| c.is(ns, name)).map(move |e| Fields::new(e, ns))
    }

    /// The text of the required child `name`.
    pub fn text(&self, name: &str) -> Result<String, DecodeError> {
        Ok(self.child(name)?.element.text.clone())
    }

    /// The text of the child `name`, if present.
    pub fn opt_text(&self, name: &str) -> Option<String> {
        self.opt_child(name).map(|f| f.element.text.clone())
    }

    /// The required child `name`, parsed (an enum token or a number).
    pub fn parse<T>(&self, name: &str) -> Result<T, DecodeError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let child = self.child(name)?;
        self.parse_text(name, &child.element.text)
    }

    /// The child `name`, parsed, if present.
    pub fn opt_parse<T>(&self, name: &str) -> Result<Option<T>, DecodeError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.opt_child(name).map(|child| self.parse_text(name, &child.element.text)).transpose()
    }

    fn parse_text<T>(&self, name: &str, text: &str) -> Result<T, DecodeError>
    where
        T: FromStr,
        T::Err: Display,
    {
        text.parse().map_err(|e| invalid(format!("bad {} in {}: `{text}` ({e})", self.name(name), self.element.label())))
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Writes one SOAP envelope. Elements written with [`Writer::leaf`] and
/// [`Writer::nest`] go in the writer's body namespace; the `_in` variants
/// name the namespace explicitly.
#[derive(Debug)]
pub(crate) struct Writer {
    out: String,
    ns: Ns,
}

impl Writer {
    /// A whole envelope whose body, in namespace `ns`, is written by `body`.
    /// Declares `env` and `ns`'s prefix on `env:Envelope`.
    pub fn envelope(ns: Ns, body: impl FnOnce(&mut Writer)) -> String {
        let mut w = Writer { out: String::with_capacity(512), ns };
        w.out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        w.open(ENV, "Envelope", &[(&ENV.xmlns(), ENV.uri), (&ns.xmlns(), ns.uri)]);
        w.nest_in(ENV, "Body", body);
        w.close(ENV, "Envelope");
        w.out
    }

    /// The body namespace.
    pub fn ns(&self) -> Ns {
        self.ns
    }

    /// `<p:name>text</p:name>` in the body namespace.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_in(self.ns, name, &[], text);
    }

    /// [`Writer::leaf`] when `text` is present; nothing otherwise.
    pub fn opt_leaf(&mut self, name: &str, text: Option<impl Display>) {
        if let Some(text) = text {
            self.leaf(name, &text.to_string());
        }
    }

    /// `<p:name>…</p:name>` in the body namespace, its content written by `content`.
    pub fn nest(&mut self, name: &str, content: impl FnOnce(&mut Writer)) {
        self.nest_in(self.ns, name, content);
    }

    /// `<ns:name attributes…>text</ns:name>`.
    pub fn leaf_in(&mut self, ns: Ns, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(ns, name, attributes);
        self.push_escaped(text);
        self.close(ns, name);
    }

    /// `<ns:name>…</ns:name>`, its content written by `content`.
    pub fn nest_in(&mut self, ns: Ns, name: &str, content: impl FnOnce(&mut Writer)) {
        self.nest_with(ns, name, &[], content);
    }

    /// `<ns:name attributes…>…</ns:name>`, its content written by `content`.
    pub fn nest_with(&mut self, ns: Ns, name: &str, attributes: &[(&str, &str)], content: impl FnOnce(&mut Writer)) {
        self.open(ns, name, attributes);
        content(self);
        self.close(ns, name);
    }

    fn open(&mut self, ns: Ns, name: &str, attributes: &[(&str, &str)]) {
        self.out.push('<');
        self.push_name(ns, name);
        for (attribute, value) in attributes {
            self.out.push(' ');
            self.out.push_str(attribute);
            self.out.push_str("=\"");
            self.push_escaped(value);
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn close(&mut self, ns: Ns, name: &str) {
        self.out.push_str("</");
        self.push_name(ns, name);
        self.out.push('>');
    }

    fn push_name(&mut self, ns: Ns, name: &str) {
        self.out.push_str(ns.prefix);
        self.out.push(':');
        self.out.push_str(name);
    }

    /// Escapes markup characters, and replaces characters XML 1.0 cannot
    /// carry at all (most C0 controls, U+FFFE, U+FFFF) with U+FFFD so the
    /// output is always well-formed.
    fn push_escaped(&mut self, text: &str) {
        if text.chars().all(is_xml_char) {
            self.out.push_str(&escape(text));
        } else {
            let cleaned: String = text.chars().map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' }).collect();
            self.out.push_str(&escape(cleaned));
        }
    }
}

/// Is `c` allowed in an XML 1.0 document (production `Char`)?
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests;
