//! `records verify`: `SQLite`'s own integrity and foreign-key checks, the record invariants a crash must
//! never break (every record has its captures and its audit trail), and every stored image against its
//! SHA-256 (photos are also decoded). Read-only; reports problems instead of stopping at the first.

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Serialize;

use super::records::sha256_hex;
use super::{StorageError, Store};
use crate::core::record::{CaptureId, RecordId};

/// What is wrong with one stored image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum PhotoProblemKind {
    /// The photo bytes no longer hash to the value recorded at capture.
    PhotoHashMismatch,
    /// The photo bytes do not decode as an image.
    PhotoUndecodable(String),
    /// The original bytes no longer hash to the value recorded at capture.
    OriginalHashMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoProblem {
    pub record_id: RecordId,
    pub capture_id: CaptureId,
    pub problem: PhotoProblemKind,
}

/// The outcome of [`Store::verify`]; `is_ok` decides the command's exit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct VerifyReport {
    /// Messages of `PRAGMA integrity_check` (empty when it says "ok").
    pub integrity: Vec<String>,
    /// Rows of `PRAGMA foreign_key_check`.
    pub foreign_keys: Vec<String>,
    /// Broken record invariants (a record without its first capture or its audit trail...).
    pub invariants: Vec<String>,
    pub photo_problems: Vec<PhotoProblem>,
    pub records_checked: u64,
    pub captures_checked: u64,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.integrity.is_empty()
            && self.foreign_keys.is_empty()
            && self.invariants.is_empty()
            && self.photo_problems.is_empty()
    }
}

/// Invariant queries: each returns one message per offending record.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "record has no capture",
        "SELECT r.id FROM records r WHERE NOT EXISTS (SELECT 1 FROM captures c WHERE c.record_id = r.id)",
    ),
    (
        "retake count does not match its captures",
        // One capture per submission or resubmission, plus one per re-render (each has an audit line).
        "SELECT r.id FROM records r WHERE r.retake_count + 1
             + (SELECT count(*) FROM audit a WHERE a.record_id = r.id AND a.action = 'rerendered')
             != (SELECT count(*) FROM captures c WHERE c.record_id = r.id)",
    ),
    (
        "record has no submission in the audit log",
        "SELECT r.id FROM records r WHERE NOT EXISTS
             (SELECT 1 FROM audit a WHERE a.record_id = r.id AND a.action = 'submitted')",
    ),
    (
        "status differs from the last status change in the audit log",
        "SELECT r.id FROM records r WHERE r.status IS NOT (SELECT a.to_status FROM audit a
             WHERE a.record_id = r.id AND a.to_status IS NOT NULL ORDER BY a.id DESC LIMIT 1)",
    ),
];

fn value_text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "NULL".to_owned(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        ValueRef::Blob(bytes) => format!("<{} bytes>", bytes.len()),
    }
}

/// The bytes of a stored image, whatever type a corruption left them with (its hash then mismatches).
fn stored_bytes(value: ValueRef<'_>) -> Option<Vec<u8>> {
    match value {
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Some(bytes.to_vec()),
        ValueRef::Integer(n) => Some(n.to_le_bytes().to_vec()),
        ValueRef::Real(x) => Some(x.to_le_bytes().to_vec()),
        ValueRef::Null => None,
    }
}

fn pragma_messages(conn: &Connection, pragma: &str) -> Result<Vec<String>, StorageError> {
    let mut stmt = conn.prepare(pragma)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut messages = Vec::new();
    while let Some(row) = rows.next()? {
        let fields: Vec<String> = (0..columns)
            .map(|i| row.get_ref(i).map(value_text))
            .collect::<rusqlite::Result<_>>()?;
        messages.push(fields.join(" "));
    }
    Ok(messages)
}

fn check_invariants(conn: &Connection, report: &mut VerifyReport) -> Result<(), StorageError> {
    for (what, sql) in INVARIANTS {
        let ids = conn
            .prepare(sql)?
            .query_map([], |row| row.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        report
            .invariants
            .extend(ids.into_iter().map(|id| format!("record {id}: {what}")));
    }
    Ok(())
}

/// The stored state of one capture's images.
struct StoredImages {
    record_id: RecordId,
    capture_id: CaptureId,
    photo_sha256: String,
    photo: Vec<u8>,
    original_sha256: String,
    original: Option<Vec<u8>>,
}

fn check_images(images: &StoredImages) -> Vec<PhotoProblemKind> {
    let mut problems = Vec::new();
    if sha256_hex(&images.photo) != images.photo_sha256 {
        problems.push(PhotoProblemKind::PhotoHashMismatch);
    }
    if let Err(error) = image::load_from_memory(&images.photo) {
        problems.push(PhotoProblemKind::PhotoUndecodable(error.to_string()));
    }
    if images
        .original
        .as_ref()
        .is_some_and(|bytes| sha256_hex(bytes) != images.original_sha256)
    {
        problems.push(PhotoProblemKind::OriginalHashMismatch);
    }
    problems
}

impl Store {
    /// Checks the whole database; see [`VerifyReport`]. Runs in one read snapshot.
    pub fn verify(&self) -> Result<VerifyReport, StorageError> {
        self.read(|conn| {
            let mut report = VerifyReport::default();
            let integrity = pragma_messages(conn, "PRAGMA integrity_check")?;
            if integrity != ["ok"] {
                report.integrity = integrity;
            }
            report.foreign_keys = pragma_messages(conn, "PRAGMA foreign_key_check")?;
            check_invariants(conn, &mut report)?;
            let records: i64 = conn.query_row("SELECT count(*) FROM records", [], |row| row.get(0))?;
            report.records_checked = records.unsigned_abs();
            let mut stmt = conn.prepare(
                "SELECT c.record_id, c.id, c.photo_sha256, p.bytes, c.original_sha256, o.bytes
                 FROM captures c JOIN blobs p ON p.id = c.photo_blob LEFT JOIN blobs o ON o.id = c.original_blob
                 ORDER BY c.id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let images = StoredImages {
                    record_id: RecordId(row.get(0)?),
                    capture_id: CaptureId(row.get(1)?),
                    photo_sha256: row.get(2)?,
                    photo: stored_bytes(row.get_ref(3)?).unwrap_or_default(),
                    original_sha256: row.get(4)?,
                    original: stored_bytes(row.get_ref(5)?),
                };
                report.captures_checked += 1;
                report.photo_problems.extend(check_images(&images).into_iter().map(|problem| PhotoProblem {
                    record_id: images.record_id,
                    capture_id: images.capture_id,
                    problem,
                }));
            }
            Ok(report)
        })
    }
}
