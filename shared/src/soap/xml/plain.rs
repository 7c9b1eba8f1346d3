//! The browser's XML reader: the same tree as [`super::parse`] gives with
//! quick-xml, from a small hand-written reader, so that the browser's
//! `.wasm` carries no quick-xml (docs/frontend-size.md). The server keeps
//! quick-xml for what strangers send it; the browser reads only what its
//! server wrote. The tests hold both readers to the same trees, and to
//! refusing the same malformed documents.
//!
//! What it reads: elements with attributes (checked for shape, kept only
//! as namespace declarations), character data with the five predefined
//! entities and character references, CDATA sections, comments, processing
//! instructions and the XML declaration (skipped). A DTD is refused, like
//! any other markup. Line ends are normalised as XML 1.0 §2.11 says.

use super::{ParseError, TreeBuilder};

/// The namespace of the `xml:` prefix, bound without a declaration.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// One open element's namespace declarations: (prefix, URI); the prefix
/// `""` is the default namespace, and a URI `""` undeclares it.
type Scope = Vec<(String, String)>;

pub(crate) fn parse(xml: &str) -> Result<super::Element, ParseError> {
    let mut tree = TreeBuilder::default();
    let mut reader = Reader { rest: xml.strip_prefix('\u{feff}').unwrap_or(xml), scopes: Vec::new(), names: Vec::new() };
    loop {
        match reader.step(&mut tree) {
            Ok(true) => {}
            Ok(false) => return tree.finish(),
            Err(reason) => return Err(tree.fail(reason)),
        }
    }
}

struct Reader<'a> {
    rest: &'a str,
    /// Declarations of each open element, innermost last.
    scopes: Vec<Scope>,
    /// Qualified names of the open elements, to match end tags.
    names: Vec<&'a str>,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// An XML name, loosely: ASCII letters, digits and `_-.:`, and any
/// non-ASCII character (no Unicode tables in the .wasm for this).
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':') || c as u32 >= 0x80)
}

