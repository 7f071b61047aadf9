//! What the flow asks the shell to do. The shell executes each effect by sending a command to a worker (or
//! by scheduling a repaint) and reports back with an [`super::Event`].
//!
//! Owns the effect vocabulary only; nothing here performs anything.

use std::time::Duration;

use super::input::{Pin, StudentKey};
use super::session::{ConsentRecord, RecordRef, SessionId, Student};

/// One instruction for the shell, in the order the flow emitted it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run the live checks on preview frames and report `LiveChecks` for this session.
    StartLiveChecks {
        session: SessionId,
    },
    StopLiveChecks,
    /// Look for QR codes in the preview and report `QrDecoded` for this session.
    StartQrScan {
        session: SessionId,
    },
    StopQrScan,
    /// Take a full-resolution still; report `StillCaptured` / `StillFailed`.
    CaptureStill {
        session: SessionId,
    },
    /// Check and standardize the session's still; report `Processed` / `ProcessFailed`.
    ProcessCapture {
        session: SessionId,
    },
    /// Store the session's photo as a new record; report `Saved` / `SaveFailed`.
    SaveRecord(SaveRequest),
    /// Print the record; report `PrintStatus`.
    Print {
        session: SessionId,
        record: RecordRef,
    },
    /// Ask the roster; report `StudentLookup`.
    LookupStudent {
        session: SessionId,
        key: StudentKey,
    },
    /// Ask the PIN store; report `PinResult`.
    VerifyPin(Pin),
    /// The visit is over: delete its frames, captures and typed data. Nothing refers to it again.
    DiscardSession {
        session: SessionId,
    },
    /// Persist the out-of-service switch (staff changed it in maintenance).
    SetOutOfService(bool),
    /// Switch the profile the booth produces (chosen in maintenance).
    SelectProfile(String),
    /// Flash the screen white for the shutter.
    Flash,
    /// Nothing changes before this time unless an event arrives: repaint (and send `Tick`) then.
    RequestRepaintAt(Duration),
}

impl Effect {
    /// The visit the effect is about, if any.
    pub fn session(&self) -> Option<SessionId> {
        match self {
            Effect::StartLiveChecks { session }
            | Effect::StartQrScan { session }
            | Effect::CaptureStill { session }
            | Effect::ProcessCapture { session }
            | Effect::Print { session, .. }
            | Effect::LookupStudent { session, .. }
            | Effect::DiscardSession { session } => Some(*session),
            Effect::SaveRecord(request) => Some(request.session),
            Effect::StopLiveChecks
            | Effect::StopQrScan
            | Effect::VerifyPin(_)
            | Effect::SetOutOfService(_)
            | Effect::SelectProfile(_)
            | Effect::Flash
            | Effect::RequestRepaintAt(_) => None,
        }
    }
}

/// Everything the store needs besides the images (which the shell holds for the session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRequest {
    pub session: SessionId,
    pub student: Student,
    pub consent: ConsentRecord,
    pub retakes_used: u32,
    /// The pre-check passed; a failed photo is submitted only when retakes ran out.
    pub passed: bool,
    pub failures: Vec<String>,
    pub warnings: Vec<String>,
}
