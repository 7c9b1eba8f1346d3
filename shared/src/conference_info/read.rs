//! Reading a conference-info document with quick-xml's `NsReader`:
//! names are compared as (namespace, local name), never by prefix;
//! elements of other namespaces (extensions, RFC 4575 §5's `xs:any`) and
//! the parts of the schema Rollcall does not model are skipped. A DTD,
//! a document over [`crate::MAX_MESSAGE_BYTES`], nesting deeper than
//! [`MAX_DEPTH`], more than [`MAX_ELEMENTS`] elements, or more users,
//! endpoints, media or text than the module's limits allow is refused.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::{
    ConferenceInfo, ConferenceStateInfo, Description, DocState, Endpoint, Media, User, Users, MAX_ENDPOINTS, MAX_MEDIA,
    MAX_TEXT_BYTES, MAX_USERS, NAMESPACE,
};

/// Deepest nesting read (the model needs 6 levels).
const MAX_DEPTH: usize = 16;
/// Most elements in one document, of every namespace.
const MAX_ELEMENTS: usize = 8192;

/// Why a body is not a conference-info document Rollcall can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a conference-info document: {0}")]
pub struct ReadError(pub String);

fn fail(reason: impl Into<String>) -> ReadError {
    ReadError(reason.into())
}

/// An element of the conference-info namespace: its local name, its
/// unqualified attributes, its text and its children of that namespace.
#[derive(Debug, Default)]
struct Node {
    local: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn child(&self, local: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.local == local)
    }

    fn all<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.local == local)
    }

    /// The text of child `local`, if there is one.
    fn text_of(&self, local: &str) -> Option<String> {
        self.child(local).map(|c| c.text.clone())
    }
}

pub(super) fn document(xml: &str) -> Result<ConferenceInfo, ReadError> {
    if xml.len() > crate::MAX_MESSAGE_BYTES {
        return Err(fail("larger than a SIP message may be"));
    }
    let root = tree(xml)?;
    if root.local != "conference-info" {
        return Err(fail(format!("root element is {}, not conference-info", root.local)));
    }
    let entity = root.attribute("entity").ok_or_else(|| fail("conference-info has no entity"))?.to_string();
    let version = match root.attribute("version") {
        Some(v) => v.trim().parse().map_err(|_| fail(format!("version {v:?} is not an unsigned int")))?,
        None => 0,
    };
    let description = root
        .child("conference-description")
        .map(|d| Description { display_text: d.text_of("display-text"), subject: d.text_of("subject") });
    let conference_state = match root.child("conference-state") {
        Some(s) => Some(ConferenceStateInfo {
            user_count: parse_opt(s, "user-count")?,
            active: boolean_opt(s, "active")?,
            locked: boolean_opt(s, "locked")?,
        }),
        None => None,
    };
    let users = match root.child("users") {
        Some(node) => Some(users(node)?),
        None => None,
    };
    Ok(ConferenceInfo { entity, version, state: state(&root)?, description, conference_state, users })
}

fn users(node: &Node) -> Result<Users, ReadError> {
    let list: Vec<&Node> = node.all("user").collect();
    if list.len() > MAX_USERS {
        return Err(fail(format!("more than {MAX_USERS} users")));
    }
    let users = list.into_iter().map(user).collect::<Result<_, _>>()?;
    Ok(Users { state: state(node)?, users })
}

fn user(node: &Node) -> Result<User, ReadError> {
    let list: Vec<&Node> = node.all("endpoint").collect();
    if list.len() > MAX_ENDPOINTS {
        return Err(fail(format!("a user with more than {MAX_ENDPOINTS} endpoints")));
    }
    Ok(User {
        entity: node.attribute("entity").unwrap_or_default().to_string(),
        state: state(node)?,
        display_text: node.text_of("display-text"),
        endpoints: list.into_iter().map(endpoint).collect::<Result<_, _>>()?,
    })
}

fn endpoint(node: &Node) -> Result<Endpoint, ReadError> {
    let list: Vec<&Node> = node.all("media").collect();
    if list.len() > MAX_MEDIA {
        return Err(fail(format!("an endpoint with more than {MAX_MEDIA} media")));
    }
    let media = list
        .into_iter()
        .map(|m| {
            Ok(Media {
                id: m.attribute("id").unwrap_or_default().to_string(),
                media_type: m.text_of("type"),
                status: parse_opt(m, "status")?,
            })
        })
        .collect::<Result<_, ReadError>>()?;
    Ok(Endpoint {
        entity: node.attribute("entity").unwrap_or_default().to_string(),
        state: state(node)?,
        status: parse_opt(node, "status")?,
        disconnection_method: parse_opt(node, "disconnection-method")?,
        disconnection_reason: node.child("disconnection-info").and_then(|i| i.text_of("reason")),
        media,
    })
}

