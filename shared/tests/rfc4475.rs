//! RFC 4475's torture messages through the parser: `sip::parse`, then
//! `sip::check_request` for a request. Every valid message is accepted and
//! every invalid one refused with the status code its error maps to
//! (`SipError::status_code`), so that a regression points at the parser;
//! backend/tests/rfc4475.rs sends the same messages to the IM server.

#[path = "rfc4475/messages.rs"]
mod messages;

use messages::*;
use rollcall_shared::sip::{self, rsip, SipError};

/// What the parser makes of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// A request that parses and passes `check_request`.
    Accepts,
    /// A request refused, by `parse` or by `check_request`, with an error
    /// whose status code is this.
    Refuses(u16),
    /// A response that parses and whose CSeq can be read (to be matched to
    /// a request).
    Response,
    /// A response that does not parse or whose CSeq cannot be read: it is
    /// matched to nothing, and dropped.
    Dropped,
}
use Verdict::*;

/// One RFC 4475 message: section, the RFC's name, the text, the verdict
/// and why (the RFC's words, or Rollcall's choice where it leaves one).
struct Case {
    section: &'static str,
    name: &'static str,
    text: &'static str,
    verdict: Verdict,
    why: &'static str,
}

const fn case(section: &'static str, name: &'static str, text: &'static str, verdict: Verdict, why: &'static str) -> Case {
    Case { section, name, text, verdict, why }
}

#[rustfmt::skip]
const CASES: [Case; 49] = [
    case("3.1.1.1", "wsinv", WSINV, Accepts, "folding, LWS everywhere, leading zeros: well formed"),
    case("3.1.1.2", "intmeth", INTMETH, Refuses(405), "an unknown method, well formed: not something rsip can hold (UnknownMethod)"),
    case("3.1.1.3", "esc01", ESC01, Accepts, "% HEX HEX escapes in URIs are valid"),
    case("3.1.1.4", "escnull", ESCNULL, Accepts, "%00 in a user part is valid"),
    case("3.1.1.5", "esc02", ESC02, Refuses(405), "RE%47IST%45R is an unknown method, not REGISTER"),
    case("3.1.1.6", "lwsdisp", LWSDISP, Accepts, "no LWS before < is to be accepted"),
    case("3.1.1.7", "longreq", LONGREQ, Accepts, "long values and 34 Vias are valid"),
    case("3.1.1.8", "dblreq", DBLREQ, Accepts, "octets after the Content-Length body are ignored"),
    case("3.1.1.9", "semiuri", SEMIURI, Accepts, "`;` in the user part is valid"),
    case("3.1.1.10", "transports", TRANSPORTS, Accepts, "unknown transports in Via are valid"),
    case("3.1.1.11", "mpart01", MPART01, Accepts, "a multipart body with NULs frames by Content-Length"),
    case("3.1.1.12", "unreason", UNREASON, Response, "a UTF-8 reason phrase is valid"),
    case("3.1.1.13", "noreason", NOREASON, Response, "an empty reason phrase is valid"),
    case("3.1.2.1", "badinv01", BADINV01, Refuses(400), "empty Via and Contact parameters: 400"),
    case("3.1.2.2", "clerr", CLERR, Refuses(400), "Content-Length beyond the message: 400"),
    case("3.1.2.3", "ncl", NCL, Refuses(400), "a negative Content-Length: an error"),
    case("3.1.2.4", "scalar02", SCALAR02, Refuses(400), "CSeq beyond 2**32-1: 400"),
    case("3.1.2.5", "scalarlg", SCALARLG, Dropped, "a response with CSeq beyond 2**32-1 is discarded"),
    case("3.1.2.6", "quotbal", QUOTBAL, Refuses(400), "an unterminated quoted string: 400"),
    case("3.1.2.7", "ltgtruri", LTGTRURI, Refuses(400), "<> around the Request-URI: 400"),
    case("3.1.2.8", "lwsruri", LWSRURI, Refuses(400), "LWS in the Request-URI: 400"),
    case("3.1.2.9", "lwsstart", LWSSTART, Refuses(400), "several SP in the request line: acceptable to reject"),
    case("3.1.2.10", "trws", TRWS, Refuses(400), "SP after the version: acceptable to reject"),
    case("3.1.2.11", "escruri", ESCRURI, Refuses(400), "headers in the Request-URI: 400"),
    case("3.1.2.12", "baddate", BADDATE, Accepts, "a bad Date need not be refused by one that does not use it"),
    case("3.1.2.13", "regbadct", REGBADCT, Refuses(400), "an addr-spec with `?` not in <>: 400"),
    case("3.1.2.14", "badaspec", BADASPEC, Refuses(400), "spaces inside <>: 400"),
    case("3.1.2.15", "baddn", BADDN, Refuses(400), "non-token display names unquoted: 400"),
    case("3.1.2.16", "badvers", BADVERS, Refuses(505), "SIP/7.0: 505"),
    case("3.1.2.17", "mismatch01", MISMATCH01, Refuses(400), "CSeq method is not the request's: 400"),
    case("3.1.2.18", "mismatch02", MISMATCH02, Refuses(400), "unknown method and a CSeq of another: 400 is acceptable"),
    case("3.1.2.19", "bigcode", BIGCODE, Dropped, "a response code beyond 699 is dropped"),
    case("3.2.1", "badbranch", BADBRANCH, Accepts, "a bare z9hG4bK branch must not break the parser"),
    case("3.3.1", "insuf", INSUF, Refuses(400), "no Call-ID, From, To: 400"),
    case("3.3.2", "unkscm", UNKSCM, Refuses(416), "an unknown Request-URI scheme parses and gets 416"),
    case("3.3.3", "novelsc", NOVELSC, Refuses(416), "a scheme never accepted in a Request-URI: 416"),
    case("3.3.4", "unksm2", UNKSM2, Refuses(400), "a registrar needs a SIP To: 400"),
    case("3.3.5", "bext01", BEXT01, Accepts, "well formed; the 420 is for the element (below)"),
    case("3.3.6", "invut", INVUT, Accepts, "an unknown Content-Type is well formed"),
    case("3.3.7", "regaut01", REGAUT01, Accepts, "an unknown Authorization scheme is well formed"),
    case("3.3.8", "multi01", MULTI01, Refuses(400), "two To, From, Call-ID, CSeq, Max-Forwards: 400"),
    case("3.3.9", "mcl01", MCL01, Refuses(400), "conflicting Content-Lengths: an error"),
    case("3.3.10", "bcast", BCAST, Response, "a well-formed response (whatever its Via says)"),
    case("3.3.11", "zeromf", ZEROMF, Accepts, "Max-Forwards: 0 is legal"),
    case("3.3.12", "cparam01", CPARAM01, Accepts, "a Contact header parameter is valid"),
    case("3.3.13", "cparam02", CPARAM02, Accepts, "a Contact URI parameter is valid"),
    case("3.3.14", "regescrt", REGESCRT, Accepts, "an escaped header in a Contact URI in <> is valid"),
    case("3.3.15", "sdp01", SDP01, Accepts, "an unacceptable Accept is well formed"),
    case("3.4.1", "inv2543", INV2543, Accepts, "RFC 2543 syntax is to be accepted"),
];

