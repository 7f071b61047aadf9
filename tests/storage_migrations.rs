//! Schema migrations on real database files: every earlier version (with data written as that version
//! wrote it) reaches the latest schema, identical to a fresh database, and keeps working; a database from
//! a newer build is refused.

mod storage_support;

use idbooth::core::record::{Actor, PrintPurpose, RecordId, RecordStatus, StaffAccount, StaffPin};
use idbooth::storage::{LockoutPolicy, NewPrintJob, StorageError, Store, schema};
use storage_support::{T0, capture, submission};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn staff() -> Actor {
    Actor::Staff("admin".to_owned())
}

fn booth() -> Actor {
    Actor::Booth("booth-2".to_owned())
}

/// Seeds data valid at `version` with plain SQL, as an older idbooth would have written it.
fn seed_at_version(conn: &rusqlite::Connection, version: i64) -> rusqlite::Result<()> {
    if version >= 1 {
        let photo = &storage_support::photos()[0];
        let photo_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(photo));
        conn.execute_batch(
            "INSERT INTO roster (student_no, name, department, eligible, updated_at) VALUES ('20230001', '老生', '历史', 1, 1);
             INSERT INTO records (id, student_no, profile, status, created_at, updated_at, queued_at, retake_count,
                 consent_version, consent_at) VALUES (1, '20230001', 'campus_card', 'pending_review', 10, 10, 10, 0, 'v1', 9);",
        )?;
        conn.execute(
            "INSERT INTO blobs (id, sha256, size_bytes, bytes) VALUES (1, ?1, ?2, ?3)",
            rusqlite::params![photo_sha, photo.len() as i64, photo],
        )?;
        conn.execute(
            "INSERT INTO captures (record_id, attempt, captured_at, actor_kind, actor_name, photo_blob, photo_sha256, photo_bytes,
                 original_blob, original_sha256, original_bytes, report_json, params_json)
             VALUES (1, 1, 10, 'booth', 'b1', 1, ?1, ?2, 1, ?1, ?2, '{}', '{}')",
            rusqlite::params![photo_sha, photo.len() as i64],
        )?;
        conn.execute_batch(
            "INSERT INTO audit (at, actor_kind, actor_name, action, record_id, to_status) VALUES (10, 'booth', 'b1', 'submitted', 1, 'pending_review');",
        )?;
    }
    if version >= 2 {
        let salt = argon2::password_hash::SaltString::encode_b64(b"fixed-test-salt!")
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.to_string().into()))?;
        let hash =
            argon2::PasswordHasher::hash_password(&argon2::Argon2::default(), b"1357", &salt)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.to_string().into()))?
                .to_string();
        conn.execute("INSERT INTO staff (account, display_name, pin_hash, created_at, updated_at) VALUES ('old.hand', '老员工', ?1, 5, 5)", [hash])?;
    }
    if version >= 3 {
        // A completed staff print of an approved record, as versions 3 and 4 wrote it (no purpose column).
        conn.execute_batch(
            "INSERT INTO records (id, student_no, profile, status, created_at, updated_at, queued_at, approved_at,
                 retake_count, consent_version, consent_at)
                 VALUES (2, '20230001', 'visa', 'printed', 11, 13, 11, 12, 0, 'v1', 9);
             INSERT INTO captures (record_id, attempt, captured_at, actor_kind, actor_name, photo_blob, photo_sha256,
                 photo_bytes, original_blob, original_sha256, original_bytes, report_json, params_json)
                 SELECT 2, 1, 11, 'booth', 'b1', 1, photo_sha256, photo_bytes, 1, original_sha256, original_bytes, '{}', '{}'
                 FROM captures WHERE record_id = 1;
             INSERT INTO audit (at, actor_kind, actor_name, action, record_id, to_status)
                 VALUES (11, 'booth', 'b1', 'submitted', 2, 'pending_review');
             INSERT INTO audit (at, actor_kind, actor_name, action, record_id, from_status, to_status)
                 VALUES (12, 'staff', 'admin', 'approved', 2, 'pending_review', 'approved');
             INSERT INTO audit (at, actor_kind, actor_name, action, record_id, from_status, to_status)
                 VALUES (13, 'staff', 'admin', 'printed', 2, 'approved', 'printed');
             INSERT INTO print_jobs (record_id, capture_id, copies, printer, layout, state, spooler_job, actor_kind,
                 actor_name, created_at, updated_at)
                 SELECT 2, id, 2, 'PDF', '6inch', 'completed', 'PDF-3', 'staff', 'admin', 12, 13
                 FROM captures WHERE record_id = 2;",
        )?;
    }
    Ok(())
}

