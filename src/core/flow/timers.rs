//! Everything that happens because time passed: the idle timeout, the staff corner's long press, the
//! countdown, give-up limits for in-flight work, the Done screen's return, the PIN lockout's end, the
//! Attract slides; and the next time any of them is due, so the shell repaints only then.
//!
//! Owns no clock: `Flow::now` is whatever the last event carried.

use std::time::Duration;

use super::screen::{PinState, PoseNotice, ReviewState, SaveState, Screen};
use super::{ATTRACT_SLIDE_PERIOD, COUNTDOWN_STEP, Effect, Flow, PROCESSING_TIMEOUT, SAVE_TIMEOUT};

impl Flow {
    /// The next time something changes by itself (a repaint and `Event::Tick` are due then).
    pub fn next_deadline(&self) -> Option<Duration> {
        [
            self.corner_deadline(),
            self.idle_deadline(),
            self.screen_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub(super) fn advance_timers(&mut self, fx: &mut Vec<Effect>) {
        if self.corner_deadline().is_some_and(|at| self.now >= at) {
            self.corner_down_since = None;
            self.set_screen(Screen::StaffPin(PinState::Entering), fx);
        }
        if self.idle_deadline().is_some_and(|at| self.now >= at) {
            if matches!(self.screen, Screen::Attract { .. }) {
                // Nobody came after the language was switched: the next student starts in the default.
                self.language = self.settings.default_language;
            } else {
                self.end_visit(fx);
            }
        }
        self.advance_screen_clock(fx);
    }

    pub(super) fn schedule_repaint(&mut self, fx: &mut Vec<Effect>) {
        let next = self.next_deadline();
        if next != self.repaint_requested {
            if let Some(at) = next {
                fx.push(Effect::RequestRepaintAt(at));
            }
            self.repaint_requested = next;
        }
    }

    fn corner_deadline(&self) -> Option<Duration> {
        self.corner_down_since
            .map(|since| since + self.settings.corner_hold)
    }

    fn idle_deadline(&self) -> Option<Duration> {
        let applies = match &self.screen {
            Screen::Attract { .. } => self.language != self.settings.default_language,
            // Work in flight has its own limits; Failsafe and out-of-service have no visit to discard.
            Screen::Processing { .. } | Screen::Failsafe { .. } | Screen::OutOfService => false,
            Screen::Review(review) => !matches!(review.save, SaveState::Saving { .. }),
            Screen::Consent
            | Screen::Identify(_)
            | Screen::Pose(_)
            | Screen::Countdown { .. }
            | Screen::Done(_)
            | Screen::Maintenance(_)
            | Screen::StaffPin(_) => true,
        };
        applies.then(|| self.last_activity + self.settings.idle_timeout)
    }

    fn screen_deadline(&self) -> Option<Duration> {
        match &self.screen {
            Screen::Attract { next_slide_at, .. } => Some(*next_slide_at),
            Screen::Countdown { next_at, .. } => Some(*next_at),
            Screen::Processing { started, .. } => Some(*started + PROCESSING_TIMEOUT),
            Screen::Review(ReviewState {
                save: SaveState::Saving { since },
                ..
            }) => Some(*since + SAVE_TIMEOUT),
            Screen::Done(done) => Some(done.until),
            Screen::StaffPin(PinState::LockedOut { until }) => Some(*until),
            _ => None,
        }
    }

    fn advance_screen_clock(&mut self, fx: &mut Vec<Effect>) {
        let now = self.now;
        let due = self.screen_deadline().is_some_and(|at| now >= at);
        if !due {
            return;
        }
        match &mut self.screen {
            Screen::Attract {
                slide,
                next_slide_at,
            } => {
                *slide = slide.wrapping_add(1);
                *next_slide_at = now + ATTRACT_SLIDE_PERIOD;
            }
            Screen::Countdown {
                remaining_secs,
                next_at,
            } => {
                while now >= *next_at && *remaining_secs > 0 {
                    *remaining_secs -= 1;
                    *next_at += COUNTDOWN_STEP;
                }
                if *remaining_secs == 0 {
                    self.shutter(fx);
                }
            }
            Screen::Processing { .. } => self.enter_pose(Some(PoseNotice::ProcessingFailed), fx),
            Screen::Review(review) => {
                review.save = SaveState::Failed;
                self.last_activity = now;
            }
            Screen::Done(_) => self.end_visit(fx),
            Screen::StaffPin(pin) => *pin = PinState::Entering,
            _ => {}
        }
    }
}
