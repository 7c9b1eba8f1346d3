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
fn the_domain_is_lower_cased_and_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("users.db");
    let db = db.to_str().expect("utf-8 path");
    let added = rollcall(&["user", "add", "eve", "--password", "x", "--db", db, "--domain", "Rollcall.Example"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert!(String::from_utf8_lossy(&added.stdout).contains("sip:eve@rollcall.example"));
    let refused = rollcall(&["user", "add", "eve", "--password", "x", "--db", db, "--domain", "not a domain"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is not a domain name"));
}

#[test]
fn bad_user_names_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("users.db");
    let out = rollcall(&["user", "add", "not a name", "--password", "x", "--db", db.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid user name"));
}

#[test]
fn directory_import_stores_all_cards_or_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("dir.db");
    let db = db.to_str().expect("utf-8 path");
    let good = dir.path().join("good.vcf");
    std::fs::write(
        &good,
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë Müller\r\nTEL;TYPE=work:+14255550160\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nN:Novák;Dan;;;\r\nEMAIL:dan@example.com\r\nEND:VCARD\r\n",
    )
    .expect("write");
    let bad = dir.path().join("bad.vcf");
    std::fs::write(&bad, "BEGIN:VCARD\nFN:Ann\nEND:VCARD\nBEGIN:VCARD\nFN:Bo\nTEL:555-0100\nEND:VCARD\n").expect("write");

    let out = rollcall(&["directory", "import", good.to_str().expect("utf-8"), "--db", db]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 entries"));

    let out = rollcall(&["directory", "import", bad.to_str().expect("utf-8"), "--db", db]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("vCard line 6") && stderr.contains("nothing imported"), "{stderr}");

    // Ann, on a good card before the bad one, was not stored either.
    let names = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
        let store = rollcall::store::Store::open(db).await.expect("db");
        let entries = store.address_books().list(&rollcall::store::Book::Directory).await.expect("list");
        entries.into_iter().map(|e| e.entry.name).collect::<Vec<_>>()
    });
    assert_eq!(names, vec!["Zoë Müller", "Dan Novák"]);
}

#[test]
fn account_grant_list_and_revoke() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("accounts.db");
    let db = db.to_str().expect("utf-8 path");
    let out = |args: &[&str]| {
        let output = rollcall(args);
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr))
    };
    assert!(out(&["user", "add", "dora", "--password", "x", "--db", db]).0);
    let (ok, text) = out(&["account", "grant", "nobody", "sales", "--db", db]);
    assert!(!ok && text.contains("no user `nobody`"), "{text}");
    assert!(out(&["account", "grant", "dora", "sales", "--default", "--db", db]).0);
    assert!(out(&["account", "grant", "dora", "support", "--db", db]).0);
    let (_, listed) = out(&["account", "list", "dora", "--db", db]);
    assert_eq!(listed.lines().collect::<Vec<_>>(), ["sales (default)", "dora", "support"]);
    assert!(out(&["account", "revoke", "dora", "sales", "--db", db]).0);
    let (_, listed) = out(&["account", "list", "dora", "--db", db]);
    assert_eq!(listed.lines().collect::<Vec<_>>(), ["dora (default)", "support"]);
    let (ok, text) = out(&["account", "grant", "dora", "not an account", "--db", db]);
    assert!(!ok && text.contains("is not an account name"), "{text}");
}
