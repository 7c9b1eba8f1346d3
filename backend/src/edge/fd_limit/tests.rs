#[test]
fn the_soft_limit_ends_at_the_hard_limit() {
    let now = super::raise();
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
    assert_eq!(limit.rlim_cur, limit.rlim_max);
    assert_eq!(now, limit.rlim_cur);
}
