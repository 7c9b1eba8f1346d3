//! Cutting a byte stream (TCP, TLS) into SIP messages (RFC 3261 §18.3):
//! the header section ends at the first empty line and `Content-Length`
//! says how much body follows. Between messages, RFC 5626 §3.5.1
//! keep-alives: a double CRLF is a ping (answered with a single CRLF, a
//! pong); a lone CRLF is a pong, and ignored. Sans-IO: bytes in,
//! [`Framed`] out.

use rollcall_shared::MAX_MESSAGE_BYTES;

/// What the next bytes of the stream hold.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// One whole message (header section and body).
    Message(String),
    /// A double-CRLF keep-alive, to be answered with a CRLF.
    Ping,
    /// A message over [`MAX_MESSAGE_BYTES`]: its header section (at most
    /// that long), to answer `513` from. The stream cannot be followed
    /// past it.
    TooBig(String),
    /// Bytes that cannot be cut into messages (no usable `Content-Length`,
    /// or not UTF-8): what there is of the header section, to answer `400`
    /// from. The stream cannot be followed past it either.
    Unframeable(String),
}

/// Bytes read and not yet cut.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held, for a reader that stops reading past a bound.
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    /// The next whole thing in the stream, or `None` until more bytes come.
    pub fn next_framed(&mut self) -> Option<Framed> {
        loop {
            if self.buf.starts_with(b"\r\n\r\n") {
                self.buf.drain(..4);
                return Some(Framed::Ping);
            }
            if b"\r\n\r\n".starts_with(&self.buf) && !self.buf.is_empty() {
                return None; // a ping or a pong, not yet told apart
            }
            if self.buf.starts_with(b"\r\n") {
                self.buf.drain(..2); // a pong
                continue;
            }
            if self.buf.starts_with(b"\n") {
                self.buf.drain(..1); // a bare LF before the start line
                continue;
            }
            break;
        }
        let Some((head_end, body_start)) = header_end(&self.buf) else {
            if self.buf.len() > MAX_MESSAGE_BYTES {
                let head = lossy(&self.buf[..MAX_MESSAGE_BYTES]);
                self.buf.clear();
                return Some(Framed::TooBig(head));
            }
            return None;
        };
        let head = match std::str::from_utf8(&self.buf[..head_end]) {
            Ok(head) => head,
            Err(_) => {
                let head = lossy(&self.buf[..head_end]);
                self.buf.clear();
                return Some(Framed::Unframeable(head));
            }
        };
        let length = match content_length(head) {
            Ok(length) => length,
            Err(()) => {
                let head = head.to_owned();
                self.buf.clear();
                return Some(Framed::Unframeable(head));
            }
        };
        let total = body_start.saturating_add(length);
        if total > MAX_MESSAGE_BYTES {
            let head = head.to_owned();
            self.buf.clear();
            return Some(Framed::TooBig(head));
        }
        if self.buf.len() < total {
            return None;
        }
        let message: Vec<u8> = self.buf.drain(..total).collect();
        match String::from_utf8(message) {
            Ok(text) => Some(Framed::Message(text)),
            Err(e) => {
                let head = lossy(&e.into_bytes()[..head_end]);
                self.buf.clear();
                Some(Framed::Unframeable(head))
            }
        }
    }
}

/// Where the header section ends and the body starts: after the first
/// CRLF CRLF (or bare LF LF).
fn header_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = find(buf, b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = find(buf, b"\n\n").map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The body length `Content-Length` (or `l`) gives; 0 without one (RFC
/// 3261 §18.3 requires it on streams, but a bodiless message without it is
/// common and harmless). An error for a value that is not a number, or
/// copies that disagree.
fn content_length(head: &str) -> Result<usize, ()> {
    let mut found: Option<&str> = None;
    for line in head.split('\n').skip(1) {
        let Some((name, value)) = line.split_once(':') else { continue };
        let name = name.trim();
        if !(name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l")) {
            continue;
        }
        let value = value.trim();
        match found {
            Some(earlier) if earlier != value => return Err(()),
            _ => found = Some(value),
        }
    }
    match found {
        None => Ok(0),
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => v.parse().map_err(|_| ()),
        Some(_) => Err(()),
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests;