/// The `state` attribute (`full` when absent, the schema's default).
fn state(node: &Node) -> Result<DocState, ReadError> {
    match node.attribute("state") {
        Some(s) => s.parse().map_err(|e: super::UnknownValue| fail(format!("{} state {:?}", node.local, e.0))),
        None => Ok(DocState::Full),
    }
}

fn parse_opt<T: std::str::FromStr>(node: &Node, local: &str) -> Result<Option<T>, ReadError> {
    match node.child(local) {
        Some(c) => c.text.trim().parse().map(Some).map_err(|_| fail(format!("{local} {:?} is not valid", c.text))),
        None => Ok(None),
    }
}

/// An `xs:boolean`: `true`, `false`, `1` or `0`.
fn boolean_opt(node: &Node, local: &str) -> Result<Option<bool>, ReadError> {
    match node.child(local).map(|c| c.text.trim()) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(other) => Err(fail(format!("{local} {other:?} is not a boolean"))),
    }
}

/// The tree of conference-info elements; elements of other namespaces
/// (and everything inside them) are skipped, but must be well-formed.
fn tree(xml: &str) -> Result<Node, ReadError> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    // Open elements; `None` for one of another namespace (skipped).
    let mut open: Vec<Option<Node>> = Vec::new();
    let mut root: Option<Node> = None;
    let mut elements = 0usize;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|e| fail(format!("not well-formed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                elements += 1;
                if open.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(fail("nested too deep, or too many elements"));
                }
                if root.is_some() {
                    return Err(fail("content after the root element"));
                }
                let ours = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == NAMESPACE.as_bytes());
                let skipped = open.iter().any(Option::is_none);
                if !ours || skipped {
                    if let ResolveResult::Unknown(prefix) = ns {
                        return Err(fail(format!("undeclared prefix {:?}", String::from_utf8_lossy(&prefix))));
                    }
                    open.push(None);
                    continue;
                }
                let mut node =
                    Node { local: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(), ..Node::default() };
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|e| fail(format!("bad attribute: {e}")))?;
                    // Only unqualified attributes are the schema's own.
                    if attribute.key.prefix().is_some() {
                        continue;
                    }
                    let value = attribute.decode_and_unescape_value(reader.decoder()).map_err(|e| fail(e.to_string()))?;
                    let name = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
                    if value.len() > MAX_TEXT_BYTES {
                        return Err(fail(format!("attribute {name} longer than {MAX_TEXT_BYTES} bytes")));
                    }
                    node.attributes.push((name, value.into_owned()));
                }
                open.push(Some(node));
            }
            Event::End(_) => match open.pop() {
                Some(Some(mut node)) => {
                    node.text = node.text.trim().to_string();
                    match open.last_mut() {
                        Some(Some(parent)) => parent.children.push(node),
                        Some(None) => {}
                        None => root = Some(node),
                    }
                }
                Some(None) => {
                    if open.is_empty() {
                        return Err(fail("the root element is not in the conference-info namespace"));
                    }
                }
                None => return Err(fail("unbalanced end tag")),
            },
            Event::Text(text) => push_text(&mut open, &text.xml10_content().map_err(|e| fail(e.to_string()))?)?,
            Event::CData(data) => push_text(&mut open, &data.xml10_content().map_err(|e| fail(e.to_string()))?)?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| fail(e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference.decode().map_err(|e| fail(e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| fail(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                push_text(&mut open, &resolved)?
            }
            Event::DocType(_) => return Err(fail("a DTD is not allowed")),
            Event::Eof => return root.ok_or_else(|| fail("no root element")),
            Event::Empty(_) | Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

fn push_text(open: &mut [Option<Node>], text: &str) -> Result<(), ReadError> {
    if let Some(Some(node)) = open.last_mut() {
        if node.text.len() + text.len() > MAX_TEXT_BYTES {
            return Err(fail(format!("{} longer than {MAX_TEXT_BYTES} bytes", node.local)));
        }
        node.text.push_str(text);
    }
    Ok(())
}
