//! Records and captures: submission, resubmission, review decisions, and the queries the booth, the staff
//! station and the CLI read (detail, lists, review queue, search, images).

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::rows::{self, AuditLine, SUMMARY_COLUMNS, SUMMARY_FROM};
use super::{StorageError, Store};
use crate::core::record::{
    Actor, AuditAction, CaptureId, Consent, RecordDetail, RecordId, RecordStatus, RecordSummary,
    Rejection, ReviewAction, ReviewPage, StudentNo, Transition, check_line,
};

/// What the booth knows before the first capture is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub student_no: StudentNo,
    /// The photo profile name (a `PhotoSpec` in config).
    pub profile: String,
    pub consent: Consent,
}

/// One attempt to store: the original capture, the standardized photo and how they were judged and made.
/// The photo's SHA-256 is computed by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCapture {
    /// The full-resolution capture as encoded by the camera worker (JPEG or PNG).
    pub original: Vec<u8>,
    /// The standardized photo meeting the profile (JPEG or PNG).
    pub photo: Vec<u8>,
    /// The quality-check report.
    pub report_json: String,
    /// The processing parameters.
    pub params_json: String,
}

/// A capture checked and hashed outside the write lock.
pub(super) struct HashedCapture<'a> {
    capture: &'a NewCapture,
    photo_sha256: String,
    original_sha256: String,
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl NewCapture {
    pub(super) fn hashed(&self) -> Result<HashedCapture<'_>, StorageError> {
        if self.original.is_empty() {
            return Err(StorageError::BadCapture("the original capture is empty"));
        }
        let photo_format = image::guess_format(&self.photo).ok();
        if !matches!(
            photo_format,
            Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
        ) {
            return Err(StorageError::BadCapture(
                "the photo is not a JPEG or PNG image",
            ));
        }
        for (field, json) in [("report", &self.report_json), ("params", &self.params_json)] {
            serde_json::from_str::<serde::de::IgnoredAny>(json)
                .map_err(|source| StorageError::BadJson { field, source })?;
        }
        Ok(HashedCapture {
            capture: self,
            photo_sha256: sha256_hex(&self.photo),
            original_sha256: sha256_hex(&self.original),
        })
    }
}

/// Which records `list` returns; all by default, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordFilter {
    pub status: Option<RecordStatus>,
    pub student_no: Option<StudentNo>,
    pub limit: Option<u32>,
    pub offset: u32,
}

/// Stores the bytes once per content; returns the blob id.
fn put_blob(conn: &Connection, sha256: &str, bytes: &[u8]) -> Result<i64, StorageError> {
    conn.prepare_cached(
        "INSERT INTO blobs (sha256, size_bytes, bytes) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING",
    )?
    .execute(params![sha256, bytes.len() as i64, bytes])?;
    Ok(conn
        .prepare_cached("SELECT id FROM blobs WHERE sha256 = ?1")?
        .query_row([sha256], |row| row.get(0))?)
}

pub(super) fn insert_capture(
    conn: &Connection,
    record: RecordId,
    attempt: u32,
    hashed: &HashedCapture<'_>,
    actor: &Actor,
    now_unix_s: i64,
) -> Result<CaptureId, StorageError> {
    let capture = hashed.capture;
    let photo_blob = put_blob(conn, &hashed.photo_sha256, &capture.photo)?;
    let original_blob = put_blob(conn, &hashed.original_sha256, &capture.original)?;
    conn.prepare_cached(
        "INSERT INTO captures (record_id, attempt, captured_at, actor_kind, actor_name, photo_blob, photo_sha256,
             photo_bytes, original_blob, original_sha256, original_bytes, report_json, params_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        record.0,
        attempt,
        now_unix_s,
        actor.kind(),
        actor.name(),
        photo_blob,
        hashed.photo_sha256,
        capture.photo.len() as i64,
        original_blob,
        hashed.original_sha256,
        capture.original.len() as i64,
        capture.report_json,
        capture.params_json,
    ])?;
    Ok(CaptureId(conn.last_insert_rowid()))
}