fn schema_of(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
    conn.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect()
}

#[test]
fn every_earlier_schema_version_migrates_to_the_latest_with_its_data() -> TestResult {
    let fresh_dir = tempfile::tempdir()?;
    let fresh_path = fresh_dir.path().join("fresh.sqlite");
    drop(Store::open(&fresh_path)?);
    let fresh_schema = schema_of(&rusqlite::Connection::open(&fresh_path)?)?;
    assert!(fresh_schema.len() > 10);

    for version in 0..schema::LATEST_VERSION {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("old.sqlite");
        {
            let mut conn = rusqlite::Connection::open(&path)?;
            conn.pragma_update(None, "foreign_keys", true)?;
            schema::migrate_to(&mut conn, version)?;
            assert_eq!(schema::user_version(&conn)?, version);
            seed_at_version(&conn, version)?;
        }
        let mut store = Store::open(&path)?;
        assert_eq!(
            store.schema_version()?,
            schema::LATEST_VERSION,
            "from version {version}"
        );
        let migrated_schema = schema_of(&rusqlite::Connection::open(&path)?)?;
        assert_eq!(
            migrated_schema, fresh_schema,
            "schema after migrating from version {version}"
        );

        let policy = LockoutPolicy::default();
        if version >= 1 {
            let old = store.get(RecordId(1))?;
            assert_eq!(old.summary.student_name.as_deref(), Some("老生"));
            store.approve(old.summary.record.id, &staff(), T0)?;
            let job = NewPrintJob {
                record_id: old.summary.record.id,
                copies: 1,
                printer: "PDF".into(),
                layout: "single".into(),
            };
            store.create_print_job(&job, &staff(), T0)?;
        }
        if version >= 3 {
            let old_jobs = store.print_jobs(RecordId(2))?;
            assert_eq!(old_jobs.len(), 1, "from version {version}");
            assert_eq!(
                (old_jobs[0].purpose, old_jobs[0].copies),
                (PrintPurpose::Official, 2),
                "a job written before purposes existed is an official print"
            );
            assert_eq!(store.printed_copies(RecordId(2))?, 2);
            assert_eq!(
                store.get(RecordId(2))?.summary.record.status,
                RecordStatus::Printed
            );
        }
        if version >= 2 {
            assert!(
                store
                    .login(
                        &StaffAccount::parse("old.hand")?,
                        &StaffPin::parse("1357")?,
                        policy,
                        T0
                    )
                    .is_ok()
            );
        }
        let id = store.create_submission(
            &submission("20240099"),
            &capture(1, "after migration"),
            &booth(),
            T0,
        )?;
        assert_eq!(
            store.get(id)?.summary.record.status,
            RecordStatus::PendingReview
        );
        let report = store.verify()?;
        assert!(report.is_ok(), "from version {version}: {report:?}");
    }
    Ok(())
}

#[test]
fn reopening_keeps_data_and_a_newer_database_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("idbooth.sqlite");
    let id = Store::open(&path)?.create_submission(
        &submission("20240098"),
        &capture(0, "x"),
        &booth(),
        T0,
    )?;
    assert_eq!(Store::open(&path)?.get(id)?.summary.record.id, id);
    rusqlite::Connection::open(&path)?.pragma_update(
        None,
        "user_version",
        schema::LATEST_VERSION + 1,
    )?;
    assert!(matches!(
        Store::open(&path),
        Err(StorageError::NewerSchema { .. })
    ));
    Ok(())
}

#[test]
fn approval_times_an_older_build_left_empty_are_filled_from_the_audit_log() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("v3.sqlite");
    {
        let mut conn = rusqlite::Connection::open(&path)?;
        schema::migrate_to(&mut conn, 3)?;
        seed_at_version(&conn, 3)?;
        // Approved by an older build that recorded the approval only in the audit log.
        conn.execute_batch(
            "UPDATE records SET status = 'approved', approved_at = NULL WHERE id = 1;
             INSERT INTO audit (at, actor_kind, actor_name, action, record_id, from_status, to_status)
                 VALUES (20, 'staff', 'old.hand', 'approved', 1, 'pending_review', 'approved');",
        )?;
    }
    let store = Store::open(&path)?;
    let record = store.get(RecordId(1))?.summary.record;
    assert_eq!(record.approved_at_unix_s, Some(20));
    assert_eq!(
        store.roster_id_number(&storage_support::student("20230001"))?,
        None
    );
    Ok(())
}
