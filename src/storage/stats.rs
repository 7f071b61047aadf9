//! The staff station's statistics (today and this week) and the retention purge of original captures.
//! Counts come from the audit log and the captures table, so they reflect what happened in a window even
//! if the record has moved on since.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::rows::{self, AuditLine};
use super::{StorageError, Store};
use crate::core::record::{
    Actor, AuditAction, CalendarWindows, PeriodStats, ReasonCode, ReasonCount, RecordStatus, Stats,
    TimeWindow,
};

const SECONDS_PER_DAY: i64 = 86_400;

/// What a retention purge removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Captures whose original was deleted.
    pub originals_purged: u64,
    /// Bytes of image data no longer referenced and deleted.
    pub bytes_freed: u64,
    /// Captures taken before this moment lost their original.
    pub cutoff_unix_s: i64,
}

/// Runs a single-number query over `[start, end)` bound as `?1` and `?2`.
fn sum_in_window(conn: &Connection, sql: &str, window: TimeWindow) -> Result<u64, StorageError> {
    let value: i64 = conn
        .prepare_cached(sql)?
        .query_row(params![window.start_unix_s, window.end_unix_s], |row| {
            row.get(0)
        })?;
    Ok(value.unsigned_abs())
}

/// Audit lines of one action within the window.
fn audited(
    conn: &Connection,
    action: AuditAction,
    window: TimeWindow,
) -> Result<u64, StorageError> {
    let value: i64 = conn
        .prepare_cached("SELECT count(*) FROM audit WHERE action = ?3 AND at >= ?1 AND at < ?2")?
        .query_row(
            params![window.start_unix_s, window.end_unix_s, action.as_str()],
            |row| row.get(0),
        )?;
    Ok(value.unsigned_abs())
}

fn period_stats(conn: &Connection, window: TimeWindow) -> Result<PeriodStats, StorageError> {
    let by_reason = conn
        .prepare_cached(
            "SELECT j.value, count(*) AS n FROM audit a, json_each(a.reasons) j
             WHERE a.action = 'rejected' AND a.at >= ?1 AND a.at < ?2
             GROUP BY j.value ORDER BY n DESC, j.value",
        )?
        .query_map(params![window.start_unix_s, window.end_unix_s], |row| {
            Ok(ReasonCount {
                code: ReasonCode::from_stored(row.get(0)?),
                count: row.get::<_, i64>(1)?.unsigned_abs(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(PeriodStats {
        window,
        submitted: audited(conn, AuditAction::Submitted, window)?,
        captured: sum_in_window(
            conn,
            "SELECT count(*) FROM captures WHERE captured_at >= ?1 AND captured_at < ?2",
            window,
        )?,
        approved: audited(conn, AuditAction::Approved, window)?,
        rejected: audited(conn, AuditAction::Rejected, window)?,
        rejected_by_reason: by_reason,
        exported: audited(conn, AuditAction::Exported, window)?,
        printed_copies: sum_in_window(
            conn,
            "SELECT coalesce(sum(copies), 0) FROM print_jobs
             WHERE state = 'completed' AND updated_at >= ?1 AND updated_at < ?2",
            window,
        )?,
    })
}

impl Store {
    /// Today's and this week's numbers around `now_unix_s`, in the local calendar given by the UTC offset.
    pub fn stats(&self, now_unix_s: i64, utc_offset_s: i32) -> Result<Stats, StorageError> {
        let windows = CalendarWindows::containing(now_unix_s, utc_offset_s);
        self.read(|conn| {
            let pending: i64 = conn
                .prepare_cached("SELECT count(*) FROM records WHERE status = ?1")?
                .query_row([RecordStatus::PendingReview.as_str()], |row| row.get(0))?;
            Ok(Stats {
                today: period_stats(conn, windows.today)?,
                this_week: period_stats(conn, windows.this_week)?,
                pending_now: pending.unsigned_abs(),
            })
        })
    }

    /// Deletes the original captures taken more than `retention_days` before `now_unix_s`, keeping the
    /// standardized photos, hashes and reports, and writes one audit entry. Freed pages go back to the
    /// file system (incremental vacuum) after the commit.
    pub fn purge_originals(
        &mut self,
        retention_days: u32,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<PurgeReport, StorageError> {
        let cutoff_unix_s = now_unix_s - i64::from(retention_days) * SECONDS_PER_DAY;
        let report = self.write(|tx| {
            tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS purge_candidates (blob_id INTEGER PRIMARY KEY); DELETE FROM purge_candidates;")?;
            tx.execute(
                "INSERT OR IGNORE INTO purge_candidates SELECT original_blob FROM captures
                 WHERE original_blob IS NOT NULL AND captured_at < ?1",
                [cutoff_unix_s],
            )?;
            let purged = tx.execute(
                "UPDATE captures SET original_blob = NULL, original_purged_at = ?2
                 WHERE original_blob IS NOT NULL AND captured_at < ?1",
                params![cutoff_unix_s, now_unix_s],
            )?;
            // A blob may still be referenced (identical bytes stored as another capture's photo or a
            // newer original): only unreferenced ones are deleted.
            let orphan = "FROM blobs WHERE id IN (SELECT blob_id FROM purge_candidates)
                 AND NOT EXISTS (SELECT 1 FROM captures WHERE photo_blob = blobs.id OR original_blob = blobs.id)";
            let bytes_freed: i64 = tx.query_row(&format!("SELECT coalesce(sum(size_bytes), 0) {orphan}"), [], |row| row.get(0))?;
            tx.execute(&format!("DELETE {orphan}"), [])?;
            tx.execute("DELETE FROM purge_candidates", [])?;
            let report = PurgeReport { originals_purged: purged as u64, bytes_freed: bytes_freed.unsigned_abs(), cutoff_unix_s };
            let detail = serde_json::json!({
                "retention_days": retention_days, "cutoff": cutoff_unix_s,
                "originals_purged": report.originals_purged, "bytes_freed": report.bytes_freed,
            });
            rows::write_audit(tx, &AuditLine::general(now_unix_s, actor, AuditAction::OriginalsPurged, detail))?;
            Ok(report)
        })?;
        // Outside the transaction: return the freed pages to the file system (auto_vacuum=INCREMENTAL).
        // The purge is committed either way; pages not returned now are reused by later inserts.
        if let Err(error) = self.incremental_vacuum() {
            tracing::warn!(error = %error, "purge committed, but returning free pages to the file system failed");
        }
        Ok(report)
    }

    /// The pragma frees one page per result row, so every row must be stepped through.
    fn incremental_vacuum(&self) -> rusqlite::Result<()> {
        let mut vacuum = self.conn.prepare("PRAGMA incremental_vacuum")?;
        let mut freed_pages = vacuum.query([])?;
        while freed_pages.next()?.is_some() {}
        Ok(())
    }

    /// The whole audit log after `after_id` (exclusive), oldest first, at most `limit` lines.
    pub fn audit_log(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<crate::core::record::AuditEntry>, StorageError> {
        let sql = format!(
            "SELECT {} FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
            rows::AUDIT_COLUMNS
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![after_id, limit], rows::audit_entry)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
