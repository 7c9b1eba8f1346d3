//! The `rollcall` command line, run as a program.

use std::process::Command;

fn rollcall(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollcall")).args(args).output().expect("rollcall runs")
}

#[test]
fn user_add_stores_only_digests_and_user_list_shows_the_user() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("users.db");
    let db = db.to_str().expect("utf-8 path");
    let password = "correct-horse-battery-staple";

    let added = rollcall(&["user", "add", "dora", "--password", password, "--db", db]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let listed = rollcall(&["user", "list", "--db", db]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("sip:dora@rollcall.local"));

    // Nowhere in the database files is the password in clear.
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(!bytes.windows(password.len()).any(|w| w == password.as_bytes()), "password stored in clear");
    }
}

#[test]
fn bad_user_names_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("users.db");
    let out = rollcall(&["user", "add", "not a name", "--password", "x", "--db", db.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid user name"));
}
