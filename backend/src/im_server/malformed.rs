//! Answers for requests that `rsip` could not parse (or that are too large
//! to be parsed at all): when the request line and the headers a response
//! must copy (Via, From, To, Call-ID, CSeq) can be read as plain text, a
//! response can still be formed; otherwise the input is dropped.

/// The methods of RFC 3261 and its extensions that `rsip` knows.
const KNOWN_METHODS: &[&str] = &[
    "ACK", "BYE", "CANCEL", "INFO", "INVITE", "MESSAGE", "NOTIFY", "OPTIONS", "PRACK", "PUBLISH", "REFER",
    "REGISTER", "SUBSCRIBE", "UPDATE",
];

/// Headers a response copies from its request (RFC 3261 §8.2.6.2), with
/// their compact forms.
const COPIED: &[(&str, Option<&str>)] =
    &[("via", Some("v")), ("from", Some("f")), ("to", Some("t")), ("call-id", Some("i")), ("cseq", None)];

/// The method of a request line `METHOD uri SIP/2.0`, if `text` starts with one.
pub fn request_method(text: &str) -> Option<String> {
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    let (method, _uri, version) = (parts.next()?, parts.next()?, parts.next()?);
    let token = method.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b));
    (token && version.eq_ignore_ascii_case("SIP/2.0") && parts.next().is_none()).then(|| method.to_string())
}

pub fn is_known_method(method: &str) -> bool {
    KNOWN_METHODS.contains(&method)
}

/// A response with `code` built from the raw text of a request, or `None`
/// when the text is not a request or lacks a header a response needs.
pub fn response(text: &str, code: u16, reason: &str) -> Option<String> {
    let method = request_method(text)?;
    if method == "ACK" {
        return None; // ACK is never answered
    }
    let head = text.split("\r\n\r\n").next().unwrap_or(text);
    let mut copied: Vec<(usize, String)> = Vec::new();
    for line in head.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else { continue };
        let name = name.trim().to_ascii_lowercase();
        if let Some(rank) = COPIED.iter().position(|(long, short)| name == *long || Some(name.as_str()) == *short) {
            copied.push((rank, format!("{}: {}", canonical(rank), value.trim())));
        }
    }
    for rank in 0..COPIED.len() {
        if !copied.iter().any(|(r, _)| *r == rank) {
            return None;
        }
    }
    copied.sort_by_key(|(rank, _)| *rank); // stable: Vias keep their order
    let mut out = format!("SIP/2.0 {code} {reason}\r\n");
    for (_, line) in copied {
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    Some(out)
}

/// Adds a header to a response made by [`response`].
pub fn with_header(response: String, name: &str, value: &str) -> String {
    match response.strip_suffix("\r\n\r\n") {
        Some(head) => format!("{head}\r\n{name}: {value}\r\n\r\n"),
        None => response,
    }
}

fn canonical(rank: usize) -> &'static str {
    ["Via", "From", "To", "Call-ID", "CSeq"][rank]
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADERS: &str = "Via: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\nf: <sip:a@d>;tag=1\r\nTo: <sip:b@d>\r\ni: abc\r\nCSeq: 1 FOO\r\n";

    #[test]
    fn unknown_method_gets_405_shape() {
        let text = format!("FOO sip:b@d SIP/2.0\r\n{HEADERS}\r\n");
        assert_eq!(request_method(&text).as_deref(), Some("FOO"));
        assert!(!is_known_method("FOO"));
        let r = with_header(response(&text, 405, "Method Not Allowed").expect("formed"), "Allow", "MESSAGE");
        assert!(r.starts_with("SIP/2.0 405 Method Not Allowed\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\nFrom: <sip:a@d>;tag=1\r\n"));
        assert!(r.ends_with("Allow: MESSAGE\r\n\r\n"));
    }

    #[test]
    fn no_response_without_needed_headers() {
        assert!(response("hello world", 400, "Bad Request").is_none());
        assert!(response("MESSAGE sip:b@d SIP/2.0\r\nVia: x\r\n\r\n", 400, "Bad Request").is_none());
        assert!(response(&format!("ACK sip:b@d SIP/2.0\r\n{HEADERS}\r\n"), 400, "Bad Request").is_none());
    }
}
