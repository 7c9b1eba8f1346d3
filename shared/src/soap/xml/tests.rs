use super::*;

#[test]
fn parses_prefixes_default_namespaces_and_references() {
    let root = parse(
        r#"<?xml version="1.0"?><!-- hi --><a xmlns="urn:a" xmlns:p="urn:p">
                 <p:b> x &amp; &#x41;<![CDATA[<y>]]> </p:b><c xmlns="">q:z</c><d>p:v</d></a>"#,
    )
    .expect("parse");
    assert_eq!(root.ns.as_deref(), Some("urn:a"));
    let b = &root.children[0];
    assert_eq!((b.ns.as_deref(), b.local.as_str(), b.text.as_str()), (Some("urn:p"), "b", "x & A<y>"));
    let c = &root.children[1];
    assert_eq!((c.ns.as_deref(), c.text_qname()), (None, None));
    let d = &root.children[2];
    assert_eq!(d.text_qname(), Some(("urn:p", "v")));
}

#[test]
fn rejects_malformed_documents() {
    for bad in [
        "",
        "<a>",
        "<a></b>",
        "</a>",
        "<a/><b/>",
        "<a/>text",
        "text<a/>",
        "<p:a/>",
        "<a>&unknown;</a>",
        "<!DOCTYPE a><a/>",
        r#"<a x="1" x="2"/>"#,
        "<a><b>1</a>",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[test]
fn limits_depth() {
    let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
    assert!(parse(&ok).is_ok());
    let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
    assert!(parse(&deep).is_err());
    assert!(parse(&"<a>".repeat(100_000)).is_err());
}

#[test]
fn partial_tree_keeps_only_closed_leaves() {
    let error = parse("<a><b>done</b><c>cut sh").expect_err("truncated");
    let partial = error.partial.expect("partial tree");
    assert_eq!(partial.local, "a");
    assert_eq!(partial.children.len(), 1);
    assert_eq!(partial.children[0].text, "done");
}

#[test]
fn writer_escapes_and_replaces_illegal_characters() {
    let xml = Writer::envelope(CONF, |w| w.leaf("name", "<&\"'>\u{1}Zoë"));
    assert!(xml.contains("<c:name>&lt;&amp;&quot;&apos;&gt;\u{FFFD}Zoë</c:name>"), "{xml}");
    let root = parse(&xml).expect("parse own output");
    let payload = body_payload(&root).expect("payload");
    assert_eq!(payload.text, "<&\"'>\u{FFFD}Zoë");
}
