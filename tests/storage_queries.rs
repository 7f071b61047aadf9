//! Queries over real records on a database file: the review queue, search, statistics, the retention
//! purge, `records verify` on intact and tampered data, and the `records` command output.

mod storage_support;

use idbooth::core::record::{Actor, AuditAction, RecordError, RecordId, RecordStatus, Rejection};
use idbooth::storage::{
    PhotoProblemKind, RecordFilter, RecordsCommand, StorageError, Store, run_records_command,
};
use storage_support::{CHINA_UTC_OFFSET_S, PROFILE, T0, capture, catalog, photos, submission};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const DAY_S: i64 = 86_400;

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
fn review_queue_is_oldest_first_and_paged() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let mut ids = Vec::new();
    for i in 0..7_i64 {
        // Submitted in reverse order of their ids' times to prove the queue sorts by time, not id.
        let at = T0 + 100 - i * 10;
        ids.push(store.create_submission(
            &submission(&format!("2024100{i}")),
            &capture(0, &i.to_string()),
            &booth(),
            at,
        )?);
    }
    store.approve(ids[6], &staff(), T0 + 200)?;
    store.reject(ids[5], &staff(), &rejection(&["background"], "")?, T0 + 200)?;
    // Resubmitted: goes to the back of the queue.
    store.resubmit(ids[5], &capture(1, "again"), &booth(), T0 + 300)?;

    let first = store.review_queue(0, 4)?;
    assert_eq!(first.total_pending, 6);
    assert_eq!(first.page_count(), 2);
    let order: Vec<_> = first.items.iter().map(|s| s.record.id).collect();
    assert_eq!(order, [ids[4], ids[3], ids[2], ids[1]]);
    let second = store.review_queue(1, 4)?;
    let order: Vec<_> = second.items.iter().map(|s| s.record.id).collect();
    assert_eq!(order, [ids[0], ids[5]]);
    assert!(store.review_queue(2, 4)?.items.is_empty());

    let pending = store.list(&RecordFilter {
        status: Some(RecordStatus::PendingReview),
        ..RecordFilter::default()
    })?;
    assert_eq!(pending.len(), 6);
    let one = store.list(&RecordFilter {
        student_no: Some(storage_support::student("20241003")),
        ..RecordFilter::default()
    })?;
    assert_eq!(
        one.iter().map(|s| s.record.id).collect::<Vec<_>>(),
        [ids[3]]
    );
    Ok(())
}

#[test]
fn search_matches_number_prefixes_and_names_literally() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let csv =
        "学号,姓名,院系\n20240100,张三,物理学院\n20240101,Zhang_San%,数学\n20250100,O'Brien,化学\n";
    let report = store.import_roster(csv.as_bytes(), &roster_options(), &Actor::Cli, T0)?;
    assert!(report.committed);
    let a = store.create_submission(&submission("20240100"), &capture(0, "a"), &booth(), T0)?;
    let b = store.create_submission(&submission("20240101"), &capture(1, "b"), &booth(), T0 + 1)?;
    let c = store.create_submission(&submission("20250100"), &capture(2, "c"), &booth(), T0 + 2)?;
    let found = |text: &str| -> Result<Vec<RecordId>, StorageError> {
        Ok(store
            .search(text, 10)?
            .iter()
            .map(|s| s.record.id)
            .collect())
    };
    assert_eq!(found("2024")?, [b, a], "prefix, most recent first");
    assert_eq!(found("张")?, [a]);
    assert_eq!(
        found("zhang_san%")?,
        [b],
        "case-insensitive for Latin letters"
    );
    assert_eq!(found("%")?, [b], "'%' is a character, not a wildcard");
    assert_eq!(found("_")?, [b], "'_' is a character, not a wildcard");
    assert_eq!(found("o'brien")?, [c]);
    assert!(found("0100")?.is_empty(), "numbers match by prefix only");
    assert!(found("  ")?.is_empty());
    assert_eq!(store.get(a)?.summary.student_name.as_deref(), Some("张三"));
    assert_eq!(store.get(a)?.department.as_deref(), Some("物理学院"));
    Ok(())
}

