//! The watchdog's decisions, as pure code: given what happened and the current instant, is the camera
//! lost, and when should the worker try to reopen it (exponential back-off)?
//!
//! Owns only this state machine. The worker feeds it events with `Instant::now()` and carries out the
//! returned [`WatchdogAction`]; tests feed it synthetic instants.

use std::time::{Duration, Instant};

use super::settings::CameraSettings;

/// A still may switch the device to its largest mode and back, which takes some UVC cameras over a
/// second each way; the watchdog allows this much on top of its normal timeout while a still runs.
pub const STILL_MODE_SWITCH_ALLOWANCE: Duration = Duration::from_secs(3);

/// Opening a UVC camera and negotiating its mode (each trial starts the stream and waits for a first
/// frame) can take a few seconds; the watchdog allows this much on top of its timeout until the source
/// reports it is open. A hung open is still caught.
pub const OPEN_ALLOWANCE: Duration = Duration::from_secs(5);

/// Back-off doubles per failed attempt; the exponent is capped so the shift cannot overflow.
const MAX_BACKOFF_DOUBLINGS: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchdogConfig {
    /// No frame for this long means the camera is lost.
    pub timeout: Duration,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    /// Extra time allowed while a still is being taken (settle delay plus mode switching).
    pub still_allowance: Duration,
    /// Extra time allowed for opening the source, before its first frame is due.
    pub open_allowance: Duration,
}

impl From<&CameraSettings> for WatchdogConfig {
    fn from(settings: &CameraSettings) -> Self {
        Self {
            timeout: Duration::from_millis(settings.watchdog_ms),
            reconnect_initial: Duration::from_millis(settings.reconnect_initial_ms),
            reconnect_max: Duration::from_millis(settings.reconnect_max_ms),
            still_allowance: Duration::from_millis(settings.settle_ms)
                + STILL_MODE_SWITCH_ALLOWANCE,
            open_allowance: OPEN_ALLOWANCE,
        }
    }
}

/// What the worker must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchdogAction {
    /// Nothing yet.
    Wait,
    /// No frame arrived in time: abandon the session (the camera is lost).
    ReleaseLost { waited: Duration },
    /// Back-off elapsed: start a new session; `attempt` counts from 1 since the camera was last live.
    Reopen { attempt: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A session was started (`opened`: its source reported open at `since`); waiting for a first frame.
    Connecting {
        since: Instant,
        attempt: u32,
        opened: bool,
    },
    /// Frames are flowing.
    Streaming { last_frame: Instant },
    /// No session; the next attempt is due at `retry_at`.
    BackingOff { retry_at: Instant, attempt: u32 },
}

#[derive(Debug, Clone)]
pub struct Watchdog {
    config: WatchdogConfig,
    phase: Phase,
    still_since: Option<Instant>,
}

impl Watchdog {
    /// A watchdog for a session started at `now`.
    pub fn new(config: WatchdogConfig, now: Instant) -> Self {
        Self {
            config,
            phase: Phase::Connecting {
                since: now,
                attempt: 0,
                opened: false,
            },
            still_since: None,
        }
    }

