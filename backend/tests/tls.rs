//! TLS everywhere it is configured (issue: "nothing is encrypted"): the
//! public port serves HTTPS and WSS, and standalone parts reach each other
//! over `https://` and `wss://`, with a certificate made at test time.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::flow::{active_conference, Seen};
use common::{Client, TestServer, PATIENCE};
use rollcall::conference;
use rollcall::edge::listener::{self, ListenerOptions};
use rollcall::edge::tls;
use rollcall::gateway::{self, Gateway, GatewayConfig};
use rollcall::im_server::{self, ImConfig, ImServer};
use rollcall::store::{Store, User};
use rollcall_shared::soap::conference::{CreateConference, Reply, Request};
use rollcall_shared::soap::{Location, Party};
use tokio::net::TcpListener;

/// A certificate for 127.0.0.1 and localhost, trusted by this process's
/// clients from now on; the listener options serving it.
fn certificate(dir: &tempfile::TempDir) -> ListenerOptions {
    let (cert, key) = tls::self_signed(&["127.0.0.1".into(), "localhost".into()]).expect("certificate");
    let (cert_file, key_file): (PathBuf, PathBuf) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, &cert).expect("write");
    std::fs::write(&key_file, key).expect("write");
    tls::trust_pem(cert.as_bytes()).expect("trusted");
    ListenerOptions { tls: Some(tls::server_config(&cert_file, &key_file).expect("loads")), ..ListenerOptions::plain() }
}

#[tokio::test]
async fn serve_speaks_https_and_wss_only() {
    let dir = tempfile::tempdir().expect("dir");
    let options = certificate(&dir);
    let server = TestServer::start_with(|o| o.edge.listener = options).await;
    assert!(server.running.public_url.starts_with("https://"));

    let health = tls::http_client().expect("client").build().expect("client");
    let response = health.get(format!("{}/healthz", server.running.public_url)).send().await.expect("HTTPS answers");
    assert_eq!(response.status().as_u16(), 200);

    // The whole create flow over WSS (the gateway comes in by its own loopback port).
    let mut alice = Client::connect(&format!("wss://{}/sip", server.running.http), "alice").await;
    alice.register().await;
    active_conference(&mut alice, &mut Seen::default(), "+14255550100").await;

    // Plain HTTP to the TLS port gets nowhere.
    let plain = reqwest::get(format!("http://{}/healthz", server.running.http)).await;
    assert!(plain.is_err() || !plain.expect("response").status().is_success());
}

async fn bound() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

#[tokio::test]
async fn standalone_parts_reach_each_other_over_https_and_wss() {
    let dir = tempfile::tempdir().expect("dir");
    let tls_options = certificate(&dir);
    let store = Store::open(&dir.path().join("t.db").to_string_lossy()).await.expect("db");
    for (user, password) in [("alice", "alice-pw"), ("conference", "gw-pw")] {
        store.users().upsert(&User::with_password(user, common::DOMAIN, password)).await.expect("user");
    }
    let (im_listener, im_addr) = bound().await;
    listener::spawn(im_listener, im_server::router(ImServer::new(ImConfig::new(common::DOMAIN), store)), tls_options.clone());

    let (conference_listener, conference_addr) = bound().await;
    let (reporting_listener, reporting_addr) = bound().await;
    let key = b"test-signing-key".to_vec();
    let service = common::standalone_conference_service(format!("https://{reporting_addr}/reporting"), &key);
    listener::spawn(conference_listener, conference::router(service), tls_options.clone());

    let gateway = Gateway::start(GatewayConfig {
        im_url: format!("wss://{im_addr}/sip"),
        domain: common::DOMAIN.into(),
        user: "conference".into(),
        password: "gw-pw".into(),
        conference_url: format!("https://{conference_addr}/conference"),
        conference_token: "t0ken".into(),
        signing_key: key.clone(),
        limits: Default::default(),
    })
    .expect("gateway");
    listener::spawn(reporting_listener, gateway::reporting::router(Arc::clone(&gateway), key), tls_options);
    assert!(gateway.delivery.wait_registered(PATIENCE).await, "the gateway registers over WSS");

    let mut alice = Client::connect(&format!("wss://{im_addr}/sip"), "alice").await;
    alice.register().await;
    alice
        .send_request(&Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: "over-tls".into(),
            account: String::new(),
            initiator: Party {
                alternatives: Vec::new(),
                name: "Alice".into(),
                phone: "+14255550100".into(),
                location: Location::Work,
                email: None,
            },
            participants: Vec::new(),
        }))
        .await;
    let reply = alice.next_reply().await;
    assert!(matches!(&reply, Reply::CreateConferenceResponse { request_id, .. } if request_id == "over-tls"), "{reply:?}");
    // A callback travelled back over HTTPS.
    let event = alice.next_reply().await;
    assert!(matches!(event, Reply::ParticipantStatus(_)), "{event:?}");
}

/// SIP over TLS on the SIP port (5061 in production), with the public
/// port's certificate: a phone's OPTIONS is answered over the same TLS
/// connection.
#[tokio::test]
async fn sip_over_tls_is_answered_on_its_connection() {
    use rollcall::edge::{SipAddress, SipPorts};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let dir = tempfile::tempdir().expect("dir");
    let options = certificate(&dir);
    let server = TestServer::start_with(|o| {
        o.edge.listener = options;
        o.edge.sip =
            SipPorts { plain: None, tls: Some(SipAddress { addr: "127.0.0.1:0".parse().unwrap(), required: true }), host: None };
    })
    .await;
    let addr = server.running.sip.tls.expect("SIP over TLS is open");
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connects");
    let connector = tokio_rustls::TlsConnector::from(tls::client_config().expect("client"));
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let mut stream = connector.connect(name, tcp).await.expect("TLS handshake with the server's certificate");
    let request = "OPTIONS sip:rollcall.local SIP/2.0\r\nVia: SIP/2.0/TLS phone.invalid;branch=z9hG4bKtls1\r\n\
        From: <sip:nobody@rollcall.local>;tag=1\r\nTo: <sip:rollcall.local>\r\nCall-ID: tls1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut got = Vec::new();
    let mut chunk = [0u8; 2048];
    while !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk)).await.expect("answered").expect("read");
        assert!(n > 0, "closed early");
        got.extend_from_slice(&chunk[..n]);
    }
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("SIP/2.0 200 ") && answer.contains("branch=z9hG4bKtls1;received=127.0.0.1"), "{answer}");
}