fn roster_options() -> idbooth::storage::RosterImportOptions {
    idbooth::storage::RosterImportOptions {
        rule: storage_support::RULE,
        ..Default::default()
    }
}

#[test]
fn stats_count_today_and_this_week_in_local_time() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    // T0 is Wednesday 01:30 in Beijing; Monday of that week and the previous Sunday bound the windows.
    let monday = T0 - 2 * DAY_S;
    let last_sunday = T0 - 3 * DAY_S;
    let old = store.create_submission(
        &submission("20240200"),
        &capture(0, "old"),
        &booth(),
        last_sunday,
    )?;
    store.approve(old, &staff(), last_sunday + 10)?;
    let a = store.create_submission(&submission("20240201"), &capture(0, "a"), &booth(), monday)?;
    store.reject(
        a,
        &staff(),
        &rejection(&["eyes_closed", "background"], "")?,
        monday + 60,
    )?;
    store.resubmit(a, &capture(1, "a2"), &booth(), T0)?;
    let b = store.create_submission(&submission("20240202"), &capture(0, "b"), &booth(), T0)?;
    store.reject(b, &staff(), &rejection(&["eyes_closed"], "")?, T0 + 30)?;
    store.approve(a, &staff(), T0 + 40)?;
    let job = store.create_print_job(
        &idbooth::storage::NewPrintJob {
            record_id: a,
            copies: 4,
            printer: "PDF".into(),
            layout: "6inch-8up".into(),
        },
        &staff(),
        T0 + 50,
    )?;
    store.update_print_job(
        job,
        idbooth::core::record::PrintJobState::Sent,
        Some("PDF-7"),
        "",
        &staff(),
        T0 + 51,
    )?;
    store.update_print_job(
        job,
        idbooth::core::record::PrintJobState::Completed,
        None,
        "",
        &staff(),
        T0 + 52,
    )?;
    store.create_submission(&submission("20240203"), &capture(2, "c"), &booth(), T0 + 60)?;

    let stats = store.stats(T0 + 100, CHINA_UTC_OFFSET_S)?;
    let today = &stats.today;
    assert_eq!(
        (
            today.submitted,
            today.captured,
            today.approved,
            today.rejected
        ),
        (2, 3, 1, 1)
    );
    assert_eq!(today.printed_copies, 4);
    let reasons: Vec<_> = today
        .rejected_by_reason
        .iter()
        .map(|r| (r.code.as_str(), r.count))
        .collect();
    assert_eq!(reasons, [("eyes_closed", 1)]);
    let week = &stats.this_week;
    assert_eq!(
        (week.submitted, week.captured, week.approved, week.rejected),
        (3, 4, 1, 2)
    );
    let reasons: Vec<_> = week
        .rejected_by_reason
        .iter()
        .map(|r| (r.code.as_str(), r.count))
        .collect();
    assert_eq!(reasons, [("eyes_closed", 2), ("background", 1)]);
    assert_eq!(stats.pending_now, 1);
    Ok(())
}

