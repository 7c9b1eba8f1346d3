//! What sqlx's `Any` driver costs the hot path: `cargo bench -p rollcall
//! --bench any_driver` (part of `make bench`). The store runs one set of
//! SQL on SQLite and PostgreSQL through `Any` (store/mod.rs); this times
//! the message log's batched insert (`message_log/writer.rs`: a JSON
//! array unpacked by `json_each`, RETURNING the ids) through `Any` and
//! through the typed SQLite driver, on files set up alike, at 1, 16 and
//! 128 messages a batch, and prints the ratio. No assertions.
use std::time::Instant;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, Row};

const SQL: &str = "INSERT INTO message_log (at, connection_id, peer, direction, auth_user, first_line, message)
 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
        json_extract(value, '$[6]')
 FROM json_each($1) ORDER BY key RETURNING id, auth_user";
const TABLE: &str = "CREATE TABLE message_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, connection_id INTEGER NOT NULL, peer TEXT NOT NULL, direction TEXT NOT NULL, auth_user TEXT, first_line TEXT NOT NULL, message TEXT NOT NULL)";

fn batch(n: usize) -> String {
    let msg = "MESSAGE sip:bob@rollcall.local SIP/2.0\r\n".to_string() + &"X-Header: value\r\n".repeat(20);
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!(["2026-12-07T00:00:00.000Z", i, "127.0.0.1:1", "in", "alice", "MESSAGE", msg]))
        .collect();
    serde_json::Value::Array(rows).to_string()
}

fn main() {
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        for size in [1usize, 16, 128] {
            let body = batch(size);
            let rounds = 3000 / size.max(1) * 4;
            for round in 0..2 {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("t.db");
                let opts = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal);
                let typed = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
                typed.execute(TABLE).await.unwrap();
                let start = Instant::now();
                for _ in 0..rounds {
                    let rows = sqlx::query(SQL).bind(&body).fetch_all(&typed).await.unwrap();
                    let _: Vec<(i64, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
                }
                let t = start.elapsed().as_secs_f64() * 1e6 / rounds as f64;
                typed.close().await;
                let dir2 = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir2.path().join("a.db").display());
                let any = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|c, _| {
                        Box::pin(
                            async move { c.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;").await.map(|_| ()) },
                        )
                    })
                    .connect(&url)
                    .await
                    .unwrap();
                any.execute(TABLE).await.unwrap();
                let start = Instant::now();
                for _ in 0..rounds {
                    let rows = sqlx::query(SQL).bind(&body).fetch_all(&any).await.unwrap();
                    let _: Vec<(i64, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
                }
                let a = start.elapsed().as_secs_f64() * 1e6 / rounds as f64;
                println!("batch {size:>4} round {round}: typed {t:>8.1} µs  any {a:>8.1} µs  ×{:.2}", a / t);
            }
        }
    });
}
