//! The local `SQLite` store: records and their captures, the audit log, the roster, staff accounts, print
//! jobs and export batches, in one database file in the data dir.
//!
//! Owns the schema (migrations by `PRAGMA user_version`), the pragmas that make it crash-safe (WAL,
//! `synchronous=FULL`, foreign keys, busy timeout) and every query; returns `core::record` types. Status
//! changes go through [`RecordStatus::after`] inside one `BEGIN IMMEDIATE` transaction each, so a
//! lifecycle rule cannot be bypassed and two processes never lose each other's updates.
//!
//! Photos are BLOBs in the database, content-addressed by SHA-256 in a `blobs` table, not files. One
//! commit then makes a record, its capture, both images and the audit entry durable together (one fsync
//! of the WAL); a file store would need a file fsync, a directory fsync and the commit per image and a
//! sweep for orphans after a crash. The retention purge frees original BLOBs and `incremental_vacuum`
//! returns the pages. Must not touch the UI or the camera, nor any file but its data dir and database.

mod commands;
mod delivery;
mod id_number;
mod records;
mod rerender;
mod roster;
mod rows;
pub mod schema;
mod staff;
mod stats;
mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::core::record::{CaptureId, PrintJobId, RecordError, RecordId, RecordStatus};

pub use commands::{
    RecordsCommand, RecordsOutput, TimeZoneOffset, render_detail, render_roster_report,
    render_summaries, render_verify, run_records_command,
};
pub use delivery::{
    ExportBatch, ExportItem, MAX_COPIES_PER_JOB, NewExportBatch, NewExportItem, NewPrintJob,
    PrintJob,
};
pub use id_number::{ID_NUMBER_LEN, IdNumber};
pub use records::{NewCapture, RecordFilter, Submission};
pub use rerender::{RerenderOutcome, RerenderSource, Rerendered, status_after_rerender};
pub use roster::{ColumnMap, RosterField, RosterImportOptions, RosterImportReport, RosterProblem};
pub use staff::{LockoutPolicy, StaffSummary};
pub use stats::PurgeReport;
pub use verify::{PhotoProblem, PhotoProblemKind, VerifyReport};

/// Everything that can go wrong in the store. Shown with `{:#}` so the `SQLite` cause follows the context.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the data directory {path}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the database journal mode is {found:?}, not WAL; is the data dir on a network share?")]
    NotWal { found: String },
    #[error(
        "the database has schema version {found}, newer than this idbooth ({supported}); upgrade idbooth"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error("migrating the database to schema version {version} ({name}) failed")]
    Migration {
        version: i64,
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Invalid(#[from] RecordError),
    #[error("record {0} does not exist")]
    RecordNotFound(RecordId),
    #[error("capture {0} does not exist")]
    CaptureNotFound(CaptureId),
    #[error("print job {0} does not exist")]
    PrintJobNotFound(PrintJobId),
    #[error(
        "student {student_no} already has an open {profile:?} record ({existing}, {status}); resubmit it instead"
    )]
    OpenRecordExists {
        student_no: String,
        profile: String,
        existing: RecordId,
        status: RecordStatus,
    },
    #[error(
        "a {status} ({status_zh}) record cannot be re-rendered: only pending or approved ones", status_zh = status.label_zh()
    )]
    RerenderNotAllowed { status: RecordStatus },
    #[error("only staff or the command line re-render a record, not a booth")]
    RerenderByBooth,
    #[error("record {0} changed while its photo was being re-rendered; reload it and try again")]
    RecordChanged(RecordId),
    #[error("the capture is unusable: {0}")]
    BadCapture(&'static str),
    #[error("{field} is not valid JSON")]
    BadJson {
        field: &'static str,
        source: serde_json::Error,
    },
    #[error("a print job needs 1 to {max} copies, not {copies}")]
    Copies { copies: u32, max: u32 },
    #[error("an export batch needs at least one item")]
    EmptyBatch,
    #[error("record {0} appears twice in the export batch")]
    DuplicateBatchItem(RecordId),
    #[error("staff account {0} does not exist")]
    UnknownStaff(String),
    #[error("staff account {0} already exists")]
    StaffExists(String),
    #[error("staff account {0} is disabled")]
    StaffDisabled(String),
    #[error("wrong PIN for {account}; {attempts_left} attempts left before a lockout")]
    WrongPin { account: String, attempts_left: u32 },
    #[error(
        "staff account {account} is locked for another {remaining_s} s after repeated wrong PINs"
    )]
    LockedOut { account: String, remaining_s: i64 },
    #[error("PIN hashing failed: {0}")]
    PinHash(String),
    #[error("cannot read the roster CSV")]
    Csv(#[from] csv::Error),
    #[error("roster column mapping: {0}")]
    RosterMapping(String),
    #[error("cannot write JSON output")]
    Json(#[from] serde_json::Error),
}

/// How hard a commit works to survive power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: every commit is fsynced before it returns; nothing acknowledged is lost on a
    /// power cut. The default and what the booth and staff station use.
    #[default]
    Full,
    /// `synchronous=NORMAL`: survives a process crash (kill -9), may lose the last commits on power loss.
    /// Only for bulk tools (bench fixtures, imports one re-runs anyway).
    Normal,
}

