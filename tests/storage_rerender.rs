//! Re-rendering a record with another profile through the real store: which statuses allow it, what
//! status follows, the new capture row sharing the original, the audit entry, and the refusals (purged
//! original, a record that moved on, another open record for the new profile, a booth actor).

mod storage_support;

use idbooth::core::record::{Actor, AuditAction, RecordId, RecordStatus, Rejection};
use idbooth::storage::{NewCapture, RerenderSource, Rerendered, StorageError, Store};
use storage_support::{PROFILE, T0, capture, catalog, photos, submission};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NEW_PROFILE: &str = "chsi";

fn staff() -> Actor {
    Actor::Staff("li.wei".to_owned())
}

fn temp_store() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("idbooth.sqlite"))?;
    Ok((dir, store))
}

fn submitted(store: &mut Store, number: &str) -> Result<RecordId, StorageError> {
    let booth = Actor::Booth("booth-1".to_owned());
    store.create_submission(&submission(number), &capture(0, number), &booth, T0)
}

/// What the staff worker attaches: the source's original, a different photo, its report and params.
fn rerendered(source: &RerenderSource) -> Rerendered {
    let Some(original) = source.original.clone() else {
        panic!("the source still has its original")
    };
    Rerendered {
        from_capture: source.capture,
        profile: NEW_PROFILE.to_owned(),
        capture: NewCapture {
            original,
            photo: photos()[2].clone(),
            report_json: r#"{"verdict":"pass"}"#.to_owned(),
            params_json: r#"{"profile":"chsi"}"#.to_owned(),
        },
    }
}

#[test]
fn a_pending_record_gets_a_new_capture_with_the_same_original_and_stays_pending() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = submitted(&mut store, "2025000001")?;
    let source = store.rerender_source(id)?;
    assert_eq!(source.status, RecordStatus::PendingReview);
    assert_eq!(source.profile, PROFILE);
    let queued_before = store.get(id)?.summary.record.queued_at_unix_s;

    let outcome = store.attach_rerender(id, &rerendered(&source), &staff(), T0 + 100)?;
    assert_eq!(outcome.status, RecordStatus::PendingReview);

    let detail = store.get(id)?;
    let record = &detail.summary.record;
    assert_eq!(record.profile, NEW_PROFILE);
    assert_eq!(record.retake_count, 0, "a re-render is not a retake");
    assert_eq!(
        record.queued_at_unix_s, queued_before,
        "keeps its place in the queue"
    );
    assert_eq!(detail.summary.latest_capture, outcome.capture);
    assert_eq!(detail.captures.len(), 2);
    let (first, second) = (&detail.captures[0], &detail.captures[1]);
    assert_eq!(first.original_sha256, second.original_sha256);
    assert_ne!(first.photo_sha256, second.photo_sha256);
    assert_eq!(second.params["profile"], NEW_PROFILE);
    assert_eq!(store.photo(id)?, photos()[2]);
    assert_eq!(store.original(id)?, source.original);

    let entry = detail
        .history
        .iter()
        .find(|e| e.action == AuditAction::Rerendered)
        .ok_or("no audit entry")?;
    assert_eq!(entry.actor, staff());
    assert_eq!(entry.from_status, Some(RecordStatus::PendingReview));
    assert!(
        entry.detail.contains("\"from_profile\":\"campus_card\""),
        "{}",
        entry.detail
    );
    assert!(store.verify()?.is_ok());
    Ok(())
}

#[test]
fn an_approved_record_returns_to_review_and_loses_its_approval_time() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = submitted(&mut store, "2025000002")?;
    store.approve(id, &staff(), T0 + 10)?;
    assert_eq!(
        store.get(id)?.summary.record.approved_at_unix_s,
        Some(T0 + 10)
    );
    let source = store.rerender_source(id)?;
    let outcome = store.attach_rerender(id, &rerendered(&source), &staff(), T0 + 200)?;
    assert_eq!(outcome.status, RecordStatus::PendingReview);
    let record = store.get(id)?.summary.record;
    assert_eq!(record.status, RecordStatus::PendingReview);
    assert_eq!(record.queued_at_unix_s, T0 + 200, "queued again");
    assert_eq!(store.get(id)?.summary.record.approved_at_unix_s, None);
    // It is not exported unseen, and a reviewer can approve it again.
    assert!(
        store
            .approved_not_exported(0)?
            .iter()
            .all(|r| r.record.id != id)
    );
    assert_eq!(
        store.approve(id, &staff(), T0 + 300)?,
        RecordStatus::Approved
    );
    Ok(())
}

#[test]
fn rejected_exported_and_printed_records_are_refused_before_any_work() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let rejected = submitted(&mut store, "2025000003")?;
    let reason = catalog().parse("eyes_closed")?;
    store.reject(
        rejected,
        &staff(),
        &Rejection::new(vec![reason], "")?,
        T0 + 5,
    )?;
    assert!(matches!(
        store.rerender_source(rejected),
        Err(StorageError::RerenderNotAllowed {
            status: RecordStatus::Rejected
        })
    ));

    let printed = submitted(&mut store, "2025000004")?;
    let source = store.rerender_source(printed)?;
    store.approve(printed, &staff(), T0 + 5)?;
    store.mark_printed(printed, &staff(), T0 + 6)?;
    assert!(matches!(
        store.rerender_source(printed),
        Err(StorageError::RerenderNotAllowed {
            status: RecordStatus::Printed
        })
    ));
    // A re-render started before the record was printed is refused when it lands.
    assert!(matches!(
        store.attach_rerender(printed, &rerendered(&source), &staff(), T0 + 7),
        Err(StorageError::RerenderNotAllowed { .. })
    ));
    assert_eq!(store.get(printed)?.captures.len(), 1);
    Ok(())
}

#[test]
fn a_purged_original_is_reported_and_a_stale_source_is_refused() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = submitted(&mut store, "2025000005")?;
    let source = store.rerender_source(id)?;
    // Another station re-renders first: the first source is stale now.
    store.attach_rerender(id, &rerendered(&source), &staff(), T0 + 10)?;
    assert!(matches!(
        store.attach_rerender(id, &rerendered(&source), &staff(), T0 + 11),
        Err(StorageError::RecordChanged(changed)) if changed == id
    ));
    assert_eq!(store.get(id)?.captures.len(), 2);

    store.purge_originals(30, &staff(), T0 + 31 * 86_400)?;
    let purged = store.rerender_source(id)?;
    assert_eq!(purged.original, None);
    assert_eq!(purged.original_purged_at_unix_s, Some(T0 + 31 * 86_400));
    Ok(())
}

#[test]
fn another_open_record_for_the_new_profile_and_a_booth_actor_are_refused() -> TestResult {
    let (_dir, mut store) = temp_store()?;
    let id = submitted(&mut store, "2025000006")?;
    let mut chsi = submission("2025000006");
    chsi.profile = NEW_PROFILE.to_owned();
    let booth = Actor::Booth("booth-1".to_owned());
    let other = store.create_submission(&chsi, &capture(1, "chsi"), &booth, T0 + 1)?;
    let source = store.rerender_source(id)?;
    assert!(matches!(
        store.attach_rerender(id, &rerendered(&source), &staff(), T0 + 2),
        Err(StorageError::OpenRecordExists { existing, .. }) if existing == other
    ));
    assert!(matches!(
        store.attach_rerender(id, &rerendered(&source), &booth, T0 + 2),
        Err(StorageError::RerenderByBooth)
    ));
    assert_eq!(store.get(id)?.summary.record.profile, PROFILE);
    Ok(())
}
