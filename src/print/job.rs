//! One print job from start to finish, on any [`Spooler`]: refuse when the printer cannot print, enforce
//! the per-record copy limit, submit with retries, watch the job and the printer, and report each step to
//! a [`JobLog`] (the database's print log) and to a progress callback (the UI).
//!
//! Owns the retry and polling policy. Knows nothing of records, SQL or PDFs: the caller supplies a
//! ready [`SpoolJob`], the copies already printed and the log to write to. Waiting goes through [`Pause`]
//! so tests run instantly and no clock is read.

use std::time::Duration;

use thiserror::Error;

use crate::print::spool::{
    JobState, JobStatus, PrinterState, PrinterStatus, SpoolError, SpoolJob, SpoolJobId, Spooler,
};

/// Copies of a record's photo sheet that may be printed in total unless config says otherwise
/// (issue 9: "a per-record copy limit from config (default 2)").
pub const DEFAULT_COPY_LIMIT_PER_RECORD: u32 = 2;
/// Submissions tried before giving up when the print server does not answer.
pub const DEFAULT_SUBMIT_ATTEMPTS: u32 = 3;
/// Wait between retries (kiosk.toml `print.retry_delay_secs`; cupsd restarts in well under this).
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(5);
/// Interval between job polls: a sheet takes 10–60 s on a dye-sub printer; a second is responsive enough.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How long to watch a job before handing back "still waiting" (it stays queued and is re-polled later).
pub const DEFAULT_WATCH_LIMIT: Duration = Duration::from_mins(3);
/// Consecutive failed polls tolerated before the server counts as gone.
pub const MAX_FAILED_POLLS: u32 = 5;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintPolicy {
    pub copy_limit_per_record: u32,
    /// Tries of each request to an unreachable print server (1 + kiosk.toml `print.retries`).
    pub submit_attempts: u32,
    pub retry_delay: Duration,
    pub poll_interval: Duration,
    pub watch_limit: Duration,
}

impl Default for PrintPolicy {
    fn default() -> Self {
        Self {
            copy_limit_per_record: DEFAULT_COPY_LIMIT_PER_RECORD,
            submit_attempts: DEFAULT_SUBMIT_ATTEMPTS,
            retry_delay: DEFAULT_RETRY_DELAY,
            poll_interval: DEFAULT_POLL_INTERVAL,
            watch_limit: DEFAULT_WATCH_LIMIT,
        }
    }
}

/// Something that waits (the thread in production, nothing in tests).
pub trait Pause {
    fn pause(&self, duration: Duration);
}

/// Waits by sleeping the calling thread (a print worker, never the UI thread).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadPause;

impl Pause for ThreadPause {
    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Where a job's life is recorded (the database's print log).
pub trait JobLog {
    /// The print server accepted the job.
    fn sent(&mut self, job: SpoolJobId) -> Result<(), LogError>;
    /// The job ended (or the watch gave up) with this outcome.
    fn finished(&mut self, outcome: &JobOutcome) -> Result<(), LogError>;
}

/// A failure of the print log, carried as text (the log's own error type stays in its module).
#[derive(Debug, Error)]
#[error("the print log could not be written: {0}")]
pub struct LogError(pub String);

/// How a watched job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Completed {
        job: SpoolJobId,
    },
    /// Cancelled or aborted by the print server or staff.
    Failed {
        job: SpoolJobId,
        state: JobState,
        reasons: Vec<String>,
    },
    /// Still queued when the watch limit ran out, usually because the printer needs staff.
    StillWaiting {
        job: SpoolJobId,
        printer: PrinterState,
    },
}

/// What the UI shows while a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintProgress {
    Submitted {
        job: SpoolJobId,
    },
    /// The job waits or prints; `printer` says why it may be stuck.
    Waiting {
        job: SpoolJobId,
        state: JobState,
        printer: PrinterState,
    },
    Done(JobOutcome),
}

/// Errors of a print job.
#[derive(Debug, Error)]
pub enum PrintError {
    #[error(
        "this photo has already been printed {printed} time(s); the limit is {limit} per record"
    )]
    CopyLimit {
        printed: u32,
        requested: u32,
        limit: u32,
    },
    #[error("printer {printer} cannot print now: {}", status.state)]
    PrinterNotReady {
        printer: String,
        status: PrinterStatus,
    },
    #[error("print job {job} {state}: {}", reasons.join(", "))]
    JobFailed {
        job: SpoolJobId,
        state: JobState,
        reasons: Vec<String>,
    },
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Refuses `requested` more copies when `printed` plus them would exceed `limit`.
pub fn check_copy_limit(printed: u32, requested: u32, limit: u32) -> Result<(), PrintError> {
    if printed.saturating_add(requested) > limit {
        return Err(PrintError::CopyLimit {
            printed,
            requested,
            limit,
        });
    }
    Ok(())
}

