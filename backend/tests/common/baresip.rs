//! Debian's baresip (1.0) as a real third-party SIP phone for the
//! black-box tests: started with a config directory of its own, no sound
//! card (a sine wave as its microphone, a file as its speaker), its SIP
//! trace read as it runs, killed on drop.
//!
//! `make test` installs it (scripts/test-deps.sh); a test calls
//! [`available`] first and, without it, says so and passes.

#![allow(dead_code)]

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

/// How long baresip may take to come up, or to print what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// Whether baresip is installed; says so on stderr when it is not.
pub fn available(test: &str) -> bool {
    let found = Command::new("baresip").arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        eprintln!("{test}: baresip is not installed (make test installs it); skipped");
    }
    found
}

/// What a baresip phone is: who, where it registers, how it answers.
pub struct Options {
    pub user: String,
    /// Registers with this server over `udp`/`tcp` (password `<user>-pw`);
    /// `None`: no registration, reached directly at its own address.
    pub registrar: Option<(SocketAddr, &'static str)>,
    /// `auto` answers at once; `manual` rings until cancelled.
    pub answermode: &'static str,
    /// The tone it sends, in Hz.
    pub tone: u32,
}

impl Options {
    /// `sip:<user>@127.0.0.1`, unregistered, answering at once, sending 440 Hz.
    pub fn direct(user: &str) -> Options {
        Options { user: user.into(), registrar: None, answermode: "auto", tone: 440 }
    }
}

/// A running baresip.
pub struct Baresip {
    child: Child,
    /// Its SIP port (UDP and TCP).
    pub addr: SocketAddr,
    /// Its `ctrl_tcp` port (netstring JSON commands, [`Baresip::command`]).
    control: u16,
    user: String,
    printed: Arc<Mutex<String>>,
    dir: tempfile::TempDir,
}

impl Baresip {
    pub fn start(options: Options) -> Baresip {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_udp_and_tcp_port();
        let control = free_udp_and_tcp_port();
        let Options { user, registrar, answermode, tone } = options;
        std::fs::write(
            dir.path().join("config"),
            format!(
                "poll_method epoll\nsip_listen 127.0.0.1:{port}\nnet_interface 127.0.0.1\nmodule_path /usr/lib/baresip/modules\n\
                 module g711.so\nmodule ausine.so\nmodule aufile.so\nmodule sndfile.so\nmodule account.so\nmodule menu.so\n\
                 module ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{control}\n\
                 audio_source ausine,{tone}\naudio_player aufile,{heard}\nsnd_path {dir}\n\
                 ausrc_srate 48000\nauplay_srate 48000\nausrc_channels 2\nauplay_channels 2\n",
                heard = dir.path().join("heard.wav").display(),
                dir = dir.path().display()
            ),
        )
        .expect("config");
        let account = match registrar {
            Some((server, transport)) => format!(
                "<sip:{user}@{domain};transport={transport}>;auth_pass={user}-pw;outbound=\"sip:{server};transport={transport}\";\
                 answermode={answermode};regint=600\n",
                domain = super::DOMAIN
            ),
            None => format!("<sip:{user}@127.0.0.1>;answermode={answermode};regint=0\n"),
        };
        std::fs::write(dir.path().join("accounts"), account).expect("accounts");
        // -s: baresip's own SIP trace on stdout, line-buffered (stdbuf) so
        // that it is read here as it comes.
        let mut child = Command::new("stdbuf")
            .args(["-oL", "baresip", "-s"])
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("baresip starts");
        let printed = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().expect("piped");
        let sink = printed.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Baresip { child, addr: SocketAddr::from(([127, 0, 0, 1], port)), control, user, printed, dir }
    }

    /// Waits until baresip has printed `text` (its SIP trace shows what
    /// arrived); false if it has not within the patience.
    pub async fn printed(&self, text: &str) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.printed.lock().unwrap_or_else(|p| p.into_inner()).contains(text) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// Everything printed so far.
    pub fn output(&self) -> String {
        self.printed.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs one of its commands, as a person at the phone would
    /// (`hangup`, `dial`…), over `ctrl_tcp`: a netstring of JSON.
    pub async fn command(&self, command: &str, params: &str) {
        use tokio::io::AsyncWriteExt;
        let json = format!("{{\"command\":\"{command}\",\"params\":\"{params}\",\"token\":\"t\"}}");
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.control)).await.expect("baresip's ctrl_tcp");
        stream.write_all(format!("{}:{json},", json.len()).as_bytes()).await.expect("sends the command");
    }

