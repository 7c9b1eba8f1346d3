//! RFC 4475's 49 torture messages sent to the IM server, in the RFC's
//! order, over one WebSocket, as a stranger (no credentials): each gets the
//! answer it deserves from a registrar and MESSAGE/SUBSCRIBE proxy that
//! handles REGISTER, MESSAGE, SUBSCRIBE and OPTIONS (docs/protocol.md §1),
//! or none at all, and the connection stays open throughout.
//!
//! The messages are the RFC's (shared/tests/rfc4475/messages.rs, also read
//! by the parser's own table test), sent as they are: no Request-URI needed
//! rewriting, since a stranger's REGISTER is challenged (401), its MESSAGE
//! challenged (407) and OPTIONS answered (200) whatever they are addressed
//! to. The one adaptation, in mpart01's binary body part, is explained
//! there.

mod common;
#[path = "../../shared/tests/rfc4475/messages.rs"]
mod messages;

use common::{Client, TestServer};
use messages::*;

/// What the server sends back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A response with this status code.
    Code(u16),
    /// Nothing (the message is a response, or no response can be formed).
    Nothing,
}
use Answer::*;

/// One RFC 4475 message: its section, the RFC's short name, the text, the
/// answer it gets and why.
struct Case {
    section: &'static str,
    name: &'static str,
    text: &'static str,
    answer: Answer,
    why: &'static str,
}

const fn case(section: &'static str, name: &'static str, text: &'static str, answer: Answer, why: &'static str) -> Case {
    Case { section, name, text, answer, why }
}

