//! Everything that can happen to the booth: taps from the UI and reports from the shell's workers.
//!
//! Owns the event vocabulary and its payloads, kept generic (check codes as strings, no images): the shell
//! keeps the heavy data keyed by [`SessionId`]. Every worker report about a visit names its session, so a
//! late answer for a visit that has ended is ignored instead of leaking into the next student's.

use std::time::Duration;

use super::faults::Fault;
use super::hint::Hint;
use super::input::{Pin, StudentKey};
use super::screen::MaintenancePage;
use super::session::{RecordRef, SessionId};

/// One input to [`super::Flow::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    // --- taps (the person's intent, from the UI) ---
    Start,
    ToggleLanguage,
    AcceptConsent,
    Decline,
    KeypadDigit(char),
    KeypadBackspace,
    /// "下一步 / Next" under the keypad: look the number up.
    SubmitNumber,
    /// "是我 / That's me" (or "号码正确 / Number correct" without a roster).
    ConfirmStudent,
    CaptureButton,
    Accept,
    Retake,
    Print,
    /// Back out: leaves the visit (or maintenance, or the PIN screen); stops a countdown; finishes Done.
    Cancel,
    /// The hidden corner is pressed / released (the flow times the long press).
    CornerPress,
    CornerRelease,
    PinEntered(Pin),
    MaintenancePage(MaintenancePage),
    SelectProfile(String),
    SetOutOfService(bool),

    // --- worker reports ---
    /// One live-check result (at the configured live_check_hz).
    LiveChecks {
        session: SessionId,
        summary: LiveSummary,
    },
    CameraStatus(CameraStatus),
    StillCaptured {
        session: SessionId,
    },
    StillFailed {
        session: SessionId,
    },
    Processed {
        session: SessionId,
        outcome: ProcessOutcome,
    },
    ProcessFailed {
        session: SessionId,
    },
    Saved {
        session: SessionId,
        record: RecordRef,
    },
    /// `disk_full` raises [`Fault::DiskFull`]; the shell clears it with `FaultCleared` when space returns.
    SaveFailed {
        session: SessionId,
        disk_full: bool,
    },
    /// Progress of the print job started for `session` (faults are taken from it even after the visit).
    PrintStatus {
        session: SessionId,
        state: PrintJobState,
    },
    StudentLookup {
        session: SessionId,
        key: StudentKey,
        result: LookupResult,
    },
    /// Text of a QR code seen by the camera while the Identify screen scans.
    QrDecoded {
        session: SessionId,
        text: String,
    },
    PinResult(PinOutcome),
    FaultRaised(Fault),
    FaultCleared(Fault),
    /// Time passed (the shell sends it when a requested repaint time arrives).
    Tick,
}

impl Event {
    /// Whether the event is a person touching the screen (resets the idle timer).
    pub fn is_tap(&self) -> bool {
        matches!(
            self,
            Event::Start
                | Event::ToggleLanguage
                | Event::AcceptConsent
                | Event::Decline
                | Event::KeypadDigit(_)
                | Event::KeypadBackspace
                | Event::SubmitNumber
                | Event::ConfirmStudent
                | Event::CaptureButton
                | Event::Accept
                | Event::Retake
                | Event::Print
                | Event::Cancel
                | Event::CornerPress
                | Event::CornerRelease
                | Event::PinEntered(_)
                | Event::MaintenancePage(_)
                | Event::SelectProfile(_)
                | Event::SetOutOfService(_)
        )
    }
}

/// The live checks on one preview frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveSummary {
    /// Every live check passed.
    pub all_green: bool,
    /// A face was found (someone is at the booth: counts as activity).
    pub face_present: bool,
    /// What to tell the student, most important first.
    pub hints: Vec<Hint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraStatus {
    /// The watchdog saw no frame; the camera worker is reconnecting.
    Lost,
    /// Frames flow (again).
    Live,
}

/// Pass/warn/fail of one check, as the Review list marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMark {
    Pass,
    Warn,
    Fail,
}

/// One line of the Review check list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// The check's reason code (`head_tilted`).
    pub code: String,
    pub mark: CheckMark,
    pub message_zh: String,
    pub message_en: String,
}

/// The result of checking and standardizing one capture; the photo itself stays with the shell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcessOutcome {
    pub checks: Vec<CheckLine>,
    /// How long processing took (shown to staff, not to students).
    pub elapsed: Duration,
}

impl ProcessOutcome {
    /// No check failed (warnings allowed): "初审合格 / Pre-check passed".
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.mark != CheckMark::Fail)
    }

    pub fn failures(&self) -> Vec<String> {
        self.codes(CheckMark::Fail)
    }

    pub fn warnings(&self) -> Vec<String> {
        self.codes(CheckMark::Warn)
    }

    fn codes(&self, mark: CheckMark) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| c.mark == mark)
            .map(|c| c.code.clone())
            .collect()
    }
}

/// A print job's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintJobState {
    Queued,
    Printing,
    Printed,
    /// The job failed (raises [`Fault::PrinterError`]).
    Failed,
    /// The booth refused the job by policy (the record's copy limit is reached): nothing is wrong with the
    /// printer, so no fault is raised; the Done screen shows the print as not done (staff can help).
    Refused,
}

/// The roster's answer for a student key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupResult {
    Found {
        name: String,
    },
    Ineligible {
        name: String,
    },
    NotFound,
    /// No roster is loaded at this booth.
    NoRoster,
    /// The roster could not be read; the visit continues as without a roster (staff review every record).
    Failed,
}

/// The PIN store's answer (it counts failures and enforces the lockout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinOutcome {
    Accepted { staff: String },
    Wrong { attempts_left: u32 },
    LockedOut { retry_after: Duration },
}
