use std::sync::{Arc, Mutex};

use super::*;

#[test]
fn a_poisoned_mutex_is_recovered() {
    let shared = Arc::new(Mutex::new(vec![1]));
    let in_thread = Arc::clone(&shared);
    let panicked = std::thread::spawn(move || {
        let mut data = in_thread.locked();
        data.push(2);
        panic!("a task panics while holding the lock");
    })
    .join();
    assert!(panicked.is_err());
    assert!(shared.is_poisoned());
    // The data is taken as the panicking thread left it, and usable again.
    shared.locked().push(3);
    assert_eq!(*shared.locked(), [1, 2, 3]);
}
