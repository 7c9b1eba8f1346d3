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
