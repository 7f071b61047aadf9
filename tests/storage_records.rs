//! Records through the real store on a database file: the lifecycle enforced transactionally, the
//! one-open-record rule, resubmission history, refused captures, and hostile text stored and shown
//! verbatim, never executed or used as a path.

mod storage_support;

use idbooth::core::record::{
    Actor, AuditAction, RecordError, RecordId, RecordStatus, Rejection, StaffAccount, StaffPin,
    Transition,
};
use idbooth::storage::{RecordFilter, RosterImportOptions, StorageError, Store, render_detail};
use storage_support::{PROFILE, RULE, T0, capture, catalog, submission};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn staff() -> Actor {
    Actor::Staff("li.wei".to_owned())
}

fn booth() -> Actor {
    Actor::Booth("booth-1".to_owned())
}

fn temp_store() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("data/idbooth.sqlite"))?;
    Ok((dir, store))
}

fn rejection(codes: &[&str], note: &str) -> Result<Rejection, RecordError> {
    let catalog = catalog();
    let codes = codes
        .iter()
        .map(|c| catalog.parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    Rejection::new(codes, note)
}

#[test]
fn open_creates_the_data_dir_with_wal_and_foreign_keys() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested/data/idbooth.sqlite");
    let store = Store::open(&path)?;
    assert!(path.exists());
    assert_eq!(store.path(), Some(path.as_path()));
    let conn = rusqlite::Connection::open(&path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    assert_eq!(mode, "wal");
    let auto_vacuum: i64 = conn.query_row("PRAGMA auto_vacuum", [], |row| row.get(0))?;
    assert_eq!(auto_vacuum, 2, "incremental");
    drop(conn);

    // An idle checkpoint moves every committed frame into the database file.
    let mut store = store;
    store.create_submission(&submission("20240009"), &capture(0, "x"), &booth(), T0)?;
    let checkpoint = store.checkpoint()?;
    assert!(
        !checkpoint.busy && checkpoint.wal_frames > 0,
        "{checkpoint:?}"
    );
    assert_eq!(checkpoint.checkpointed_frames, checkpoint.wal_frames);
    // ...and restarts the WAL with a one-page write, so the next commit pays no header fsync.
    let again = store.checkpoint()?;
    assert_eq!((again.wal_frames, again.checkpointed_frames), (1, 1));
    assert_eq!(
        store.schema_version()?,
        idbooth::storage::schema::LATEST_VERSION
    );
    Ok(())
}

#[test]
fn a_record_goes_through_rejection_resubmission_and_approval_with_its_history() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let first = capture(0, "attempt-1");
    let id = store.create_submission(&submission("20240001"), &first, &booth(), T0)?;
    assert_eq!(store.photo(id)?, first.photo);
    assert_eq!(store.original(id)?, Some(first.original.clone()));

    let why = rejection(&["eyes_closed", "other"], "眼睛闭上了，请重拍")?;
    assert_eq!(
        store.reject(id, &staff(), &why, T0 + 60)?,
        RecordStatus::Rejected
    );
    let second = capture(1, "attempt-2");
    let capture_2 = store.resubmit(id, &second, &booth(), T0 + 600)?;
    assert_eq!(
        store.approve(id, &staff(), T0 + 700)?,
        RecordStatus::Approved
    );

    let detail = store.get(id)?;
    let record = &detail.summary.record;
    assert_eq!(
        (record.status, record.retake_count),
        (RecordStatus::Approved, 1)
    );
    assert_eq!(
        (
            record.created_at_unix_s,
            record.queued_at_unix_s,
            record.updated_at_unix_s
        ),
        (T0, T0 + 600, T0 + 700)
    );
    assert_eq!(detail.summary.latest_capture, capture_2);
    assert_eq!(detail.captures.len(), 2, "the first capture is kept");
    assert_eq!(detail.captures[0].attempt, 1);
    assert_eq!(detail.captures[1].id, capture_2);
    assert_eq!(detail.captures[0].report["tag"], "attempt-1");
    assert_eq!(store.photo(id)?, second.photo, "the latest photo is served");
    assert_eq!(
        store.capture_photo(detail.captures[0].id)?,
        first.photo,
        "earlier photos stay readable"
    );

    let actions: Vec<_> = detail.history.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::Submitted,
            AuditAction::Rejected,
            AuditAction::Resubmitted,
            AuditAction::Approved
        ]
    );
    let rejected = &detail.history[1];
    assert_eq!(rejected.actor, staff());
    assert_eq!(
        (rejected.from_status, rejected.to_status),
        (
            Some(RecordStatus::PendingReview),
            Some(RecordStatus::Rejected)
        )
    );
    assert_eq!(
        rejected
            .reasons
            .iter()
            .map(idbooth::core::record::ReasonCode::as_str)
            .collect::<Vec<_>>(),
        ["eyes_closed", "other"]
    );
    assert_eq!(rejected.note, "眼睛闭上了，请重拍");
    assert_eq!(
        detail.last_rejection.as_ref().map(Rejection::note),
        Some("眼睛闭上了，请重拍")
    );
    assert_eq!(
        store.list(&RecordFilter::default())?.len(),
        1,
        "a resubmission is not a new record"
    );
    Ok(())
}

