//! A SIP-over-WebSocket test client and a whole Rollcall started on
//! loopback ports, for black-box tests over real sockets.
//!
//! The client registers, sends MESSAGEs, takes the gateway's replies and
//! follows conferences (RFC 4575) through the one SIP user agent
//! (`rollcall_shared::ua`), as the browser and the gateway do; beside it,
//! it can put requests on the wire as they are (a wrong password, a chosen
//! `nc`, an unregistered sender, a SUBSCRIBE with odd headers) for the
//! tests of how the server treats them.
#![allow(dead_code)]

pub mod audio;
pub mod baresip;
pub mod flow;
pub mod kamailio;
pub mod nats;
pub mod panel;
pub mod phone;
pub mod postgres;
pub mod program;
pub mod sip_phones;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rollcall::bridge::SimDelays;
use rollcall::conference::ConferenceConfig;
use rollcall::serve::{self, Running, ServeOptions};
use rollcall_shared::digest::Challenge;
use rollcall_shared::sip::{self, rsip, RequestBuilder};
use rollcall_shared::soap::conference::{Reply, Request};
use rollcall_shared::soap::CONTENT_TYPE;
use rollcall_shared::ua::auth::{self, Authenticator, Kind};
use rollcall_shared::ua::{self, Config, Event, Output, UserAgent};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const DOMAIN: &str = "rollcall.local";
pub const GATEWAY: &str = "sip:conference@rollcall.local";
/// How long a test waits for anything before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A standalone conference service on the simulator at test speed, with
/// the token `t0ken`, reporting to `reporting_url` signed with `key` (the
/// parts-one-by-one tests).
pub fn standalone_conference_service(
    reporting_url: String,
    key: &[u8],
) -> std::sync::Arc<rollcall::conference::ConferenceService> {
    rollcall::conference::ConferenceService::with_simulator(
        ConferenceConfig {
            token: "t0ken".into(),
            reporting_url,
            signing_key: key.to_vec(),
            max_participants: 4,
            max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
            inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
            confirm_timeout: ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
            call_records: None,
            accounts: None,
        },
        SimDelays::fast(),
    )
    .expect("service")
}

pub struct TestServer {
    pub running: Running,
    /// The SQLite file (in a temporary directory).
    pub db: String,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Every part on 127.0.0.1 ports, users alice/bob/carol with password
    /// `<name>-pw`, the telephone network at test speed.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Like [`TestServer::start`], with `adjust` changing the options first
    /// (a participant limit, a short inactivity timeout, …).
    pub async fn start_with(adjust: impl FnOnce(&mut ServeOptions)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut options = ServeOptions {
            http: "127.0.0.1:0".parse().expect("addr"),
            db: dir.path().join("test.db").to_string_lossy().into_owned(),
            domain: DOMAIN.into(),
            static_dir: dir.path().join("no-dist"),
            delays: SimDelays::fast(),
            sip_bridge: None,
            max_participants: 8,
            max_live_per_owner: ConferenceConfig::DEFAULT_MAX_LIVE_PER_OWNER,
            gateway_limits: Default::default(),
            inactivity_timeout: ConferenceConfig::DEFAULT_INACTIVITY_TIMEOUT,
            confirm_timeout: ConferenceConfig::DEFAULT_CONFIRM_TIMEOUT,
            demo_users: ["alice", "bob", "carol"].iter().map(|u| (u.to_string(), format!("{u}-pw"))).collect(),
            edge: Default::default(),
            // The tests hold numbers made up for each test.
            panel_any_number: true,
            log_retention: rollcall::store::Retention::DEFAULT,
            signup: false,
            metrics: None,
            cluster: None,
            gateway_password: None,
        };
        adjust(&mut options);
        let db = options.db.clone();
        let running = serve::start(options).await.expect("rollcall starts");
        assert!(running.gateway.delivery.wait_registered(PATIENCE).await, "the gateway registers");
        TestServer { running, db, _dir: dir }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/sip", self.running.http)
    }

    pub async fn client(&self, user: &str) -> Client {
        Client::connect(&self.ws_url(), user).await
    }
}

/// A dialog from the client's side, as a 2xx to its request set it up.
#[derive(Debug, Clone)]
pub struct Dialog {
    pub call_id: String,
    /// Our From tag.
    pub local_tag: String,
    /// The remote AOR (our To) and its tag.
    pub remote: String,
    pub remote_tag: String,
    /// The remote target: the URI in the 2xx's `Contact`.
    pub target: String,
}

