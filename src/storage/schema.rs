//! The schema as an ordered list of migrations, applied by `PRAGMA user_version` inside one
//! `BEGIN IMMEDIATE` transaction (two processes opening a new database at once migrate it once).
//!
//! Rules for the future: never edit a released migration, append a new one; every migration is tested
//! from every earlier version (`tests/storage_admin.rs`). Times are unix seconds (INTEGER), booleans
//! 0/1, JSON columns are checked with `json_valid`.

use rusqlite::{Connection, TransactionBehavior};

use super::StorageError;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The `user_version` after this step (1, 2, ...).
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Version 1: the booth's data (records, captures and their images, audit log) and the roster.
const V1_RECORDS: &str = "
CREATE TABLE roster (
    student_no  TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    eligible    INTEGER NOT NULL DEFAULT 1 CHECK (eligible IN (0, 1)),
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX roster_name ON roster (name);

CREATE TABLE records (
    id               INTEGER PRIMARY KEY,
    student_no       TEXT NOT NULL,
    profile          TEXT NOT NULL,
    status           TEXT NOT NULL
                     CHECK (status IN ('pending_review', 'approved', 'rejected', 'exported', 'printed')),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    queued_at        INTEGER NOT NULL,
    approved_at      INTEGER,
    retake_count     INTEGER NOT NULL DEFAULT 0 CHECK (retake_count >= 0),
    consent_version  TEXT NOT NULL,
    consent_at       INTEGER NOT NULL
);
CREATE INDEX records_queue ON records (status, queued_at, id);
CREATE INDEX records_student ON records (student_no, id);
CREATE INDEX records_approved ON records (approved_at);
-- One open submission per student and profile (RecordStatus::is_open): no duplicate record, no second fee.
CREATE UNIQUE INDEX records_one_open ON records (student_no, profile)
    WHERE status IN ('pending_review', 'rejected', 'approved');

-- Image bytes, content-addressed: identical bytes are stored once and verified against their hash.
CREATE TABLE blobs (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    size_bytes  INTEGER NOT NULL CHECK (size_bytes > 0),
    bytes       BLOB NOT NULL
);

CREATE TABLE captures (
    id                  INTEGER PRIMARY KEY,
    record_id           INTEGER NOT NULL REFERENCES records (id),
    attempt             INTEGER NOT NULL CHECK (attempt >= 1),
    captured_at         INTEGER NOT NULL,
    actor_kind          TEXT NOT NULL,
    actor_name          TEXT NOT NULL,
    photo_blob          INTEGER NOT NULL REFERENCES blobs (id),
    photo_sha256        TEXT NOT NULL,
    photo_bytes         INTEGER NOT NULL,
    original_blob       INTEGER REFERENCES blobs (id),
    original_sha256     TEXT NOT NULL,
    original_bytes      INTEGER NOT NULL,
    original_purged_at  INTEGER,
    report_json         TEXT NOT NULL CHECK (json_valid(report_json)),
    params_json         TEXT NOT NULL CHECK (json_valid(params_json)),
    UNIQUE (record_id, attempt),
    CHECK ((original_blob IS NULL) = (original_purged_at IS NOT NULL))
);
CREATE INDEX captures_time ON captures (captured_at);
CREATE INDEX captures_photo_blob ON captures (photo_blob);
CREATE INDEX captures_original_blob ON captures (original_blob);

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('booth', 'staff', 'cli')),
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    record_id    INTEGER REFERENCES records (id),
    from_status  TEXT,
    to_status    TEXT,
    reasons      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),
    note         TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_record ON audit (record_id, id);
CREATE INDEX audit_action_time ON audit (action, at);
";