    /// Freezes it (SIGSTOP): it sends nothing, as a phone whose network
    /// went away. [`Baresip::thaw`] undoes it.
    pub fn freeze(&self) {
        let _ = Command::new("kill").args(["-STOP", &self.child.id().to_string()]).status();
    }

    pub fn thaw(&self) {
        let _ = Command::new("kill").args(["-CONT", &self.child.id().to_string()]).status();
    }

    /// Stops it the way a person quits it (SIGTERM), so that the files it
    /// writes are finished; killed if it takes more than five seconds.
    pub fn stop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How many bytes of what it heard are on disk yet.
    pub fn heard_bytes(&self) -> u64 {
        std::fs::metadata(self.heard()).map(|m| m.len()).unwrap_or(0)
    }

    /// Bytes a second of what it records (the WAV header's byte rate:
    /// 16,000 for the 8 kHz mono of G.711), once recording has started.
    pub fn heard_byte_rate(&self) -> Option<u64> {
        let header = std::fs::read(self.heard()).ok()?;
        Some(u32::from_le_bytes(header.get(28..32)?.try_into().ok()?) as u64).filter(|&r| r > 0)
    }

    /// Seconds of what it heard on disk yet.
    pub fn heard_seconds(&self) -> f64 {
        self.heard_byte_rate().map_or(0.0, |rate| self.heard_bytes().saturating_sub(44) as f64 / rate as f64)
    }

    /// Waits until it has recorded `seconds` more of what it hears.
    pub async fn hears_for(&self, seconds: f64) {
        let deadline = Instant::now() + PATIENCE;
        let rate = loop {
            if let Some(rate) = self.heard_byte_rate() {
                break rate;
            }
            assert!(Instant::now() < deadline, "baresip records nothing; it printed:\n{}", self.output());
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let target = self.heard_bytes() + (seconds * rate as f64) as u64;
        while self.heard_bytes() < target {
            let files: Vec<_> =
                std::fs::read_dir(self.dir.path()).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
            assert!(
                Instant::now() < deadline,
                "baresip recorded too little: {} bytes; its files: {files:?}; it printed:\n{}",
                self.heard_bytes(),
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Where it records what it hears: the `sndfile` module's dump of
    /// the decoded audio (`…-dec.wav`), once a call has started.
    pub fn heard(&self) -> PathBuf {
        let dumps = std::fs::read_dir(self.dir.path()).into_iter().flatten().flatten().map(|e| e.path());
        dumps.filter(|p| p.to_string_lossy().ends_with("-dec.wav")).max().unwrap_or_else(|| self.dir.path().join("none-dec.wav"))
    }

    /// Waits until baresip's user agent answers an OPTIONS with 200: its
    /// socket can be open a moment before its account is (and then it
    /// answers an INVITE `404`).
    pub async fn ready(&self) {
        let probe = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let mut buf = vec![0u8; 65_535];
        let deadline = Instant::now() + PATIENCE;
        for n in 1.. {
            assert!(Instant::now() < deadline, "baresip did not come up; it printed:\n{}", self.output());
            let options = format!(
                "OPTIONS sip:{user}@{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKprobe{n}\r\nMax-Forwards: 70\r\n\
                 From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:{user}@{addr}>\r\nCall-ID: probe-{n}\r\nCSeq: {n} OPTIONS\r\n\
                 Content-Length: 0\r\n\r\n",
                addr = self.addr,
                user = self.user,
                local = probe.local_addr().expect("addr"),
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

/// A port free, for now, for both UDP and TCP, with the TCP port above it
/// free too (baresip listens on UDP and TCP, and TLS one port up).
pub fn free_udp_and_tcp_port() -> u16 {
    for _ in 0..100 {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("a free port");
        let addr = udp.local_addr().expect("address");
        let above = std::net::SocketAddr::from(([127, 0, 0, 1], addr.port().wrapping_add(1)));
        if addr.port() < u16::MAX && std::net::TcpListener::bind(addr).is_ok() && std::net::TcpListener::bind(above).is_ok() {
            return addr.port();
        }
    }
    panic!("no port free for both UDP and TCP");
}
