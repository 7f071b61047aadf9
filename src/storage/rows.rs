//! Row <-> core type conversions and the audit-log writer shared by every storage file. A stored value
//! that no longer parses (an unknown status) surfaces as a conversion error naming the column.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StorageError;
use crate::core::record::{
    Actor, AuditAction, AuditEntry, CaptureId, CaptureSummary, Consent, ReasonCode, Record,
    RecordError, RecordId, RecordStatus, RecordSummary, StudentNo,
};

/// Columns of [`record_summary`], in order; join alias `r` = records, `ro` = roster.
pub(super) const SUMMARY_COLUMNS: &str = "r.id, r.student_no, r.profile, r.status, r.created_at, r.updated_at, \
     r.queued_at, r.retake_count, r.consent_version, r.consent_at, ro.name, \
     (SELECT max(c.id) FROM captures c WHERE c.record_id = r.id), r.approved_at";

/// `FROM` clause matching [`SUMMARY_COLUMNS`].
pub(super) const SUMMARY_FROM: &str =
    "records r LEFT JOIN roster ro ON ro.student_no = r.student_no";

fn conversion(index: usize, error: RecordError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(error))
}

pub(super) fn status_at(row: &Row<'_>, index: usize) -> rusqlite::Result<RecordStatus> {
    let text: String = row.get(index)?;
    RecordStatus::parse(&text).map_err(|e| conversion(index, e))
}

fn optional_status_at(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<RecordStatus>> {
    let text: Option<String> = row.get(index)?;
    text.map(|t| RecordStatus::parse(&t).map_err(|e| conversion(index, e)))
        .transpose()
}

pub(super) fn actor_at(row: &Row<'_>, kind_index: usize) -> rusqlite::Result<Actor> {
    let kind: String = row.get(kind_index)?;
    let name: String = row.get(kind_index + 1)?;
    Actor::from_parts(&kind, &name).map_err(|e| conversion(kind_index, e))
}

fn u32_at(row: &Row<'_>, index: usize) -> rusqlite::Result<u32> {
    let value: i64 = row.get(index)?;
    u32::try_from(value)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Integer, Box::new(e)))
}

fn u64_at(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let value: i64 = row.get(index)?;
    u64::try_from(value)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Integer, Box::new(e)))
}

/// Parses the JSON array of reason codes stored in `audit.reasons`.
pub(super) fn reasons_from_json(index: usize, json: &str) -> rusqlite::Result<Vec<ReasonCode>> {
    let codes: Vec<String> = serde_json::from_str(json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))?;
    Ok(codes.into_iter().map(ReasonCode::from_stored).collect())
}

fn json_at(row: &Row<'_>, index: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

/// Reads a row selected with [`SUMMARY_COLUMNS`].
pub(super) fn record_summary(row: &Row<'_>) -> rusqlite::Result<RecordSummary> {
    let record = Record {
        id: RecordId(row.get(0)?),
        student_no: StudentNo::from_stored(row.get(1)?),
        profile: row.get(2)?,
        status: status_at(row, 3)?,
        created_at_unix_s: row.get(4)?,
        updated_at_unix_s: row.get(5)?,
        queued_at_unix_s: row.get(6)?,
        retake_count: u32_at(row, 7)?,
        consent: Consent {
            version: row.get(8)?,
            given_at_unix_s: row.get(9)?,
        },
        approved_at_unix_s: row.get(12)?,
    };
    Ok(RecordSummary {
        record,
        student_name: row.get(10)?,
        latest_capture: CaptureId(row.get(11)?),
    })
}

/// Columns of [`capture_summary`], from `captures`.
pub(super) const CAPTURE_COLUMNS: &str = "id, record_id, attempt, captured_at, actor_kind, actor_name, \
     photo_sha256, photo_bytes, original_sha256, original_bytes, original_purged_at, report_json, params_json";

pub(super) fn capture_summary(row: &Row<'_>) -> rusqlite::Result<CaptureSummary> {
    Ok(CaptureSummary {
        id: CaptureId(row.get(0)?),
        record_id: RecordId(row.get(1)?),
        attempt: u32_at(row, 2)?,
        captured_at_unix_s: row.get(3)?,
        actor: actor_at(row, 4)?,
        photo_sha256: row.get(6)?,
        photo_bytes: u64_at(row, 7)?,
        original_sha256: row.get(8)?,
        original_bytes: u64_at(row, 9)?,
        original_purged_at_unix_s: row.get(10)?,
        report: json_at(row, 11)?,
        params: json_at(row, 12)?,
    })
}

/// Columns of [`audit_entry`], from `audit`.
pub(super) const AUDIT_COLUMNS: &str = "id, at, actor_kind, actor_name, action, record_id, from_status, to_status, reasons, note, detail";

pub(super) fn audit_entry(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let action: String = row.get(4)?;
    let reasons: String = row.get(8)?;
    Ok(AuditEntry {
        id: row.get(0)?,
        at_unix_s: row.get(1)?,
        actor: actor_at(row, 2)?,
        action: AuditAction::parse(&action).map_err(|e| conversion(4, e))?,
        record_id: row.get::<_, Option<i64>>(5)?.map(RecordId),
        from_status: optional_status_at(row, 6)?,
        to_status: optional_status_at(row, 7)?,
        reasons: reasons_from_json(8, &reasons)?,
        note: row.get(9)?,
        detail: row.get(10)?,
    })
}

/// One audit-log line to write.
pub(super) struct AuditLine<'a> {
    pub at_unix_s: i64,
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub record_id: Option<RecordId>,
    pub from_status: Option<RecordStatus>,
    pub to_status: Option<RecordStatus>,
    pub reasons: &'a [ReasonCode],
    pub note: &'a str,
    pub detail: serde_json::Value,
}

impl<'a> AuditLine<'a> {
    /// A line about no record in particular (roster import, purge, staff accounts).
    pub(super) fn general(
        at_unix_s: i64,
        actor: &'a Actor,
        action: AuditAction,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            at_unix_s,
            actor,
            action,
            record_id: None,
            from_status: None,
            to_status: None,
            reasons: &[],
            note: "",
            detail,
        }
    }
}

pub(super) fn write_audit(conn: &Connection, line: &AuditLine<'_>) -> Result<(), StorageError> {
    let reasons: Vec<&str> = line.reasons.iter().map(ReasonCode::as_str).collect();
    conn.prepare_cached(
        "INSERT INTO audit (at, actor_kind, actor_name, action, record_id, from_status, to_status, reasons, note, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        line.at_unix_s,
        line.actor.kind(),
        line.actor.name(),
        line.action.as_str(),
        line.record_id.map(|id| id.0),
        line.from_status.map(RecordStatus::as_str),
        line.to_status.map(RecordStatus::as_str),
        serde_json::to_string(&reasons)?,
        line.note,
        line.detail.to_string(),
    ])?;
    Ok(())
}

/// The current status of a record, or `RecordNotFound`.
pub(super) fn record_status(conn: &Connection, id: RecordId) -> Result<RecordStatus, StorageError> {
    conn.prepare_cached("SELECT status FROM records WHERE id = ?1")?
        .query_row([id.0], |row| status_at(row, 0))
        .optional()?
        .ok_or(StorageError::RecordNotFound(id))
}
