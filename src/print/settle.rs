//! Settling the print log after a restart: jobs a crashed or killed process left `queued` or `sent` are
//! brought up to date from the spooler. The staff station and the booth (its printing worker, before the
//! first job) call [`settle_after_restart`] when they start.
//!
//! Owns only this reconciliation; SQL stays in `storage`.

use crate::core::record::{Actor, PrintJobId, PrintJobState, RecordId};
use crate::print::spool::{JobState, SpoolError, SpoolJobId, Spooler};
use crate::storage::Store;

use super::record::RecordPrintError;

/// A `queued` row younger than this may belong to a live process sharing the database (another booth)
/// that is still submitting it: its submit attempts take at most (retries + 1) IPP timeouts plus the
/// retry delays, about a minute with the shipped settings and under ten minutes with the largest
/// allowed ones. Older `queued` rows were never sent.
pub const QUEUED_GRACE_S: i64 = 10 * 60;

/// What [`settle_unfinished_jobs`] did to one print job row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledJob {
    pub job: PrintJobId,
    pub record: RecordId,
    /// The row's new state, or `None` when the job is still queued or printing.
    pub now: Option<PrintJobState>,
}

/// Brings the print log up to date after a restart or a watch that gave up: rows never sent (the process
/// died before submitting; older than [`QUEUED_GRACE_S`]) fail, rows whose spooler job has ended take its outcome, the rest stay. Each
/// row is asked of the spooler its printer name gives (`spooler_for`), so several queues are fine.
pub fn settle_unfinished_jobs<'s>(
    store: &mut Store,
    spooler_for: &dyn Fn(&str) -> Option<&'s dyn Spooler>,
    actor: &Actor,
    now_unix_s: i64,
) -> Result<Vec<SettledJob>, RecordPrintError> {
    let mut settled = Vec::new();
    for row in store.unfinished_print_jobs()? {
        let spooler_job = row
            .spooler_job
            .as_deref()
            .and_then(|id| id.parse::<i32>().ok());
        let (state, error) = match (row.state, spooler_job) {
            (PrintJobState::Queued, _) | (_, None)
                if now_unix_s - row.updated_at_unix_s < QUEUED_GRACE_S =>
            {
                (None, String::new())
            }
            (PrintJobState::Queued, _) | (_, None) => (
                Some(PrintJobState::Failed),
                "never reached the printer (idbooth stopped before sending it)".to_owned(),
            ),
            (_, Some(id)) => {
                match spooler_for(&row.printer).map(|spooler| spooler.job_status(SpoolJobId(id))) {
                    Some(Ok(status)) if status.state == JobState::Completed => {
                        (Some(PrintJobState::Completed), String::new())
                    }
                    Some(Ok(status)) if status.state.is_final() => (
                        Some(PrintJobState::Failed),
                        format!("{}: {}", status.state, status.reasons.join(", ")),
                    ),
                    Some(Err(SpoolError::JobMissing(_))) => (
                        Some(PrintJobState::Failed),
                        "the print server no longer knows this job".to_owned(),
                    ),
                    Some(Ok(_)) => (None, String::new()),
                    Some(Err(error)) => {
                        tracing::warn!(%error, job = row.id.0, "cannot ask the print server about a job; trying later");
                        (None, String::new())
                    }
                    None => {
                        tracing::warn!(printer = %row.printer, job = row.id.0, "no spooler for this printer; job left as is");
                        (None, String::new())
                    }
                }
            }
        };
        if let Some(state) = state {
            store.update_print_job(row.id, state, None, &error, actor, now_unix_s)?;
        }
        settled.push(SettledJob {
            job: row.id,
            record: row.record_id,
            now: state,
        });
    }
    Ok(settled)
}

/// Settles every unfinished job at start-up with the one spooler this process prints to (jobs of other
/// printers are left for the process that owns them), logging what changed. Blocks for one IPP request
/// per unfinished job: call it off the UI thread. Returns the settled rows.
pub fn settle_after_restart(
    store: &mut Store,
    spooler: &dyn Spooler,
    actor: &Actor,
    now_unix_s: i64,
) -> Result<Vec<SettledJob>, RecordPrintError> {
    let printer = spooler.printer();
    let spooler_for = |name: &str| (name == printer).then_some(spooler);
    let settled = settle_unfinished_jobs(store, &spooler_for, actor, now_unix_s)?;
    for job in &settled {
        if let Some(state) = job.now {
            tracing::info!(job = job.job.0, record = job.record.0, %state, "print job settled after a restart");
        } else {
            tracing::debug!(job = job.job.0, "print job still unfinished");
        }
    }
    Ok(settled)
}