/// Version 2: staff accounts for the review station (Argon2 PIN hashes, lockout counters).
const V2_STAFF: &str = "
CREATE TABLE staff (
    account          TEXT PRIMARY KEY NOT NULL,
    display_name     TEXT NOT NULL,
    pin_hash         TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until     INTEGER NOT NULL DEFAULT 0,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Version 3: deliveries: print jobs and export batches to the campus-card system.
const V3_DELIVERY: &str = "
CREATE TABLE print_jobs (
    id           INTEGER PRIMARY KEY,
    record_id    INTEGER NOT NULL REFERENCES records (id),
    capture_id   INTEGER NOT NULL REFERENCES captures (id),
    copies       INTEGER NOT NULL CHECK (copies >= 1),
    printer      TEXT NOT NULL,
    layout       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'completed', 'failed', 'cancelled')),
    spooler_job  TEXT,
    error        TEXT NOT NULL DEFAULT '',
    actor_kind   TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX print_jobs_record ON print_jobs (record_id);
CREATE INDEX print_jobs_state_time ON print_jobs (state, updated_at);

CREATE TABLE export_batches (
    id           INTEGER PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    destination  TEXT NOT NULL,
    manifest     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE export_items (
    batch_id    INTEGER NOT NULL REFERENCES export_batches (id),
    record_id   INTEGER NOT NULL REFERENCES records (id),
    capture_id  INTEGER NOT NULL REFERENCES captures (id),
    file_name   TEXT NOT NULL,
    PRIMARY KEY (batch_id, record_id)
) WITHOUT ROWID;
CREATE INDEX export_items_record ON export_items (record_id);
";

/// Version 4: the student's national ID number on the roster (学信网-style export names), and
/// `records.approved_at` filled from the audit log where an older build left it empty (the export
/// manifests read the column).
const V4_ID_NUMBER: &str = "
ALTER TABLE roster ADD COLUMN id_number TEXT CHECK (id_number IS NULL OR length(id_number) = 18);
UPDATE records SET approved_at = (
    SELECT max(a.at) FROM audit a WHERE a.record_id = records.id AND a.action = 'approved')
WHERE approved_at IS NULL AND status IN ('approved', 'exported', 'printed');
";

/// Version 5: why a sheet was printed. `official` jobs (every job an older build wrote) move an approved
/// record to `printed`; `take_home` jobs are the student's own copy printed at the booth's Done screen
/// before review and never change the record's status.
const V5_PRINT_PURPOSE: &str = "
ALTER TABLE print_jobs ADD COLUMN purpose TEXT NOT NULL DEFAULT 'official'
    CHECK (purpose IN ('official', 'take_home'));
";

/// Every migration, in order. `MIGRATIONS[i].version == i + 1`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "records, captures, audit, roster",
        sql: V1_RECORDS,
    },
    Migration {
        version: 2,
        name: "staff accounts",
        sql: V2_STAFF,
    },
    Migration {
        version: 3,
        name: "print jobs and export batches",
        sql: V3_DELIVERY,
    },
    Migration {
        version: 4,
        name: "roster id numbers, approval times backfilled",
        sql: V4_ID_NUMBER,
    },
    Migration {
        version: 5,
        name: "print job purpose (official or take-home)",
        sql: V5_PRINT_PURPOSE,
    },
];

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads `PRAGMA user_version`.
pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the database to [`LATEST_VERSION`]; refuses a database written by a newer build.
pub fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    migrate_to(conn, LATEST_VERSION)
}

/// Applies the migrations up to `target` (tests build every older version with it). Each step and its
/// `user_version` bump commit together: a crash leaves the database at a whole version.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StorageError> {
    // Fast path without the write lock: an up-to-date database is the common case on every open.
    let current = user_version(conn)?;
    if current > LATEST_VERSION {
        return Err(StorageError::NewerSchema {
            found: current,
            supported: LATEST_VERSION,
        });
    }
    if current >= target {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = user_version(&tx)?; // re-read under the lock: another process may have migrated
    for migration in MIGRATIONS
        .iter()
        .filter(|m| m.version > current && m.version <= target)
    {
        let fail = |source| StorageError::Migration {
            version: migration.version,
            name: migration.name,
            source,
        };
        tx.execute_batch(migration.sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", migration.version)
            .map_err(fail)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_consecutively_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
        }
    }

    #[test]
    fn a_newer_database_is_refused() -> Result<(), StorageError> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1)?;
        let result = migrate(&mut conn);
        assert!(
            matches!(result, Err(StorageError::NewerSchema { found, .. }) if found == LATEST_VERSION + 1)
        );
        Ok(())
    }
}
