//! Re-rendering a record with another profile: staff pick a profile, the staff worker standardizes the
//! stored original again, and the store attaches the new photo to the same record as a new capture row
//! (the same original blob, the new photo, its check report and processing parameters) with an audit
//! entry. Owns only these two queries; the standardizer runs outside the store.
//!
//! Which records can be re-rendered, and what happens to their status:
//! - `pending_review`: stays `pending_review` (the reviewer now sees the new photo).
//! - `approved`: returns to `pending_review` and loses its `approved_at`. An approval is a judgement of
//!   one photo; the new photo has not been seen by anyone, and exporting it unseen would hand the
//!   campus-card system a photo no reviewer approved. The reviewer who re-rendered approves it again
//!   with one key press.
//! - `rejected`: refused. The rejection asks the student for a new photo; the booth's resubmission is
//!   the way back (a rejection is usually about the capture itself, which a re-render keeps).
//! - `exported` / `printed`: refused. The photo was delivered; changing it afterwards would make the
//!   manifest, the print log and the campus-card system disagree.
//!
//! A re-render is not a retake: `retake_count` is unchanged. The record's profile becomes the new one;
//! if the student already has another open record for that profile, the re-render is refused.

use rusqlite::{OptionalExtension, params};

use super::records::{NewCapture, insert_capture};
use super::rows::{self, AuditLine};
use super::{StorageError, Store};
use crate::core::record::{Actor, AuditAction, CaptureId, RecordId, RecordStatus, StudentNo};

/// What the worker needs to re-render a record: its latest capture's original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerenderSource {
    pub record: RecordId,
    pub status: RecordStatus,
    pub profile: String,
    /// The capture whose original is used; the new photo is attached only if it is still the latest.
    pub capture: CaptureId,
    /// The original capture bytes; `None` once the retention purge removed them.
    pub original: Option<Vec<u8>>,
    /// When the retention purge removed the original.
    pub original_purged_at_unix_s: Option<i64>,
}

/// A photo made again from `source.capture`'s original with `profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerendered {
    pub from_capture: CaptureId,
    pub profile: String,
    /// The original (the same bytes as the source capture's: stored once, content-addressed), the new
    /// photo, its check report and processing parameters.
    pub capture: NewCapture,
}

/// The new capture and the record's status after a re-render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RerenderOutcome {
    pub capture: CaptureId,
    pub status: RecordStatus,
}

/// Statuses a re-render is allowed from, and the status after it (see the module doc).
pub fn status_after_rerender(from: RecordStatus) -> Result<RecordStatus, StorageError> {
    match from {
        RecordStatus::PendingReview | RecordStatus::Approved => Ok(RecordStatus::PendingReview),
        RecordStatus::Rejected | RecordStatus::Exported | RecordStatus::Printed => {
            Err(StorageError::RerenderNotAllowed { status: from })
        }
    }
}

impl Store {
    /// The latest capture of a record that may be re-rendered, with its original if it is still kept.
    /// Fails early (before the models run) for a status that cannot be re-rendered.
    pub fn rerender_source(&self, id: RecordId) -> Result<RerenderSource, StorageError> {
        let status = rows::record_status(&self.conn, id)?;
        status_after_rerender(status)?;
        let found = self
            .conn
            .prepare_cached(
                "SELECT r.profile, c.id, b.bytes, c.original_purged_at
                 FROM records r JOIN captures c ON c.record_id = r.id
                 LEFT JOIN blobs b ON b.id = c.original_blob
                 WHERE r.id = ?1 ORDER BY c.attempt DESC LIMIT 1",
            )?
            .query_row([id.0], |row| {
                Ok(RerenderSource {
                    record: id,
                    status,
                    profile: row.get(0)?,
                    capture: CaptureId(row.get(1)?),
                    original: row.get(2)?,
                    original_purged_at_unix_s: row.get(3)?,
                })
            })
            .optional()?;
        found.ok_or(StorageError::RecordNotFound(id))
    }

    /// Attaches a re-rendered photo to its record: a new capture row, the record's profile and status
    /// updated, and an audit entry, in one transaction. Refused when the record moved on meanwhile
    /// (another capture, a decision that forbids re-rendering) or when the student already has another
    /// open record for the new profile. Only staff or the command line re-render.
    pub fn attach_rerender(
        &mut self,
        id: RecordId,
        rerendered: &Rerendered,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<RerenderOutcome, StorageError> {
        if matches!(actor, Actor::Booth(_)) {
            return Err(StorageError::RerenderByBooth);
        }
        crate::core::record::check_line("profile", &rerendered.profile, true)?;
        let hashed = rerendered.capture.hashed()?;
        self.write(|tx| {
            let from = rows::record_status(tx, id)?;
            let to = status_after_rerender(from)?;
            let (student_no, old_profile, latest): (String, String, i64) = tx
                .prepare_cached(
                    "SELECT r.student_no, r.profile, (SELECT max(c.id) FROM captures c WHERE c.record_id = r.id)
                     FROM records r WHERE r.id = ?1",
                )?
                .query_row([id.0], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            if latest != rerendered.from_capture.0 {
                return Err(StorageError::RecordChanged(id));
            }
            let other_open: Option<(i64, RecordStatus)> = tx
                .prepare_cached(
                    "SELECT id, status FROM records WHERE student_no = ?1 AND profile = ?2 AND id != ?3
                     AND status IN ('pending_review', 'rejected', 'approved')",
                )?
                .query_row(params![student_no, rerendered.profile, id.0], |row| {
                    Ok((row.get(0)?, rows::status_at(row, 1)?))
                })
                .optional()?;
            if let Some((existing, status)) = other_open {
                return Err(StorageError::OpenRecordExists {
                    student_no: StudentNo::from_stored(student_no).to_string(),
                    profile: rerendered.profile.clone(),
                    existing: RecordId(existing),
                    status,
                });
            }
            let attempts: u32 = tx
                .prepare_cached("SELECT count(*) FROM captures WHERE record_id = ?1")?
                .query_row([id.0], |row| row.get(0))?;
            let capture = insert_capture(tx, id, attempts + 1, &hashed, actor, now_unix_s)?;
            tx.prepare_cached(
                "UPDATE records SET status = ?2, profile = ?3, updated_at = ?4,
                     queued_at = CASE WHEN status = 'pending_review' THEN queued_at ELSE ?4 END,
                     approved_at = NULL
                 WHERE id = ?1",
            )?
            .execute(params![id.0, to.as_str(), rerendered.profile, now_unix_s])?;
            rows::write_audit(
                tx,
                &AuditLine {
                    record_id: Some(id),
                    from_status: Some(from),
                    to_status: Some(to),
                    ..AuditLine::general(
                        now_unix_s,
                        actor,
                        AuditAction::Rerendered,
                        serde_json::json!({
                            "capture": capture.0,
                            "from_capture": rerendered.from_capture.0,
                            "from_profile": old_profile,
                            "profile": rerendered.profile,
                        }),
                    )
                },
            )?;
            Ok(RerenderOutcome {
                capture,
                status: to,
            })
        })
    }
}
