//! Export against the real SQLite store: only approved records leave, roster names with path tricks become
//! harmless file names, the batch is recorded and its records marked exported, the next export skips them
//! (unless `again`), and a process killed in the middle of a batch leaves neither files nor a batch record.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use idbooth::core::record::{
    Actor, Consent, ExportBatchId, RecordId, RecordStatus, StudentNo, StudentNoRule,
};
use idbooth::export::{
    ExportCandidate, ExportOptions, ExportQuery, ExportSource, ExportedBatch, NameTemplate,
    SourceError, StoreExport, export,
};
use idbooth::storage::{ColumnMap, NewCapture, RosterImportOptions, Store, Submission};
use image::ImageEncoder;

/// 2025-09-03 09:00 +08:00, first week of term.
const T0: i64 = 1_756_861_200;
const PROFILE: &str = "campus_card";

fn staff() -> Actor {
    Actor::Staff("li.wei".into())
}

/// A real face photo at campus-card size; `tag` makes the bytes unique (the store deduplicates blobs).
fn photo(tag: u32) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces/good_london_012_neutral.jpg");
    let image = image::open(path)
        .unwrap()
        .resize_to_fill(358, 441, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .write_image(image.as_raw(), 358, 441, image::ExtendedColorType::Rgb8)
        .unwrap();
    // A JPEG comment segment (FF FE, length, text) right after the start-of-image marker.
    let comment = format!("idbooth test {tag}");
    let length = u16::try_from(comment.len() + 2).unwrap().to_be_bytes();
    let mut unique = jpeg[..2].to_vec();
    unique.extend([0xFF, 0xFE, length[0], length[1]]);
    unique.extend(comment.as_bytes());
    unique.extend(&jpeg[2..]);
    unique
}

fn submit(store: &mut Store, student_no: &str, at: i64) -> RecordId {
    let submission = Submission {
        student_no: StudentNo::parse(student_no, StudentNoRule::default()).unwrap(),
        profile: PROFILE.into(),
        consent: Consent::new("2025-09", at).unwrap(),
    };
    let bytes = photo(at as u32);
    let capture = NewCapture {
        original: bytes.clone(),
        photo: bytes,
        report_json: "{}".into(),
        params_json: "{}".into(),
    };
    store
        .create_submission(&submission, &capture, &Actor::Booth("booth-1".into()), at)
        .unwrap()
}

fn import_roster(store: &mut Store, csv: &str) {
    let options = RosterImportOptions {
        mappings: vec![
            ColumnMap::parse("student_no=student_no").unwrap(),
            ColumnMap::parse("name=name").unwrap(),
        ],
        skip_bad: false,
        rule: StudentNoRule::default(),
    };
    let report = store
        .import_roster(csv.as_bytes(), &options, &staff(), T0)
        .unwrap();
    assert!(report.committed, "{report:?}");
}

fn options(destination: PathBuf, template: &str) -> ExportOptions {
    ExportOptions {
        destination,
        template: NameTemplate::parse(template).unwrap(),
        query: ExportQuery::default(),
        zip: false,
        durable: true,
    }
}

fn run_export(
    store: &mut Store,
    options: &ExportOptions,
    now: i64,
) -> idbooth::export::ExportSummary {
    let mut source = StoreExport::new(store, staff(), now);
    export(&mut source, options, &mut |_| {}).unwrap()
}

