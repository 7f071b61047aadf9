//! One booth at a time per test binary: each test that builds a whole booth (models, camera worker, live
//! checks, pipeline) holds this guard while its booth lives. The test harness runs tests on parallel threads,
//! and several booths sharing two loaded CI cores starve each other's fake-camera threads past the
//! watchdog, which ends a visit under a test's feet. A test that builds a second booth on the same thread
//! does not wait for itself.

use std::cell::Cell;
use std::sync::{Mutex, MutexGuard, PoisonError};

static SERIAL: Mutex<()> = Mutex::new(());

thread_local! {
    static HELD_BY_THIS_THREAD: Cell<usize> = const { Cell::new(0) };
}

pub struct SerialGuard {
    _guard: Option<MutexGuard<'static, ()>>,
}

impl SerialGuard {
    pub fn acquire() -> SerialGuard {
        let held = HELD_BY_THIS_THREAD.get();
        HELD_BY_THIS_THREAD.set(held + 1);
        if held > 0 {
            return SerialGuard { _guard: None };
        }
        // A test that panicked while holding the guard must not fail the others.
        let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        SerialGuard {
            _guard: Some(guard),
        }
    }
}

impl Drop for SerialGuard {
    fn drop(&mut self) {
        HELD_BY_THIS_THREAD.set(HELD_BY_THIS_THREAD.get().saturating_sub(1));
    }
}
