use super::*;

#[test]
fn the_file_sits_beside_the_database() {
    assert_eq!(path_for("rollcall.db"), Some(PathBuf::from("rollcall.db.operator.json")));
    assert_eq!(path_for("/tmp/x.db"), Some(PathBuf::from("/tmp/x.db.operator.json")));
    assert_eq!(path_for(":memory:"), None);
}

#[test]
fn written_then_read_back_owner_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("r.db").to_string_lossy().into_owned();
    let file = OperatorFile { conference_url: "http://127.0.0.1:1/conference".into(), token: "t0k".into() };
    file.write(&db).expect("written");
    assert_eq!(OperatorFile::read(&db).expect("read"), file);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path_for(&db).expect("a path")).expect("exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A file left with wider permissions is replaced owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = path_for(&db).expect("a path");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        file.write(&db).expect("written again");
        assert_eq!(std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777, 0o600);
    }
    let missing = dir.path().join("none.db").to_string_lossy().into_owned();
    assert!(OperatorFile::read(&missing).unwrap_err().to_string().contains("--token"));
}