    /// Delay before attempt `attempt` (1-based): initial, doubled per attempt, capped at the maximum.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(MAX_BACKOFF_DOUBLINGS);
        self.config
            .reconnect_initial
            .saturating_mul(1 << doublings)
            .min(self.config.reconnect_max)
    }

    /// Attempts made since the camera was last live (0 while live or on the first connection).
    pub fn attempt(&self) -> u32 {
        match self.phase {
            Phase::Connecting { attempt, .. } | Phase::BackingOff { attempt, .. } => attempt,
            Phase::Streaming { .. } => 0,
        }
    }

    /// The source opened: its first frame is due within the normal timeout from now.
    pub fn on_opened(&mut self, now: Instant) {
        if let Phase::Connecting { attempt, .. } = self.phase {
            self.phase = Phase::Connecting {
                since: now,
                attempt,
                opened: true,
            };
        }
    }

    pub fn on_frame(&mut self, now: Instant) {
        self.phase = Phase::Streaming { last_frame: now };
    }

    pub fn on_still_started(&mut self, now: Instant) {
        self.still_since = Some(now);
    }

    /// A finished still proves the camera works: it counts as a frame.
    pub fn on_still_finished(&mut self, now: Instant) {
        self.still_since = None;
        if matches!(self.phase, Phase::Streaming { .. }) {
            self.on_frame(now);
        }
    }

    /// The session ended by itself (open failed, read error, unplugged): back off before the next try.
    pub fn on_session_failed(&mut self, now: Instant) {
        self.still_since = None;
        let attempt = match self.phase {
            Phase::BackingOff { .. } => return,
            Phase::Connecting { attempt, .. } => attempt + 1,
            Phase::Streaming { .. } => 1,
        };
        self.phase = Phase::BackingOff {
            retry_at: now + self.backoff(attempt),
            attempt,
        };
    }

    /// The session was replaced on purpose (e.g. the demo found a real camera): connect again now.
    pub fn on_restart(&mut self, now: Instant) {
        self.still_since = None;
        self.phase = Phase::Connecting {
            since: now,
            attempt: 0,
            opened: false,
        };
    }

    /// When `on_tick` may next return something other than `Wait`.
    pub fn next_deadline(&self) -> Instant {
        match self.phase {
            Phase::Connecting {
                since,
                opened: true,
                ..
            } => since + self.config.timeout,
            Phase::Connecting { since, .. } => {
                since + self.config.timeout + self.config.open_allowance
            }
            Phase::Streaming { last_frame } => {
                let frame_deadline = last_frame + self.config.timeout;
                match self.still_since {
                    Some(still) => frame_deadline
                        .max(still + self.config.timeout + self.config.still_allowance),
                    None => frame_deadline,
                }
            }
            Phase::BackingOff { retry_at, .. } => retry_at,
        }
    }

    pub fn on_tick(&mut self, now: Instant) -> WatchdogAction {
        if now < self.next_deadline() {
            return WatchdogAction::Wait;
        }
        match self.phase {
            Phase::Connecting { since, attempt, .. } => {
                self.lose(now, attempt + 1);
                WatchdogAction::ReleaseLost {
                    waited: now.saturating_duration_since(since),
                }
            }
            Phase::Streaming { last_frame } => {
                self.lose(now, 1);
                WatchdogAction::ReleaseLost {
                    waited: now.saturating_duration_since(last_frame),
                }
            }
            Phase::BackingOff { attempt, .. } => {
                self.phase = Phase::Connecting {
                    since: now,
                    attempt,
                    opened: false,
                };
                WatchdogAction::Reopen { attempt }
            }
        }
    }

    fn lose(&mut self, now: Instant, attempt: u32) {
        self.still_since = None;
        self.phase = Phase::BackingOff {
            retry_at: now + self.backoff(attempt),
            attempt,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WatchdogConfig {
        WatchdogConfig {
            timeout: Duration::from_secs(2),
            reconnect_initial: Duration::from_millis(250),
            reconnect_max: Duration::from_secs(5),
            still_allowance: Duration::from_millis(3200),
            open_allowance: Duration::from_secs(5),
        }
    }

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn frames_keep_it_quiet_and_a_stall_is_lost_after_the_timeout() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        for ms in (0..10_000).step_by(33) {
            dog.on_frame(at(t0, ms));
            assert_eq!(dog.on_tick(at(t0, ms + 10)), WatchdogAction::Wait);
        }
        let last = at(t0, 9999);
        dog.on_frame(last);
        assert_eq!(dog.on_tick(at(t0, 9999 + 1999)), WatchdogAction::Wait);
        assert_eq!(
            dog.on_tick(at(t0, 9999 + 2000)),
            WatchdogAction::ReleaseLost {
                waited: Duration::from_secs(2)
            }
        );
        // First reopen after the initial back-off.
        assert_eq!(dog.on_tick(at(t0, 9999 + 2000 + 249)), WatchdogAction::Wait);
        assert_eq!(
            dog.on_tick(at(t0, 9999 + 2000 + 250)),
            WatchdogAction::Reopen { attempt: 1 }
        );
    }

    #[test]
    fn failed_attempts_back_off_exponentially_up_to_the_maximum() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        dog.on_frame(t0);
        let mut now = t0;
        let mut delays = Vec::new();
        dog.on_session_failed(now); // unplugged
        for _ in 0..7 {
            let deadline = dog.next_deadline();
            delays.push(deadline.duration_since(now).as_millis());
            now = deadline;
            let WatchdogAction::Reopen { attempt } = dog.on_tick(now) else {
                panic!("expected a reopen")
            };
            assert_eq!(attempt as usize, delays.len());
            dog.on_session_failed(now); // still unplugged
        }
        assert_eq!(delays, vec![250, 500, 1000, 2000, 4000, 5000, 5000]);
    }

    #[test]
    fn a_session_that_opens_but_never_delivers_is_lost_too() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        dog.on_opened(t0);
        assert!(matches!(
            dog.on_tick(at(t0, 2000)),
            WatchdogAction::ReleaseLost { .. }
        ));
        assert_eq!(dog.attempt(), 1);
        assert_eq!(
            dog.on_tick(at(t0, 2250)),
            WatchdogAction::Reopen { attempt: 1 }
        );
        // The reopened session hangs as well: the next back-off is longer.
        dog.on_opened(at(t0, 2250));
        assert!(matches!(
            dog.on_tick(at(t0, 4250)),
            WatchdogAction::ReleaseLost { .. }
        ));
        assert_eq!(dog.on_tick(at(t0, 4749)), WatchdogAction::Wait);
        assert_eq!(
            dog.on_tick(at(t0, 4750)),
            WatchdogAction::Reopen { attempt: 2 }
        );
        // Frames again: live, attempts reset.
        dog.on_frame(at(t0, 5000));
        assert_eq!(dog.attempt(), 0);
        assert_eq!(dog.on_tick(at(t0, 6999)), WatchdogAction::Wait);
    }

    #[test]
    fn a_still_in_progress_gets_its_allowance_and_then_counts_as_a_frame() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        dog.on_frame(t0);
        dog.on_still_started(at(t0, 100));
        assert_eq!(dog.on_tick(at(t0, 100 + 2000 + 3199)), WatchdogAction::Wait);
        dog.on_still_finished(at(t0, 5000));
        assert_eq!(dog.on_tick(at(t0, 6999)), WatchdogAction::Wait);
        assert!(matches!(
            dog.on_tick(at(t0, 7000)),
            WatchdogAction::ReleaseLost { .. }
        ));
    }

    #[test]
    fn a_hung_still_is_still_caught() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        dog.on_frame(t0);
        dog.on_still_started(t0);
        assert!(matches!(
            dog.on_tick(at(t0, 5200)),
            WatchdogAction::ReleaseLost { .. }
        ));
    }

    #[test]
    fn a_restart_connects_at_once_without_counting_an_attempt() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        dog.on_frame(t0);
        dog.on_restart(at(t0, 10));
        assert_eq!(dog.attempt(), 0);
        assert_eq!(dog.on_tick(at(t0, 11)), WatchdogAction::Wait);
        assert_eq!(dog.next_deadline(), at(t0, 2010 + 5000));
    }

    #[test]
    fn opening_gets_its_allowance_and_a_hung_open_is_still_caught() {
        let t0 = Instant::now();
        let mut dog = Watchdog::new(config(), t0);
        // A slow open (mode negotiation) is not a loss...
        assert_eq!(dog.on_tick(at(t0, 6999)), WatchdogAction::Wait);
        dog.on_opened(at(t0, 6000));
        // ...but once open, the first frame is due within the normal timeout.
        assert_eq!(dog.on_tick(at(t0, 7999)), WatchdogAction::Wait);
        assert!(matches!(
            dog.on_tick(at(t0, 8000)),
            WatchdogAction::ReleaseLost { .. }
        ));
        // An open that never returns is lost after timeout + allowance.
        let mut hung = Watchdog::new(config(), t0);
        assert!(matches!(
            hung.on_tick(at(t0, 7000)),
            WatchdogAction::ReleaseLost { .. }
        ));
    }

    #[test]
    fn back_off_never_overflows() {
        let dog = Watchdog::new(config(), Instant::now());
        assert_eq!(dog.backoff(u32::MAX), Duration::from_secs(5));
        assert_eq!(dog.backoff(1), Duration::from_millis(250));
    }
}
