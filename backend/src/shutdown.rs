//! Graceful shutdown: one signal that every part of a process watches.
//! On [`Shutdown::begin`] the listeners stop accepting and ask their HTTP
//! connections to finish the request in hand, WebSockets are closed with a
//! close frame (1001, going away), and then the caller flushes what is
//! queued for the database and checkpoints it (`serve::Running::stop`).

use std::sync::Arc;

use tokio::sync::watch;

/// Cheap to clone; every clone sees the same signal.
#[derive(Clone)]
pub struct Shutdown {
    tx: Arc<watch::Sender<bool>>,
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    pub fn new() -> Self {
        let (tx, rx) = watch::channel(false);
        Shutdown { tx: Arc::new(tx), rx }
    }

    /// Starts the shutdown, for every holder.
    pub fn begin(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_begun(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until the shutdown has begun.
    pub async fn begun(&self) {
        let mut rx = self.rx.clone();
        let _ = rx.wait_for(|begun| *begun).await;
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown").field("begun", &self.is_begun()).finish()
    }
}

/// Waits for SIGTERM or Ctrl-C (SIGINT).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests;