#[rustfmt::skip]
const CASES: [Case; 49] = [
    // §3.1.1: valid messages parse, and get what their method deserves.
    case("3.1.1.1", "wsinv", WSINV, Code(405), "valid (Max-Forwards 0068 is 68); INVITE is not in Allow (RFC 3261 §8.2.1)"),
    case("3.1.1.2", "intmeth", INTMETH, Code(405), "valid, unknown method: §8.2.1 says 501, Rollcall answers every method outside Allow 405 (protocol.md §1)"),
    case("3.1.1.3", "esc01", ESC01, Code(405), "valid escapes; INVITE is not in Allow"),
    case("3.1.1.4", "escnull", ESCNULL, Code(401), "valid; a stranger's REGISTER is challenged (RFC 3261 §10.3 step 3)"),
    case("3.1.1.5", "esc02", ESC02, Code(405), "RE%47IST%45R is an unknown method, not REGISTER (405 as intmeth)"),
    case("3.1.1.6", "lwsdisp", LWSDISP, Code(200), "no LWS before < is accepted; OPTIONS needs no credentials"),
    case("3.1.1.7", "longreq", LONGREQ, Code(405), "long values and 34 Vias are valid; INVITE is not in Allow"),
    case("3.1.1.8", "dblreq", DBLREQ, Code(401), "the REGISTER is challenged, the INVITE after its body ignored (RFC 3261 §18.3)"),
    case("3.1.1.9", "semiuri", SEMIURI, Code(200), "`;` in the Request-URI's user part is valid; OPTIONS: 200"),
    case("3.1.1.10", "transports", TRANSPORTS, Code(200), "unknown transports in Via are valid; OPTIONS: 200"),
    case("3.1.1.11", "mpart01", MPART01, Code(407), "a binary multipart body framed by Content-Length; a stranger's MESSAGE: 407"),
    case("3.1.1.12", "unreason", UNREASON, Nothing, "a response (UTF-8 reason phrase) matching no transaction: dropped, never answered"),
    case("3.1.1.13", "noreason", NOREASON, Nothing, "a response (empty reason phrase): dropped, never answered"),
    // §3.1.2: invalid messages get 400, or the specific code the RFCs name.
    case("3.1.2.1", "badinv01", BADINV01, Code(400), "empty Via and Contact parameters: 400 (RFC 4475)"),
    case("3.1.2.2", "clerr", CLERR, Code(400), "Content-Length beyond the message: 400 on a message-framed transport (a WebSocket frame is one message, RFC 7118)"),
    case("3.1.2.3", "ncl", NCL, Code(400), "negative Content-Length: an error; the frame, not the connection, is lost"),
    case("3.1.2.4", "scalar02", SCALAR02, Code(400), "CSeq beyond 2**32-1: 400 (RFC 4475)"),
    case("3.1.2.5", "scalarlg", SCALARLG, Nothing, "a response with overlarge values: discarded (RFC 4475)"),
    case("3.1.2.6", "quotbal", QUOTBAL, Code(400), "unterminated quoted string in To: 400 (RFC 4475)"),
    case("3.1.2.7", "ltgtruri", LTGTRURI, Code(400), "<> around the Request-URI: 400 (RFC 4475: reasonable always)"),
    case("3.1.2.8", "lwsruri", LWSRURI, Code(400), "LWS inside the Request-URI: 400 (RFC 4475)"),
    case("3.1.2.9", "lwsstart", LWSSTART, Code(400), "several SP between request-line elements: acceptable to reject (RFC 4475)"),
    case("3.1.2.10", "trws", TRWS, Code(400), "SP after SIP/2.0: acceptable to reject (RFC 4475)"),
    case("3.1.2.11", "escruri", ESCRURI, Code(400), "headers in the Request-URI: 400 acceptable (RFC 4475; RFC 3261 §19.1.1)"),
    case("3.1.2.12", "baddate", BADDATE, Code(405), "Date is not used here, so not checked (RFC 4475: reject only if it matters); INVITE: 405"),
    case("3.1.2.13", "regbadct", REGBADCT, Code(400), "Contact addr-spec with `?` outside <>: 400 (RFC 4475), before the challenge"),
    case("3.1.2.14", "badaspec", BADASPEC, Code(400), "spaces inside <> in To: 400 (RFC 4475)"),
    case("3.1.2.15", "baddn", BADDN, Code(400), "unquoted non-token display names: 400 (RFC 4475)"),
    case("3.1.2.16", "badvers", BADVERS, Code(505), "SIP/7.0: 505 Version Not Supported (RFC 4475)"),
    case("3.1.2.17", "mismatch01", MISMATCH01, Code(400), "CSeq method INVITE on an OPTIONS: 400 (RFC 4475)"),
    case("3.1.2.18", "mismatch02", MISMATCH02, Code(400), "unknown method, CSeq of another: 400 is acceptable (RFC 4475)"),
    case("3.1.2.19", "bigcode", BIGCODE, Nothing, "a response code beyond 699: dropped (RFC 4475)"),
    // §3.2: transaction layer.
    case("3.2.1", "badbranch", BADBRANCH, Code(200), "a bare z9hG4bK branch: OPTIONS is answered statelessly, so either answer is allowed"),
    // §3.3: application layer.
    case("3.3.1", "insuf", INSUF, Code(400), "no Call-ID, From, To: 400 (RFC 4475)"),
    case("3.3.2", "unkscm", UNKSCM, Code(416), "unknown Request-URI scheme: 416 (RFC 3261 §8.2.2.1)"),
    case("3.3.3", "novelsc", NOVELSC, Code(416), "soap.beep: is never accepted in a Request-URI here, so 416 (RFC 4475)"),
    case("3.3.4", "unksm2", UNKSM2, Code(400), "a registrar needs a SIP or SIPS To: 400 (RFC 4475), before the challenge"),
    case("3.3.5", "bext01", BEXT01, Code(420), "unknown Require options: 420 with Unsupported (RFC 3261 §8.2.2.3); OPTIONS is answered as a UAS"),
    case("3.3.6", "invut", INVUT, Code(405), "the method is inspected before the body (RFC 3261 §8.2.1, §8.2.3): 405, not 415"),
    case("3.3.7", "regaut01", REGAUT01, Code(401), "an unknown Authorization scheme: challenged anew (RFC 4475)"),
    case("3.3.8", "multi01", MULTI01, Code(400), "two To, From, Call-ID, CSeq, Max-Forwards: 400 (RFC 4475)"),
    case("3.3.9", "mcl01", MCL01, Code(400), "conflicting Content-Lengths: an error; the frame, not the connection, is lost"),
    case("3.3.10", "bcast", BCAST, Nothing, "a response matching no transaction: dropped, never sent to 255.255.255.255"),
    case("3.3.11", "zeromf", ZEROMF, Code(200), "OPTIONS is answered here, never forwarded: Max-Forwards 0 is for the element that answers (RFC 4475)"),
    case("3.3.12", "cparam01", CPARAM01, Code(401), "valid REGISTER; a stranger's is challenged"),
    case("3.3.13", "cparam02", CPARAM02, Code(401), "valid REGISTER; a stranger's is challenged"),
    case("3.3.14", "regescrt", REGESCRT, Code(401), "valid REGISTER (escaped header in a Contact in <>); challenged"),
    case("3.3.15", "sdp01", SDP01, Code(405), "the method is inspected first (§8.2.1); a 405 has no body, so Accept is met"),
    // §3.4: backward compatibility.
    case("3.4.1", "inv2543", INV2543, Code(405), "RFC 2543 syntax is accepted (RFC 4475); INVITE is not in Allow"),
];

