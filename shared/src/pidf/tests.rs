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
