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
