//! The store's administrative side on a real database file: roster import, staff accounts and lockout,
//! print jobs and export batches.

mod storage_support;

use idbooth::core::record::{
    Actor, AuditAction, PrintJobState, RecordError, RecordStatus, StaffAccount, StaffPin,
    Transition,
};
use idbooth::storage::{
    ColumnMap, LockoutPolicy, NewExportBatch, NewExportItem, NewPrintJob, RosterImportOptions,
    StorageError, Store, render_roster_report,
};
use storage_support::{RULE, T0, capture, student, submission};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn temp_store() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("idbooth.sqlite"))?;
    Ok((dir, store))
}

fn options() -> RosterImportOptions {
    RosterImportOptions {
        rule: RULE,
        ..RosterImportOptions::default()
    }
}

fn staff() -> Actor {
    Actor::Staff("admin".to_owned())
}

fn booth() -> Actor {
    Actor::Booth("booth-2".to_owned())
}

#[test]
fn roster_import_inserts_updates_and_counts_unchanged_rows() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    // Excel's "CSV UTF-8": a BOM, Chinese headers, quoted fields with commas and quotes.
    let first = "\u{feff}学号,姓名,院系,资格\n20240001,张三,\"物理学院, 应用物理系\",是\n20240002,\"李\"\"四\"\"\",数学,否\n";
    let report = store.import_roster(first.as_bytes(), &options(), &Actor::Cli, T0)?;
    assert!(report.committed && report.bad_rows.is_empty(), "{report:?}");
    assert_eq!(
        (
            report.rows_read,
            report.inserted,
            report.updated,
            report.unchanged
        ),
        (2, 2, 0, 0)
    );
    let zhang = store.roster_entry(&student("20240001"))?.ok_or("missing")?;
    assert_eq!(
        (
            zhang.name.as_str(),
            zhang.department.as_str(),
            zhang.eligible
        ),
        ("张三", "物理学院, 应用物理系", true)
    );
    let li = store.roster_entry(&student("20240002"))?.ok_or("missing")?;
    assert_eq!((li.name.as_str(), li.eligible), ("李\"四\"", false));

    let second = "学号,姓名,院系,资格\n20240001,张三,\"物理学院, 应用物理系\",1\n20240002,李四,数学,1\n20240003,王五,化学,yes\n";
    let report = store.import_roster(second.as_bytes(), &options(), &Actor::Cli, T0 + 1)?;
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (1, 1, 1)
    );
    assert_eq!(store.roster_count()?, 3);
    assert!(
        store
            .roster_entry(&student("20240002"))?
            .is_some_and(|e| e.eligible)
    );
    let imports = store
        .audit_log(0, 10)?
        .into_iter()
        .filter(|e| e.action == AuditAction::RosterImported)
        .count();
    assert_eq!(imports, 2);
    Ok(())
}

#[test]
fn a_roster_with_bad_rows_imports_nothing_unless_skip_bad() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let csv = "student_no,name,eligible\n\
               20240001,Ann,1\n\
               2024 0002,Bob,1\n\
               20240003,,1\n\
               20240001,Ann Again,1\n\
               20240005,Eve,maybe\n\
               20240006,Too,Many,Fields\n\
               20240007,Kai,0\n";
    let report = store.import_roster(csv.as_bytes(), &options(), &Actor::Cli, T0)?;
    assert!(!report.committed);
    assert_eq!(
        store.roster_count()?,
        0,
        "nothing imported from a file with errors"
    );
    let lines: Vec<u64> = report.bad_rows.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7], "{:?}", report.bad_rows);
    assert!(
        report.bad_rows[0].message.contains("separator"),
        "{:?}",
        report.bad_rows[0]
    );
    assert!(
        report.bad_rows[1]
            .message
            .contains("name must not be empty")
    );
    assert!(report.bad_rows[2].message.contains("already on line 2"));
    assert!(report.bad_rows[3].message.contains("maybe"));
    assert!(
        report.bad_rows[4]
            .message
            .contains("4 fields where the header has 3")
    );
    let text = render_roster_report(&report);
    assert!(
        text.ends_with("nothing imported: 5 of 7 rows are bad; fix them or pass --skip-bad\n"),
        "{text}"
    );

    let skip = RosterImportOptions {
        skip_bad: true,
        ..options()
    };
    let report = store.import_roster(csv.as_bytes(), &skip, &Actor::Cli, T0)?;
    assert!(report.committed);
    assert_eq!((report.inserted, report.bad_rows.len()), (2, 5));
    assert_eq!(
        store.roster_entry(&student("20240001"))?.map(|e| e.name),
        Some("Ann".to_owned())
    );
    assert_eq!(
        store
            .roster_entry(&student("20240007"))?
            .map(|e| e.eligible),
        Some(false)
    );
    Ok(())
}