#[test]
fn purge_deletes_old_originals_keeps_photos_and_is_audited() -> TestResult {
    let (dir, mut store) = temp_store()?;
    let old = store.create_submission(
        &submission("20240300"),
        &capture(0, "old"),
        &booth(),
        T0 - 40 * DAY_S,
    )?;
    let recent = store.create_submission(
        &submission("20240301"),
        &capture(1, "recent"),
        &booth(),
        T0 - 5 * DAY_S,
    )?;
    let observer = rusqlite::Connection::open(dir.path().join("data/idbooth.sqlite"))?;
    let page_count = || observer.query_row("PRAGMA page_count", [], |row| row.get::<_, i64>(0));
    let page_size: i64 = observer.query_row("PRAGMA page_size", [], |row| row.get(0))?;
    let pages_before = page_count()?;

    let report = store.purge_originals(30, &Actor::Cli, T0)?;
    assert_eq!(report.originals_purged, 1);
    assert_eq!(report.bytes_freed, capture(0, "old").original.len() as u64);
    assert_eq!(store.original(old)?, None);
    assert_eq!(
        store.photo(old)?,
        photos()[0],
        "the standardized photo is kept"
    );
    assert_eq!(store.original(recent)?, Some(capture(1, "recent").original));
    let detail = store.get(old)?;
    assert_eq!(detail.captures[0].original_purged_at_unix_s, Some(T0));
    assert_eq!(
        detail.captures[0].original_sha256.len(),
        64,
        "the hash stays as evidence"
    );
    let log = store.audit_log(0, 100)?;
    let purge = log
        .iter()
        .find(|e| e.action == AuditAction::OriginalsPurged);
    assert!(
        purge.is_some_and(|e| e.detail.contains("\"originals_purged\":1")),
        "{log:?}"
    );
    assert!(store.verify()?.is_ok());

    // The freed pages went back to the file system: the database shrank by about the original's size.
    let freelist: i64 = observer.query_row("PRAGMA freelist_count", [], |row| row.get(0))?;
    assert_eq!(freelist, 0);
    let pages_freed = pages_before - page_count()?;
    assert!(
        pages_freed * page_size >= report.bytes_freed as i64 * 9 / 10,
        "{pages_freed} pages freed"
    );
    assert_eq!(
        store.purge_originals(30, &Actor::Cli, T0)?.originals_purged,
        0,
        "idempotent"
    );
    Ok(())
}

#[test]
fn verify_passes_on_intact_data_and_names_every_tampered_image() -> TestResult {
    let (dir, mut store) = temp_store()?;
    let a = store.create_submission(&submission("20240400"), &capture(0, "a"), &booth(), T0)?;
    let b = store.create_submission(&submission("20240401"), &capture(1, "b"), &booth(), T0)?;
    let report = store.verify()?;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!((report.records_checked, report.captures_checked), (2, 2));

    // Flip bytes behind the store's back: one photo's payload, one original.
    let conn = rusqlite::Connection::open(dir.path().join("data/idbooth.sqlite"))?;
    let photo_blob: i64 = conn.query_row(
        "SELECT photo_blob FROM captures WHERE record_id = ?1",
        [a.0],
        |row| row.get(0),
    )?;
    conn.execute(
        "UPDATE blobs SET bytes = substr(bytes, 1, 200) WHERE id = ?1",
        [photo_blob],
    )?;
    let original_blob: i64 = conn.query_row(
        "SELECT original_blob FROM captures WHERE record_id = ?1",
        [b.0],
        |row| row.get(0),
    )?;
    conn.execute(
        "UPDATE blobs SET bytes = bytes || x'00' WHERE id = ?1",
        [original_blob],
    )?;
    drop(conn);

    let report = store.verify()?;
    assert!(!report.is_ok());
    let problems: Vec<_> = report
        .photo_problems
        .iter()
        .map(|p| (p.record_id, p.problem.clone()))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.contains(&(a, PhotoProblemKind::PhotoHashMismatch)));
    assert!(
        problems
            .iter()
            .any(|(id, p)| *id == a && matches!(p, PhotoProblemKind::PhotoUndecodable(_)))
    );
    assert!(problems.contains(&(b, PhotoProblemKind::OriginalHashMismatch)));

    let output = run_records_command(
        &mut store,
        &RecordsCommand::Verify { json: false },
        &catalog(),
        time::UtcOffset::UTC,
        T0,
    )?;
    assert!(!output.success, "records verify exits non-zero");
    assert!(
        output.text.contains(&format!("record {a} capture")),
        "{}",
        output.text
    );
    assert!(
        output
            .text
            .ends_with("FAILED: 2 records, 2 captures checked, 3 problem(s)\n"),
        "{}",
        output.text
    );
    Ok(())
}