#[test]
fn invalid_transitions_fail_and_leave_no_trace() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240002"), &capture(0, "a"), &booth(), T0)?;
    let before = store.get(id)?;

    // A booth cannot review; a pending record cannot be resubmitted, exported or printed.
    let booth_approves = store.approve(id, &booth(), T0 + 1);
    assert!(matches!(
        booth_approves,
        Err(StorageError::Invalid(RecordError::NotAllowed { .. }))
    ));
    let resubmitted = store.resubmit(id, &capture(1, "b"), &booth(), T0 + 2);
    assert!(matches!(
        resubmitted,
        Err(StorageError::Invalid(RecordError::InvalidTransition {
            from: RecordStatus::PendingReview,
            action: Transition::Resubmit
        }))
    ));
    assert!(store.mark_printed(id, &staff(), T0 + 3).is_err());
    assert_eq!(
        store.get(id)?,
        before,
        "nothing changed: no capture, no audit line, same timestamps"
    );

    store.approve(id, &staff(), T0 + 4)?;
    let twice = store.reject(id, &staff(), &rejection(&["background"], "")?, T0 + 5);
    assert!(matches!(
        twice,
        Err(StorageError::Invalid(RecordError::InvalidTransition {
            from: RecordStatus::Approved,
            ..
        }))
    ));
    assert_eq!(store.get(id)?.history.len(), 2);
    assert!(matches!(
        store.approve(RecordId(999), &staff(), T0),
        Err(StorageError::RecordNotFound(RecordId(999)))
    ));
    Ok(())
}

#[test]
fn a_student_has_one_open_record_per_profile() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240003"), &capture(0, "a"), &booth(), T0)?;
    for status_step in 0..3 {
        let again =
            store.create_submission(&submission("20240003"), &capture(1, "b"), &booth(), T0 + 10);
        match again {
            Err(StorageError::OpenRecordExists { existing, .. }) => assert_eq!(existing, id),
            other => panic!("step {status_step}: expected OpenRecordExists, got {other:?}"),
        }
        match status_step {
            0 => drop(store.reject(id, &staff(), &rejection(&["background"], "")?, T0 + 20)?),
            1 => {
                store.resubmit(id, &capture(2, "c"), &booth(), T0 + 30)?;
                store.approve(id, &staff(), T0 + 40)?;
            }
            _ => {}
        }
    }
    assert_eq!(
        store
            .open_record(&storage_support::student("20240003"), PROFILE)?
            .map(|s| s.record.id),
        Some(id)
    );
    // Another profile is a separate submission; a delivered record frees the student for a new one.
    let mut visa = submission("20240003");
    visa.profile = "visa".to_owned();
    store.create_submission(&visa, &capture(0, "visa"), &booth(), T0 + 50)?;
    store.mark_printed(id, &staff(), T0 + 60)?;
    assert!(
        store
            .open_record(&storage_support::student("20240003"), PROFILE)?
            .is_none()
    );
    store.create_submission(
        &submission("20240003"),
        &capture(1, "new term"),
        &booth(),
        T0 + 70,
    )?;
    assert_eq!(store.list(&RecordFilter::default())?.len(), 3);
    Ok(())
}