/// Connection settings; the defaults suit a booth and a staff station sharing the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long a writer waits for another process's transaction before failing.
    pub busy_timeout: Duration,
    pub durability: Durability,
}

/// Writers hold the lock for milliseconds (BLOB insert ≈ 10 ms); ten seconds covers a queue of booths and
/// staff stations plus a WAL checkpoint with a wide margin, and still fails visibly if a process hangs.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Cap on the WAL file kept after a checkpoint (`SQLite` default is unlimited); 64 MiB ≈ 30 photo captures.
const JOURNAL_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            durability: Durability::Full,
        }
    }
}

/// What [`Store::checkpoint`] did (`-1` frames for an in-memory database, which has no WAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointReport {
    /// Another connection held a lock the checkpoint needed; it did what it could.
    pub busy: bool,
    /// Frames in the WAL.
    pub wal_frames: i64,
    /// Frames now also in the database file; equal to `wal_frames` when it completed.
    pub checkpointed_frames: i64,
}

/// An open database. One per thread or process; `Send`, so it can live on an io worker thread.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the database at `path` with the default options, creating parent directories,
    /// applying the pragmas and migrating the schema to the latest version.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        Self::open_with(path, StoreOptions::default())
    }

    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Self, StorageError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StorageError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|source| StorageError::Open {
                path: path.to_owned(),
                source,
            })?;
        configure(&conn, options, true)?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn,
            path: Some(path.to_owned()),
        })
    }

    /// A private in-memory database (UI tests, demos). Same schema and rules; nothing persists.
    pub fn open_in_memory() -> Result<Self, StorageError> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, StoreOptions::default(), false)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn, path: None })
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StorageError> {
        Ok(schema::user_version(&self.conn)?)
    }

    /// Copies committed pages from the WAL into the database file without waiting for anyone
    /// (`PASSIVE`), then, if that completed, restarts the WAL with the smallest durable write. Call it
    /// when idle (the booth's io worker, between students): the next submission's commit then only
    /// appends to the WAL and fsyncs it once. Without it, the first commit after a checkpoint also
    /// rewrites and fsyncs the WAL header (≈ +5 ms here) and `SQLite`'s automatic checkpoint (every
    /// 1000 pages, the backstop when nobody calls this) runs inside a student's commit.
    pub fn checkpoint(&mut self) -> Result<CheckpointReport, StorageError> {
        let report = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                Ok(CheckpointReport {
                    busy: row.get::<_, i64>(0)? != 0,
                    wal_frames: row.get(1)?,
                    checkpointed_frames: row.get(2)?,
                })
            })?;
        let complete = !report.busy
            && report.wal_frames > 0
            && report.checkpointed_frames == report.wal_frames;
        if complete {
            // Rewriting user_version with its own value: one page, no data changed.
            self.write(|tx| {
                let version = schema::user_version(tx)?;
                tx.pragma_update(None, "user_version", version)?;
                Ok(())
            })?;
        }
        Ok(report)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so the reads
    /// inside see the latest data and the commit cannot fail with a stale snapshot. Rolled back on error.
    fn write<T>(
        &mut self,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = body(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `body` in a read transaction so several SELECTs see one snapshot (never blocks writers in WAL).
    fn read<T>(
        &self,
        body: impl FnOnce(&Connection) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let tx = self.conn.unchecked_transaction()?;
        let value = body(&tx)?;
        tx.finish()?;
        Ok(value)
    }
}

/// Applies the per-connection pragmas. `auto_vacuum` only takes effect on a new, empty database (it must
/// precede the first table), so it is set before the journal mode and the migrations.
fn configure(
    conn: &Connection,
    options: StoreOptions,
    require_wal: bool,
) -> Result<(), StorageError> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if require_wal && !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::NotWal { found: mode });
    }
    let synchronous = match options.durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn store_is_send_and_opens_in_memory_at_the_latest_schema() -> Result<(), StorageError> {
        assert_send::<Store>();
        let store = Store::open_in_memory()?;
        assert_eq!(store.schema_version()?, schema::LATEST_VERSION);
        assert_eq!(store.path(), None);
        Ok(())
    }
}
