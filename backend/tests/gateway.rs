//! The gateway as a SIP user agent of its own: it survives the loss of its
//! connection to the IM server (reconnects with backoff and registers
//! again) and the system keeps working afterwards. The parts are started
//! one by one, with a TCP proxy between gateway and IM server that the test
//! can cut like a failing network.

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use common::{Client, PATIENCE};
use rollcall::conference;
use rollcall::gateway::{self, Gateway, GatewayConfig};
use rollcall::im_server::{self, ImConfig, ImServer};
use rollcall::serve::spawn_http;
use rollcall::sip_client::ClientState;
use rollcall::store::{Store, User};
use rollcall_shared::soap::conference::{CreateConference, Reply, Request};
use rollcall_shared::soap::{Location, Party};
use rollcall_shared::sync::LockExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP relay whose connections can all be cut at once.
struct Proxy {
    addr: SocketAddr,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("binds");
        let addr = listener.local_addr().expect("addr");
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accepted = Arc::clone(&links);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                accepted.locked().push(link);
            }
        });
        Proxy { addr, links }
    }

    /// Drops every relayed connection, as a broken network would.
    fn cut(&self) {
        for link in self.links.locked().drain(..) {
            link.abort();
        }
    }
}

async fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("binds");
    let a = l.local_addr().expect("addr");
    (l, a)
}

#[tokio::test]
async fn gateway_reconnects_and_registers_again_after_losing_the_im_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("t.db").to_string_lossy()).await.expect("db");
    for (user, password) in [("alice", "alice-pw"), ("conference", "gw-pw")] {
        store.users().upsert(&User::with_password(user, common::DOMAIN, password)).await.expect("user");
    }

    let (im_listener, im_addr) = listener().await;
    spawn_http(im_listener, im_server::router(ImServer::new(ImConfig::new(common::DOMAIN), store.clone())));
    let proxy = Proxy::start(im_addr).await;

    let (conference_listener, conference_addr) = listener().await;
    let (reporting_listener, reporting_addr) = listener().await;
    let key = b"test-signing-key".to_vec();
    let service = common::standalone_conference_service(format!("http://{reporting_addr}/reporting"), &key);
    spawn_http(conference_listener, conference::router(service));

    let gateway = Gateway::start(GatewayConfig {
        im_url: format!("ws://{}/sip", proxy.addr),
        domain: common::DOMAIN.into(),
        user: "conference".into(),
        password: "gw-pw".into(),
        conference_url: format!("http://{conference_addr}/conference"),
        conference_token: "t0ken".into(),
        signing_key: key.clone(),
        limits: Default::default(),
    })
    .expect("gateway");
    spawn_http(reporting_listener, gateway::reporting::router(Arc::clone(&gateway), key));
    assert!(gateway.delivery.wait_registered(PATIENCE).await, "registers through the proxy");

    proxy.cut();
    let lost = async {
        while gateway.delivery.state() == ClientState::Registered {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(PATIENCE, lost).await.expect("notices the loss");
    assert!(gateway.delivery.wait_registered(PATIENCE).await, "registers again after reconnecting");

    // And the whole path works again.
    let mut alice = Client::connect(&format!("ws://{im_addr}/sip"), "alice").await;
    alice.register().await;
    alice
        .send_request(&Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: "after-reconnect".into(),
            account: "alice".into(),
            initiator: Party {
                alternatives: Vec::new(),
                name: "Alice".into(),
                phone: "+14255550100".into(),
                location: Location::Mobile,
                email: None,
            },
            participants: Vec::new(),
        }))
        .await;
    let reply = alice.next_reply().await;
    assert!(matches!(&reply, Reply::CreateConferenceResponse { request_id, .. } if request_id == "after-reconnect"), "{reply:?}");
}

#[tokio::test]
async fn gateway_with_a_wrong_password_never_registers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("t.db").to_string_lossy()).await.expect("db");
    store.users().upsert(&User::with_password("conference", common::DOMAIN, "right")).await.expect("user");
    let (im_listener, im_addr) = listener().await;
    spawn_http(im_listener, im_server::router(ImServer::new(ImConfig::new(common::DOMAIN), store)));
    let gateway = Gateway::start(GatewayConfig {
        im_url: format!("ws://{im_addr}/sip"),
        domain: common::DOMAIN.into(),
        user: "conference".into(),
        password: "wrong".into(),
        conference_url: "http://127.0.0.1:9/conference".into(),
        conference_token: "x".into(),
        signing_key: b"k".to_vec(),
        limits: Default::default(),
    })
    .expect("gateway");
    assert!(!gateway.delivery.wait_registered(std::time::Duration::from_millis(500)).await);
}
