//! The databases the store's tests run on: SQLite always, PostgreSQL too
//! when a throw-away cluster can be started (Debian's `postgresql`, which
//! `make test` installs). One cluster serves every test of the process,
//! each test in a database of its own; a test run where PostgreSQL cannot
//! start says so once and tests SQLite alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::Store;

#[path = "../../tests/common/postgres.rs"]
#[allow(dead_code)]
mod cluster;

/// The process's PostgreSQL cluster, started at first use.
fn postgres() -> Option<&'static cluster::Postgres> {
    static CLUSTER: OnceLock<Option<cluster::Postgres>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| {
            let started = cluster::Postgres::start("the store's tests on PostgreSQL");
            if let Some(cluster) = &started {
                cluster.stop_when_process_ends();
            }
            started
        })
        .as_ref()
}

/// A new empty PostgreSQL database's URL, or `None` without a cluster.
pub(crate) fn postgres_database() -> Option<String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cluster = postgres()?;
    let name = format!("store_test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    Some(cluster.create_database(&name))
}

/// Where a test's databases are: an SQLite file in `dir`, and a new
/// PostgreSQL database when there is a cluster. Each may be opened again
/// (a restart).
pub(crate) fn databases(dir: &std::path::Path) -> Vec<String> {
    let mut all = vec![dir.join("store.db").display().to_string()];
    all.extend(postgres_database());
    all
}

/// A fresh store on each engine: in-memory SQLite, and PostgreSQL when
/// there is a cluster.
pub(crate) async fn stores() -> Vec<Store> {
    let mut all = vec![Store::open(":memory:").await.expect("an in-memory SQLite store")];
    if let Some(url) = postgres_database() {
        all.push(Store::open(&url).await.expect("a PostgreSQL store"));
    }
    all
}

/// Runs `test` on a fresh store on each engine ([`stores`]), saying which
/// (in the output a failure shows).
pub(crate) async fn each_store<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for store in stores().await {
        eprintln!("on {:?}:", store.backend());
        test(store).await;
    }
}
