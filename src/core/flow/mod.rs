//! The booth state machine: `Flow::handle(event, now) -> Vec<Effect>`.
//!
//! Owns the screens ([`Screen`]), the current visit ([`Session`]), the active faults, the idle, countdown,
//! hint-hold and auto-shutter timing, and every rule about which event is allowed where. Pure: time comes in
//! as `now` (a monotonic [`Duration`] since any epoch the shell picks), workers are reached only through the
//! returned [`Effect`]s, and their answers come back as [`Event`]s naming the session they belong to.
//! Knows nothing of egui, cameras, models, the database or the printer.
//!
//! The shell's loop: drain worker channels → `handle` each event → execute the effects → draw
//! `flow.screen()` → turn taps into events; ask for a repaint at [`Flow::next_deadline`] (also emitted as
//! `Effect::RequestRepaintAt` when it changes) and send `Event::Tick` then. An idle Attract screen has one
//! deadline every [`ATTRACT_SLIDE_PERIOD`], so the booth costs next to nothing while nobody is there.

mod capture;
pub mod effect;
pub mod event;
pub mod faults;
pub mod hint;
mod identify;
pub mod input;
pub mod screen;
pub mod session;
pub mod settings;
mod staff;
mod timers;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::core::locale::Language;

pub use effect::{Effect, SaveRequest};
pub use event::{
    CameraStatus, CheckLine, CheckMark, Event, LiveSummary, LookupResult, PinOutcome,
    PrintJobState, ProcessOutcome,
};
pub use faults::{Fault, Worker};
pub use hint::{Hint, HintDebouncer};
pub use input::{InputError, Pin, StudentKey};
pub use screen::{
    DoneState, IdentifyState, Lookup, MaintenancePage, MaintenanceState, PinState, PoseNotice,
    PoseState, PrintState, ProcessingStage, ReviewState, ReviewVerdict, SaveState, Screen,
};
pub use session::{ConsentRecord, RecordRef, Session, SessionId, Student};
pub use settings::{ConsentNotice, FlowSettings};

/// How often the idle Attract screen moves to its next slide: slow enough to read a line, rare enough that
/// an unattended booth repaints almost never.
pub const ATTRACT_SLIDE_PERIOD: Duration = Duration::from_secs(8);
/// One step of the 3-2-1 countdown.
pub const COUNTDOWN_STEP: Duration = Duration::from_secs(1);
/// Give up on a still or its processing after this long and let the student try again. Processing takes
/// under a second (issue 7); only a wedged worker takes this long, and the shell reports a dead one.
pub const PROCESSING_TIMEOUT: Duration = Duration::from_secs(20);
/// Give up waiting for the store to confirm a save (a write takes milliseconds).
pub const SAVE_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest profile name accepted from the maintenance screen (config names are short identifiers).
const PROFILE_NAME_MAX_CHARS: usize = 64;

/// The booth's state machine.
#[derive(Debug, Clone)]
pub struct Flow {
    settings: FlowSettings,
    screen: Screen,
    session: Option<Session>,
    language: Language,
    faults: BTreeSet<Fault>,
    out_of_service: bool,
    /// Last touch (or face in front of the camera, or QR code shown).
    last_activity: Duration,
    /// Latest time seen; `now` never goes backwards even if the shell's clock does.
    now: Duration,
    corner_down_since: Option<Duration>,
    last_session_id: u64,
    repaint_requested: Option<Duration>,
}

impl Flow {
    /// A booth at its start screen (or out of service, as configured).
    pub fn new(settings: FlowSettings, now: Duration) -> Flow {
        let mut flow = Flow {
            language: settings.default_language,
            out_of_service: settings.out_of_service,
            settings,
            screen: Screen::OutOfService,
            session: None,
            faults: BTreeSet::new(),
            last_activity: now,
            now,
            corner_down_since: None,
            last_session_id: 0,
            repaint_requested: None,
        };
        flow.screen = flow.home_screen();
        flow
    }