/// XML 1.0 §2.11: CRLF and lone CR read as LF.
fn normalize_eol(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Character data with its references resolved.
fn unescape(raw: &str) -> Result<String, String> {
    let raw = normalize_eol(raw);
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or("`&` without `;`")?;
        let name = &after[..semi];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            _ => {
                let code = match name.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => name.strip_prefix('#').and_then(|dec| dec.parse().ok()),
                };
                code.filter(|_| name.len() > 1).and_then(char::from_u32).filter(|c| *c != '\0').ok_or_else(|| {
                    if name.starts_with('#') {
                        "bad character reference".to_owned()
                    } else {
                        ["unknown entity `&", name, ";`"].concat()
                    }
                })?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl<'a> Reader<'a> {
    /// The URI `prefix` is bound to here (`""`: the default namespace);
    /// `Some("")` when undeclared by `xmlns=""`.
    fn lookup(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(p, _)| p == prefix).map(|(_, uri)| uri.as_str())
    }

    /// The namespace of an element name.
    fn element_ns(&self, qname: &str) -> Result<Option<String>, String> {
        match qname.split_once(':') {
            Some((prefix, _)) => match self.lookup(prefix) {
                Some(uri) if !uri.is_empty() => Ok(Some(uri.to_owned())),
                _ => Err(["undeclared namespace prefix `", prefix, "`"].concat()),
            },
            None => Ok(self.lookup("").filter(|uri| !uri.is_empty()).map(str::to_owned)),
        }
    }

    /// Skips past `end`, failing with `what` when it never comes.
    fn skip_past(&mut self, end: &str, what: &'static str) -> Result<&'a str, String> {
        let at = self.rest.find(end).ok_or(what)?;
        let skipped = &self.rest[..at];
        self.rest = &self.rest[at + end.len()..];
        Ok(skipped)
    }

    /// Reads one piece of the document; false at its end.
    fn step(&mut self, tree: &mut TreeBuilder) -> Result<bool, String> {
        if self.rest.is_empty() {
            return Ok(false);
        }
        let Some(lt) = self.rest.find('<') else {
            let text = unescape(self.rest)?;
            self.rest = "";
            tree.text(&text)?;
            return Ok(true);
        };
        if lt > 0 {
            let text = unescape(&self.rest[..lt])?;
            self.rest = &self.rest[lt..];
            tree.text(&text)?;
            return Ok(true);
        }
        let markup = &self.rest[1..];
        if let Some(after) = markup.strip_prefix("?") {
            self.rest = after;
            self.skip_past("?>", "processing instruction not closed")?;
        } else if let Some(after) = markup.strip_prefix("!--") {
            self.rest = after;
            self.skip_past("-->", "comment not closed")?;
        } else if let Some(after) = markup.strip_prefix("![CDATA[") {
            self.rest = after;
            let data = self.skip_past("]]>", "CDATA not closed")?;
            tree.text(&normalize_eol(data))?;
        } else if markup.starts_with("!DOCTYPE") {
            return Err("a DTD is not allowed in a SOAP message".into());
        } else if markup.starts_with('!') {
            return Err("unknown markup `<!`".into());
        } else if let Some(after) = markup.strip_prefix('/') {
            self.rest = after;
            let name = self.skip_past(">", "end tag not closed")?.trim_end_matches(is_space);
            if self.names.last() != Some(&name) {
                return Err(["unexpected end tag `</", name, ">`"].concat());
            }
            self.end_element(tree)?;
        } else {
            self.rest = markup;
            self.start_tag(tree)?;
        }
        Ok(true)
    }

    /// A start tag, after its `<`.
    fn start_tag(&mut self, tree: &mut TreeBuilder) -> Result<(), String> {
        let end = self.rest.find(|c: char| is_space(c) || c == '/' || c == '>').ok_or("start tag not closed")?;
        let name = &self.rest[..end];
        if !is_name(name) {
            return Err("bad element name".into());
        }
        self.rest = &self.rest[end..];
        let mut scope = Scope::new();
        let mut seen: Vec<&str> = Vec::new();
        let empty = loop {
            self.rest = self.rest.trim_start_matches(is_space);
            if let Some(after) = self.rest.strip_prefix("/>") {
                self.rest = after;
                break true;
            }
            if let Some(after) = self.rest.strip_prefix('>') {
                self.rest = after;
                break false;
            }
            let eq = self.rest.find('=').ok_or("bad attribute")?;
            let attribute = self.rest[..eq].trim_end_matches(is_space);
            let after = self.rest[eq + 1..].trim_start_matches(is_space);
            let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'').ok_or("bad attribute: value not quoted")?;
            let close = after[1..].find(quote).ok_or("bad attribute: value not closed")?;
            let raw = &after[1..close + 1];
            if !is_name(attribute) || raw.contains('<') || seen.contains(&attribute) {
                return Err("bad attribute".into());
            }
            seen.push(attribute);
            let value = unescape(raw)?;
            if attribute == "xmlns" {
                scope.push((String::new(), value));
            } else if let Some(prefix) = attribute.strip_prefix("xmlns:") {
                // An empty URI undeclares the prefix (Namespaces in XML 1.1).
                scope.push((prefix.to_owned(), value));
            }
            self.rest = &after[close + 2..];
        };
        self.scopes.push(scope);
        self.names.push(name);
        let ns = self.element_ns(name)?;
        let local = name.rsplit(':').next().unwrap_or(name).to_owned();
        tree.start(ns, local)?;
        if empty {
            self.end_element(tree)?;
        }
        Ok(())
    }

    /// Closes the innermost element, its text's QName resolved while its
    /// declarations are still in scope.
    fn end_element(&mut self, tree: &mut TreeBuilder) -> Result<(), String> {
        let text_ns = |text: &str| {
            let prefix = super::text_qname_prefix(text)?.unwrap_or("");
            self.lookup(prefix).filter(|uri| !uri.is_empty()).map(str::to_owned)
        };
        tree.end(text_ns)?;
        self.names.pop();
        self.scopes.pop();
        Ok(())
    }
}
