//! Header look-up by name (compact forms understood, RFC 3261 §7.3.3) and
//! headers made from a name and value, typed where `rsip` has a type.

use rsip::headers::UntypedHeader;
use rsip::{Header, Headers};

/// The full name for a compact header name (RFC 3261 §7.3.3 and
/// extensions); other names are returned unchanged.
pub fn canonical_header_name(name: &str) -> &str {
    if name.len() != 1 {
        return name;
    }
    match name.as_bytes()[0].to_ascii_lowercase() {
        b'a' => "Accept-Contact",
        b'b' => "Referred-By",
        b'c' => "Content-Type",
        b'd' => "Request-Disposition",
        b'e' => "Content-Encoding",
        b'f' => "From",
        b'i' => "Call-ID",
        b'j' => "Reject-Contact",
        b'k' => "Supported",
        b'l' => "Content-Length",
        b'm' => "Contact",
        b'n' => "Identity-Info",
        b'o' => "Event",
        b'r' => "Refer-To",
        b's' => "Subject",
        b't' => "To",
        b'u' => "Allow-Events",
        b'v' => "Via",
        b'x' => "Session-Expires",
        b'y' => "Identity",
        _ => name,
    }
}

macro_rules! known_headers {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// `rsip`'s typed variant for a (full) header name, if it has one.
        fn known_header(name: &str, value: String) -> Option<Header> {
            $(
                if name.eq_ignore_ascii_case($name) {
                    return Some(Header::$variant(rsip::headers::$variant::new(value)));
                }
            )*
            None
        }

        /// The name and raw value of any header.
        pub fn header_name_value(header: &Header) -> (&str, &str) {
            match header {
                $( Header::$variant(h) => ($name, h.value()), )*
                Header::Other(name, value) => (canonical_header_name(name), value.as_str()),
            }
        }
    };
}

known_headers! {
    Accept => "Accept",
    AcceptEncoding => "Accept-Encoding",
    AcceptLanguage => "Accept-Language",
    AlertInfo => "Alert-Info",
    Allow => "Allow",
    AuthenticationInfo => "Authentication-Info",
    Authorization => "Authorization",
    CSeq => "CSeq",
    CallId => "Call-ID",
    CallInfo => "Call-Info",
    Contact => "Contact",
    ContentDisposition => "Content-Disposition",
    ContentEncoding => "Content-Encoding",
    ContentLanguage => "Content-Language",
    ContentLength => "Content-Length",
    ContentType => "Content-Type",
    Date => "Date",
    ErrorInfo => "Error-Info",
    Event => "Event",
    Expires => "Expires",
    From => "From",
    InReplyTo => "In-Reply-To",
    MaxForwards => "Max-Forwards",
    MimeVersion => "MIME-Version",
    MinExpires => "Min-Expires",
    Organization => "Organization",
    Priority => "Priority",
    ProxyAuthenticate => "Proxy-Authenticate",
    ProxyAuthorization => "Proxy-Authorization",
    ProxyRequire => "Proxy-Require",
    RecordRoute => "Record-Route",
    ReplyTo => "Reply-To",
    Require => "Require",
    RetryAfter => "Retry-After",
    Route => "Route",
    Server => "Server",
    Subject => "Subject",
    SubscriptionState => "Subscription-State",
    Supported => "Supported",
    Timestamp => "Timestamp",
    To => "To",
    Unsupported => "Unsupported",
    UserAgent => "User-Agent",
    Via => "Via",
    Warning => "Warning",
    WwwAuthenticate => "WWW-Authenticate",
}

/// A header from a name and value: `rsip`'s typed variant when it has one
/// (so `rsip` accessors find it), `Header::Other` otherwise. Compact names
/// are expanded. The value is taken as is (see [`RequestBuilder::build`] for
/// validation).
pub fn make_header(name: &str, value: impl Into<String>) -> Header {
    let name = canonical_header_name(name);
    let value = value.into();
    match known_header(name, value.clone()) {
        Some(h) => h,
        None => Header::Other(name.to_owned(), value),
    }
}

pub(super) fn name_matches(header: &Header, wanted: &str) -> bool {
    header_name_value(header).0.eq_ignore_ascii_case(canonical_header_name(wanted))
}

/// First value (trimmed) of the header called `name`: case-insensitive,
/// compact forms understood both in `name` and in the headers. A header line
/// holding a comma-separated list is returned whole.
pub fn header(headers: &Headers, name: &str) -> Option<String> {
    headers.iter().find(|h| name_matches(h, name)).map(|h| header_name_value(h).1.trim().to_owned())
}

/// Every value (trimmed, in order) of the header called `name`; one entry per
/// header line (comma-separated lists are not split).
pub fn header_all(headers: &Headers, name: &str) -> Vec<String> {
    headers.iter().filter(|h| name_matches(h, name)).map(|h| header_name_value(h).1.trim().to_owned()).collect()
}

/// Remove every header called `name` (case-insensitive, compact forms
/// understood).
pub fn without_header(headers: &mut Headers, name: &str) {
    headers.retain(|h| !name_matches(h, name));
}

/// Put `header` before all others (e.g. a proxy's own `Via`).
pub fn prepend_header(headers: &mut Headers, header: Header) {
    let mut all: Vec<Header> = std::mem::take(headers).into();
    all.insert(0, header);
    *headers = all.into();
}
