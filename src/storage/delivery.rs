//! Deliveries: print jobs (created, advanced by the spooler's reports, copies counted per record) and
//! export batches (which approved records went to the campus-card system, in which files). Completing a
//! print job or recording a batch moves the records through the lifecycle in the same transaction.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::records::{Change, apply_change};
use super::rows::{self, AuditLine, SUMMARY_COLUMNS, SUMMARY_FROM};
use super::{StorageError, Store};
use crate::core::record::{
    Actor, AuditAction, CaptureId, ExportBatchId, PrintJobId, PrintJobState, PrintPurpose,
    RecordId, RecordStatus, RecordSummary, Transition, check_line, check_text,
};

/// Most copies one job may ask for: a full 6-inch sheet holds 8 one-inch photos, and no service desk
/// hands out more than a few sheets per student; a larger number is a typo.
pub const MAX_COPIES_PER_JOB: u32 = 50;

/// A print request for a record's latest photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrintJob {
    pub record_id: RecordId,
    pub copies: u32,
    /// The CUPS queue name.
    pub printer: String,
    /// The sheet layout name from config.
    pub layout: String,
}

/// A print job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintJob {
    pub id: PrintJobId,
    pub record_id: RecordId,
    pub capture_id: CaptureId,
    pub copies: u32,
    pub printer: String,
    pub layout: String,
    /// Official (moves the record to `printed`) or the student's take-home copy (status unchanged).
    pub purpose: PrintPurpose,
    pub state: PrintJobState,
    /// The spooler's job id once sent.
    pub spooler_job: Option<String>,
    /// Why it failed, if it did.
    pub error: String,
    pub actor: Actor,
    pub created_at_unix_s: i64,
    pub updated_at_unix_s: i64,
}

/// One record in a new export batch and the file it was written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExportItem {
    pub record_id: RecordId,
    pub file_name: String,
}

/// An export to the campus-card import folder, recorded after its files were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExportBatch {
    /// Where the files went (the import folder), as shown to staff.
    pub destination: String,
    /// The manifest file name or content summary.
    pub manifest: String,
    pub items: Vec<NewExportItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportItem {
    pub record_id: RecordId,
    pub capture_id: CaptureId,
    pub file_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportBatch {
    pub id: ExportBatchId,
    pub created_at_unix_s: i64,
    pub actor: Actor,
    pub destination: String,
    pub manifest: String,
    pub items: Vec<ExportItem>,
}

const PRINT_JOB_COLUMNS: &str = "id, record_id, capture_id, copies, printer, layout, state, spooler_job, error, \
     actor_kind, actor_name, created_at, updated_at, purpose";

fn print_job(row: &rusqlite::Row<'_>) -> rusqlite::Result<PrintJob> {
    let state: String = row.get(6)?;
    Ok(PrintJob {
        id: PrintJobId(row.get(0)?),
        record_id: RecordId(row.get(1)?),
        capture_id: CaptureId(row.get(2)?),
        copies: row.get(3)?,
        printer: row.get(4)?,
        layout: row.get(5)?,
        state: PrintJobState::parse(&state).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
        })?,
        spooler_job: row.get(7)?,
        error: row.get(8)?,
        actor: rows::actor_at(row, 9)?,
        created_at_unix_s: row.get(11)?,
        updated_at_unix_s: row.get(12)?,
        purpose: {
            let purpose: String = row.get(13)?;
            PrintPurpose::parse(&purpose).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    13,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?
        },
    })
}

fn latest_capture(conn: &Connection, id: RecordId) -> Result<CaptureId, StorageError> {
    conn.prepare_cached("SELECT max(id) FROM captures WHERE record_id = ?1")?
        .query_row([id.0], |row| row.get::<_, Option<i64>>(0))?
        .map(CaptureId)
        .ok_or(StorageError::RecordNotFound(id))
}

/// Copies printed for a record by completed jobs of either purpose: the per-record copy limit
/// (`print.copies_per_record`) counts take-home sheets from the booth and official sheets from the staff
/// station together, so a student cannot print an unbounded number of sheets at the booth.
pub(super) fn printed_copies_in(conn: &Connection, id: RecordId) -> Result<u32, StorageError> {
    let copies: i64 = conn
        .prepare_cached("SELECT coalesce(sum(copies), 0) FROM print_jobs WHERE record_id = ?1 AND state = 'completed'")?
        .query_row([id.0], |row| row.get(0))?;
    Ok(u32::try_from(copies).unwrap_or(u32::MAX))
}

