//! The screens of the booth, each carrying exactly the data it shows. The UI draws `flow.screen()`; only the
//! flow changes it.
//!
//! Owns the per-screen state types and their read-only helpers; transitions live in the handler files.

use std::collections::BTreeSet;
use std::time::Duration;

use super::event::{CheckMark, ProcessOutcome};
use super::faults::Fault;
use super::hint::{Hint, HintDebouncer};
use super::input::{InputError, StudentKey};
use super::session::RecordRef;

/// What the booth shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Start screen; `slide` counts up while idle (the UI shows `slide % its slide count`).
    Attract {
        slide: u32,
        next_slide_at: Duration,
    },
    /// The privacy notice (text in `FlowSettings::notice`).
    Consent,
    Identify(IdentifyState),
    Pose(PoseState),
    /// 3-2-1: `remaining_secs` is the number shown, `next_at` when it changes.
    Countdown {
        remaining_secs: u32,
        next_at: Duration,
    },
    Processing {
        started: Duration,
        stage: ProcessingStage,
    },
    Review(ReviewState),
    Done(DoneState),
    /// "请联系工作人员 / Please ask staff" with the active causes; recovers when they clear.
    Failsafe {
        causes: BTreeSet<Fault>,
    },
    Maintenance(MaintenanceState),
    OutOfService,
    StaffPin(PinState),
}

impl Screen {
    /// Short name for logs and tests.
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Attract { .. } => "attract",
            Screen::Consent => "consent",
            Screen::Identify(_) => "identify",
            Screen::Pose(_) => "pose",
            Screen::Countdown { .. } => "countdown",
            Screen::Processing { .. } => "processing",
            Screen::Review(_) => "review",
            Screen::Done(_) => "done",
            Screen::Failsafe { .. } => "failsafe",
            Screen::Maintenance(_) => "maintenance",
            Screen::OutOfService => "out_of_service",
            Screen::StaffPin(_) => "staff_pin",
        }
    }

    /// Screens that belong to a student's visit (a session exists exactly while one of these shows).
    pub fn in_session(&self) -> bool {
        matches!(
            self,
            Screen::Consent
                | Screen::Identify(_)
                | Screen::Pose(_)
                | Screen::Countdown { .. }
                | Screen::Processing { .. }
                | Screen::Review(_)
                | Screen::Done(_)
        )
    }

    /// Screens during which the live checks run.
    pub(crate) fn runs_live_checks(&self) -> bool {
        matches!(self, Screen::Pose(_) | Screen::Countdown { .. })
    }
}

/// What the Identify screen shows: the number being typed and where its roster lookup stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentifyState {
    /// Keypad text so far (upper-cased, within the format).
    pub typed: String,
    pub lookup: Lookup,
    /// The last refused key, submission or QR code, shown under the keypad until the next key.
    pub problem: Option<InputError>,
}

/// Where the identification stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lookup {
    /// Still typing.
    #[default]
    Typing,
    /// Waiting for the roster.
    Pending(StudentKey),
    /// On the roster and eligible: the name is shown for confirmation.
    Found { key: StudentKey, name: String },
    /// On the roster but not eligible here: explained, cannot continue.
    Ineligible { key: StudentKey, name: String },
    /// A roster is loaded and this number is not on it: check the number or ask staff.
    NotFound(StudentKey),
    /// No roster at this booth (or it could not be read): confirm the number; staff add the name.
    Unlisted(StudentKey),
}

impl Lookup {
    /// The key the student may confirm now, with the roster name if there is one.
    pub fn confirmable(&self) -> Option<(&StudentKey, Option<&str>)> {
        match self {
            Lookup::Found { key, name } => Some((key, Some(name.as_str()))),
            Lookup::Unlisted(key) => Some((key, None)),
            _ => None,
        }
    }
}

/// Why the Pose screen was re-entered after a shot that did not work out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoseNotice {
    /// The camera gave no still: "请再试一次 / Please try again".
    CaptureFailed,
    /// The photo could not be processed: "请再试一次 / Please try again".
    ProcessingFailed,
}

/// The live pose screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoseState {
    pub(crate) hints: HintDebouncer,
    /// Since when every live check has been green (`None` while any is red).
    pub green_since: Option<Duration>,
    /// Whether the last live result saw a face (the UI dims the guide when not).
    pub face_present: bool,
    pub notice: Option<PoseNotice>,
}