#[test]
fn approved_records_export_once_under_harmless_names_and_the_batch_is_recorded() {
    let root = tempfile::tempdir().unwrap();
    let mut store = Store::open(&root.path().join("idbooth.sqlite")).unwrap();
    import_roster(
        &mut store,
        "student_no,name\n20250001,../../etc/passwd\n20250002,CON\n20250003,张伟\n20250004,李娜\n",
    );
    let ids: Vec<RecordId> = (1..=4)
        .map(|i| submit(&mut store, &format!("2025000{i}"), T0 + i))
        .collect();
    // Approve in a different order than submission: the batch follows approval order.
    for (offset, id) in [(30, ids[2]), (31, ids[0]), (32, ids[1])] {
        store.approve(id, &staff(), T0 + offset).unwrap();
    }

    let first = run_export(
        &mut store,
        &options(root.path().join("batch-1"), "{name}.jpg"),
        T0 + 100,
    );
    let names: Vec<&str> = first.files.iter().map(|f| f.entry.file.as_str()).collect();
    assert_eq!(names, ["张伟.jpg", "_._etc_passwd.jpg", "_CON.jpg"]);
    assert_eq!(first.files[1].entry.name, "../../etc/passwd");
    for file in &first.files {
        let on_disk = std::fs::read(root.path().join("batch-1").join(&file.entry.file)).unwrap();
        assert_eq!(on_disk, store.photo(file.record_id).unwrap());
    }
    // Recorded: batch items match the files, records are exported, the pending one untouched.
    let batch = store
        .export_batch(first.batch_id.unwrap())
        .unwrap()
        .unwrap();
    let recorded: BTreeSet<(RecordId, String)> = batch
        .items
        .iter()
        .map(|i| (i.record_id, i.file_name.clone()))
        .collect();
    let written: BTreeSet<(RecordId, String)> = first
        .files
        .iter()
        .map(|f| (f.record_id, f.entry.file.clone()))
        .collect();
    assert_eq!(recorded, written);
    assert!(batch.manifest.contains(&first.files.len().to_string()));
    for id in &ids[..3] {
        assert_eq!(
            store.get(*id).unwrap().summary.record.status,
            RecordStatus::Exported
        );
    }
    assert_eq!(
        store.get(ids[3]).unwrap().summary.record.status,
        RecordStatus::PendingReview
    );

    // Nothing new: no folder, no batch.
    let none = run_export(
        &mut store,
        &options(root.path().join("batch-2"), "{student_no}.jpg"),
        T0 + 200,
    );
    assert_eq!(none.batch_id, None);
    assert!(!root.path().join("batch-2").exists());

    // One more approval: only it goes out; `again` since its approval sends it again, alone.
    store.approve(ids[3], &staff(), T0 + 300).unwrap();
    let second = run_export(
        &mut store,
        &options(root.path().join("batch-3"), "{student_no}.jpg"),
        T0 + 400,
    );
    let numbers: Vec<&str> = second
        .files
        .iter()
        .map(|f| f.entry.student_no.as_str())
        .collect();
    assert_eq!(numbers, ["20250004"]);
    assert_eq!(second.files[0].entry.approved_at, "2025-09-03T01:05:00Z");
    let mut again = options(root.path().join("batch-4"), "{student_no}.jpg");
    again.query = ExportQuery {
        again: true,
        ..ExportQuery::default()
    };
    assert_eq!(run_export(&mut store, &again, T0 + 500).files.len(), 4);
    again.destination = root.path().join("batch-5");
    again.query.since_unix_s = Some(T0 + 300);
    let recent: Vec<String> = run_export(&mut store, &again, T0 + 600)
        .files
        .into_iter()
        .map(|f| f.entry.student_no)
        .collect();
    assert_eq!(recent, ["20250004"]);
}

/// Delegates to the store, slowly, so a test can kill the process mid-batch.
struct SlowStore<'a> {
    inner: StoreExport<'a>,
    delay: Duration,
}

impl ExportSource for SlowStore<'_> {
    fn candidates(&self, query: &ExportQuery) -> Result<Vec<ExportCandidate>, SourceError> {
        self.inner.candidates(query)
    }

    fn photo(&self, record_id: RecordId) -> Result<Vec<u8>, SourceError> {
        std::thread::sleep(self.delay);
        self.inner.photo(record_id)
    }

    fn record_batch(&mut self, batch: &ExportedBatch) -> Result<ExportBatchId, SourceError> {
        self.inner.record_batch(batch)
    }
}