/// A status change to apply inside a write transaction.
pub(super) struct Change<'a> {
    pub transition: Transition,
    pub actor: &'a Actor,
    pub at_unix_s: i64,
    pub rejection: Option<&'a Rejection>,
    pub detail: serde_json::Value,
}

fn audit_action(transition: Transition) -> AuditAction {
    match transition {
        Transition::Resubmit => AuditAction::Resubmitted,
        Transition::Approve => AuditAction::Approved,
        Transition::Reject => AuditAction::Rejected,
        Transition::Export => AuditAction::Exported,
        Transition::Print => AuditAction::Printed,
    }
}

/// Checks the lifecycle, updates the record and writes the audit line. Returns the new status.
pub(super) fn apply_change(
    conn: &Connection,
    id: RecordId,
    change: &Change<'_>,
) -> Result<RecordStatus, StorageError> {
    change.transition.check_actor(change.actor)?;
    let from = rows::record_status(conn, id)?;
    let to = from.after(change.transition)?;
    let requeued = change.transition == Transition::Resubmit;
    conn.prepare_cached(
        "UPDATE records SET status = ?2, updated_at = ?3,
             queued_at = CASE WHEN ?4 THEN ?3 ELSE queued_at END,
             retake_count = retake_count + ?4,
             approved_at = CASE WHEN ?5 THEN ?3 ELSE approved_at END
         WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        to.as_str(),
        change.at_unix_s,
        requeued,
        change.transition == Transition::Approve
    ])?;
    let (reasons, note) = change
        .rejection
        .map_or((&[][..], ""), |r| (r.reasons(), r.note()));
    rows::write_audit(
        conn,
        &AuditLine {
            at_unix_s: change.at_unix_s,
            actor: change.actor,
            action: audit_action(change.transition),
            record_id: Some(id),
            from_status: Some(from),
            to_status: Some(to),
            reasons,
            note,
            detail: change.detail.clone(),
        },
    )?;
    Ok(to)
}