impl Dialog {
    /// The dialog a 2xx response to this client's request established.
    pub fn of(ok: &rsip::Response) -> Dialog {
        let contact = sip::header(&ok.headers, "Contact").expect("the 2xx has a Contact");
        Dialog {
            call_id: sip::call_id(ok).expect("Call-ID"),
            local_tag: sip::from_tag(ok).expect("From tag"),
            remote: sip::to_aor(ok).expect("To"),
            remote_tag: sip::to_tag(ok).expect("To tag"),
            target: sip::parse_name_addr(&contact).expect("Contact parses").uri,
        }
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Client {
    ws: Ws,
    pub user: String,
    pub aor: String,
    contact: String,
    cseq: u32,
    /// Answers the IM server's 407s the way every user agent of ours does
    /// (`rollcall_shared::ua::auth`: the nonce kept, `nc` counting up);
    /// `None` until the first 407.
    proxy_auth: Option<Authenticator>,
    /// Requests that arrived while waiting for a response, in order, as
    /// they came.
    early: VecDeque<String>,
    /// The one user agent, for what a user agent does: REGISTER, MESSAGE
    /// (answering the proxy's challenges) and taking MESSAGEs.
    ua: UserAgent,
    next_message: u64,
    started: Instant,
    /// Conference documents the user agent reported
    /// ([`Event::ConferenceInfo`]), not yet taken by
    /// [`Client::next_conference_info`].
    conference_infos: VecDeque<ConferenceNotice>,
}

/// One NOTIFY of a followed conference as the user agent reported it: the
/// raw document, and why the subscription ended, if it did.
#[derive(Debug, Clone)]
pub struct ConferenceNotice {
    pub uri: String,
    pub body: String,
    pub terminated: Option<String>,
}

impl Client {
    pub async fn connect(url: &str, user: &str) -> Client {
        let mut request = url.into_client_request().expect("url");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
        // wss:// trusts what the test trusted (rollcall::edge::tls::trust_pem).
        let connector = tokio_tungstenite::Connector::Rustls(rollcall::edge::tls::client_config().expect("TLS roots"));
        let (ws, response) =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector)).await.expect("connects");
        assert_eq!(response.headers().get("sec-websocket-protocol").map(|v| v.as_bytes()), Some(&b"sip"[..]));
        Client::over(ws, user)
    }

    /// Like [`Client::connect`] (plain `ws://` only), from another loopback
    /// address (`127.0.0.2`, …): a second "host" for per-address limits.
    pub async fn connect_from(url: &str, user: &str, local: std::net::Ipv4Addr) -> Client {
        let mut request = url.into_client_request().expect("url");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
        let authority = request.uri().authority().expect("host:port").as_str().to_string();
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind((local, 0).into()).expect("binds the local address");
        let stream = socket.connect(authority.parse().expect("ip:port")).await.expect("connects");
        let (ws, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await.expect("upgrades");
        Client::over(ws, user)
    }

    fn over(ws: Ws, user: &str) -> Client {
        let config = Config {
            user: user.into(),
            domain: DOMAIN.into(),
            transport: sip::Transport::Ws,
            local: None,
            require_asserted: false,
        };
        Client {
            ws,
            user: user.to_string(),
            aor: format!("sip:{user}@{DOMAIN}"),
            contact: format!("<sip:{user}@{}.invalid;transport=ws>", rollcall_shared::random::random_hex(4)),
            cseq: 0,
            proxy_auth: None,
            early: VecDeque::new(),
            ua: UserAgent::new(config, format!("{user}-pw")),
            next_message: 0,
            started: Instant::now(),
            conference_infos: VecDeque::new(),
        }
    }

    /// Sends one WebSocket frame as it is (binary, ping, …).
    pub async fn send_frame(&mut self, frame: Message) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.ws.send(frame).await
    }

    /// Reads until the server closes the connection: the close code it
    /// gave, or `None` when the connection ended without a close frame.
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(PATIENCE, self.ws.next()).await.expect("closed in time") {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// The next WebSocket frame, whatever it is (pings are answered by
    /// tungstenite as it reads).
    pub async fn next_frame(&mut self) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
        self.ws.next().await
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws.send(Message::Text(text.to_string().into())).await.expect("sends");
    }

