//! Take-home print jobs: the student's own copy printed at the booth before review. Allowed for a
//! pending or approved record, refused for a rejected one, never changes the record's status, is logged in
//! the print log and the record's history with the booth id, and shares the per-record copy count with
//! official prints.

mod storage_support;

use idbooth::core::record::{
    Actor, AuditAction, PrintJobState, PrintPurpose, RecordError, RecordId, RecordStatus,
    Rejection, Transition,
};
use idbooth::storage::{NewPrintJob, StorageError, Store};
use storage_support::{T0, capture, catalog, submission};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const BOOTH_ID: &str = "booth-east-1";

fn booth() -> Actor {
    Actor::Booth(BOOTH_ID.to_owned())
}

fn staff() -> Actor {
    Actor::Staff("admin".to_owned())
}

fn temp_store() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("idbooth.sqlite"))?;
    Ok((dir, store))
}

fn job(record_id: RecordId, copies: u32) -> NewPrintJob {
    NewPrintJob {
        record_id,
        copies,
        printer: "idbooth-pdf".into(),
        layout: "6inch".into(),
    }
}

/// Runs a job through sent to completed, as the spooler would report it.
fn complete(store: &mut Store, id: idbooth::core::record::PrintJobId, at: i64) -> TestResult {
    store.update_print_job(
        id,
        PrintJobState::Sent,
        Some("idbooth-pdf-7"),
        "",
        &booth(),
        at,
    )?;
    store.update_print_job(id, PrintJobState::Completed, None, "", &booth(), at + 1)?;
    Ok(())
}

#[test]
fn a_take_home_copy_prints_for_a_pending_record_and_leaves_it_pending() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240301"), &capture(0, "a"), &booth(), T0)?;
    let official = store.create_print_job(&job(id, 1), &booth(), T0 + 1);
    assert!(
        matches!(
            official,
            Err(StorageError::Invalid(RecordError::InvalidTransition {
                from: RecordStatus::PendingReview,
                action: Transition::Print
            }))
        ),
        "an official print still needs approval: {official:?}"
    );

    let take_home =
        store.create_print_job_for(&job(id, 1), PrintPurpose::TakeHome, &booth(), T0 + 2)?;
    complete(&mut store, take_home, T0 + 3)?;

    let row = store.print_job(take_home)?;
    assert_eq!(
        (row.purpose, row.state, row.actor.clone()),
        (PrintPurpose::TakeHome, PrintJobState::Completed, booth())
    );
    let detail = store.get(id)?;
    assert_eq!(detail.summary.record.status, RecordStatus::PendingReview);
    assert_eq!(detail.printed_copies, 1);
    assert_eq!(store.printed_copies(id)?, 1);
    let actions: Vec<(AuditAction, Actor, Option<RecordStatus>)> = detail
        .history
        .iter()
        .map(|entry| (entry.action, entry.actor.clone(), entry.to_status))
        .collect();
    assert_eq!(
        actions,
        [
            (
                AuditAction::Submitted,
                booth(),
                Some(RecordStatus::PendingReview)
            ),
            (AuditAction::PrintQueued, booth(), None),
            (AuditAction::TakeHomePrinted, booth(), None),
        ]
    );
    let queued: serde_json::Value = serde_json::from_str(&detail.history[1].detail)?;
    assert_eq!(queued["purpose"], "take_home");

    // Staff then approve and print officially: that one is the `printed` status.
    store.approve(id, &staff(), T0 + 10)?;
    let official = store.create_print_job(&job(id, 1), &staff(), T0 + 11)?;
    assert_eq!(store.print_job(official)?.purpose, PrintPurpose::Official);
    complete(&mut store, official, T0 + 12)?;
    assert_eq!(store.get(id)?.summary.record.status, RecordStatus::Printed);
    assert_eq!(
        store.printed_copies(id)?,
        2,
        "both purposes count toward the copy limit"
    );
    Ok(())
}

#[test]
fn a_take_home_copy_of_an_approved_record_keeps_it_approved() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240302"), &capture(1, "b"), &booth(), T0)?;
    store.approve(id, &staff(), T0 + 1)?;
    let take_home =
        store.create_print_job_for(&job(id, 2), PrintPurpose::TakeHome, &booth(), T0 + 2)?;
    complete(&mut store, take_home, T0 + 3)?;
    assert_eq!(store.get(id)?.summary.record.status, RecordStatus::Approved);
    assert_eq!(store.printed_copies(id)?, 2);
    Ok(())
}

#[test]
fn a_rejected_record_gets_no_take_home_copy() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240303"), &capture(2, "c"), &booth(), T0)?;
    let rejection = Rejection::new(vec![catalog().parse("other")?], "背景不均匀")?;
    store.reject(id, &staff(), &rejection, T0 + 1)?;
    let refused = store.create_print_job_for(&job(id, 1), PrintPurpose::TakeHome, &booth(), T0 + 2);
    assert!(
        matches!(
            refused,
            Err(StorageError::Invalid(RecordError::InvalidTransition {
                from: RecordStatus::Rejected,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert!(
        store.print_jobs(id)?.is_empty(),
        "nothing logged for a refused job"
    );
    assert_eq!(store.get(id)?.summary.record.status, RecordStatus::Rejected);
    Ok(())
}

#[test]
fn a_failed_take_home_job_counts_no_copies_and_writes_no_print_line() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = store.create_submission(&submission("20240304"), &capture(0, "d"), &booth(), T0)?;
    let take_home =
        store.create_print_job_for(&job(id, 1), PrintPurpose::TakeHome, &booth(), T0 + 1)?;
    store.update_print_job(
        take_home,
        PrintJobState::Failed,
        None,
        "stopped: media-empty",
        &booth(),
        T0 + 2,
    )?;
    let detail = store.get(id)?;
    assert_eq!(detail.printed_copies, 0);
    assert_eq!(detail.summary.record.status, RecordStatus::PendingReview);
    assert!(
        !detail
            .history
            .iter()
            .any(|entry| entry.action == AuditAction::TakeHomePrinted)
    );
    assert_eq!(store.print_job(take_home)?.error, "stopped: media-empty");
    Ok(())
}
