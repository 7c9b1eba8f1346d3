//! A SIP-over-WebSocket load generator (RFC 7118) that knows nothing of
//! Rollcall: it speaks plain SIP text with digest authentication (RFC 8760
//! MD5, qop=auth, a reused nonce with rising `nc`), so the same users and the
//! same load drive Rollcall and Kamailio alike. Used by the `relay` and
//! `users` benches.

// Each bench uses its own part of this module.
#![allow(dead_code)]

pub mod servers;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use md5::{Digest, Md5};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const DOMAIN: &str = "rollcall.local";

/// Every load user's password: `pw-` and the name (Kamailio's config
/// computes the same, so neither server needs a user table of the bench's).
pub fn password(user: &str) -> String {
    format!("pw-{user}")
}

/// The name of load user `i` (`load00007`).
pub fn user_name(i: usize) -> String {
    format!("load{i:05}")
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One SIP message as text, read just enough for a load generator.
pub struct Sip<'a> {
    pub first_line: &'a str,
    head: &'a str,
}

impl<'a> Sip<'a> {
    pub fn parse(text: &'a str) -> Option<Sip<'a>> {
        let head = text.split("\r\n\r\n").next()?;
        let (first_line, _) = head.split_once("\r\n")?;
        Some(Sip { first_line, head })
    }

    pub fn is_request(&self) -> bool {
        !self.first_line.starts_with("SIP/2.0 ")
    }

    pub fn status(&self) -> u16 {
        self.first_line.get(8..11).and_then(|c| c.parse().ok()).unwrap_or(0)
    }

    /// The first value of header `name` (or its compact form).
    pub fn header(&self, name: &str, compact: &str) -> Option<&'a str> {
        self.headers(name, compact).next()
    }

    pub fn headers<'s>(&'s self, name: &'s str, compact: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.head.split("\r\n").skip(1).filter_map(move |line| {
            let (n, v) = line.split_once(':')?;
            let n = n.trim();
            (n.eq_ignore_ascii_case(name) || (!compact.is_empty() && n.eq_ignore_ascii_case(compact))).then(|| v.trim())
        })
    }
}

fn hex_md5(parts: &[&str]) -> String {
    let mut h = Md5::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b":");
        }
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A digest challenge and the `nc` last used on its nonce.
#[derive(Clone, Default)]
struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    nc: u32,
}

impl Challenge {
    fn parse(value: &str) -> Option<Challenge> {
        let params = value.strip_prefix("Digest")?;
        let mut c = Challenge::default();
        for part in params.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else { continue };
            let v = v.trim().trim_matches('"').to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "realm" => c.realm = v,
                "nonce" => c.nonce = v,
                "opaque" => c.opaque = Some(v),
                _ => {}
            }
        }
        (!c.nonce.is_empty()).then_some(c)
    }

    /// The credentials for the next `nc` on this nonce.
    fn answer(&mut self, user: &str, method: &str, uri: &str) -> String {
        self.nc += 1;
        let nc = format!("{:08x}", self.nc);
        let cnonce = "b1ad3c0d";
        let ha1 = hex_md5(&[user, &self.realm, &password(user)]);
        let ha2 = hex_md5(&[method, uri]);
        let response = hex_md5(&[&ha1, &self.nonce, &nc, cnonce, "auth", &ha2]);
        let mut v = format!(
            "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc={nc}, cnonce=\"{cnonce}\"",
            self.realm, self.nonce
        );
        if let Some(o) = &self.opaque {
            v.push_str(&format!(", opaque=\"{o}\""));
        }
        v
    }
}