    /// The next SIP message, whatever it is.
    pub async fn recv(&mut self) -> rsip::SipMessage {
        let text = self.recv_text().await;
        sip::parse(&text).unwrap_or_else(|e| panic!("server sent unparseable SIP ({e}):\n{text}"))
    }

    pub async fn recv_text(&mut self) -> String {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.ws.next()).await.expect("a message in time");
            match frame.expect("connection open").expect("frame") {
                Message::Text(t) => return t.to_string(),
                Message::Close(_) => panic!("connection closed"),
                _ => continue,
            }
        }
    }

    /// The next response; requests arriving meanwhile are kept, in order,
    /// for [`Client::next_request`].
    pub async fn recv_response(&mut self) -> rsip::Response {
        loop {
            let text = self.recv_text().await;
            match sip::parse(&text).unwrap_or_else(|e| panic!("server sent unparseable SIP ({e}):\n{text}")) {
                rsip::SipMessage::Response(r) => return r,
                rsip::SipMessage::Request(_) => self.early.push_back(text),
            }
        }
    }

    /// The next request as it came, kept or new; responses on the way are
    /// ignored.
    async fn next_request_text(&mut self) -> String {
        if let Some(text) = self.early.pop_front() {
            return text;
        }
        loop {
            let text = self.recv_text().await;
            if !text.starts_with("SIP/2.0 ") {
                return text;
            }
        }
    }

    /// The next request, kept or new; responses on the way are ignored.
    pub async fn next_request(&mut self) -> rsip::Request {
        let text = self.next_request_text().await;
        match sip::parse(&text).unwrap_or_else(|e| panic!("server sent unparseable SIP ({e}):\n{text}")) {
            rsip::SipMessage::Request(req) => req,
            rsip::SipMessage::Response(_) => unreachable!("a request"),
        }
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Carries out the user agent's outputs; the events among them.
    async fn run(&mut self, outputs: Vec<Output>) -> Vec<Event> {
        let mut events = Vec::new();
        for output in outputs {
            match output {
                Output::Send(text) => self.send_raw(&text).await,
                Output::Event(event) => events.push(event),
                Output::Reconnect => panic!("the user agent gave up on the connection"),
            }
        }
        events
    }

    /// Feeds the user agent what arrives (requests kept for
    /// [`Client::next_request`] go past it) until it reports what `done`
    /// picks; that, and the last response it was given.
    async fn until(&mut self, done: impl Fn(&Event) -> bool) -> (Event, Option<rsip::Response>) {
        loop {
            let text = self.recv_text().await;
            if !text.starts_with("SIP/2.0 ") {
                self.early.push_back(text);
                continue;
            }
            let response = match sip::parse(&text) {
                Ok(rsip::SipMessage::Response(r)) => Some(r),
                _ => None,
            };
            let outputs = self.ua.received(&text, self.now());
            if let Some(event) = self.run(outputs).await.into_iter().find(|e| done(e)) {
                return (event, response);
            }
        }
    }

    /// Follows conference `uri` through the user agent (RFC 4575; the
    /// client must be registered for the SUBSCRIBE to go out).
    pub async fn follow_conference(&mut self, uri: &str) {
        let outputs = self.ua.follow_conference(uri, self.now());
        let events = self.run(outputs).await;
        self.keep_conference_infos(events);
    }

    /// Stops following conference `uri` (the user agent sends `Expires: 0`).
    pub async fn unfollow_conference(&mut self, uri: &str) {
        let outputs = self.ua.unfollow_conference(uri, self.now());
        let events = self.run(outputs).await;
        self.keep_conference_infos(events);
    }

    /// The next conference document the user agent reports: everything
    /// that arrives meanwhile (the NOTIFYs, the 407 and 200 of the
    /// SUBSCRIBE, MESSAGEs forked to this registration too) goes through
    /// the user agent, which answers it.
    pub async fn next_conference_info(&mut self) -> ConferenceNotice {
        loop {
            if let Some(notice) = self.conference_infos.pop_front() {
                return notice;
            }
            let text = match self.early.pop_front() {
                Some(text) => text,
                None => self.recv_text().await,
            };
            let outputs = self.ua.received(&text, self.now());
            let events = self.run(outputs).await;
            self.keep_conference_infos(events);
        }
    }

    fn keep_conference_infos(&mut self, events: Vec<Event>) {
        for event in events {
            if let Event::ConferenceInfo { uri, body, terminated } = event {
                self.conference_infos.push_back(ConferenceNotice { uri, body, terminated });
            }
        }
    }

    pub async fn answer(&mut self, req: &rsip::Request, code: u16) {
        let resp = sip::response(req, code, None, Some(&sip::new_tag()));
        self.send_raw(&resp.to_string()).await;
    }

    fn request(&mut self, method: rsip::Method, uri: &str, to: &str, call_id: &str) -> RequestBuilder {
        self.cseq += 1;
        RequestBuilder::new(method, uri)
            .via("client.invalid", &sip::new_branch())
            .from(&self.aor, None, &sip::new_tag())
            .to(to, None)
            .call_id(call_id)
            .cseq(self.cseq)
    }

    /// REGISTER, answering the challenge with `password`; the final code.
    pub async fn register_with(&mut self, password: &str, expires: u32) -> rsip::Response {
        let uri = format!("sip:{DOMAIN}");
        let call_id = sip::new_call_id();
        let aor = self.aor.clone();
        let contact = self.contact.clone();
        let first = self.request(rsip::Method::Register, &uri, &aor, &call_id).contact(&contact).expires(expires);
        self.send_raw(&first.build().expect("builds").to_string()).await;
        let challenge = self.recv_response().await;
        assert_eq!(challenge.status_code.code(), 401, "REGISTER is challenged first");
        // Answered as every user agent of ours answers (the first challenge
        // it can answer, `ua::auth`).
        let offered = sip::header_all(&challenge.headers, "WWW-Authenticate");
        let mut authenticator = Authenticator::new(self.user.clone(), password.to_string());
        authenticator.challenged(Kind::Www, auth::choose(&offered).expect("a challenge")).expect("one realm");
        let credentials = authenticator.credentials(Kind::Www, "REGISTER", &uri, "0a4f113b").expect("credentials");
        let second = self
            .request(rsip::Method::Register, &uri, &aor, &call_id)
            .contact(&contact)
            .expires(expires)
            .header("Authorization", &credentials);
        self.send_raw(&second.build().expect("builds").to_string()).await;
        self.recv_response().await
    }

    /// A REGISTER without credentials; the first challenge of its 401.
    pub async fn challenge(&mut self) -> Challenge {
        let uri = format!("sip:{DOMAIN}");
        let (aor, contact) = (self.aor.clone(), self.contact.clone());
        let request = self.request(rsip::Method::Register, &uri, &aor, &sip::new_call_id()).contact(&contact);
        self.send_raw(&request.build().expect("builds").to_string()).await;
        let response = self.recv_response().await;
        assert_eq!(response.status_code.code(), 401);
        Challenge::parse(&sip::header_all(&response.headers, "WWW-Authenticate")[0]).expect("challenge parses")
    }

    /// A REGISTER answering `challenge` with `password` and `nc`; the response.
    pub async fn register_answering(&mut self, challenge: &Challenge, password: &str, nc: u32) -> rsip::Response {
        let uri = format!("sip:{DOMAIN}");
        let (aor, contact) = (self.aor.clone(), self.contact.clone());
        let credentials = challenge.answer(&self.user, password, "REGISTER", &uri, "0a4f113b", nc);
        let request = self
            .request(rsip::Method::Register, &uri, &aor, &sip::new_call_id())
            .contact(&contact)
            .header("Authorization", &credentials.to_header_value());
        self.send_raw(&request.build().expect("builds").to_string()).await;
        self.recv_response().await
    }

    /// Registers through the user agent (password `<user>-pw`).
    pub async fn register(&mut self) {
        let outputs = self.ua.connected(self.now());
        self.run(outputs).await;
        let (event, _) = self.until(|e| matches!(e, Event::Registered { .. } | Event::Refused(_))).await;
        assert!(matches!(event, Event::Registered { .. }), "registration succeeds: {event:?}");
    }

    /// Sends a MESSAGE with a SOAP body to `to` — through the user agent
    /// once registered (which answers the proxy's challenges), else as it
    /// is, answering one 407; the final response.
    pub async fn message_to(&mut self, to: &str, body: &str) -> rsip::Response {
        if !self.ua.is_registered() {
            return self.proxied(rsip::Method::Message, to, |b| b.body(CONTENT_TYPE, body.to_string())).await;
        }
        self.next_message += 1;
        let id = self.next_message;
        let message = ua::Message { id, to: to.into(), content_type: CONTENT_TYPE.into(), body: body.into() };
        let outputs = self.ua.send(message, self.now());
        let mut events = self.run(outputs).await;
        let done = |e: &Event| matches!(e, Event::Delivered { id: i } | Event::Undelivered { id: i, .. } if *i == id);
        if let Some(event) = events.drain(..).find(|e| done(e)) {
            panic!("not sent: {event:?}");
        }
        match self.until(done).await {
            (_, Some(response)) => response,
            (event, None) => panic!("no response: {event:?}"),
        }
    }

    /// Sends a request through the IM server (proxy authentication),
    /// answering one 407; `extra` adds headers or a body. The final response.
    pub async fn proxied(
        &mut self,
        method: rsip::Method,
        to: &str,
        extra: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> rsip::Response {
        let call_id = sip::new_call_id();
        for _ in 0..2 {
            let builder = extra(self.request(method, to, to, &call_id));
            if let Some(response) = self.send_proxied(method, to, builder).await {
                return response;
            }
        }
        panic!("still challenged after answering");
    }

    /// Sends a request inside `dialog` (RFC 3261 §12.2.1.1: its Call-ID,
    /// our From tag, the remote To tag) to Request-URI `uri`, through the
    /// IM server, answering one 407; the final response.
    pub async fn in_dialog(
        &mut self,
        method: rsip::Method,
        uri: &str,
        dialog: &Dialog,
        extra: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> rsip::Response {
        for _ in 0..2 {
            self.cseq += 1;
            let builder = RequestBuilder::new(method, uri)
                .via("client.invalid", &sip::new_branch())
                .from(&self.aor, None, &dialog.local_tag)
                .to(&dialog.remote, Some(&dialog.remote_tag))
                .call_id(&dialog.call_id)
                .cseq(self.cseq);
            if let Some(response) = self.send_proxied(method, uri, extra(builder)).await {
                return response;
            }
        }
        panic!("still challenged after answering");
    }

    /// Sends `builder` with `Proxy-Authorization` when a challenge is
    /// known; the response, or `None` after learning a new 407 challenge.
    async fn send_proxied(&mut self, method: rsip::Method, uri: &str, mut builder: RequestBuilder) -> Option<rsip::Response> {
        if let Some(authenticator) = self.proxy_auth.as_mut() {
            let credentials = authenticator.credentials(Kind::Proxy, &method.to_string(), uri, "c0ffee").expect("credentials");
            builder = builder.header("Proxy-Authorization", &credentials);
        }
        self.send_raw(&builder.build().expect("builds").to_string()).await;
        let response = self.recv_response().await;
        if response.status_code.code() != 407 {
            return Some(response);
        }
        let offered = sip::header_all(&response.headers, "Proxy-Authenticate");
        let password = format!("{}-pw", self.user);
        let authenticator = self.proxy_auth.get_or_insert_with(|| Authenticator::new(self.user.clone(), password));
        authenticator.challenged(Kind::Proxy, auth::choose(&offered).expect("a challenge")).expect("one realm");
        None
    }

    /// A MESSAGE to `to` without credentials; the first challenge of its 407.
    pub async fn challenge_for_proxy(&mut self, to: &str) -> Challenge {
        let request = self.request(rsip::Method::Message, to, to, &sip::new_call_id()).body("text/plain", "?".to_string());
        self.send_raw(&request.build().expect("builds").to_string()).await;
        let response = self.recv_response().await;
        assert_eq!(response.status_code.code(), 407);
        Challenge::parse(&sip::header_all(&response.headers, "Proxy-Authenticate")[0]).expect("challenge parses")
    }

    /// Sends a request to the gateway; asserts the 200.
    pub async fn send_request(&mut self, request: &Request) {
        let r = self.message_to(GATEWAY, &request.encode()).await;
        assert_eq!(r.status_code.code(), 200, "the gateway accepts the MESSAGE");
    }

    /// The next MESSAGE from the gateway, taken (and answered) by the user
    /// agent, decoded.
    pub async fn next_reply(&mut self) -> Reply {
        loop {
            let text = self.next_request_text().await;
            let asserted = text.lines().any(|l| l.starts_with("P-Asserted-Identity:") && l.contains(GATEWAY));
            let outputs = self.ua.received(&text, self.now());
            for event in self.run(outputs).await {
                if let Event::Received(message) = event {
                    assert!(asserted, "replies come from the gateway, asserted by the IM server:\n{text}");
                    let body = message.body;
                    return Reply::decode(&body).unwrap_or_else(|e| panic!("bad reply ({e}): {body}"));
                }
            }
        }
    }
}