/// Calls `operation` until it succeeds, fails for good, or `attempts` transient failures have passed.
fn with_retries<T>(
    policy: &PrintPolicy,
    pause: &dyn Pause,
    mut operation: impl FnMut() -> Result<T, SpoolError>,
) -> Result<T, SpoolError> {
    let mut attempt = 1;
    loop {
        match operation() {
            Err(error) if error.is_transient() && attempt < policy.submit_attempts.max(1) => {
                tracing::warn!(%error, attempt, "print server did not answer; retrying");
                pause.pause(policy.retry_delay);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Everything a job needs besides the spooler.
pub struct JobContext<'a> {
    pub policy: PrintPolicy,
    pub pause: &'a dyn Pause,
    pub log: &'a mut dyn JobLog,
    pub progress: &'a mut dyn FnMut(PrintProgress),
}

/// Prints `job` and watches it. `printed_before` is what the record already had printed.
pub fn print_and_watch(
    spooler: &dyn Spooler,
    job: &SpoolJob,
    printed_before: u32,
    context: &mut JobContext<'_>,
) -> Result<JobOutcome, PrintError> {
    check_copy_limit(
        printed_before,
        job.copies,
        context.policy.copy_limit_per_record,
    )?;
    let status = with_retries(&context.policy, context.pause, || spooler.printer_status())?;
    if !status.state.can_print() {
        return Err(PrintError::PrinterNotReady {
            printer: spooler.printer().to_owned(),
            status,
        });
    }
    let id = with_retries(&context.policy, context.pause, || spooler.submit(job))?;
    tracing::info!(printer = spooler.printer(), job = id.0, copies = job.copies, title = %job.title, "print job sent");
    (context.progress)(PrintProgress::Submitted { job: id });
    if let Err(error) = context.log.sent(id) {
        // An unrecorded print would slip past the copy limit: take it back.
        if let Err(cancel_error) = spooler.cancel(id) {
            tracing::error!(%cancel_error, job = id.0, "could not cancel a print job the log did not record");
        }
        return Err(error.into());
    }
    let outcome = watch(spooler, id, context)?;
    context.log.finished(&outcome)?;
    (context.progress)(PrintProgress::Done(outcome.clone()));
    match outcome {
        JobOutcome::Failed {
            job,
            state,
            reasons,
        } => Err(PrintError::JobFailed {
            job,
            state,
            reasons,
        }),
        other => Ok(other),
    }
}

/// Polls until the job ends or the watch limit passes.
fn watch(
    spooler: &dyn Spooler,
    id: SpoolJobId,
    context: &mut JobContext<'_>,
) -> Result<JobOutcome, PrintError> {
    let interval = context.policy.poll_interval.max(Duration::from_millis(1));
    let polls = (context.policy.watch_limit.as_millis() / interval.as_millis()).max(1);
    let mut failed_polls = 0;
    let mut printer = PrinterState::Ready;
    for _ in 0..polls {
        let status: JobStatus = match spooler.job_status(id) {
            Ok(status) => {
                failed_polls = 0;
                status
            }
            Err(error) if error.is_transient() && failed_polls + 1 < MAX_FAILED_POLLS => {
                failed_polls += 1;
                tracing::warn!(%error, job = id.0, "job poll failed; trying again");
                context.pause.pause(interval);
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        match status.state {
            JobState::Completed => return Ok(JobOutcome::Completed { job: id }),
            JobState::Canceled | JobState::Aborted => {
                return Ok(JobOutcome::Failed {
                    job: id,
                    state: status.state,
                    reasons: status.reasons,
                });
            }
            state => {
                if let Ok(printer_status) = spooler.printer_status() {
                    printer = printer_status.state;
                }
                (context.progress)(PrintProgress::Waiting {
                    job: id,
                    state,
                    printer,
                });
            }
        }
        context.pause.pause(interval);
    }
    tracing::warn!(job = id.0, printer = %printer, "print job still waiting when the watch ended");
    Ok(JobOutcome::StillWaiting { job: id, printer })
}