#[test]
fn roster_columns_can_be_mapped_and_missing_ones_are_named() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let csv = "StuID,Full Name,Faculty\n20249999,Mia Chen,Law\n";
    let unmapped = store.import_roster(csv.as_bytes(), &options(), &Actor::Cli, T0);
    match unmapped {
        Err(StorageError::RosterMapping(message)) => {
            assert!(
                message.contains("student_no") && message.contains("StuID, Full Name, Faculty"),
                "{message}"
            );
        }
        other => panic!("expected a mapping error, got {other:?}"),
    }
    let mappings =
        ["StuID=student_no", "full name=name", "Faculty=department"].map(ColumnMap::parse);
    let mapped = RosterImportOptions {
        mappings: mappings.into_iter().collect::<Result<_, _>>()?,
        ..options()
    };
    let report = store.import_roster(csv.as_bytes(), &mapped, &Actor::Cli, T0)?;
    assert!(report.committed && report.inserted == 1);
    assert_eq!(
        store
            .roster_entry(&student("20249999"))?
            .map(|e| e.department),
        Some("Law".to_owned())
    );
    let wrong = RosterImportOptions {
        mappings: vec![ColumnMap::parse("学号=student_no")?],
        ..options()
    };
    assert!(matches!(
        store.import_roster(csv.as_bytes(), &wrong, &Actor::Cli, T0),
        Err(StorageError::RosterMapping(_))
    ));
    Ok(())
}

#[test]
fn a_gbk_roster_gets_a_clear_error() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    // "学号,姓名" in GBK, as older Excel versions save CSV on Chinese Windows.
    let gbk: &[u8] = b"\xd1\xa7\xba\xc5,\xd0\xd5\xc3\xfb\n20240001,\xd5\xc5\xc8\xfd\n";
    match store.import_roster(gbk, &options(), &Actor::Cli, T0) {
        Err(StorageError::RosterMapping(message)) => {
            assert!(message.contains("CSV UTF-8"), "{message}");
        }
        other => panic!("expected an encoding error, got {other:?}"),
    }
    Ok(())
}

#[test]
fn staff_pins_are_hashed_and_wrong_pins_lock_the_account() -> TestResult {
    let (dir, mut store) = temp_store()?;
    let account = StaffAccount::parse("li.wei")?;
    let pin = StaffPin::parse("2580")?;
    let wrong = StaffPin::parse("0000")?;
    let policy = LockoutPolicy {
        max_failures: 3,
        lockout_s: 300,
    };
    store.create_staff(&account, "李伟", &pin, &Actor::Cli, T0)?;
    assert!(matches!(
        store.create_staff(&account, "again", &pin, &Actor::Cli, T0),
        Err(StorageError::StaffExists(_))
    ));

    let conn = rusqlite::Connection::open(dir.path().join("idbooth.sqlite"))?;
    let hash: String = conn.query_row(
        "SELECT pin_hash FROM staff WHERE account = 'li.wei'",
        [],
        |row| row.get(0),
    )?;
    assert!(
        hash.starts_with("$argon2id$") && !hash.contains("2580"),
        "{hash}"
    );

    assert_eq!(
        store.login(&account, &pin, policy, T0)?.display_name,
        "李伟"
    );
    for attempts_left in [2, 1] {
        match store.login(&account, &wrong, policy, T0 + 10) {
            Err(StorageError::WrongPin {
                attempts_left: left,
                ..
            }) => assert_eq!(left, attempts_left),
            other => panic!("expected WrongPin, got {other:?}"),
        }
    }
    assert!(matches!(
        store.login(&account, &wrong, policy, T0 + 20),
        Err(StorageError::LockedOut {
            remaining_s: 300,
            ..
        })
    ));
    // Locked: even the right PIN is refused, without being checked.
    assert!(matches!(
        store.login(&account, &pin, policy, T0 + 100),
        Err(StorageError::LockedOut {
            remaining_s: 220,
            ..
        })
    ));
    assert_eq!(
        store.staff(&account, T0 + 100)?.locked_until_unix_s,
        Some(T0 + 320)
    );
    let after = store.login(&account, &pin, policy, T0 + 320)?;
    assert_eq!(
        (after.failed_attempts, after.locked_until_unix_s),
        (0, None)
    );

    let actions: Vec<_> = store
        .audit_log(0, 100)?
        .into_iter()
        .map(|e| e.action)
        .collect();
    let count = |action| actions.iter().filter(|a| **a == action).count();
    assert_eq!(
        (
            count(AuditAction::StaffLoginFailed),
            count(AuditAction::StaffLockedOut),
            count(AuditAction::StaffLogin)
        ),
        (3, 1, 2)
    );

    store.set_staff_disabled(&account, true, &Actor::Cli, T0 + 400)?;
    assert!(matches!(
        store.login(&account, &pin, policy, T0 + 401),
        Err(StorageError::StaffDisabled(_))
    ));
    store.set_staff_disabled(&account, false, &Actor::Cli, T0 + 402)?;
    let new_pin = StaffPin::parse("975310")?;
    store.change_pin(&account, &new_pin, &Actor::Cli, T0 + 403)?;
    assert!(matches!(
        store.login(&account, &pin, policy, T0 + 404),
        Err(StorageError::WrongPin { .. })
    ));
    assert!(store.login(&account, &new_pin, policy, T0 + 405).is_ok());
    let unknown = StaffAccount::parse("nobody")?;
    assert!(matches!(
        store.login(&unknown, &pin, policy, T0),
        Err(StorageError::UnknownStaff(_))
    ));
    assert_eq!(store.list_staff(T0)?.len(), 1);
    Ok(())
}

