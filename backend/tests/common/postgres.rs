//! A throw-away PostgreSQL cluster for one test: `initdb` into a temporary
//! directory, a server on a free loopback port (its socket in that
//! directory too), trust authentication for the `postgres` role, fsync
//! off. Debian's `postgresql` package provides the programs
//! (scripts/test-deps.sh installs it); the server refuses to run as root,
//! so under root the cluster belongs to the `postgres` user and its
//! programs run through `runuser`. Stopped (`pg_ctl stop -m immediate`) and
//! removed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster.
pub struct Postgres {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
    bin: PathBuf,
    data: PathBuf,
    server: Child,
    _dir: tempfile::TempDir,
}

/// The newest installed PostgreSQL's programs, if any.
fn programs() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("postgres").exists())
        .collect();
    versions.sort_by_key(|bin| bin.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()?.parse::<u32>().ok()));
    versions.pop()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program` with `args`, as the `postgres` user when we are root.
fn as_owner(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

impl Postgres {
    /// Starts a cluster, or says why not and returns `None` (the caller
    /// skips with that message).
    pub fn start(test: &str) -> Option<Postgres> {
        let Some(bin) = programs() else {
            eprintln!("{test}: skipped: PostgreSQL is not installed (apt-get install postgresql)");
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        if is_root() {
            let owned = Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).status();
            if !owned.is_ok_and(|s| s.success()) {
                eprintln!("{test}: skipped: no `postgres` user to own the cluster");
                return None;
            }
        }
        let data = dir.path().join("data");
        let data_text = data.to_str().expect("a UTF-8 path").to_string();
        let init = as_owner(&bin.join("initdb"), &["-D", &data_text, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("initdb runs");
        if !init.status.success() {
            eprintln!("{test}: skipped: initdb failed: {}", String::from_utf8_lossy(&init.stderr));
            return None;
        }
        let port = free_port();
        let socket_dir = dir.path().to_str().expect("a UTF-8 path").to_string();
        let port_text = port.to_string();
        let server = as_owner(
            &bin.join("postgres"),
            &[
                "-D",
                &data_text,
                "-p",
                &port_text,
                "-k",
                &socket_dir,
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=400",
                "-F",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postgres starts");
        let cluster = Postgres { url: format!("postgres://postgres@127.0.0.1:{port}/postgres"), bin, data, server, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !cluster.ready(port) {
            assert!(Instant::now() < deadline, "{test}: the PostgreSQL cluster did not come up in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(cluster)
    }

    /// Does the server accept connections (`pg_isready`)?
    fn ready(&self, port: u16) -> bool {
        Command::new(self.bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Runs `sql` with `psql` and returns what it printed (unaligned,
    /// tuples only).
    pub fn psql(&self, sql: &str) -> String {
        self.psql_on(&self.url, sql)
    }

    /// [`Postgres::psql`] on the database at `url`.
    pub fn psql_on(&self, url: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args([url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(output.status.success(), "psql `{sql}`: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

/// The databases a black-box test runs on: an SQLite file in `dir`, and a
/// PostgreSQL database when a cluster starts (returned too: it lives as
/// long as the test holds it).
pub fn databases(test: &str, dir: &Path) -> (Vec<String>, Option<Postgres>) {
    let mut all = vec![dir.join("rollcall.db").display().to_string()];
    let cluster = Postgres::start(test);
    all.extend(cluster.as_ref().map(|c| c.create_database("rollcall")));
    (all, cluster)
}

/// A loopback TCP port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

impl Postgres {
    /// A new empty database in the cluster; its URL.
    pub fn create_database(&self, name: &str) -> String {
        self.psql(&format!("CREATE DATABASE {name}"));
        self.url.rsplit_once('/').map(|(server, _)| format!("{server}/{name}")).expect("the URL names a database")
    }

    /// Keeps the cluster running until this process ends, however it ends:
    /// a watchdog then stops it and removes its directory. For a cluster
    /// shared by the tests of one process (held in a static, never dropped).
    pub fn stop_when_process_ends(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if is_root() { "runuser -u postgres -- \"$1\"" } else { "\"$1\"" };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; {stop} stop -D \"$2\" -m immediate -s; rm -rf \"$3\"",
            pid = std::process::id()
        );
        let dir = self.data.parent().expect("the cluster's directory");
        let _ = Command::new("sh")
            .args(["-c", &script, "watchdog"])
            .arg(&pg_ctl)
            .arg(&self.data)
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap_or_default().to_string();
        let _ = as_owner(&self.bin.join("pg_ctl"), &["stop", "-D", &data, "-m", "immediate", "-s"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
