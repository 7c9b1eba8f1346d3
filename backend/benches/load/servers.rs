//! The servers under load, each a separate process on loopback: a release
//! build of `rollcall serve` (cargo builds benches and their binary with the
//! release profile) and Kamailio from Debian (scripts/bench/kamailio.sh).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{password, user_name};

/// A server the load generator can reach.
pub struct Server {
    pub name: &'static str,
    pub url: String,
    pid: u32,
    child: Option<Child>,
    stop: Option<Box<dyn FnOnce()>>,
}

impl Server {
    /// Resident memory (kB) and open file descriptors of the server process.
    pub fn rss_kb_and_fds(&self) -> (u64, usize) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.pid)).map(|d| d.count()).unwrap_or(0);
        (rss, fds)
    }

    /// CPU time (user + system) used so far by the server: its process and
    /// every process it forked (Kamailio works in child processes).
    pub fn cpu_seconds(&self) -> f64 {
        let mut total = 0.0;
        let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
        for entry in dir.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let Some((ppid, cpu)) = stat_ppid_and_cpu(pid) else { continue };
            if pid == self.pid || ppid == self.pid {
                total += cpu;
            }
        }
        total
    }
}

/// CPU time (user + system, seconds) this process has used so far: the
/// load generator's own cost, measured around a run.
pub fn own_cpu_seconds() -> f64 {
    stat_ppid_and_cpu(std::process::id()).map(|(_, cpu)| cpu).unwrap_or(0.0)
}

/// From /proc/PID/stat: the parent's pid and utime + stime in seconds
/// (clock ticks of 1/100 s, as on every Linux this runs on).
fn stat_ppid_and_cpu(pid: u32) -> Option<(u32, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((ppid, (utime + stime) / 100.0))
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM: a graceful stop, as an operator would.
            let _ = Command::new("kill").arg(self.pid.to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not open port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The release build cargo made for the bench, or ROLLCALL_BIN (to
/// measure another build, e.g. `target/debug/rollcall`).
fn rollcall_bin() -> String {
    std::env::var("ROLLCALL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rollcall").to_string())
}

/// A scratch directory under target/ for one bench's servers.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-runs").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `rollcall serve` (release) on `port` with load users 0..`users` imported,
/// per-user and per-address limits lifted (the load comes from one address
/// and measures speed, not refusals), message log on as always.
pub fn rollcall(dir: &Path, port: u16, users: usize) -> Server {
    let db = with_users(dir, users);
    let mut command = Command::new(rollcall_bin());
    command.arg("serve").args(["--http", &format!("127.0.0.1:{port}")]).arg("--db").arg(&db);
    command.args(["--user-request-rate", "1000000", "--user-request-burst", "1000000"]);
    command.args(["--max-live-conferences", "1000000"]);
    launch("rollcall", command, dir, port, users)
}

/// `rollcall im-server` (release) on `port`, node `node` of the cluster
/// on the NATS server at `nats`, with load users 0..`users` imported into
/// a database of its own and the same limits lifted as [`rollcall`]'s.
pub fn im_node(name: &'static str, dir: &Path, port: u16, users: usize, nats: &str) -> Server {
    let db = with_users(dir, users);
    let mut command = Command::new(rollcall_bin());
    command.arg("im-server").args(["--http", &format!("127.0.0.1:{port}")]).arg("--db").arg(&db);
    command.args(["--sip", "off", "--cluster", nats, "--node", name]);
    launch(name, command, dir, port, users)
}

/// A database in `dir` with load users 0..`users` (`rollcall user import`).
fn with_users(dir: &Path, users: usize) -> PathBuf {
    let db = dir.join("rollcall.db");
    let list: String = (0..users).map(|i| format!("{} {}\n", user_name(i), password(&user_name(i)))).collect();
    let file = dir.join("users.txt");
    std::fs::write(&file, list).expect("users file");
    let status = Command::new(rollcall_bin())
        .args(["user", "import"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .stdout(Stdio::null())
        .status()
        .expect("rollcall user import runs");
    assert!(status.success(), "rollcall user import");
    db
}

/// Starts `command` (a rollcall server) with the per-user and per-address
/// limits lifted, its log in `dir`, and waits for `port`.
fn launch(name: &'static str, mut command: Command, dir: &Path, port: u16, users: usize) -> Server {
    let big = (users * 2 + 1000).to_string();
    let log = std::fs::File::create(dir.join("rollcall.log")).expect("log file");
    let child = command
        .args(["--max-connections", &big, "--max-tcp-per-ip", &big, "--max-connections-per-ip", &big])
        .args(["--unauth-rate", "1000000", "--unauth-burst", "1000000"])
        .args(["--user-message-rate", "1000000", "--user-message-burst", "1000000"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("rollcall starts");
    wait_for_port(port, name);
    Server { name, url: format!("ws://127.0.0.1:{port}/sip"), pid: child.id(), child: Some(child), stop: None }
}

/// Debian's nats-server on `port` (installed on first use).
pub fn nats(dir: &Path, port: u16) -> Server {
    if Command::new("nats-server").arg("--version").output().is_err() {
        let installed = Command::new("apt-get").args(["install", "-y", "-qq", "nats-server"]).status();
        assert!(installed.is_ok_and(|s| s.success()), "apt-get install nats-server");
    }
    let log = std::fs::File::create(dir.join("nats.log")).expect("log file");
    let child = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("nats-server starts");
    wait_for_port(port, "nats-server");
    Server { name: "nats", url: format!("nats://127.0.0.1:{port}"), pid: child.id(), child: Some(child), stop: None }
}

fn kamailio_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench/kamailio.sh")
}

/// Kamailio 5.6 from Debian (installed on first use) with
/// scripts/bench/kamailio.cfg: WebSocket, digest auth, in-memory registrar,
/// stateful relay, no logging.
pub fn kamailio(dir: &Path, port: u16) -> Server {
    let out = Command::new("bash")
        .arg(kamailio_script())
        .args(["start", &port.to_string()])
        .arg(dir)
        .stderr(Stdio::inherit())
        .output()
        .expect("kamailio.sh runs");
    assert!(out.status.success(), "kamailio did not start: {}", String::from_utf8_lossy(&out.stdout));
    let pid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("kamailio.sh prints the pid");
    wait_for_port(port, "kamailio");
    let dir = dir.to_path_buf();
    Server {
        name: "kamailio",
        url: format!("ws://127.0.0.1:{port}/"),
        pid,
        child: None,
        stop: Some(Box::new(move || {
            let _ = Command::new("bash").arg(kamailio_script()).arg("stop").arg(&dir).status();
        })),
    }
}