/// What the parser makes of `text`.
fn verdict(text: &str) -> Verdict {
    let refused = |e: SipError| Refuses(e.status_code().unwrap_or_else(|| panic!("{e:?} has no status code")));
    match sip::parse(text) {
        Ok(rsip::SipMessage::Request(req)) => sip::check_request(&req).map_or_else(refused, |()| Accepts),
        Ok(rsip::SipMessage::Response(resp)) => sip::cseq(&resp).map_or(Dropped, |_| Response),
        Err(_) if text.starts_with("SIP/") => Dropped,
        Err(e) => refused(e),
    }
}

#[test]
fn every_message_gets_its_verdict() {
    let mut wrong = Vec::new();
    for c in &CASES {
        let got = verdict(&wire(c.text));
        if got != c.verdict {
            wrong.push(format!("§{} {}: {got:?}, expected {:?} ({})", c.section, c.name, c.verdict, c.why));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn the_table_is_rfc_4475() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 49, "49 distinct messages");
    let in_section = |prefix: &str| CASES.iter().filter(|c| c.section.starts_with(prefix)).count();
    assert_eq!(
        (in_section("3.1.1."), in_section("3.1.2."), in_section("3.2."), in_section("3.3."), in_section("3.4.")),
        (13, 19, 1, 15, 1)
    );
}

/// Every refused request can be answered: from its parsed form, or, when
/// it did not parse, from its raw header lines.
#[test]
fn every_refusal_can_be_answered() {
    for c in CASES.iter().filter(|c| matches!(c.verdict, Refuses(_))) {
        let text = wire(c.text);
        if let Err(e) = sip::parse(&text) {
            let code = e.status_code().expect("a status code");
            let answer = sip::response_to_unparsed(&text, code, Some(&e.reason()), None, &[]);
            let answer = answer.unwrap_or_else(|| panic!("{}: no answer to {e}", c.name));
            assert!(answer.starts_with(&format!("SIP/2.0 {code} ")), "{}: {answer}", c.name);
            assert!(sip::parse(&answer).is_ok(), "{}: the answer parses: {answer}", c.name);
        }
    }
}

fn request(text: &str) -> rsip::Request {
    match sip::parse(&wire(text)) {
        Ok(rsip::SipMessage::Request(req)) => req,
        other => panic!("{other:?}"),
    }
}

/// What the valid messages hold, read right.
#[test]
fn valid_messages_read_right() {
    let req = request(WSINV);
    assert_eq!(sip::max_forwards(&req), Ok(Some(68)), "0068 is 68");
    assert_eq!(sip::cseq(&req), Ok((9, rsip::Method::Invite)));
    assert_eq!(sip::header_all(&req.headers, "Via").len(), 2, "two Via lines, the second a list of two");
    assert_eq!(sip::from_tag(&req).as_deref(), Some("98asjd8"));
    assert_eq!(sip::to_tag(&req).as_deref(), Some("1918181833n"));
    assert_eq!(sip::header(&req.headers, "Subject").as_deref(), Some(""));
    let contact = sip::parse_name_addr(&sip::header(&req.headers, "Contact").unwrap()).unwrap();
    assert_eq!(contact.display_name.as_deref(), Some("Quoted string \"\""));
    assert_eq!(contact.params.len(), 3);
    assert_eq!(req.body.len(), 150);

    let req = request(SEMIURI);
    assert_eq!(req.uri.user(), Some("user;par=u%40example.net"));
    assert_eq!(req.uri.host().to_string(), "example.com");
    assert_eq!(req.uri.to_string(), "sip:user;par=u%40example.net@example.com");

    let req = request(ESC01);
    assert_eq!(req.uri.user(), Some("sips%3Auser%40example.com"));
    assert_eq!(sip::to_aor(&req).unwrap(), "sip:%75se%72@example.com");

    let req = request(ESCNULL);
    assert_eq!(sip::header_all(&req.headers, "Contact").len(), 2, "two contacts");
    assert_eq!(sip::to_aor(&req).unwrap(), "sip:null-%00-null@example.com");

    let req = request(DBLREQ);
    assert!(req.body.is_empty(), "the INVITE after the REGISTER is noise");
    assert_eq!(sip::to_aor(&req).unwrap(), "sip:j.user@example.com");

    let req = request(LONGREQ);
    assert_eq!(sip::header_all(&req.headers, "Via").len(), 34);

    let req = request(MPART01);
    assert_eq!(req.body.len(), 553);
    assert!(req.body.ends_with(b"\r\n--7a9cbec02ceef655--\r\n"));
    assert!(req.body.contains(&0));

    let req = request(LWSDISP);
    let from = sip::parse_name_addr(&sip::header(&req.headers, "From").unwrap()).unwrap();
    assert_eq!(from.display_name.as_deref(), Some("caller"));

    assert_eq!(sip::max_forwards(&request(ZEROMF)), Ok(Some(0)));
    assert_eq!(request(INV2543).body.len(), 105, "no Content-Length: the body is the rest");
}

/// §3.3.5: both option-tag lists are unknown to an element that supports
/// no extension: a UAS lists Require's, a proxy Proxy-Require's.
#[test]
fn bext01_requires_what_nothing_supports() {
    let req = request(BEXT01);
    assert_eq!(sip::unsupported_options(&req.headers, "Require", &[]), ["nothingSupportsThis", "nothingSupportsThisEither"]);
    assert_eq!(
        sip::unsupported_options(&req.headers, "Proxy-Require", &["NoProxiesSupportThis"]),
        ["norDoAnyProxiesSupportThis"],
        "case-insensitive"
    );
    assert!(sip::unsupported_options(&request(WSINV).headers, "Require", &[]).is_empty());
}

/// The reason phrases say what was wrong.
#[test]
fn refusals_say_why() {
    let reason = |text: &str| {
        let text = wire(text);
        match sip::parse(&text) {
            Ok(rsip::SipMessage::Request(req)) => sip::check_request(&req).unwrap_err().reason(),
            Err(e) => e.reason(),
            Ok(other) => panic!("{other:?}"),
        }
    };
    assert_eq!(reason(MULTI01), "Bad Request (duplicate From)");
    assert_eq!(reason(BADVERS), "Version Not Supported (unsupported version `SIP/7.0`)");
    assert_eq!(reason(UNKSCM), "Unsupported URI Scheme (unsupported URI scheme `nobodyKnowsThisScheme`)");
    assert_eq!(reason(UNKSM2), "Bad Request (malformed header: To is not a SIP or SIPS URI)");
    assert_eq!(reason(INSUF), "Bad Request (missing `To` header)");
    assert_eq!(reason(INTMETH), "Method Not Allowed");
    assert!(reason(BADINV01).starts_with("Bad Request (malformed header: bad Via `"), "{}", reason(BADINV01));
    let long = reason(LTGTRURI);
    assert!(long.len() <= "Bad Request ()".len() + sip::REASON_DETAIL + "…".len(), "{long}");
    let with_nul = reason(&QUOTBAL.replace("Mr. J.", "Mr.\0J."));
    assert!(
        with_nul.starts_with("Bad Request (malformed header: bad address `\"Mr. J. User") && !with_nul.contains('\0'),
        "{with_nul}"
    );
}