#[test]
fn print_jobs_advance_with_the_spooler_and_count_copies() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240010"), &capture(0, "a"), &booth(), T0)?;
    let job = |copies| NewPrintJob {
        record_id: id,
        copies,
        printer: "PDF".into(),
        layout: "6inch-8up".into(),
    };
    assert!(matches!(
        store.create_print_job(&job(2), &staff(), T0),
        Err(StorageError::Invalid(RecordError::InvalidTransition {
            action: Transition::Print,
            ..
        }))
    ));
    store.approve(id, &staff(), T0 + 1)?;
    assert!(matches!(
        store.create_print_job(&job(0), &staff(), T0),
        Err(StorageError::Copies { .. })
    ));
    let first = store.create_print_job(&job(2), &staff(), T0 + 2)?;
    let second = store.create_print_job(&job(8), &staff(), T0 + 3)?;
    assert_eq!(store.unfinished_print_jobs()?.len(), 2);
    assert!(matches!(
        store.update_print_job(first, PrintJobState::Completed, None, "", &staff(), T0 + 4),
        Err(StorageError::Invalid(
            RecordError::InvalidPrintTransition { .. }
        ))
    ));
    store.update_print_job(
        first,
        PrintJobState::Sent,
        Some("PDF-41"),
        "",
        &staff(),
        T0 + 5,
    )?;
    assert_eq!(
        store.get(id)?.summary.record.status,
        RecordStatus::Approved,
        "sent is not printed yet"
    );
    let done =
        store.update_print_job(first, PrintJobState::Completed, None, "", &staff(), T0 + 6)?;
    assert_eq!(
        (done.state, done.spooler_job.as_deref()),
        (PrintJobState::Completed, Some("PDF-41"))
    );
    assert_eq!(store.get(id)?.summary.record.status, RecordStatus::Printed);
    store.update_print_job(
        second,
        PrintJobState::Failed,
        None,
        "printer out of paper 缺纸",
        &staff(),
        T0 + 7,
    )?;
    assert_eq!(store.printed_copies(id)?, 2, "failed jobs print nothing");
    assert_eq!(store.print_job(second)?.error, "printer out of paper 缺纸");
    assert!(store.unfinished_print_jobs()?.is_empty());
    assert_eq!(store.print_jobs(id)?.len(), 2);
    assert_eq!(store.get(id)?.printed_copies, 2);
    Ok(())
}

