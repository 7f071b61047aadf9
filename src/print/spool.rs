//! The spooler seam: what the booth needs from a print system (submit a PDF, watch the job, read the
//! printer's state), as a trait with typed states, so the booth and its tests do not depend on CUPS.
//!
//! Owns the vocabulary (`PrinterState`, `JobState`, `SpoolError`) and the mapping from IPP's printer-state
//! and printer-state-reasons keywords (RFC 8011 §5.4.11–12, PWG 5100.9) to it. Knows nothing of sheets,
//! records or databases.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::print::layout::SizeMm;

/// What the staff UI and the booth's Done screen show about the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Idle and accepting jobs.
    Ready,
    /// Printing or processing; new jobs queue behind.
    Busy,
    /// Stopped by staff (`cupsdisable`) or paused at the device: jobs wait in the queue.
    Paused,
    /// The paper tray is empty.
    OutOfPaper,
    /// Paper is stuck in the printer.
    PaperJam,
    /// Ink, ribbon or toner is used up.
    OutOfInk,
    /// A door or cover is open.
    CoverOpen,
    /// The printer does not answer (unplugged, switched off, or the print server is down).
    Offline,
    /// The queue refuses new jobs (`cupsreject`).
    NotAccepting,
    /// No printer of that name exists on the print server.
    Missing,
}

impl PrinterState {
    /// Whether a job sent now would start printing without staff help.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterState::Ready | PrinterState::Busy)
    }

    /// Short English text for staff screens and logs.
    pub fn describe_en(self) -> &'static str {
        match self {
            PrinterState::Ready => "ready",
            PrinterState::Busy => "printing",
            PrinterState::Paused => "paused",
            PrinterState::OutOfPaper => "out of paper",
            PrinterState::PaperJam => "paper jam",
            PrinterState::OutOfInk => "out of ink or ribbon",
            PrinterState::CoverOpen => "cover open",
            PrinterState::Offline => "offline",
            PrinterState::NotAccepting => "not accepting jobs",
            PrinterState::Missing => "no such printer",
        }
    }

    /// Short Chinese text for the booth's screens.
    pub fn describe_zh(self) -> &'static str {
        match self {
            PrinterState::Ready => "打印机就绪",
            PrinterState::Busy => "正在打印",
            PrinterState::Paused => "打印机已暂停",
            PrinterState::OutOfPaper => "打印机缺纸",
            PrinterState::PaperJam => "打印机卡纸",
            PrinterState::OutOfInk => "墨水或色带用完",
            PrinterState::CoverOpen => "打印机盖未关",
            PrinterState::Offline => "打印机离线",
            PrinterState::NotAccepting => "打印机拒绝新任务",
            PrinterState::Missing => "找不到打印机",
        }
    }
}

impl fmt::Display for PrinterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe_en())
    }
}

/// The printer's state with the raw facts behind it (for diagnostics).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterStatus {
    pub state: PrinterState,
    /// IPP printer-state-reasons keywords as reported (`media-empty-error`, `paused`...).
    pub reasons: Vec<String>,
    /// The printer-state-message, if any.
    pub message: String,
    /// Jobs waiting in the queue.
    pub queued_jobs: u32,
}

/// IPP printer-state values (RFC 8011 §5.4.11).
pub const IPP_PRINTER_IDLE: i32 = 3;
pub const IPP_PRINTER_PROCESSING: i32 = 4;
pub const IPP_PRINTER_STOPPED: i32 = 5;

