//! The flags of a node of a cluster (`--cluster`, `--node`, …).

use std::time::Duration;

use clap::Args;
use rollcall::im_server::cluster::ClusterConfig;

/// Joining a cluster of IM server nodes (docs/operations.md "A cluster of
/// IM servers").
#[derive(Args)]
pub(crate) struct ClusterArgs {
    /// The cluster's NATS server(s), e.g. nats://10.0.0.5:4222 (a user and
    /// password or token may go in the URL); alone without it.
    #[arg(long = "cluster", value_name = "NATS_URL", env = "ROLLCALL_CLUSTER")]
    pub(crate) cluster: Option<String>,
    /// This node's name (letters, digits, - and _); random without it.
    #[arg(long, env = "ROLLCALL_NODE")]
    pub(crate) node: Option<String>,
    /// The first token of the cluster's NATS subjects: clusters that share
    /// a NATS server keep apart by it.
    #[arg(long, default_value = "rollcall", env = "ROLLCALL_CLUSTER_PREFIX")]
    pub(crate) cluster_prefix: String,
    /// How often a node tells the others it is alive, in milliseconds.
    #[arg(long, default_value_t = 1000, env = "ROLLCALL_CLUSTER_HEARTBEAT_MS")]
    pub(crate) cluster_heartbeat_ms: u64,
    /// A node not heard for this many milliseconds is gone: its users'
    /// bindings are dropped everywhere.
    #[arg(long, default_value_t = 3000, env = "ROLLCALL_CLUSTER_TIMEOUT_MS")]
    pub(crate) cluster_timeout_ms: u64,
}

impl ClusterArgs {
    /// The cluster to join, if any.
    pub(crate) fn config(&self) -> anyhow::Result<Option<ClusterConfig>> {
        let Some(url) = &self.cluster else { return Ok(None) };
        anyhow::ensure!(
            self.cluster_heartbeat_ms > 0 && self.cluster_timeout_ms > self.cluster_heartbeat_ms,
            "--cluster-timeout-ms must be longer than --cluster-heartbeat-ms"
        );
        let mut config = ClusterConfig::new(url);
        config.node = self.node.clone();
        config.prefix = self.cluster_prefix.clone();
        config.heartbeat = Duration::from_millis(self.cluster_heartbeat_ms);
        config.timeout = Duration::from_millis(self.cluster_timeout_ms);
        Ok(Some(config))
    }
}