/// The status code of a response's text.
fn status(text: &str) -> Option<u16> {
    text.strip_prefix("SIP/2.0 ")?.split(' ').next()?.parse().ok()
}

/// The first value of header `name` (or its compact form `compact`) in a
/// message's raw text, without unfolding; names compared ignoring case.
fn raw_header<'a>(text: &'a str, name: &str, compact: &str) -> Option<&'a str> {
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        let n = n.trim();
        (n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(compact)).then(|| v.trim())
    })
}

/// Whitespace-separated words: values compared across folding.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// Sends an OPTIONS of our own and expects its `200` as the very next
/// frame: nothing else was sent meanwhile, and the connection serves.
async fn probe(client: &mut Client, n: usize) {
    let call_id = format!("probe-{n}");
    client
        .send_raw(&format!(
            "OPTIONS sip:rollcall.local SIP/2.0\r\nVia: SIP/2.0/WS probe.invalid;branch=z9hG4bKprobe{n}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:probe@rollcall.local>;tag=p{n}\r\nTo: <sip:rollcall.local>\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ))
        .await;
    let answer = client.recv_text().await;
    assert_eq!(status(&answer), Some(200), "the probe's answer comes next:\n{answer}");
    assert_eq!(raw_header(&answer, "Call-ID", "i"), Some(call_id.as_str()), "and nothing before it:\n{answer}");
}

#[tokio::test]
async fn every_rfc_4475_message_gets_its_answer_on_one_connection() {
    let server = TestServer::start_with(|o| {
        // 49 messages and the probes in a burst, all from 127.0.0.1.
        o.edge.connection_limits.unauthenticated_per_second = 1e6;
        o.edge.connection_limits.unauthenticated_burst = 1e6;
    })
    .await;
    let mut client = server.client("stranger").await;
    let mut wrong = Vec::new();
    for (n, c) in CASES.iter().enumerate() {
        let text = wire(c.text);
        client.send_raw(&text).await;
        let got = match c.answer {
            Nothing => {
                probe(&mut client, n).await;
                Nothing
            }
            Code(_) => {
                let answer = client.recv_text().await;
                // It answers this message: the same Call-ID, or (insuf has
                // none) the same CSeq.
                match raw_header(&text, "Call-ID", "i") {
                    Some(call_id) => assert_eq!(raw_header(&answer, "Call-ID", "i"), Some(call_id), "{}:\n{answer}", c.name),
                    None => {
                        assert_eq!(raw_header(&answer, "CSeq", "CSeq").map(words), raw_header(&text, "CSeq", "CSeq").map(words))
                    }
                }
                let code = status(&answer).unwrap_or_else(|| panic!("{}: not a response:\n{answer}", c.name));
                if let Err(problem) = check_headers(code, &answer) {
                    wrong.push(format!("§{} {}: {problem}:\n{answer}", c.section, c.name));
                }
                Code(code)
            }
        };
        println!("§{:<8} {:<10} {:?} — {}", c.section, c.name, got, c.why);
        if got != c.answer {
            wrong.push(format!("§{} {}: {got:?}, expected {:?} ({})", c.section, c.name, c.answer, c.why));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    // Still open, and still serving.
    probe(&mut client, CASES.len()).await;
}

/// What an answer with status `code` carries besides its code: a 400
/// says why, a 401/407 challenges, a 405 lists `Allow`, bext01's 420 lists
/// the `Require` options in `Unsupported`.
fn check_headers(code: u16, answer: &str) -> Result<(), &'static str> {
    let header = |name| raw_header(answer, name, name);
    let ok = match code {
        400 => answer.starts_with("SIP/2.0 400 Bad Request ("),
        401 => header("WWW-Authenticate").is_some(),
        405 => header("Allow") == Some("REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS"),
        407 => header("Proxy-Authenticate").is_some(),
        420 => header("Unsupported") == Some("nothingSupportsThis, nothingSupportsThisEither"),
        _ => true,
    };
    ok.then_some(()).ok_or("not the headers its code needs")
}
