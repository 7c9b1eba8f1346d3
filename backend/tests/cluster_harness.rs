//! The engines a Rollcall cluster runs on (issue 14: PostgreSQL for state,
//! NATS between nodes), as the tests start them: a throw-away PostgreSQL
//! cluster per test, and a NATS server per test, both on loopback. These
//! tests prove the harness works on this machine (and in CI) before the
//! store and the IM server depend on it: SQL round-trips through the
//! cluster, and a message published on NATS reaches a subscriber.
//!
//! `make test` installs both (scripts/test-deps.sh); where one cannot be
//! started, its test says why and passes.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::nats::Nats;
use common::postgres::Postgres;

#[test]
fn a_throw_away_postgres_cluster_takes_sql() {
    let Some(cluster) = Postgres::start("a_throw_away_postgres_cluster_takes_sql") else { return };
    cluster.psql("CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    cluster.psql("INSERT INTO users (name) VALUES ('alice'), ('bob')");
    assert_eq!(cluster.psql("SELECT string_agg(name, ',' ORDER BY id) FROM users"), "alice,bob");
    assert!(cluster.url.starts_with("postgres://postgres@127.0.0.1:"), "{}", cluster.url);
    // A second cluster is its own: nothing of the first is in it.
    let Some(other) = Postgres::start("a_throw_away_postgres_cluster_takes_sql") else { return };
    assert_ne!(other.url, cluster.url);
    assert_eq!(other.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), "0");
}

/// Reads lines until one starts with `prefix`.
fn line_starting(reader: &mut BufReader<TcpStream>, prefix: &str) -> String {
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("reads") > 0, "NATS closed the connection before `{prefix}`");
        if line.starts_with(prefix) {
            return line;
        }
    }
}

#[test]
fn a_nats_server_carries_a_message_from_publisher_to_subscriber() {
    let Some(nats) = Nats::start("a_nats_server_carries_a_message_from_publisher_to_subscriber") else { return };
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", nats.port)).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        assert!(line_starting(&mut reader, "INFO ").contains("\"server_id\""));
        let mut writer = stream;
        writer.write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n").expect("writes");
        line_starting(&mut reader, "PONG");
        (writer, reader)
    };
    let (mut subscriber, mut inbox) = connect();
    subscriber.write_all(b"SUB rollcall.test 1\r\nPING\r\n").expect("subscribes");
    line_starting(&mut inbox, "PONG"); // the subscription is in place
    let (mut publisher, _) = connect();
    publisher.write_all(b"PUB rollcall.test 5\r\nhello\r\n").expect("publishes");
    let header = line_starting(&mut inbox, "MSG ");
    assert_eq!(header.trim_end(), "MSG rollcall.test 1 5");
    assert_eq!(line_starting(&mut inbox, "").trim_end(), "hello");
}