/// Maps IPP printer-state, printer-state-reasons and printer-is-accepting-jobs to a [`PrinterState`].
/// Device problems win over "stopped": a stopped printer that is out of paper shows "out of paper",
/// which tells staff what to do.
pub fn printer_state_from_ipp(
    printer_state: i32,
    reasons: &[String],
    accepting: bool,
) -> PrinterState {
    // A reason keyword may carry a severity suffix (-report, -warning, -error); reports are informational.
    let has = |keyword: &str| {
        reasons.iter().any(|reason| {
            let base = reason
                .strip_suffix("-error")
                .or_else(|| reason.strip_suffix("-warning"))
                .unwrap_or(reason);
            base == keyword
        })
    };
    if has("media-empty") || has("media-needed") || has("input-tray-missing") {
        PrinterState::OutOfPaper
    } else if has("media-jam") {
        PrinterState::PaperJam
    } else if has("marker-supply-empty") || has("toner-empty") || has("marker-waste-full") {
        PrinterState::OutOfInk
    } else if has("door-open") || has("cover-open") || has("interlock-open") {
        PrinterState::CoverOpen
    } else if has("offline") || has("shutdown") || has("timed-out") || has("connecting-to-device") {
        PrinterState::Offline
    } else if printer_state == IPP_PRINTER_STOPPED || has("paused") || has("moving-to-paused") {
        PrinterState::Paused
    } else if !accepting {
        PrinterState::NotAccepting
    } else if printer_state == IPP_PRINTER_PROCESSING {
        PrinterState::Busy
    } else {
        PrinterState::Ready
    }
}

/// A job's id on the print server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpoolJobId(pub i32);

impl fmt::Display for SpoolJobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// IPP job-state (RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Held,
    Processing,
    /// Processing stopped because the printer stopped (see the printer's state).
    Stopped,
    Canceled,
    Aborted,
    Completed,
}

impl JobState {
    /// Maps the IPP enum value; unknown values are `None`.
    pub fn from_ipp(value: i32) -> Option<Self> {
        Some(match value {
            3 => JobState::Pending,
            4 => JobState::Held,
            5 => JobState::Processing,
            6 => JobState::Stopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            9 => JobState::Completed,
            _ => return None,
        })
    }

    /// Whether the job will not change any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Canceled | JobState::Aborted | JobState::Completed
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            JobState::Pending => "pending",
            JobState::Held => "held",
            JobState::Processing => "processing",
            JobState::Stopped => "stopped",
            JobState::Canceled => "canceled",
            JobState::Aborted => "aborted",
            JobState::Completed => "completed",
        };
        f.write_str(text)
    }
}

/// A job's state with the raw reasons behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
    pub state: JobState,
    /// IPP job-state-reasons keywords (`job-completed-successfully`, `printer-stopped`...).
    pub reasons: Vec<String>,
}

/// A PDF to print.
#[derive(Debug, Clone)]
pub struct SpoolJob {
    /// Shown in the print queue.
    pub title: String,
    pub pdf: Vec<u8>,
    /// Copies of the whole document, made by the print server.
    pub copies: u32,
    /// The paper the PDF was laid out for; sent so the printer does not scale or pick other paper.
    pub paper_mm: SizeMm,
}

/// Errors talking to the print system.
#[derive(Debug, Error)]
pub enum SpoolError {
    #[error("the print server at {server} does not answer: {detail}")]
    Unreachable { server: String, detail: String },
    #[error("printer {0} does not exist on the print server")]
    PrinterMissing(String),
    #[error("print job {0} is unknown to the print server")]
    JobMissing(SpoolJobId),
    #[error("the print server refused the request: {0}")]
    Refused(String),
    #[error("the print server sent an answer idbooth does not understand: {0}")]
    Protocol(String),
}

impl SpoolError {
    /// Whether trying again later may succeed (the server was down or restarting).
    pub fn is_transient(&self) -> bool {
        matches!(self, SpoolError::Unreachable { .. })
    }
}

/// A print system: CUPS over IPP in production, [`crate::print::fake::FakeSpooler`] in tests and demos.
pub trait Spooler: Send + Sync {
    /// The printer (queue) this spooler prints to.
    fn printer(&self) -> &str;
    fn printer_status(&self) -> Result<PrinterStatus, SpoolError>;
    fn submit(&self, job: &SpoolJob) -> Result<SpoolJobId, SpoolError>;
    fn job_status(&self, job: SpoolJobId) -> Result<JobStatus, SpoolError>;
    fn cancel(&self, job: SpoolJobId) -> Result<(), SpoolError>;
}

