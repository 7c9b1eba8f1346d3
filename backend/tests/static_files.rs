//! The browser app's files: served gzip-compressed (the `.gz` beside each,
//! written by scripts/build-frontend.sh) to a browser that accepts it, as
//! they are to one that does not.

mod common;

use common::TestServer;

#[tokio::test]
async fn the_wasm_goes_compressed_to_whoever_accepts_gzip() {
    let dist = tempfile::tempdir().expect("dir");
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>app</title>").expect("index");
    std::fs::write(dist.path().join("app_bg.wasm"), b"\0asm raw bytes").expect("wasm");
    std::fs::write(dist.path().join("app_bg.wasm.gz"), b"\x1f\x8b gzip bytes").expect("wasm.gz");
    let dir = dist.path().to_path_buf();
    let server = TestServer::start_with(move |o| o.static_dir = dir).await;
    let url = format!("http://{}/app_bg.wasm", server.running.http);
    let client = reqwest::Client::new();

    let gzipped = client.get(&url).header("Accept-Encoding", "gzip, deflate, br").send().await.expect("GET");
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers().get("content-encoding").map(|v| v.as_bytes()), Some(&b"gzip"[..]));
    assert_eq!(gzipped.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"application/wasm"[..]));
    assert_eq!(&gzipped.bytes().await.expect("body")[..], b"\x1f\x8b gzip bytes");

    let plain = client.get(&url).send().await.expect("GET");
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(&plain.bytes().await.expect("body")[..], b"\0asm raw bytes");
}
