//! What the booth's workers send back to `Booth`: one channel, drained by `Booth::pump`, each report naming
//! the session it is about. Carries the heavy data (photos) that the flow's events leave out.
//!
//! Owns the report vocabulary and the sender side that wakes the UI. Decides nothing.

use std::sync::Arc;

use crossbeam_channel::{Sender, TrySendError};
use image::RgbImage;

use crate::core::flow::{
    LiveSummary, LookupResult, PinOutcome, PrintJobState, ProcessOutcome, RecordRef, SessionId,
    StudentKey,
};

use super::views::{LiveFace, PrinterView};

/// Reports waiting for `pump`: generous, because `pump` runs at the UI's frame rate and every worker
/// sends at most a handful per session step.
pub(super) const REPORT_CAPACITY: usize = 256;

/// The standardized photo and what the store keeps with it.
#[derive(Debug, Clone)]
pub(super) struct ProcessedPhoto {
    pub pixels: Arc<RgbImage>,
    /// The encoded photo meeting the profile (what the record stores).
    pub encoded: Vec<u8>,
    pub report_json: String,
    pub params_json: String,
}

/// One worker report.
#[derive(Debug)]
pub(super) enum Report {
    Live {
        session: SessionId,
        summary: LiveSummary,
        face: Option<LiveFace>,
    },
    Qr {
        session: SessionId,
        text: String,
    },
    Processed {
        session: SessionId,
        outcome: ProcessOutcome,
        photo: Option<ProcessedPhoto>,
    },
    ProcessFailed {
        session: SessionId,
    },
    Saved {
        session: SessionId,
        record: RecordRef,
    },
    SaveFailed {
        session: SessionId,
        disk_full: bool,
    },
    /// A write succeeded: a disk-full fault, if any, is over.
    WriteSucceeded,
    Lookup {
        session: SessionId,
        key: StudentKey,
        result: LookupResult,
    },
    Pin(PinOutcome),
    Print {
        session: SessionId,
        state: PrintJobState,
    },
    Printer(PrinterView),
}

/// A worker's way back to the booth: the report channel plus the UI waker.
#[derive(Clone)]
pub(super) struct Reporter {
    reports: Sender<Report>,
    waker: Arc<dyn Fn() + Send + Sync>,
}

impl Reporter {
    pub(super) fn new(reports: Sender<Report>, waker: Arc<dyn Fn() + Send + Sync>) -> Self {
        Self { reports, waker }
    }

    /// Sends a report that must arrive (blocks while the booth is behind; the queue is deep).
    /// False when the booth is gone.
    pub(super) fn send(&self, report: Report) -> bool {
        let sent = self.reports.send(report).is_ok();
        (self.waker)();
        sent
    }

    /// Sends a report that may be dropped when the booth is behind (live results: a newer one follows).
    /// False only when the booth is gone.
    pub(super) fn offer(&self, report: Report) -> bool {
        match self.reports.try_send(report) {
            Ok(()) => {
                (self.waker)();
                true
            }
            Err(TrySendError::Full(_)) => true,
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}
