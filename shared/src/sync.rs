//! Locks, one policy: a poisoned lock is recovered.
//!
//! A `std::sync::Mutex` is poisoned when a thread panics while holding it.
//! Rollcall takes the data anyway ([`PoisonError::into_inner`]): a panic in
//! one task must not turn every later request into a silent no-op (the
//! `let Ok(..) = m.lock() else { return }` habit) or into a second panic
//! (`lock().unwrap()`). That is sound because every critical section is
//! kept short and leaves the data consistent at each point it could panic
//! — no `await`, no callbacks into unknown code, no half-done updates
//! across a call that may fail.
//!
//! Every std lock in the workspace is taken through [`LockExt::locked`].
//! tokio's async `Mutex` has no poisoning and is used as it is.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// [`Mutex::lock`] under the policy above.
pub trait LockExt<T: ?Sized> {
    /// Locks, recovering the data of a poisoned lock.
    fn locked(&self) -> MutexGuard<'_, T>;
}

impl<T: ?Sized> LockExt<T> for Mutex<T> {
    fn locked(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
