//! From pose to receipt: live hints and the auto-shutter, the countdown and still, processing, review with
//! its retake limit, saving, and printing on the Done screen.
//!
//! Owns these transitions only; timing limits are applied in `timers`, faults in `mod`.

use super::effect::SaveRequest;
use super::event::{LiveSummary, PrintJobState, ProcessOutcome};
use super::screen::{
    DoneState, PoseNotice, PoseState, PrintState, ProcessingStage, ReviewState, SaveState, Screen,
};
use super::session::RecordRef;
use super::{COUNTDOWN_STEP, Effect, Flow};

impl Flow {
    pub(super) fn enter_pose(&mut self, notice: Option<PoseNotice>, fx: &mut Vec<Effect>) {
        let pose = PoseState::new(self.settings.hint_hold, notice);
        self.set_screen(Screen::Pose(pose), fx);
        // After a failed shot the student was waiting, not idle.
        self.last_activity = self.now;
    }

    pub(super) fn on_live_checks(&mut self, summary: &LiveSummary, fx: &mut Vec<Effect>) {
        let now = self.now;
        if summary.face_present && self.screen.runs_live_checks() {
            // Someone is posing: not idle, even without touching the screen.
            self.last_activity = now;
        }
        let Screen::Pose(pose) = &mut self.screen else {
            return;
        };
        pose.hints.observe(&summary.hints, now);
        pose.face_present = summary.face_present;
        let mut fire = false;
        if summary.all_green {
            let since = *pose.green_since.get_or_insert(now);
            fire = self.settings.auto_shutter
                && now.saturating_sub(since) >= self.settings.auto_shutter_hold;
        } else {
            pose.green_since = None;
        }
        if fire {
            self.start_countdown(fx);
        }
    }

    pub(super) fn on_capture_button(&mut self, fx: &mut Vec<Effect>) {
        if matches!(self.screen, Screen::Pose(_)) {
            self.start_countdown(fx);
        }
    }

    fn start_countdown(&mut self, fx: &mut Vec<Effect>) {
        if self.settings.countdown_secs == 0 {
            self.shutter(fx);
        } else {
            let countdown = Screen::Countdown {
                remaining_secs: self.settings.countdown_secs,
                next_at: self.now + COUNTDOWN_STEP,
            };
            self.set_screen(countdown, fx);
        }
    }

    /// The countdown reached zero: flash and take the still.
    pub(super) fn shutter(&mut self, fx: &mut Vec<Effect>) {
        let Some(session) = self.session.as_ref().map(super::Session::id) else {
            return;
        };
        let processing = Screen::Processing {
            started: self.now,
            stage: ProcessingStage::Capturing,
        };
        self.set_screen(processing, fx);
        fx.push(Effect::Flash);
        fx.push(Effect::CaptureStill { session });
    }

    pub(super) fn on_still_captured(&mut self, fx: &mut Vec<Effect>) {
        let Some(session) = self.session.as_ref().map(super::Session::id) else {
            return;
        };
        if let Screen::Processing { stage, .. } = &mut self.screen
            && *stage == ProcessingStage::Capturing
        {
            *stage = ProcessingStage::Analysing;
            fx.push(Effect::ProcessCapture { session });
        }
    }

    pub(super) fn on_still_failed(&mut self, fx: &mut Vec<Effect>) {
        if matches!(
            self.screen,
            Screen::Processing {
                stage: ProcessingStage::Capturing,
                ..
            }
        ) {
            self.enter_pose(Some(PoseNotice::CaptureFailed), fx);
        }
    }

    pub(super) fn on_processed(&mut self, outcome: ProcessOutcome) {
        let analysing = matches!(
            self.screen,
            Screen::Processing {
                stage: ProcessingStage::Analysing,
                ..
            }
        );
        let Some(session) = self.session.as_ref().filter(|_| analysing) else {
            return;
        };
        let retakes_left = self
            .settings
            .max_retakes
            .saturating_sub(session.retakes_used);
        self.screen = Screen::Review(ReviewState {
            outcome,
            retakes_left,
            save: SaveState::Idle,
        });
        // The review gets the full idle time, however long processing took.
        self.last_activity = self.now;
    }