/// One registered SIP user on its own WebSocket.
pub struct Agent {
    pub user: String,
    sink: SplitSink<Ws, Message>,
    stream: SplitStream<Ws>,
    host: String,
    tag: String,
    cseq: u32,
    serial: u64,
    /// The proxy challenge (407) in use for MESSAGE, SUBSCRIBE, …
    proxy: Option<Challenge>,
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn unique() -> u64 {
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Agent {
    /// Connects (subprotocol `sip`) and registers `user`; panics when either fails.
    pub async fn register(url: &str, user: &str) -> Agent {
        let mut request = url.into_client_request().expect("url");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
        // Small buffers: the users bench holds ten thousand of these.
        let config = WebSocketConfig::default().read_buffer_size(8 * 1024).write_buffer_size(0);
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
            .await
            .unwrap_or_else(|e| panic!("{user} connects to {url}: {e}"));
        let (sink, stream) = ws.split();
        let n = unique();
        let mut agent = Agent {
            user: user.to_string(),
            sink,
            stream,
            host: format!("h{n:x}.invalid"),
            tag: format!("t{n:x}"),
            cseq: 0,
            serial: 0,
            proxy: None,
        };
        let call_id = agent.call_id();
        let uri = format!("sip:{DOMAIN}");
        let text = agent.register_text(&call_id, None);
        agent.send(text).await;
        let challenge = agent.response().await;
        let status = Sip::parse(&challenge).map(|s| s.status()).unwrap_or(0);
        assert_eq!(status, 401, "{user}: REGISTER is challenged, got {challenge}");
        let mut c = Sip::parse(&challenge)
            .and_then(|s| s.header("WWW-Authenticate", "").and_then(Challenge::parse))
            .expect("a digest challenge");
        let credentials = c.answer(user, "REGISTER", &uri);
        let text = agent.register_text(&call_id, Some(&credentials));
        agent.send(text).await;
        let ok = agent.response().await;
        assert_eq!(Sip::parse(&ok).map(|s| s.status()), Some(200), "{user}: REGISTER succeeds, got {ok}");
        agent
    }

    fn call_id(&mut self) -> String {
        self.serial += 1;
        format!("{}-{}@{}", self.tag, self.serial, self.host)
    }

    fn register_text(&mut self, call_id: &str, authorization: Option<&str>) -> String {
        self.cseq += 1;
        let (user, host, tag, cseq) = (&self.user, &self.host, &self.tag, self.cseq);
        let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        format!(
            "REGISTER sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WS {host};branch=z9hG4bK{tag}r{cseq}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@{DOMAIN}>;tag={tag}\r\nTo: <sip:{user}@{DOMAIN}>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n\
             Contact: <sip:{user}@{host};transport=ws>;expires=3600\r\nExpires: 3600\r\n{auth}Content-Length: 0\r\n\r\n"
        )
    }

    /// A MESSAGE to `to_user` with `body`, credentials from the proxy
    /// challenge held (if any); its Call-ID and the text.
    pub fn message(&mut self, to_user: &str, content_type: &str, body: &str) -> (String, String) {
        let call_id = self.call_id();
        let text = self.message_on(&call_id, to_user, content_type, body);
        (call_id, text)
    }

    /// The MESSAGE again on `call_id` (after a 407), with a new CSeq.
    pub fn message_on(&mut self, call_id: &str, to_user: &str, content_type: &str, body: &str) -> String {
        self.proxied("MESSAGE", call_id, to_user, &format!("Content-Type: {content_type}\r\n"), body)
    }

    /// A `method` request to `to_user` through the proxy, with a new CSeq,
    /// credentials from the proxy challenge held (if any), `extra` headers
    /// and `body`.
    fn proxied(&mut self, method: &str, call_id: &str, to_user: &str, extra: &str, body: &str) -> String {
        self.cseq += 1;
        let uri = format!("sip:{to_user}@{DOMAIN}");
        let auth = match &mut self.proxy {
            Some(c) => format!("Proxy-Authorization: {}\r\n", c.answer(&self.user, method, &uri)),
            None => String::new(),
        };
        let (user, host, tag, cseq) = (&self.user, &self.host, &self.tag, self.cseq);
        format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/WS {host};branch=z9hG4bK{tag}c{cseq}\r\nMax-Forwards: 70\r\n\
             From: <sip:{user}@{DOMAIN}>;tag={tag}\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n\
             {extra}{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    /// Subscribes to `to_user`'s presence (RFC 3856), answering the 407 and
    /// any NOTIFY that arrives meanwhile; the final status code.
    pub async fn subscribe(&mut self, to_user: &str) -> u16 {
        let call_id = self.call_id();
        for _ in 0..3 {
            let text = self.subscribe_text(&call_id, to_user);
            self.send(text).await;
            loop {
                let text = self.next_text().await;
                let Some(sip) = Sip::parse(&text) else { continue };
                if sip.is_request() {
                    let ok = ok_for(&sip, &self.tag);
                    self.send(ok).await;
                    continue;
                }
                if sip.header("Call-ID", "i") != Some(call_id.as_str()) || sip.status() < 200 {
                    continue;
                }
                if sip.status() == 407 && self.take_challenge(&sip) {
                    break;
                }
                return sip.status();
            }
        }
        407
    }

    fn subscribe_text(&mut self, call_id: &str, to_user: &str) -> String {
        let host = self.host.clone();
        let extra = format!(
            "Contact: <sip:{}@{host};transport=ws>\r\nEvent: presence\r\nAccept: application/pidf+xml\r\nExpires: 3600\r\n",
            self.user
        );
        self.proxied("SUBSCRIBE", call_id, to_user, &extra, "")
    }

    /// Takes the proxy challenge of a 407 for the requests that follow.
    pub fn take_challenge(&mut self, response: &Sip) -> bool {
        match response.header("Proxy-Authenticate", "").and_then(Challenge::parse) {
            Some(c) => {
                self.proxy = Some(c);
                true
            }
            None => false,
        }
    }

    pub async fn send(&mut self, text: String) {
        self.sink.send(Message::text(text)).await.expect("the server takes the frame");
    }

    /// The next text frame; panics when the connection ends.
    pub async fn next_text(&mut self) -> String {
        loop {
            match self.stream.next().await {
                Some(Ok(Message::Text(t))) => return t.to_string(),
                Some(Ok(Message::Close(c))) => panic!("{}: closed by the server: {c:?}", self.user),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("{}: {e}", self.user),
                None => panic!("{}: connection ended", self.user),
            }
        }
    }

    async fn response(&mut self) -> String {
        loop {
            let text = self.next_text().await;
            if Sip::parse(&text).is_some_and(|s| !s.is_request()) {
                return text;
            }
        }
    }

    /// Answers every request that arrives with 200 until the connection
    /// ends; returns how many it answered.
    pub async fn answer_all(mut self) -> u64 {
        let mut answered = 0;
        while let Some(Ok(frame)) = self.stream.next().await {
            let Message::Text(text) = frame else { continue };
            let Some(req) = Sip::parse(&text) else { continue };
            if !req.is_request() {
                continue;
            }
            let ok = ok_for(&req, &self.tag);
            if self.sink.send(Message::text(ok)).await.is_err() {
                break;
            }
            answered += 1;
        }
        answered
    }

    /// Closes the WebSocket.
    pub async fn close(mut self) {
        let _ = self.sink.close().await;
    }
}

/// A 200 OK for `req`: its Via, From, Call-ID and CSeq; To with our tag.
pub fn ok_for(req: &Sip, tag: &str) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("SIP/2.0 200 OK\r\n");
    for via in req.headers("Via", "v") {
        out.push_str("Via: ");
        out.push_str(via);
        out.push_str("\r\n");
    }
    for (name, compact) in [("From", "f"), ("Call-ID", "i"), ("CSeq", "")] {
        if let Some(v) = req.header(name, compact) {
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    if let Some(to) = req.header("To", "t") {
        if to.contains(";tag=") {
            out.push_str(&format!("To: {to}\r\n"));
        } else {
            out.push_str(&format!("To: {to};tag={tag}\r\n"));
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

/// What one sender saw.
#[derive(Default)]
pub struct SenderStats {
    pub latencies: Vec<Duration>,
    pub rechallenged: u64,
    pub failed: u64,
}

/// Sends MESSAGEs to `to_user` with `in_flight` outstanding at a time until
/// `until`, then waits (at most `drain`) for the ones still out. A 407 takes
/// the new challenge and sends the same MESSAGE again; its latency runs
/// from the first send to the final response.
pub async fn send_closed_loop(
    agent: &mut Agent,
    to_user: &str,
    in_flight: usize,
    until: Instant,
    drain: Duration,
    body: &str,
) -> SenderStats {
    let mut stats = SenderStats::default();
    // Call-ID → (first sent, sends that carried credentials).
    let mut out: HashMap<String, (Instant, u32)> = HashMap::new();
    for _ in 0..in_flight {
        let (call_id, text) = agent.message(to_user, "text/plain", body);
        out.insert(call_id, (Instant::now(), u32::from(agent.proxy.is_some())));
        agent.send(text).await;
    }
    let deadline = until + drain;
    while !out.is_empty() {
        let Ok(text) = tokio::time::timeout_at(deadline.into(), agent.next_text()).await else {
            stats.failed += out.len() as u64;
            break;
        };
        let Some(resp) = Sip::parse(&text) else { continue };
        if resp.is_request() {
            continue;
        }
        let Some(call_id) = resp.header("Call-ID", "i").map(str::to_string) else { continue };
        let Some(&(started, tries)) = out.get(&call_id) else { continue };
        match resp.status() {
            100..=199 => continue,
            // A request that carried credentials and is challenged again is
            // counted; each is sent again on the new challenge (a few times).
            407 if tries < 3 && agent.take_challenge(&resp) => {
                stats.rechallenged += u64::from(tries > 0);
                let text = agent.message_on(&call_id, to_user, "text/plain", body);
                out.insert(call_id, (started, tries + 1));
                agent.send(text).await;
                continue;
            }
            200..=299 => stats.latencies.push(started.elapsed()),
            code => {
                stats.failed += 1;
                if std::env::var_os("LOAD_DEBUG").is_some() {
                    eprintln!("{}: {code}: {text}", agent.user);
                }
            }
        }
        out.remove(&call_id);
        if Instant::now() < until {
            let (call_id, text) = agent.message(to_user, "text/plain", body);
            out.insert(call_id, (Instant::now(), u32::from(agent.proxy.is_some())));
            agent.send(text).await;
        }
    }
    stats
}

/// The environment variable `name` read as a `T`, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The middle value (the upper of the two middle ones).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// How the relay benches run, from the environment: RELAY_PAIRS (20),
/// RELAY_SECONDS (4 per run), RELAY_ROUNDS (2), RELAY_IN_FLIGHT ("1,4").
pub struct RelayKnobs {
    pub pairs: usize,
    pub seconds: f64,
    pub rounds: usize,
    pub in_flights: Vec<usize>,
}

impl RelayKnobs {
    pub fn from_env() -> RelayKnobs {
        RelayKnobs {
            pairs: env_or("RELAY_PAIRS", 20),
            seconds: env_or("RELAY_SECONDS", 4.0),
            rounds: env_or("RELAY_ROUNDS", 2),
            in_flights: std::env::var("RELAY_IN_FLIGHT")
                .unwrap_or_else(|_| "1,4".into())
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect(),
        }
    }
}

/// What one relay run measured.
pub struct Run {
    pub rate: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub rechallenged: u64,
    pub failed: u64,
    /// CPU time per relayed MESSAGE, µs: the server's, the load generator's.
    pub server_us: f64,
    pub generator_us: f64,
}

/// One run: `pairs` senders (users 0..pairs, connected to `send_url`) each
/// to its receiver (users pairs..2·pairs, connected to `receive_url`),
/// `in_flight` MESSAGEs outstanding per sender; the CPU time is that of
/// `servers` together.
pub async fn relay_run(
    servers: &[&servers::Server],
    send_url: &str,
    receive_url: &str,
    pairs: usize,
    in_flight: usize,
    seconds: f64,
) -> Run {
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for i in 0..pairs {
        senders.push(Agent::register(send_url, &user_name(i)).await);
        receivers.push(Agent::register(receive_url, &user_name(pairs + i)).await);
    }
    let answering: Vec<_> = receivers.into_iter().map(|r| tokio::spawn(r.answer_all())).collect();
    let cpu = || servers.iter().map(|s| s.cpu_seconds()).sum::<f64>();
    let (server_cpu, generator_cpu) = (cpu(), servers::own_cpu_seconds());
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, mut agent)| {
            let to = user_name(pairs + i);
            tokio::spawn(async move {
                let stats =
                    send_closed_loop(&mut agent, &to, in_flight, until, Duration::from_secs(5), "hello from the load generator")
                        .await;
                agent.close().await;
                stats
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let (mut rechallenged, mut failed) = (0, 0);
    for t in tasks {
        let s = t.await.expect("sender");
        latencies.extend(s.latencies);
        rechallenged += s.rechallenged;
        failed += s.failed;
    }
    let elapsed = start.elapsed();
    let per_message = |cpu: f64| cpu * 1e6 / latencies.len().max(1) as f64;
    let (server_us, generator_us) = (per_message(cpu() - server_cpu), per_message(servers::own_cpu_seconds() - generator_cpu));
    for a in answering {
        a.abort();
    }
    latencies.sort();
    Run {
        server_us,
        generator_us,
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        rechallenged,
        failed,
    }
}

/// The sorted samples' value at `p` (0–100).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[i]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