#[test]
fn verify_reports_broken_invariants() -> TestResult {
    let (dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240500"), &capture(0, "a"), &booth(), T0)?;
    let conn = rusqlite::Connection::open(dir.path().join("data/idbooth.sqlite"))?;
    conn.execute(
        "UPDATE records SET status = 'approved', retake_count = 3 WHERE id = ?1",
        [id.0],
    )?;
    drop(conn);
    let report = store.verify()?;
    assert_eq!(
        report.invariants,
        [
            format!("record {id}: retake count does not match its captures"),
            format!("record {id}: status differs from the last status change in the audit log"),
        ]
    );
    Ok(())
}

#[test]
fn records_commands_list_show_approve_and_reject() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let catalog = catalog();
    let beijing = time::UtcOffset::from_whole_seconds(CHINA_UTC_OFFSET_S)?;
    let a = store.create_submission(&submission("20240600"), &capture(0, "a"), &booth(), T0)?;
    let b = store.create_submission(&submission("20240601"), &capture(1, "b"), &booth(), T0 + 5)?;
    let mut run = |command: RecordsCommand| {
        run_records_command(&mut store, &command, &catalog, beijing, T0 + 100)
    };

    let approved = run(RecordsCommand::Approve { id: a })?;
    assert_eq!(approved.text, format!("record {a}: approved (审核通过)"));
    let rejected = run(RecordsCommand::Reject {
        id: b,
        reasons: vec!["glasses_glare".into()],
        note: "请摘下眼镜".into(),
    })?;
    assert_eq!(
        rejected.text,
        format!("record {b}: rejected (被驳回); glasses_glare (眼镜反光 / glare on glasses)")
    );
    let unknown = run(RecordsCommand::Reject {
        id: b,
        reasons: vec!["blurry".into()],
        note: String::new(),
    });
    assert!(matches!(
        unknown,
        Err(StorageError::Invalid(RecordError::UnknownReason { .. }))
    ));
    let other_without_note = run(RecordsCommand::Reject {
        id: a,
        reasons: vec!["other".into()],
        note: " ".into(),
    });
    assert!(matches!(
        other_without_note,
        Err(StorageError::Invalid(RecordError::OtherNeedsNote))
    ));

    let list = run(RecordsCommand::List {
        status: Some(RecordStatus::Rejected),
        json: false,
    })?;
    let lines: Vec<_> = list.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", list.text);
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "ID", "STUDENT", "NAME", "PROFILE", "STATUS", "RETAKES", "UPDATED"
        ]
    );
    let cells: Vec<_> = lines[1].split_whitespace().collect();
    let b_text = b.to_string();
    assert_eq!(
        cells,
        [
            b_text.as_str(),
            "20240601",
            "-",
            PROFILE,
            "rejected",
            "被驳回",
            "0",
            "2025-09-03",
            "01:31:40"
        ]
    );
    assert_eq!(lines[2], "1 record(s)");

    let json = run(RecordsCommand::List {
        status: None,
        json: true,
    })?;
    let parsed: serde_json::Value = serde_json::from_str(&json.text)?;
    assert_eq!(parsed[0]["status"], "approved");
    assert_eq!(parsed[1]["student_no"], "20240601");

    let show = run(RecordsCommand::Show { id: b, json: false })?;
    assert!(
        show.text
            .starts_with(&format!("record {b}  rejected (被驳回 / rejected)")),
        "{}",
        show.text
    );
    assert!(
        show.text.contains("note        请摘下眼镜"),
        "{}",
        show.text
    );
    assert!(show.text.contains("cli  rejected  pending_review -> rejected  reasons: glasses_glare (眼镜反光 / glare on glasses)  note: 请摘下眼镜"), "{}", show.text);
    assert!(
        show.text
            .contains("booth booth-1  submitted  -> pending_review\n"),
        "{}",
        show.text
    );
    let verify = run(RecordsCommand::Verify { json: false })?;
    assert!(
        verify.success && verify.text.starts_with("ok: 2 records, 2 captures checked"),
        "{}",
        verify.text
    );
    Ok(())
}