impl Store {
    /// Records an official print job for the record's latest photo. The record must be printable
    /// (approved, printed or exported); the status changes only when the job completes.
    pub fn create_print_job(
        &mut self,
        job: &NewPrintJob,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<PrintJobId, StorageError> {
        self.create_print_job_for(job, PrintPurpose::Official, actor, now_unix_s)
    }

    /// Records a print job for `purpose`: official as [`Store::create_print_job`]; a take-home copy for
    /// any record but a rejected one (see [`PrintPurpose::check`]), which never changes its status.
    pub fn create_print_job_for(
        &mut self,
        job: &NewPrintJob,
        purpose: PrintPurpose,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<PrintJobId, StorageError> {
        if !(1..=MAX_COPIES_PER_JOB).contains(&job.copies) {
            return Err(StorageError::Copies {
                copies: job.copies,
                max: MAX_COPIES_PER_JOB,
            });
        }
        check_line("printer", &job.printer, true)?;
        check_line("layout", &job.layout, true)?;
        self.write(|tx| {
            purpose.check(rows::record_status(tx, job.record_id)?)?;
            let capture = latest_capture(tx, job.record_id)?;
            tx.prepare_cached(
                "INSERT INTO print_jobs (record_id, capture_id, copies, printer, layout, state, actor_kind, actor_name,
                     created_at, updated_at, purpose)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            )?
            .execute(params![
                job.record_id.0,
                capture.0,
                job.copies,
                job.printer,
                job.layout,
                PrintJobState::Queued.as_str(),
                actor.kind(),
                actor.name(),
                now_unix_s,
                purpose.as_str(),
            ])?;
            let id = PrintJobId(tx.last_insert_rowid());
            let detail = serde_json::json!({ "job": id.0, "copies": job.copies, "purpose": purpose.as_str() });
            rows::write_audit(tx, &AuditLine {
                record_id: Some(job.record_id),
                ..AuditLine::general(now_unix_s, actor, AuditAction::PrintQueued, detail)
            })?;
            Ok(id)
        })
    }

    /// Advances a print job as the spooler reports it; `completed` marks the record printed (an exported
    /// record stays exported) in the same transaction, or for a take-home copy writes a
    /// `take_home_printed` audit line and leaves the status alone.
    pub fn update_print_job(
        &mut self,
        id: PrintJobId,
        state: PrintJobState,
        spooler_job: Option<&str>,
        error: &str,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<PrintJob, StorageError> {
        check_text("print error", error, false)?;
        self.write(|tx| {
            let job = print_job_in(tx, id)?;
            job.state.check_next(state)?;
            tx.prepare_cached(
                "UPDATE print_jobs SET state = ?2, spooler_job = coalesce(?3, spooler_job), error = ?4, updated_at = ?5
                 WHERE id = ?1",
            )?
            .execute(params![id.0, state.as_str(), spooler_job, error, now_unix_s])?;
            if state == PrintJobState::Completed && job.purpose == PrintPurpose::TakeHome {
                let detail = serde_json::json!({ "job": id.0, "copies": job.copies, "printer": job.printer });
                rows::write_audit(tx, &AuditLine {
                    record_id: Some(job.record_id),
                    ..AuditLine::general(now_unix_s, actor, AuditAction::TakeHomePrinted, detail)
                })?;
            } else if state == PrintJobState::Completed {
                let change = Change {
                    transition: Transition::Print,
                    actor,
                    at_unix_s: now_unix_s,
                    rejection: None,
                    detail: serde_json::json!({ "job": id.0, "copies": job.copies }),
                };
                apply_change(tx, job.record_id, &change)?;
            }
            print_job_in(tx, id)
        })
    }

    /// Marks a record printed without a print job (printed on another system).
    pub fn mark_printed(
        &mut self,
        id: RecordId,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<RecordStatus, StorageError> {
        let change = Change {
            transition: Transition::Print,
            actor,
            at_unix_s: now_unix_s,
            rejection: None,
            detail: serde_json::json!({}),
        };
        self.write(|tx| apply_change(tx, id, &change))
    }

    pub fn print_job(&self, id: PrintJobId) -> Result<PrintJob, StorageError> {
        print_job_in(&self.conn, id)
    }

    /// A record's print jobs, oldest first.
    pub fn print_jobs(&self, record: RecordId) -> Result<Vec<PrintJob>, StorageError> {
        let sql =
            format!("SELECT {PRINT_JOB_COLUMNS} FROM print_jobs WHERE record_id = ?1 ORDER BY id");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map([record.0], print_job)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Jobs not yet completed, failed or cancelled: the spooler re-polls them after a restart.
    pub fn unfinished_print_jobs(&self) -> Result<Vec<PrintJob>, StorageError> {
        let sql = format!(
            "SELECT {PRINT_JOB_COLUMNS} FROM print_jobs WHERE state IN ('queued', 'sent') ORDER BY id"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map([], print_job)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Copies printed for a record by completed jobs.
    pub fn printed_copies(&self, record: RecordId) -> Result<u32, StorageError> {
        printed_copies_in(&self.conn, record)
    }

    /// Approved records never exported (approved or printed), approved at or after `since_unix_s`, in
    /// approval order: what the next export batch should contain.
    pub fn approved_not_exported(
        &self,
        since_unix_s: i64,
    ) -> Result<Vec<RecordSummary>, StorageError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM}
             WHERE r.status IN ('approved', 'printed') AND r.approved_at >= ?1
             ORDER BY r.approved_at, r.id"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map([since_unix_s], rows::record_summary)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records an export batch and marks every item exported, all or nothing: one record that cannot be
    /// exported (not approved) rolls back the whole batch.
    pub fn mark_exported(
        &mut self,
        batch: &NewExportBatch,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<ExportBatchId, StorageError> {
        if batch.items.is_empty() {
            return Err(StorageError::EmptyBatch);
        }
        check_line("destination", &batch.destination, true)?;
        check_text("manifest", &batch.manifest, false)?;
        for (index, item) in batch.items.iter().enumerate() {
            check_line("file name", &item.file_name, true)?;
            if batch.items[..index]
                .iter()
                .any(|earlier| earlier.record_id == item.record_id)
            {
                return Err(StorageError::DuplicateBatchItem(item.record_id));
            }
        }
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO export_batches (created_at, actor_kind, actor_name, destination, manifest) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![now_unix_s, actor.kind(), actor.name(), batch.destination, batch.manifest])?;
            let id = ExportBatchId(tx.last_insert_rowid());
            for item in &batch.items {
                let change = Change {
                    transition: Transition::Export,
                    actor,
                    at_unix_s: now_unix_s,
                    rejection: None,
                    detail: serde_json::json!({ "batch": id.0 }),
                };
                apply_change(tx, item.record_id, &change)?;
                let capture = latest_capture(tx, item.record_id)?;
                tx.prepare_cached("INSERT INTO export_items (batch_id, record_id, capture_id, file_name) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![id.0, item.record_id.0, capture.0, item.file_name])?;
            }
            Ok(id)
        })
    }

    /// A batch with its items.
    pub fn export_batch(&self, id: ExportBatchId) -> Result<Option<ExportBatch>, StorageError> {
        self.read(|conn| {
            let batch = conn
                .prepare_cached("SELECT id, created_at, actor_kind, actor_name, destination, manifest FROM export_batches WHERE id = ?1")?
                .query_row([id.0], |row| {
                    Ok(ExportBatch {
                        id: ExportBatchId(row.get(0)?),
                        created_at_unix_s: row.get(1)?,
                        actor: rows::actor_at(row, 2)?,
                        destination: row.get(4)?,
                        manifest: row.get(5)?,
                        items: Vec::new(),
                    })
                })
                .optional()?;
            let Some(mut batch) = batch else { return Ok(None) };
            batch.items = conn
                .prepare_cached("SELECT record_id, capture_id, file_name FROM export_items WHERE batch_id = ?1 ORDER BY record_id")?
                .query_map([id.0], |row| {
                    Ok(ExportItem { record_id: RecordId(row.get(0)?), capture_id: CaptureId(row.get(1)?), file_name: row.get(2)? })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(batch))
        })
    }
}

fn print_job_in(conn: &Connection, id: PrintJobId) -> Result<PrintJob, StorageError> {
    let sql = format!("SELECT {PRINT_JOB_COLUMNS} FROM print_jobs WHERE id = ?1");
    conn.prepare_cached(&sql)?
        .query_row([id.0], print_job)
        .optional()?
        .ok_or(StorageError::PrintJobNotFound(id))
}
