use std::os::unix::fs::PermissionsExt;

use super::*;

fn mode(path: &str) -> u32 {
    std::fs::metadata(path).expect("exists").permissions().mode() & 0o777
}

#[tokio::test]
async fn database_and_its_wal_are_owner_only() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("r.db").display().to_string();
    let store = Store::open(&db).await.expect("open");
    store.users().upsert(&User::with_password("alice", "rollcall.local", "pw")).await.expect("write");
    for file in [db.clone(), format!("{db}-wal"), format!("{db}-shm")] {
        assert_eq!(mode(&file), 0o600, "{file}");
    }
}

#[tokio::test]
async fn a_world_readable_database_is_tightened() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("old.db").display().to_string();
    std::fs::write(&db, b"").expect("create");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    Store::open(&db).await.expect("open");
    assert_eq!(mode(&db), 0o600);
}

/// Every schema step exists for both engines, under the same number and
/// name: a change made for one and forgotten for the other fails here.
#[test]
fn the_migrations_are_kept_step_for_step_for_both_engines() {
    let names = |engine: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("the migrations directory")
            .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(sqlite.len() >= 11, "{sqlite:?}");
    assert_eq!(sqlite, names("postgres"));
}

#[test]
fn the_engine_follows_the_database_named() {
    assert_eq!(Backend::of("rollcall.db"), Backend::Sqlite);
    assert_eq!(Backend::of(":memory:"), Backend::Sqlite);
    assert_eq!(Backend::of("postgres://rollcall@db.example/rollcall"), Backend::Postgres);
    assert_eq!(Backend::of("postgresql://db.example/rollcall"), Backend::Postgres);
    assert_eq!(redact_password("postgres://rollcall:s3cret@db.example/rollcall"), "postgres://rollcall:***@db.example/rollcall");
}

/// Every connection to an SQLite file runs as `open` sets it up: WAL,
/// synchronous NORMAL (a commit does not wait for the disk; the WAL keeps
/// it safe from a crash of the process), the busy wait, no automatic
/// checkpoints.
#[tokio::test]
async fn sqlite_connections_are_set_up_for_the_write_ahead_log() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("p.db").display().to_string()).await.expect("open");
    let mut conn = store.pool.acquire().await.expect("a connection");
    let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(&mut *conn).await.expect("mode").get(0);
    assert_eq!(mode.to_lowercase(), "wal");
    for (pragma, expected) in [("synchronous", 1), ("busy_timeout", 5000), ("wal_autocheckpoint", 0)] {
        let value: i64 = sqlx::query(&format!("PRAGMA {pragma}")).fetch_one(&mut *conn).await.expect(pragma).get(0);
        assert_eq!(value, expected, "{pragma}");
    }
}
