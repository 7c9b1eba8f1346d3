//! The `rollcall` program itself, for black-box tests of what only a whole
//! process shows (signals, restarts).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// `rollcall serve` with the demo users (password `alice-pw`, so the test
/// client's alice can sign in) on a free port, database `db`, test speed,
/// plus `extra` flags; the child and its port, once it is up.
pub async fn serve(db: &str, dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["serve", "--demo", "--demo-password", "alice-pw", "--http", "127.0.0.1:0", "--db", db, "--fast"])
        .args(["--static-dir", &dir.join("none").display().to_string()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rollcall starts");
    let stdout = child.stdout.take().expect("stdout");
    let port = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().map_while(Result::ok).find_map(|line| {
            line.strip_prefix("Rollcall is running at http://localhost:").map(|rest| rest.trim_end_matches('/').to_string())
        })
    })
    .await
    .expect("reads")
    .expect("the port is printed");
    (child, port)
}

/// A loopback TCP port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("addr").port()
}

/// The `rollcall` program with `args`, quiet: one part of a deployment.
/// With `ROLLCALL_TEST_LOGS=DIR` each part's log (at `RUST_LOG`, default
/// `debug`) goes to a file of its own in DIR, for a failure to be read.
pub fn part<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Child {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    command.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(dir) = std::env::var_os("ROLLCALL_TEST_LOGS") {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = args.first().map(|a| a.as_ref().to_string_lossy().into_owned()).unwrap_or_default();
        let file = std::fs::File::create(std::path::Path::new(&dir).join(format!("{}-{n}-{name}.log", std::process::id())));
        command.stderr(file.expect("a log file"));
        command.env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "debug".into()));
    }
    command.spawn().expect("rollcall starts")
}