    pub(super) fn on_process_failed(&mut self, fx: &mut Vec<Effect>) {
        if matches!(self.screen, Screen::Processing { .. }) {
            self.enter_pose(Some(PoseNotice::ProcessingFailed), fx);
        }
    }

    pub(super) fn on_accept(&mut self, fx: &mut Vec<Effect>) {
        let Screen::Review(review) = &mut self.screen else {
            return;
        };
        if !review.can_accept() {
            return;
        }
        let Some(session) = self.session.as_ref() else {
            return;
        };
        let (Some(student), Some(consent)) = (session.student.clone(), session.consent.clone())
        else {
            // Unreachable by construction (Pose needs both); refuse rather than save an anonymous record.
            self.end_visit(fx);
            return;
        };
        fx.push(Effect::SaveRecord(SaveRequest {
            session: session.id(),
            student,
            consent,
            retakes_used: session.retakes_used,
            passed: review.outcome.passed(),
            failures: review.outcome.failures(),
            warnings: review.outcome.warnings(),
        }));
        review.save = SaveState::Saving { since: self.now };
    }

    pub(super) fn on_retake(&mut self, fx: &mut Vec<Effect>) {
        let Screen::Review(review) = &self.screen else {
            return;
        };
        if !review.can_retake() {
            return;
        }
        if let Some(session) = self.session.as_mut() {
            session.retakes_used += 1;
            self.enter_pose(None, fx);
        }
    }

    pub(super) fn on_saved(&mut self, record: RecordRef) {
        let Screen::Review(review) = &self.screen else {
            return;
        };
        if !matches!(review.save, SaveState::Saving { .. }) {
            return;
        }
        let passed = review.outcome.passed();
        if let Some(session) = self.session.as_mut() {
            session.record = Some(record);
        }
        self.screen = Screen::Done(DoneState {
            record,
            passed,
            print: if self.settings.printer_configured {
                PrintState::Offered
            } else {
                PrintState::NotOffered
            },
            until: self.now + self.settings.done_return,
        });
        // The save may have taken a while; the receipt gets its full time.
        self.last_activity = self.now;
    }

    pub(super) fn on_save_failed(&mut self) {
        if let Screen::Review(review) = &mut self.screen
            && matches!(review.save, SaveState::Saving { .. })
        {
            review.save = SaveState::Failed;
            self.last_activity = self.now;
        }
    }

    pub(super) fn on_print(&mut self, fx: &mut Vec<Effect>) {
        let Some(session) = self.session.as_ref().map(super::Session::id) else {
            return;
        };
        let Screen::Done(done) = &mut self.screen else {
            return;
        };
        if matches!(done.print, PrintState::Offered | PrintState::Failed) {
            fx.push(Effect::Print {
                session,
                record: done.record,
            });
            done.print = PrintState::Queued;
            done.until = self.now + self.settings.done_return;
        }
    }

    pub(super) fn on_print_status(&mut self, state: PrintJobState) {
        let Screen::Done(done) = &mut self.screen else {
            return;
        };
        if matches!(done.print, PrintState::NotOffered | PrintState::Offered) {
            return;
        }
        done.print = match state {
            PrintJobState::Queued => PrintState::Queued,
            PrintJobState::Printing => PrintState::Printing,
            PrintJobState::Printed => PrintState::Printed,
            // The Done screen has one "not printed, please ask staff" state for both: the student's next
            // step is the same. Only a failure is a printer fault.
            PrintJobState::Failed | PrintJobState::Refused => PrintState::Failed,
        };
        // Let the student see how the print went before the booth resets.
        done.until = self.now + self.settings.done_return;
    }
}
