//! File descriptors: every WebSocket, TCP connection, database file and
//! outgoing HTTP connection holds one, and many systems start a process
//! with a soft limit of 1,024 — about a thousand users. A server raises its
//! soft limit to the hard limit at start, and says in the log what it got.

/// Below this many descriptors the log warns that connections will be
/// refused early (10,000 users and then some).
const WANTED: u64 = 16_384;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and logs the outcome;
/// the soft limit now in force.
pub fn raise() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot read the file descriptor limit");
        return 0;
    }
    let before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit reads the struct we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = limit.rlim_max;
        } else {
            tracing::warn!(error = %std::io::Error::last_os_error(), soft = before, hard = limit.rlim_max, "cannot raise the file descriptor limit");
        }
    }
    let now = limit.rlim_cur;
    if now < WANTED {
        tracing::warn!(
            limit = now,
            "file descriptors are limited to {now} (hard limit): connections beyond about that many will be refused; \
             raise the hard limit (LimitNOFILE= in a systemd unit, ulimit -Hn, /etc/security/limits.conf)"
        );
    } else if now != before {
        tracing::info!(from = before, to = now, "file descriptor limit raised");
    } else {
        tracing::info!(limit = now, "file descriptor limit");
    }
    now
}

#[cfg(test)]
mod tests;