#[test]
fn export_batches_are_all_or_nothing_and_list_what_is_left() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(store.create_submission(
            &submission(&format!("2024002{i}")),
            &capture(i, &i.to_string()),
            &booth(),
            T0,
        )?);
    }
    store.approve(ids[0], &staff(), T0 + 10)?;
    store.approve(ids[1], &staff(), T0 + 20)?;
    store.approve(ids[2], &staff(), T0 - 100)?; // approved before the export window
    store.mark_printed(ids[1], &staff(), T0 + 30)?;
    let pending = ids[3];

    let waiting: Vec<_> = store
        .approved_not_exported(T0)?
        .iter()
        .map(|s| s.record.id)
        .collect();
    assert_eq!(
        waiting,
        [ids[0], ids[1]],
        "approved or printed since T0, in approval order"
    );

    let item = |id, name: &str| NewExportItem {
        record_id: id,
        file_name: name.to_owned(),
    };
    let batch = |items| NewExportBatch {
        destination: "/srv/campus-card/import".into(),
        manifest: "manifest.csv".into(),
        items,
    };
    let with_pending = store.mark_exported(
        &batch(vec![
            item(ids[0], "20240020.jpg"),
            item(pending, "20240023.jpg"),
        ]),
        &staff(),
        T0 + 40,
    );
    assert!(matches!(
        with_pending,
        Err(StorageError::Invalid(RecordError::InvalidTransition {
            from: RecordStatus::PendingReview,
            ..
        }))
    ));
    assert_eq!(
        store.get(ids[0])?.summary.record.status,
        RecordStatus::Approved,
        "the whole batch rolled back"
    );
    assert!(matches!(
        store.mark_exported(&batch(vec![]), &staff(), T0),
        Err(StorageError::EmptyBatch)
    ));
    let doubled = batch(vec![item(ids[0], "a.jpg"), item(ids[0], "b.jpg")]);
    assert!(matches!(
        store.mark_exported(&doubled, &staff(), T0),
        Err(StorageError::DuplicateBatchItem(_))
    ));

    let batch_id = store.mark_exported(
        &batch(vec![
            item(ids[0], "20240020.jpg"),
            item(ids[1], "20240021.jpg"),
        ]),
        &staff(),
        T0 + 50,
    )?;
    for id in &ids[..2] {
        assert_eq!(
            store.get(*id)?.summary.record.status,
            RecordStatus::Exported
        );
    }
    assert!(store.approved_not_exported(T0)?.is_empty());
    let stored = store.export_batch(batch_id)?.ok_or("batch missing")?;
    assert_eq!(
        stored
            .items
            .iter()
            .map(|i| i.file_name.as_str())
            .collect::<Vec<_>>(),
        ["20240020.jpg", "20240021.jpg"]
    );
    assert_eq!(
        stored.items[0].capture_id,
        store.get(ids[0])?.summary.latest_capture
    );
    assert_eq!(stored.actor, staff());

    // Printing an exported record keeps it exported; exporting again (a lost import) is allowed.
    store.mark_printed(ids[0], &staff(), T0 + 60)?;
    assert_eq!(
        store.get(ids[0])?.summary.record.status,
        RecordStatus::Exported
    );
    store.mark_exported(
        &batch(vec![item(ids[0], "20240020.jpg")]),
        &staff(),
        T0 + 70,
    )?;
    assert_eq!(
        store
            .approved_not_exported(0)?
            .iter()
            .map(|s| s.record.id)
            .collect::<Vec<_>>(),
        [ids[2]]
    );
    Ok(())
}

#[test]
fn roster_id_numbers_are_checked_kept_and_exported_under_the_chsi_template() -> TestResult {
    let (dir, mut store) = temp_store()?;
    // A typo in the check character refuses the file; an empty cell is fine (the number is optional).
    let bad = "学号,姓名,身份证号\n20240001,张三,110105194912310021\n20240002,李四,\n";
    let report = store.import_roster(bad.as_bytes(), &options(), &Actor::Cli, T0)?;
    assert!(!report.committed);
    assert_eq!(report.bad_rows.len(), 1);
    assert_eq!(report.bad_rows[0].line, 2);
    assert!(
        report.bad_rows[0].message.contains("check character"),
        "{:?}",
        report.bad_rows
    );

    let good = "学号,姓名,身份证号\n20240001,张三,11010519491231002x\n20240002,李四,\n";
    assert!(
        store
            .import_roster(good.as_bytes(), &options(), &Actor::Cli, T0)?
            .committed
    );
    let zhang = student("20240001");
    assert_eq!(
        store.roster_id_number(&zhang)?.map(|n| n.to_string()),
        Some("11010519491231002X".to_owned())
    );
    assert_eq!(store.roster_id_number(&student("20240002"))?, None);
    // A later file without the column keeps the number.
    let names_only = "学号,姓名\n20240001,张三丰\n";
    store.import_roster(names_only.as_bytes(), &options(), &Actor::Cli, T0 + 1)?;
    assert!(store.roster_id_number(&zhang)?.is_some());

    // Both approved: under {id_number}.jpg the student with a number is exported, the other skipped.
    for number in ["20240001", "20240002"] {
        let id = store.create_submission(&submission(number), &capture(0, number), &booth(), T0)?;
        store.approve(id, &staff(), T0 + 10)?;
        assert_eq!(
            store.get(id)?.summary.record.approved_at_unix_s,
            Some(T0 + 10)
        );
    }
    let options = idbooth::export::ExportOptions {
        destination: dir.path().join("chsi"),
        template: idbooth::export::NameTemplate::parse("{id_number}.jpg")?,
        query: idbooth::export::ExportQuery::default(),
        zip: false,
        durable: false,
    };
    let mut source = idbooth::export::StoreExport::new(&mut store, staff(), T0 + 20);
    let summary = idbooth::export::export(&mut source, &options, &mut |_| {})?;
    let files: Vec<&str> = summary
        .files
        .iter()
        .map(|f| f.entry.file.as_str())
        .collect();
    assert_eq!(files, ["11010519491231002X.jpg"]);
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].student_no, "20240002");
    let manifest = std::fs::read_to_string(dir.path().join("chsi/manifest.csv"))?;
    assert!(manifest.contains("2025-09-02T17:30:10Z"), "{manifest}");
    Ok(())
}
