//! A SIP phone over UDP for the black-box tests: the one user agent
//! (`rollcall_shared::ua`) on a socket of its own, with a small driver —
//! as a desk phone or the SIP bridge would run it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rollcall_shared::sip::Transport;
use rollcall_shared::ua::call::CallEvent;
use rollcall_shared::ua::{Config, Event, Output, UserAgent};
use tokio::net::UdpSocket;

use super::{DOMAIN, PATIENCE};

/// A user agent on its own UDP socket, and the clock it runs on: a small
/// driver, as the SIP bridge's will be.
pub struct Phone {
    pub ua: UserAgent,
    socket: UdpSocket,
    peer: SocketAddr,
    started: Instant,
    /// Call 1's events, and everything else, not yet taken.
    events: Vec<CallEvent>,
    others: Vec<Event>,
}

impl Phone {
    /// `user` (with `password`) on a UDP socket of its own, talking to `peer`.
    pub async fn new(peer: SocketAddr, user: &str, password: &str) -> Phone {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        Phone::on(socket, peer, user, password)
    }

    /// As [`Phone::new`], and a TCP listener on the same port (RFC 3261 §18:
    /// a UDP phone takes TCP on its port too). An ephemeral UDP port's TCP
    /// twin may be someone else's, so ports are tried until both are free.
    #[allow(dead_code)]
    pub async fn with_tcp(peer: SocketAddr, user: &str, password: &str) -> (Phone, tokio::net::TcpListener) {
        for _ in 0..100 {
            let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
            if let Ok(tcp) = tokio::net::TcpListener::bind(socket.local_addr().expect("addr")).await {
                return (Phone::on(socket, peer, user, password), tcp);
            }
        }
        panic!("no port free for both UDP and TCP");
    }

    fn on(socket: UdpSocket, peer: SocketAddr, user: &str, password: &str) -> Phone {
        let local = socket.local_addr().expect("addr").to_string();
        let config = Config {
            user: user.into(),
            domain: DOMAIN.into(),
            transport: Transport::Udp,
            local: Some(local),
            require_asserted: false,
        };
        let ua = UserAgent::new(config, password.into());
        Phone { ua, socket, peer, started: Instant::now(), events: Vec::new(), others: Vec::new() }
    }

    /// The next datagram, as it is (the user agent does not see it).
    pub async fn recv_raw(&self) -> String {
        let mut buf = vec![0u8; 65_535];
        let (n, _) =
            tokio::time::timeout(PATIENCE, self.socket.recv_from(&mut buf)).await.expect("a datagram in time").expect("reads");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Sends `text` to the peer, past the user agent.
    pub async fn send_raw(&self, text: &str) {
        self.socket.send_to(text.as_bytes(), self.peer).await.expect("sends");
    }

    /// This phone's address (UDP; a test may listen on TCP at it too).
    pub fn addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("addr")
    }

    pub fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Does what the user agent asked.
    pub async fn run(&mut self, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Send(text) => {
                    self.socket.send_to(text.as_bytes(), self.peer).await.expect("sends");
                }
                Output::Event(Event::Call { id: 1, event }) => self.events.push(event),
                Output::Event(event) => self.others.push(event),
                Output::Reconnect => {}
            }
        }
    }

    /// Registers (answering the challenge); panics if refused.
    pub async fn register(&mut self) {
        let outputs = self.ua.connected(self.now());
        self.run(outputs).await;
        let registered = self.until(|e| matches!(e, Event::Registered { .. } | Event::Refused(_))).await;
        assert_eq!(registered, Event::Registered { again: false });
    }

    /// Drives the user agent until it reports an event (other than a
    /// call's) that is `wanted`.
    pub async fn until(&mut self, wanted: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(at) = self.others.iter().position(&wanted) {
                return self.others.remove(at);
            }
            assert!(Instant::now() < deadline, "no such event in time; saw {:?}", self.others);
            self.step().await;
        }
    }

    /// One turn: what arrives within 50 ms, else a tick of the clock.
    async fn step(&mut self) {
        let mut buf = vec![0u8; 65_535];
        let outputs = match tokio::time::timeout(Duration::from_millis(50), self.socket.recv_from(&mut buf)).await {
            Ok(Ok((n, _))) => {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                self.ua.received(&text, self.now())
            }
            _ => self.ua.tick(self.now()),
        };
        self.run(outputs).await;
    }

    /// Drives the user agent until call 1 reports something `wanted`.
    pub async fn until_call(&mut self, wanted: impl Fn(&CallEvent) -> bool) -> CallEvent {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(at) = self.events.iter().position(&wanted) {
                return self.events.remove(at);
            }
            assert!(Instant::now() < deadline, "no such call event in time; saw {:?}", self.events);
            self.step().await;
        }
    }
}