impl Store {
    /// Stores a new record with its first capture, atomically with its audit entry. Fails with
    /// `OpenRecordExists` if the student already has an open record for this profile (resubmit that).
    pub fn create_submission(
        &mut self,
        submission: &Submission,
        capture: &NewCapture,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<RecordId, StorageError> {
        check_line("profile", &submission.profile, true)?;
        let hashed = capture.hashed()?;
        self.write(|tx| {
            if let Some(open) = open_record_in(tx, &submission.student_no, &submission.profile)? {
                return Err(StorageError::OpenRecordExists {
                    student_no: submission.student_no.to_string(),
                    profile: submission.profile.clone(),
                    existing: open.record.id,
                    status: open.record.status,
                });
            }
            let status = RecordStatus::INITIAL;
            tx.prepare_cached(
                "INSERT INTO records (student_no, profile, status, created_at, updated_at, queued_at, retake_count,
                     consent_version, consent_at)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?4, 0, ?5, ?6)",
            )?
            .execute(params![
                submission.student_no.as_str(),
                submission.profile,
                status.as_str(),
                now_unix_s,
                submission.consent.version,
                submission.consent.given_at_unix_s,
            ])?;
            let id = RecordId(tx.last_insert_rowid());
            let capture_id = insert_capture(tx, id, 1, &hashed, actor, now_unix_s)?;
            rows::write_audit(tx, &AuditLine {
                record_id: Some(id),
                to_status: Some(status),
                ..AuditLine::general(now_unix_s, actor, AuditAction::Submitted, serde_json::json!({ "capture": capture_id.0 }))
            })?;
            Ok(id)
        })
    }

    /// Adds a new capture to a rejected record and puts it back in the review queue (same record, history
    /// kept, no second fee).
    pub fn resubmit(
        &mut self,
        id: RecordId,
        capture: &NewCapture,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<CaptureId, StorageError> {
        let hashed = capture.hashed()?;
        self.write(|tx| {
            rows::record_status(tx, id)?.after(Transition::Resubmit)?;
            let attempts: u32 = tx
                .prepare_cached("SELECT count(*) FROM captures WHERE record_id = ?1")?
                .query_row([id.0], |row| row.get(0))?;
            let capture_id = insert_capture(tx, id, attempts + 1, &hashed, actor, now_unix_s)?;
            let change = Change {
                transition: Transition::Resubmit,
                actor,
                at_unix_s: now_unix_s,
                rejection: None,
                detail: serde_json::json!({ "capture": capture_id.0 }),
            };
            apply_change(tx, id, &change)?;
            Ok(capture_id)
        })
    }

    /// Applies a staff decision to a pending record.
    pub fn review(
        &mut self,
        id: RecordId,
        actor: &Actor,
        action: &ReviewAction,
        now_unix_s: i64,
    ) -> Result<RecordStatus, StorageError> {
        let rejection = match action {
            ReviewAction::Approve => None,
            ReviewAction::Reject(rejection) => Some(rejection),
        };
        let change = Change {
            transition: action.transition(),
            actor,
            at_unix_s: now_unix_s,
            rejection,
            detail: serde_json::json!({}),
        };
        self.write(|tx| apply_change(tx, id, &change))
    }

    pub fn approve(
        &mut self,
        id: RecordId,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<RecordStatus, StorageError> {
        self.review(id, actor, &ReviewAction::Approve, now_unix_s)
    }

    pub fn reject(
        &mut self,
        id: RecordId,
        actor: &Actor,
        rejection: &Rejection,
        now_unix_s: i64,
    ) -> Result<RecordStatus, StorageError> {
        self.review(
            id,
            actor,
            &ReviewAction::Reject(rejection.clone()),
            now_unix_s,
        )
    }

    /// The record with its captures, history and latest rejection.
    pub fn get(&self, id: RecordId) -> Result<RecordDetail, StorageError> {
        self.read(|conn| {
            let summary = conn
                .prepare_cached(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM} WHERE r.id = ?1"
                ))?
                .query_row([id.0], rows::record_summary)
                .optional()?
                .ok_or(StorageError::RecordNotFound(id))?;
            let department: Option<String> = conn
                .prepare_cached("SELECT department FROM roster WHERE student_no = ?1")?
                .query_row([summary.record.student_no.as_str()], |row| row.get(0))
                .optional()?;
            let captures = conn
                .prepare_cached(&format!(
                    "SELECT {} FROM captures WHERE record_id = ?1 ORDER BY attempt",
                    rows::CAPTURE_COLUMNS
                ))?
                .query_map([id.0], rows::capture_summary)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let history = conn
                .prepare_cached(&format!(
                    "SELECT {} FROM audit WHERE record_id = ?1 ORDER BY id",
                    rows::AUDIT_COLUMNS
                ))?
                .query_map([id.0], rows::audit_entry)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let last_rejection = history
                .iter()
                .rev()
                .find(|entry| entry.action == AuditAction::Rejected)
                .map(|entry| Rejection::from_stored(entry.reasons.clone(), entry.note.clone()));
            let printed_copies = super::delivery::printed_copies_in(conn, id)?;
            Ok(RecordDetail {
                summary,
                department: department.filter(|d| !d.is_empty()),
                captures,
                history,
                last_rejection,
                printed_copies,
            })
        })
    }

    /// Records matching the filter, oldest first.
    pub fn list(&self, filter: &RecordFilter) -> Result<Vec<RecordSummary>, StorageError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM}
             WHERE (?1 IS NULL OR r.status = ?1) AND (?2 IS NULL OR r.student_no = ?2)
             ORDER BY r.id LIMIT ?3 OFFSET ?4"
        );
        let limit = filter.limit.map_or(-1, i64::from);
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(
                params![
                    filter.status.map(RecordStatus::as_str),
                    filter.student_no.as_ref().map(StudentNo::as_str),
                    limit,
                    filter.offset
                ],
                rows::record_summary,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One page (zero-based) of records waiting for review, the longest-waiting first.
    pub fn review_queue(&self, page: u32, page_size: u32) -> Result<ReviewPage, StorageError> {
        self.read(|conn| {
            let pending = RecordStatus::PendingReview.as_str();
            // The page is cut from the covering index alone (status, queued_at, id); only its rows are
            // joined. With OFFSET on the joined query SQLite would join every skipped row: page 500 of
            // 70 000 pending took 75 ms that way, against ~1 ms now.
            let sql = format!(
                "SELECT {SUMMARY_COLUMNS} FROM
                     (SELECT id FROM records WHERE status = ?1 ORDER BY queued_at, id LIMIT ?2 OFFSET ?3) page
                 JOIN records r ON r.id = page.id LEFT JOIN roster ro ON ro.student_no = r.student_no
                 ORDER BY r.queued_at, r.id"
            );
            let offset = i64::from(page) * i64::from(page_size);
            let items = conn
                .prepare_cached(&sql)?
                .query_map(params![pending, page_size, offset], rows::record_summary)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let total_pending: i64 = conn
                .prepare_cached("SELECT count(*) FROM records WHERE status = ?1")?
                .query_row([pending], |row| row.get(0))?;
            Ok(ReviewPage {
                items,
                page,
                page_size,
                total_pending: total_pending.unsigned_abs(),
            })
        })
    }

    /// Records whose student number starts with `text` or whose roster name contains it (case-insensitive
    /// for Latin letters), most recently updated first. The text is matched literally: `%`, `_` and
    /// quotes are ordinary characters.
    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<RecordSummary>, StorageError> {
        let needle = text.trim();
        if needle.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM}
             WHERE r.student_no IN (
                 SELECT student_no FROM records WHERE student_no >= ?1 AND student_no < ?1 || char(1114111)
                 UNION
                 SELECT student_no FROM roster WHERE instr(lower(name), lower(?2)) > 0
             )
             ORDER BY r.updated_at DESC, r.id DESC LIMIT ?3"
        );
        let prefix = needle.to_ascii_uppercase();
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![prefix, needle, limit], rows::record_summary)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The student's open record for a profile (pending, rejected or approved), if any: the booth
    /// resubmits to it instead of creating a new one.
    pub fn open_record(
        &self,
        student_no: &StudentNo,
        profile: &str,
    ) -> Result<Option<RecordSummary>, StorageError> {
        open_record_in(&self.conn, student_no, profile)
    }

    /// The standardized photo of the record's latest capture.
    pub fn photo(&self, id: RecordId) -> Result<Vec<u8>, StorageError> {
        self.conn
            .prepare_cached(
                "SELECT b.bytes FROM captures c JOIN blobs b ON b.id = c.photo_blob
                 WHERE c.record_id = ?1 ORDER BY c.attempt DESC LIMIT 1",
            )?
            .query_row([id.0], |row| row.get(0))
            .optional()?
            .ok_or(StorageError::RecordNotFound(id))
    }

    /// The original capture of the record's latest attempt; `None` once the retention purge removed it.
    pub fn original(&self, id: RecordId) -> Result<Option<Vec<u8>>, StorageError> {
        self.conn
            .prepare_cached(
                "SELECT b.bytes FROM captures c LEFT JOIN blobs b ON b.id = c.original_blob
                 WHERE c.record_id = ?1 ORDER BY c.attempt DESC LIMIT 1",
            )?
            .query_row([id.0], |row| row.get(0))
            .optional()?
            .ok_or(StorageError::RecordNotFound(id))
    }

    /// The standardized photo of one capture (earlier attempts in the history view).
    pub fn capture_photo(&self, capture: CaptureId) -> Result<Vec<u8>, StorageError> {
        self.conn
            .prepare_cached("SELECT b.bytes FROM captures c JOIN blobs b ON b.id = c.photo_blob WHERE c.id = ?1")?
            .query_row([capture.0], |row| row.get(0))
            .optional()?
            .ok_or(StorageError::CaptureNotFound(capture))
    }
}

fn open_record_in(
    conn: &Connection,
    student_no: &StudentNo,
    profile: &str,
) -> Result<Option<RecordSummary>, StorageError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_FROM}
         WHERE r.student_no = ?1 AND r.profile = ?2 AND r.status IN ('pending_review', 'rejected', 'approved')"
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_row(params![student_no.as_str(), profile], rows::record_summary)
        .optional()?;
    debug_assert!(found.as_ref().is_none_or(|s| s.record.status.is_open()));
    Ok(found)
}
