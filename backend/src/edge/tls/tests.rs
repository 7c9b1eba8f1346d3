use super::*;

#[test]
fn a_self_signed_pair_loads_as_server_and_as_trusted_root() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key) = self_signed(&["localhost".into(), "127.0.0.1".into()]).expect("made");
    let (cert_file, key_file) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert_file, cert).expect("write");
    std::fs::write(&key_file, key).expect("write");
    assert!(server_config(&cert_file, &key_file).is_ok());
    trust_file(&cert_file).expect("trusted");
    assert!(client_config().is_ok() && http_client().is_ok());
    assert!(trust_file(&key_file).is_err(), "a key is no certificate");
    assert!(server_config(&key_file, &cert_file).is_err(), "swapped files are refused");
}
