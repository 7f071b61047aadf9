//! Camera demand: whether anybody looks at the frames. An idle booth (Attract, out of service) still
//! reads the device — so the watchdog keeps working and the camera does not fall asleep — but skips the
//! decode and publishes nothing; switching back to [`Demand::Live`] gives a decoded frame with the next
//! read, without reopening the device.
//!
//! Owns only the shared flag; the worker, the sessions and the sources read it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the booth needs decoded frames now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Demand {
    /// Frames are decoded and published (preview, live checks, QR scan).
    #[default]
    Live,
    /// Frames are read and counted for the watchdog, never decoded or published.
    Idle,
}

/// The demand shared between the handle (writer) and the worker and its sessions (readers).
#[derive(Debug, Clone, Default)]
pub(super) struct SharedDemand {
    idle: Arc<AtomicBool>,
}

impl SharedDemand {
    pub(super) fn set(&self, demand: Demand) {
        self.idle.store(demand == Demand::Idle, Ordering::Release);
    }

    pub(super) fn get(&self) -> Demand {
        if self.idle.load(Ordering::Acquire) {
            Demand::Idle
        } else {
            Demand::Live
        }
    }
}