#[test]
fn bad_captures_are_refused_before_anything_is_written() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let mut not_an_image = capture(0, "x");
    not_an_image.photo = b"GIF89a".to_vec();
    assert!(matches!(
        store.create_submission(&submission("20240004"), &not_an_image, &booth(), T0),
        Err(StorageError::BadCapture(_))
    ));
    let mut bad_json = capture(0, "x");
    bad_json.report_json = "{not json".to_owned();
    assert!(matches!(
        store.create_submission(&submission("20240004"), &bad_json, &booth(), T0),
        Err(StorageError::BadJson {
            field: "report",
            ..
        })
    ));
    let mut no_original = capture(0, "x");
    no_original.original.clear();
    assert!(
        store
            .create_submission(&submission("20240004"), &no_original, &booth(), T0)
            .is_err()
    );
    assert!(store.list(&RecordFilter::default())?.is_empty());
    Ok(())
}

#[test]
fn hostile_text_is_stored_and_shown_verbatim_never_executed_or_used_as_a_path() -> TestResult {
    let (dir, mut store) = temp_store()?;
    let ten_kb: String = "长".repeat(10 * 1024 / 3 + 1);
    let hostile = [
        "Robert'); DROP TABLE records;--",
        "\" OR 1=1 --",
        "'; DELETE FROM roster WHERE ''='",
        "👩‍🎓 毕业快乐 🎉",
        "../../../etc/passwd",
        "C:\\Windows\\System32\\config",
        "%_[]*? NULL \\0 $(rm -rf /) `id`",
        "\u{202e}gpj.exe",
        ten_kb.as_str(),
    ];
    // The roster comes through CSV, quoted by a real CSV writer.
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["学号", "姓名", "院系"])?;
    for (i, text) in hostile.iter().enumerate() {
        csv.write_record([
            format!("2024700{i}"),
            (*text).to_owned(),
            (*text).to_owned(),
        ])?;
    }
    let options = RosterImportOptions {
        rule: RULE,
        ..RosterImportOptions::default()
    };
    let report = store.import_roster(csv.into_inner()?.as_slice(), &options, &Actor::Cli, T0)?;
    assert!(report.committed && report.bad_rows.is_empty(), "{report:?}");

    let catalog = catalog();
    for (i, text) in hostile.iter().enumerate() {
        let mut sub = submission(&format!("2024700{i}"));
        sub.profile = (*text).to_owned();
        sub.consent = idbooth::core::record::Consent::new(text, T0)?;
        let id = store.create_submission(
            &sub,
            &capture(i, text),
            &Actor::Booth((*text).to_owned()),
            T0,
        )?;
        let rejection = Rejection::new(vec![catalog.parse("other")?], text)?;
        store.reject(id, &Actor::Staff((*text).to_owned()), &rejection, T0 + 1)?;

        let detail = store.get(id)?;
        assert_eq!(detail.summary.student_name.as_deref(), Some(*text));
        assert_eq!(detail.department.as_deref(), Some(*text));
        assert_eq!(detail.summary.record.profile, *text);
        assert_eq!(detail.summary.record.consent.version, *text);
        assert_eq!(
            detail.last_rejection.as_ref().map(Rejection::note),
            Some(*text)
        );
        assert_eq!(detail.history[1].actor, Actor::Staff((*text).to_owned()));
        assert_eq!(detail.captures[0].report["tag"], *text);
        let shown = render_detail(&detail, &catalog, time::UtcOffset::UTC);
        assert!(
            shown.contains(&format!("note        {text}\n")),
            "record {id}"
        );
        let found = store.search(text, 5)?;
        assert!(
            found.iter().any(|s| s.record.id == id),
            "search for {text:?}"
        );
    }
    let account = StaffAccount::parse("ops")?;
    store.create_staff(
        &account,
        hostile[0],
        &StaffPin::parse("1234")?,
        &Actor::Cli,
        T0,
    )?;
    assert_eq!(store.staff(&account, T0)?.display_name, hostile[0]);

    // Every table is intact, every record is there, and no file was created from the text.
    assert_eq!(store.list(&RecordFilter::default())?.len(), hostile.len());
    assert_eq!(store.roster_count()?, hostile.len() as u64);
    assert!(store.verify()?.is_ok());
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("data"))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    files.sort();
    assert_eq!(
        files,
        ["idbooth.sqlite", "idbooth.sqlite-shm", "idbooth.sqlite-wal"]
    );
    Ok(())
}
