//! The one SIP user agent (`rollcall_shared::ua`) places real calls:
//! Debian's baresip, started here with a config of its own, answers over
//! UDP (or rings until cancelled). The user agent's INVITE, its ACK, the
//! far end's SDP answer, CANCEL and BYE go over a real socket to software
//! we did not write — the groundwork of the SIP bridge.
//!
//! `make test` installs baresip (scripts/test-deps.sh); without it the test
//! says so and passes.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::phone::Phone;
use rollcall_shared::ua::call::{CallEnd, CallEvent};
use tokio::net::UdpSocket;

/// Our offer: G.711 µ-law on a port nobody listens on (the test is about
/// signalling; baresip's RTP goes nowhere).
const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
    m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

struct Baresip {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Baresip {
    /// baresip as `sip:bob@127.0.0.1` on a UDP port of its own, no
    /// registration; `answermode` `auto` answers at once, `manual` rings.
    fn start(answermode: &str) -> Baresip {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::UdpSocket::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let heard = dir.path().join("heard.wav");
        // A sine wave as the microphone, a file as the speaker: no sound card.
        std::fs::write(
            dir.path().join("config"),
            format!(
                "poll_method epoll\nsip_listen 127.0.0.1:{port}\nmodule_path /usr/lib/baresip/modules\n\
                 module g711.so\nmodule ausine.so\nmodule aufile.so\nmodule account.so\n\
                 audio_source ausine,440\naudio_player aufile,{}\n\
                 ausrc_srate 48000\nauplay_srate 48000\nausrc_channels 2\nauplay_channels 2\n",
                heard.display()
            ),
        )
        .expect("config");
        std::fs::write(dir.path().join("accounts"), format!("<sip:bob@127.0.0.1>;answermode={answermode};regint=0\n"))
            .expect("accounts");
        let child = Command::new("baresip")
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("baresip starts");
        Baresip { child, addr: SocketAddr::from(([127, 0, 0, 1], port)), _dir: dir }
    }
}

impl Baresip {
    /// Waits until baresip's user agent answers an OPTIONS with 200: its
    /// socket can be open a moment before its account is (and then it
    /// answers an INVITE `404`).
    async fn ready(&self) {
        let probe = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let mut buf = vec![0u8; 65_535];
        let deadline = Instant::now() + Duration::from_secs(15);
        for n in 0.. {
            assert!(Instant::now() < deadline, "baresip did not come up");
            let options = format!(
                "OPTIONS sip:bob@{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKprobe{n}\r\nMax-Forwards: 70\r\n\
                 From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:bob@{addr}>\r\nCall-ID: probe-{n}\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n",
                addr = self.addr,
                local = probe.local_addr().expect("addr"),
                n = n + 1
            );
            probe.send_to(options.as_bytes(), self.addr).await.expect("sends");
            if let Ok(Ok((len, _))) = tokio::time::timeout(Duration::from_millis(100), probe.recv_from(&mut buf)).await {
                if buf[..len].starts_with(b"SIP/2.0 200 ") {
                    return;
                }
            }
        }
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have_baresip() -> bool {
    let found = Command::new("baresip").arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        eprintln!("calls: baresip is not installed (make test installs it); skipped");
    }
    found
}

#[tokio::test]
async fn a_call_to_baresip_is_answered_with_its_sdp_and_hung_up() {
    if !have_baresip() {
        return;
    }
    let baresip = Baresip::start("auto");
    baresip.ready().await;
    let mut phone = Phone::new(baresip.addr, "alice", "unused").await;
    let to = format!("sip:bob@{}", baresip.addr);
    let outputs = phone.ua.invite(1, &to, Some(OFFER.into()), phone.now());
    phone.run(outputs).await;
    let answered = phone.until_call(|e| matches!(e, CallEvent::Answered { .. } | CallEvent::Ended(_))).await;
    let CallEvent::Answered { sdp: Some(answer) } = answered else { panic!("not answered: {answered:?}") };
    assert!(answer.contains("m=audio ") && answer.contains("PCMU/8000"), "baresip's answer:\n{answer}");
    let outputs = phone.ua.hang_up(1, phone.now());
    phone.run(outputs).await;
    assert_eq!(phone.until_call(|e| matches!(e, CallEvent::Ended(_))).await, CallEvent::Ended(CallEnd::HungUp));
}

#[tokio::test]
async fn a_ringing_call_to_baresip_is_cancelled() {
    if !have_baresip() {
        return;
    }
    let baresip = Baresip::start("manual");
    baresip.ready().await;
    let mut phone = Phone::new(baresip.addr, "alice", "unused").await;
    let to = format!("sip:bob@{}", baresip.addr);
    let outputs = phone.ua.invite(1, &to, Some(OFFER.into()), phone.now());
    phone.run(outputs).await;
    assert_eq!(phone.until_call(|e| matches!(e, CallEvent::Progress { .. })).await, CallEvent::Progress { code: 180, sdp: None });
    let outputs = phone.ua.hang_up(1, phone.now());
    phone.run(outputs).await;
    let ended = phone.until_call(|e| matches!(e, CallEvent::Ended(_))).await;
    assert!(matches!(ended, CallEvent::Ended(CallEnd::Failed(487, _))), "{ended:?}");
}