    /// Applies one event at time `now` and returns what the shell must do, in order.
    pub fn handle(&mut self, event: Event, now: Duration) -> Vec<Effect> {
        self.now = self.now.max(now);
        let mut fx = Vec::new();
        // Timers first: a tap arriving after the idle timeout lands on the fresh start screen.
        self.advance_timers(&mut fx);
        if event.is_tap() {
            self.last_activity = self.now;
        }
        self.dispatch(event, &mut fx);
        // Anything the event made due at once (a lockout of zero seconds, say).
        self.advance_timers(&mut fx);
        self.enforce_faults(&mut fx);
        self.schedule_repaint(&mut fx);
        fx
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The current visit, if a student is using the booth.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn faults(&self) -> &BTreeSet<Fault> {
        &self.faults
    }

    pub fn out_of_service(&self) -> bool {
        self.out_of_service
    }

    pub fn settings(&self) -> &FlowSettings {
        &self.settings
    }

    fn dispatch(&mut self, event: Event, fx: &mut Vec<Effect>) {
        match event {
            Event::Start => self.on_start(fx),
            Event::ToggleLanguage => {
                self.language = match self.language {
                    Language::Zh => Language::En,
                    Language::En => Language::Zh,
                };
            }
            Event::AcceptConsent => self.on_accept_consent(fx),
            Event::Decline => {
                if matches!(self.screen, Screen::Consent) {
                    self.end_visit(fx);
                }
            }
            Event::KeypadDigit(key) => self.on_keypad_key(key),
            Event::KeypadBackspace => self.on_backspace(),
            Event::SubmitNumber => self.on_submit_number(fx),
            Event::ConfirmStudent => self.on_confirm_student(fx),
            Event::CaptureButton => self.on_capture_button(fx),
            Event::Accept => self.on_accept(fx),
            Event::Retake => self.on_retake(fx),
            Event::Print => self.on_print(fx),
            Event::Cancel => self.on_cancel(fx),
            Event::CornerPress => self.on_corner_press(),
            Event::CornerRelease => self.corner_down_since = None,
            Event::PinEntered(pin) => self.on_pin_entered(pin, fx),
            Event::PinResult(outcome) => self.on_pin_result(outcome, fx),
            Event::MaintenancePage(page) => self.on_maintenance_page(page),
            Event::SelectProfile(name) => self.on_select_profile(name, fx),
            Event::SetOutOfService(on) => self.on_set_out_of_service(on, fx),
            Event::CameraStatus(CameraStatus::Lost) => {
                self.faults.insert(Fault::CameraLost);
            }
            Event::CameraStatus(CameraStatus::Live) => {
                self.faults.remove(&Fault::CameraLost);
                self.faults.remove(&Fault::WorkerFailed(Worker::Camera));
            }
            Event::FaultRaised(fault) => {
                self.faults.insert(fault);
            }
            Event::FaultCleared(fault) => {
                self.faults.remove(&fault);
            }
            Event::SaveFailed { session, disk_full } => {
                if disk_full {
                    self.faults.insert(Fault::DiskFull);
                }
                if self.is_current(session) {
                    self.on_save_failed();
                }
            }
            Event::PrintStatus { session, state } => {
                match state {
                    PrintJobState::Failed => {
                        self.faults.insert(Fault::PrinterError);
                    }
                    PrintJobState::Printed => {
                        self.faults.remove(&Fault::PrinterError);
                    }
                    PrintJobState::Queued | PrintJobState::Printing | PrintJobState::Refused => {}
                }
                if self.is_current(session) {
                    self.on_print_status(state);
                }
            }
            Event::Tick => {}
            event => self.dispatch_session_report(event, fx),
        }
    }

    /// Worker answers about a visit: ignored unless they are about the current one.
    fn dispatch_session_report(&mut self, event: Event, fx: &mut Vec<Effect>) {
        match event {
            Event::LiveChecks { session, summary } if self.is_current(session) => {
                self.on_live_checks(&summary, fx);
            }
            Event::StillCaptured { session } if self.is_current(session) => {
                self.on_still_captured(fx);
            }
            Event::StillFailed { session } if self.is_current(session) => self.on_still_failed(fx),
            Event::Processed { session, outcome } if self.is_current(session) => {
                self.on_processed(outcome);
            }
            Event::ProcessFailed { session } if self.is_current(session) => {
                self.on_process_failed(fx);
            }
            Event::Saved { session, record } if self.is_current(session) => self.on_saved(record),
            Event::StudentLookup {
                session,
                key,
                result,
            } if self.is_current(session) => {
                self.on_lookup(&key, result);
            }
            Event::QrDecoded { session, text } if self.is_current(session) => self.on_qr(&text, fx),
            _ => {}
        }
    }

    fn is_current(&self, session: SessionId) -> bool {
        self.session.as_ref().is_some_and(|s| s.id() == session)
    }

    fn on_cancel(&mut self, fx: &mut Vec<Effect>) {
        match &self.screen {
            Screen::Countdown { .. } => self.enter_pose(None, fx),
            // The save is in flight: leaving now could hide a stored record from its student.
            Screen::Review(review) if matches!(review.save, SaveState::Saving { .. }) => {}
            Screen::Consent
            | Screen::Identify(_)
            | Screen::Pose(_)
            | Screen::Processing { .. }
            | Screen::Review(_)
            | Screen::Done(_)
            | Screen::Maintenance(_)
            | Screen::StaffPin(_) => self.end_visit(fx),
            Screen::Attract { .. } | Screen::Failsafe { .. } | Screen::OutOfService => {}
        }
    }

    /// Where the booth rests when nobody is using it.
    fn home_screen(&self) -> Screen {
        if self.out_of_service {
            Screen::OutOfService
        } else if !self.faults.is_empty() {
            Screen::Failsafe {
                causes: self.faults.clone(),
            }
        } else {
            Screen::Attract {
                slide: 0,
                next_slide_at: self.now + ATTRACT_SLIDE_PERIOD,
            }
        }
    }

    /// Ends the visit however it ends: back to the resting screen, the session discarded, the language reset
    /// for the next student.
    fn end_visit(&mut self, fx: &mut Vec<Effect>) {
        let home = self.home_screen();
        self.set_screen(home, fx);
        if let Some(session) = self.session.take() {
            fx.push(Effect::DiscardSession {
                session: session.id(),
            });
        }
        self.language = self.settings.default_language;
        self.last_activity = self.now;
    }

    /// Switches screens, starting and stopping the live checks and the QR scan as screens need them.
    fn set_screen(&mut self, next: Screen, fx: &mut Vec<Effect>) {
        let was_live = self.screen.runs_live_checks();
        let was_scanning = matches!(self.screen, Screen::Identify(_));
        let live = next.runs_live_checks();
        let scanning = matches!(next, Screen::Identify(_));
        if was_live && !live {
            fx.push(Effect::StopLiveChecks);
        }
        if was_scanning && !scanning {
            fx.push(Effect::StopQrScan);
        }
        if let Some(session) = self.session.as_ref().map(Session::id) {
            if live && !was_live {
                fx.push(Effect::StartLiveChecks { session });
            }
            if scanning && !was_scanning {
                fx.push(Effect::StartQrScan { session });
            }
        }
        if !matches!(
            next,
            Screen::Attract { .. } | Screen::OutOfService | Screen::Failsafe { .. }
        ) {
            self.corner_down_since = None;
        }
        self.screen = next;
    }

    /// Applies the fault set to the screen: interrupts what a fault stops, keeps Failsafe's list current,
    /// and leaves Failsafe once every cause has cleared.
    fn enforce_faults(&mut self, fx: &mut Vec<Effect>) {
        if self
            .faults
            .iter()
            .any(|fault| fault.interrupts(&self.screen))
        {
            self.end_visit(fx);
        }
        if let Screen::Failsafe { causes } = &mut self.screen {
            if self.faults.is_empty() || self.out_of_service {
                // Recovered: a fresh start screen, in the default language.
                self.end_visit(fx);
            } else if *causes != self.faults {
                causes.clone_from(&self.faults);
            }
        }
    }
}

#[cfg(test)]
mod print_tests;