/// A shared spooler is a spooler (the booth's print worker and its status poller hold the same one).
impl<S: Spooler + ?Sized> Spooler for std::sync::Arc<S> {
    fn printer(&self) -> &str {
        (**self).printer()
    }

    fn printer_status(&self) -> Result<PrinterStatus, SpoolError> {
        (**self).printer_status()
    }

    fn submit(&self, job: &SpoolJob) -> Result<SpoolJobId, SpoolError> {
        (**self).submit(job)
    }

    fn job_status(&self, job: SpoolJobId) -> Result<JobStatus, SpoolError> {
        (**self).job_status(job)
    }

    fn cancel(&self, job: SpoolJobId) -> Result<(), SpoolError> {
        (**self).cancel(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn ipp_states_and_reasons_map_to_what_staff_must_do() {
        let cases = [
            (IPP_PRINTER_IDLE, vec!["none"], true, PrinterState::Ready),
            (IPP_PRINTER_PROCESSING, vec![], true, PrinterState::Busy),
            (
                IPP_PRINTER_STOPPED,
                vec!["paused"],
                true,
                PrinterState::Paused,
            ),
            (IPP_PRINTER_STOPPED, vec![], true, PrinterState::Paused),
            (
                IPP_PRINTER_STOPPED,
                vec!["paused", "media-empty-error"],
                true,
                PrinterState::OutOfPaper,
            ),
            (
                IPP_PRINTER_PROCESSING,
                vec!["media-needed-warning"],
                true,
                PrinterState::OutOfPaper,
            ),
            (
                IPP_PRINTER_STOPPED,
                vec!["media-jam-error"],
                true,
                PrinterState::PaperJam,
            ),
            (
                IPP_PRINTER_IDLE,
                vec!["marker-supply-empty-error"],
                true,
                PrinterState::OutOfInk,
            ),
            (
                IPP_PRINTER_IDLE,
                vec!["cover-open"],
                true,
                PrinterState::CoverOpen,
            ),
            (
                IPP_PRINTER_PROCESSING,
                vec!["offline-report"],
                true,
                PrinterState::Busy,
            ),
            (
                IPP_PRINTER_STOPPED,
                vec!["offline-error"],
                true,
                PrinterState::Offline,
            ),
            (
                IPP_PRINTER_PROCESSING,
                vec!["connecting-to-device"],
                true,
                PrinterState::Offline,
            ),
            (IPP_PRINTER_IDLE, vec![], false, PrinterState::NotAccepting),
        ];
        for (state, list, accepting, expected) in cases {
            assert_eq!(
                printer_state_from_ipp(state, &reasons(&list), accepting),
                expected,
                "{state} {list:?} {accepting}"
            );
        }
    }

    #[test]
    fn only_ready_and_busy_printers_print_and_every_state_has_texts() {
        let all = [
            PrinterState::Ready,
            PrinterState::Busy,
            PrinterState::Paused,
            PrinterState::OutOfPaper,
            PrinterState::PaperJam,
            PrinterState::OutOfInk,
            PrinterState::CoverOpen,
            PrinterState::Offline,
            PrinterState::NotAccepting,
            PrinterState::Missing,
        ];
        let printable: Vec<_> = all.into_iter().filter(|s| s.can_print()).collect();
        assert_eq!(printable, [PrinterState::Ready, PrinterState::Busy]);
        for state in all {
            assert!(!state.describe_en().is_empty() && !state.describe_zh().is_empty());
        }
    }

    #[test]
    fn job_states_follow_rfc_8011() {
        assert_eq!(JobState::from_ipp(9), Some(JobState::Completed));
        assert_eq!(JobState::from_ipp(6), Some(JobState::Stopped));
        assert_eq!(JobState::from_ipp(2), None);
        assert!(JobState::Aborted.is_final() && !JobState::Held.is_final());
    }
}
