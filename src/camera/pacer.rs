//! Frame pacing for the sources that make their own frames (demo, file, fake): sleep until the next frame is
//! due, and drop the backlog instead of racing to catch up when the thread fell behind.
//!
//! Owns only the timing; it knows nothing of frames or devices.

use std::time::{Duration, Instant};

/// When the next frame of a self-timed source is due.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    next_due: Option<Instant>,
}

impl Pacer {
    /// Sleeps until the next frame is due at `interval` (the first call returns at once).
    pub(crate) fn wait(&mut self, interval: Duration) {
        let now = Instant::now();
        let due = *self.next_due.get_or_insert(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        // Fell behind (slow machine, debug build): start afresh rather than deliver a burst.
        let base = if now.saturating_duration_since(due) > interval * 2 {
            now
        } else {
            due
        };
        self.next_due = Some(base + interval);
    }

    /// Forgets the schedule (the source was reopened): the next frame is due at once.
    pub(crate) fn reset(&mut self) {
        self.next_due = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_spaced_by_the_interval_and_a_backlog_is_dropped() {
        let interval = Duration::from_millis(20);
        let mut pacer = Pacer::default();
        let start = Instant::now();
        pacer.wait(interval);
        assert!(start.elapsed() < interval, "the first frame is due at once");
        pacer.wait(interval);
        assert!(start.elapsed() >= interval, "the second waits one interval");
        // Fall far behind: the next wait does not return a burst of overdue frames.
        std::thread::sleep(interval * 5);
        pacer.wait(interval);
        let after_backlog = Instant::now();
        pacer.wait(interval);
        assert!(after_backlog.elapsed() >= interval / 2, "no catch-up burst");
    }
}