impl PoseState {
    pub(crate) fn new(hint_hold: Duration, notice: Option<PoseNotice>) -> PoseState {
        PoseState {
            hints: HintDebouncer::new(hint_hold),
            green_since: None,
            face_present: false,
            notice,
        }
    }

    /// The debounced hint to show.
    pub fn hint(&self) -> Option<Hint> {
        self.hints.shown()
    }

    /// Auto-shutter progress in 0..=1 (for a ring around the capture button).
    pub fn shutter_progress(&self, now: Duration, hold: Duration) -> f32 {
        match self.green_since {
            Some(since) if !hold.is_zero() => {
                (now.saturating_sub(since).as_secs_f32() / hold.as_secs_f32()).min(1.0)
            }
            Some(_) => 1.0,
            None => 0.0,
        }
    }
}

/// What the Processing screen is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessingStage {
    /// The camera is taking the still.
    Capturing,
    /// The still is being checked and standardized.
    Analysing,
}

/// Whether the record is being saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveState {
    Idle,
    Saving {
        since: Duration,
    },
    /// The last save failed (not for lack of space): "保存失败，请重试或联系工作人员".
    Failed,
}

/// What the student can do with the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewVerdict {
    /// "初审合格 / Pre-check passed": accept, or retake if any left.
    Passed,
    /// Some check failed and retakes remain: retake (accepting is not offered).
    RetakeNeeded,
    /// Some check failed and no retakes remain: "请联系工作人员"; the photo may still be submitted for staff
    /// to decide, since checks can be wrong.
    AskStaff,
}

/// The Review screen: the standardized photo (held by the shell), its checks and the choices.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewState {
    pub outcome: ProcessOutcome,
    pub retakes_left: u32,
    pub save: SaveState,
}

impl ReviewState {
    pub fn verdict(&self) -> ReviewVerdict {
        if self.outcome.passed() {
            ReviewVerdict::Passed
        } else if self.retakes_left > 0 {
            ReviewVerdict::RetakeNeeded
        } else {
            ReviewVerdict::AskStaff
        }
    }

    /// Whether the Accept (or "submit for staff") button works now.
    pub fn can_accept(&self) -> bool {
        self.verdict() != ReviewVerdict::RetakeNeeded
            && !matches!(self.save, SaveState::Saving { .. })
    }

    pub fn can_retake(&self) -> bool {
        self.retakes_left > 0 && !matches!(self.save, SaveState::Saving { .. })
    }

    /// The checks with a cross, for the reasons list.
    pub fn failed_checks(&self) -> impl Iterator<Item = &super::event::CheckLine> {
        self.outcome
            .checks
            .iter()
            .filter(|c| c.mark == CheckMark::Fail)
    }
}

/// Printing on the Done screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintState {
    /// No printer at this booth: no button.
    NotOffered,
    /// The print button is shown.
    Offered,
    Queued,
    Printing,
    Printed,
    /// "打印失败，请联系工作人员"; the button offers a retry.
    Failed,
    /// The record's copy limit is used up: no retry (it would be refused again); staff can print more.
    LimitReached,
}

/// The receipt: record number, status 待审核 (pending review), printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoneState {
    pub record: RecordRef,
    /// Whether the pre-check passed (a failed photo was submitted for staff to decide).
    pub passed: bool,
    pub print: PrintState,
    /// When the booth returns to the start by itself.
    pub until: Duration,
}

/// Maintenance sub-pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenancePage {
    Overview,
    /// Camera diagnostics (negotiated mode, frame rate, reconnects: the shell has them).
    Camera,
    /// Choosing the profile the booth produces.
    Profile,
}

/// Staff maintenance mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceState {
    /// The staff account that unlocked it (for the audit log the shell writes).
    pub staff: String,
    pub page: MaintenancePage,
}

/// The staff PIN screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    Entering,
    /// Not a PIN (wrong length, not digits): not sent to the store.
    Malformed,
    /// The store is checking it.
    Checking,
    Wrong {
        attempts_left: u32,
    },
    /// Too many wrong PINs; entry is refused until `until`.
    LockedOut {
        until: Duration,
    },
}