const CHILD_ENV: &str = "IDBOOTH_EXPORT_STORE_CHILD";
const RECORDS: i64 = 60;

#[test]
fn child_store_export_for_the_kill_test() {
    let Ok(root) = std::env::var(CHILD_ENV) else {
        return;
    };
    let root = PathBuf::from(root);
    let mut store = Store::open(&root.join("idbooth.sqlite")).unwrap();
    let mut source = SlowStore {
        inner: StoreExport::new(&mut store, staff(), T0 + 1_000),
        delay: Duration::from_millis(50),
    };
    let _ = export(
        &mut source,
        &options(root.join("batch"), "{student_no}.jpg"),
        &mut |_| {},
    );
}

fn staged_files(root: &Path) -> usize {
    std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("idbooth-staging")
        })
        .map(|dir| std::fs::read_dir(dir).map_or(0, Iterator::count))
        .sum()
}

#[test]
fn a_killed_export_leaves_no_files_and_no_batch_in_the_database() {
    let root = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(&root.path().join("idbooth.sqlite")).unwrap();
        for i in 0..RECORDS {
            let id = submit(&mut store, &format!("2025{i:04}"), T0 + i);
            store.approve(id, &staff(), T0 + 500 + i).unwrap();
        }
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_store_export_for_the_kill_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, root.path())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while staged_files(root.path()) < 10 {
        assert!(
            Instant::now() < deadline,
            "the child export never got going"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child export ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(
        !root.path().join("batch").exists(),
        "a killed export must not leave a batch folder"
    );
    let mut store = Store::open(&root.path().join("idbooth.sqlite")).unwrap();
    assert_eq!(
        store.approved_not_exported(i64::MIN).unwrap().len(),
        RECORDS as usize,
        "no record may count as exported"
    );

    let summary = run_export(
        &mut store,
        &options(root.path().join("batch"), "{student_no}.jpg"),
        T0 + 2_000,
    );
    assert_eq!(summary.files.len(), RECORDS as usize);
    assert!(store.approved_not_exported(i64::MIN).unwrap().is_empty());
    assert_eq!(
        staged_files(root.path()),
        0,
        "the dead export's staging folder is removed"
    );
}

#[test]
fn the_export_command_writes_a_batch_and_reports_it() {
    use idbooth::cli::export::{ExportArgs, run_export};
    use idbooth::config::KioskConfig;

    let dir = tempfile::tempdir().unwrap();
    let config = KioskConfig::default();
    {
        let mut store = Store::open(&dir.path().join(&config.storage.database_file)).unwrap();
        let id = submit(&mut store, "20250001", T0);
        store.approve(id, &staff(), T0 + 10).unwrap();
    }
    let args = |to: &str, since: Option<&str>| ExportArgs {
        to: dir.path().join(to),
        profile: Some(PROFILE.into()),
        since: since.map(str::to_owned),
        status: "approved".into(),
        again: false,
        zip: true,
    };
    // Approved 2025-09-03 09:00 +08:00: a later --since finds nothing.
    let mut out = Vec::new();
    assert!(
        !run_export(
            &args("later", Some("2025-09-04T00:00:00+08:00")),
            &config,
            dir.path(),
            &mut out
        )
        .unwrap()
    );
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("nothing to export")
    );
    let mut out = Vec::new();
    assert!(
        run_export(
            &args("term", Some("2025-09-03T00:00:00+08:00")),
            &config,
            dir.path(),
            &mut out
        )
        .unwrap()
    );
    let said = String::from_utf8(out).unwrap();
    assert!(said.contains("batch 1: 1 photos"), "{said}");
    assert!(dir.path().join("term/20250001.jpg").exists());
    assert!(dir.path().join("term/term.zip").exists());
    // Anything but approved is refused before the store is touched.
    let mut wrong = args("never", None);
    wrong.status = "pending_review".into();
    assert!(run_export(&wrong, &config, dir.path(), &mut Vec::new()).is_err());
    assert!(!dir.path().join("never").exists());
}
