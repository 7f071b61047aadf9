//! Export batches on disk: hostile student numbers become harmless unique names, the manifests match the
//! files byte for byte, `--zip` packs the batch, and a process killed in the middle of a batch leaves no
//! batch folder at all (the next export cleans up and writes a complete one).
//!
//! The kill test re-runs this test binary as a child process that exports slowly, and SIGKILLs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use idbooth::core::record::{ExportBatchId, RecordId};
use idbooth::export::{
    DEFAULT_NAME_TEMPLATE, ExportCandidate, ExportError, ExportOptions, ExportQuery, ExportSource,
    ExportedBatch, NameTemplate, SourceError, export,
};
use sha2::{Digest, Sha256};

/// Real photos standing in for standardized captures.
const PHOTOS: [&str; 4] = [
    "good_london_001_neutral.jpg",
    "good_london_003_neutral.jpg",
    "good_london_006_neutral.jpg",
    "good_london_012_neutral.jpg",
];

fn photo_bytes(index: usize) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(PHOTOS[index % PHOTOS.len()]);
    std::fs::read(path).unwrap()
}

/// An in-memory record source; exported records are skipped unless `again`.
struct MemorySource {
    records: Vec<ExportCandidate>,
    exported: BTreeSet<RecordId>,
    batches: Vec<ExportedBatch>,
    delay_per_photo: Duration,
    refuse_batch: bool,
}

impl MemorySource {
    fn new(student_nos: &[&str]) -> Self {
        let records = student_nos
            .iter()
            .enumerate()
            .map(|(i, no)| ExportCandidate {
                record_id: RecordId(i as i64 + 1),
                student_no: (*no).to_owned(),
                name: Some(format!("学生{i}")),
                id_number: None,
                profile: "campus_card".into(),
                approved_at_unix_s: 1_725_000_000 + i as i64,
            })
            .collect();
        Self {
            records,
            exported: BTreeSet::new(),
            batches: Vec::new(),
            delay_per_photo: Duration::ZERO,
            refuse_batch: false,
        }
    }
}

impl ExportSource for MemorySource {
    fn candidates(&self, query: &ExportQuery) -> Result<Vec<ExportCandidate>, SourceError> {
        Ok(self
            .records
            .iter()
            .filter(|r| query.again || !self.exported.contains(&r.record_id))
            .filter(|r| {
                query
                    .since_unix_s
                    .is_none_or(|since| r.approved_at_unix_s >= since)
            })
            .cloned()
            .collect())
    }

    fn photo(&self, record_id: RecordId) -> Result<Vec<u8>, SourceError> {
        std::thread::sleep(self.delay_per_photo);
        Ok(photo_bytes(record_id.0 as usize))
    }

    fn record_batch(&mut self, batch: &ExportedBatch) -> Result<ExportBatchId, SourceError> {
        if self.refuse_batch {
            return Err(SourceError("database is locked".into()));
        }
        self.exported
            .extend(batch.files.iter().map(|f| f.record_id));
        self.batches.push(batch.clone());
        Ok(ExportBatchId(self.batches.len() as i64))
    }
}

fn options(destination: PathBuf) -> ExportOptions {
    ExportOptions {
        destination,
        template: NameTemplate::parse(DEFAULT_NAME_TEMPLATE).unwrap(),
        query: ExportQuery::default(),
        zip: false,
        durable: true,
    }
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn hostile_student_numbers_become_harmless_unique_files_listed_in_the_manifests() {
    let root = tempfile::tempdir().unwrap();
    let hostile = [
        "../../evil",
        "a/b",
        "A/B",
        "CON",
        "..",
        "x\u{7}y",
        "2024010001",
        "2024010001",
    ];
    let mut source = MemorySource::new(&hostile);
    let destination = root.path().join("batch-1");
    let summary = export(&mut source, &options(destination.clone()), &mut |_| {}).unwrap();

    // Nothing escaped the batch folder: the root holds only it.
    assert_eq!(
        files_in(root.path()),
        BTreeSet::from(["batch-1".to_owned()])
    );
    let names: Vec<&str> = summary
        .files
        .iter()
        .map(|f| f.entry.file.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "_._evil.jpg",
            "a_b.jpg",
            "A_B_2.jpg",
            "_CON.jpg",
            "_.jpg",
            "x_y.jpg",
            "2024010001.jpg",
            "2024010001_2.jpg"
        ]
    );
    let mut expected: BTreeSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
    expected.insert("manifest.csv".into());
    expected.insert("manifest.json".into());
    assert_eq!(files_in(&destination), expected);

    // Every file is the stored photo, and the manifests say so.
    for file in &summary.files {
        let bytes = std::fs::read(destination.join(&file.entry.file)).unwrap();
        assert_eq!(bytes, photo_bytes(file.record_id.0 as usize));
        assert_eq!(file.entry.sha256, hex::encode(Sha256::digest(&bytes)));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(destination.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(json["count"], 8);
    assert_eq!(json["photos"][0]["student_no"], "../../evil");
    assert_eq!(json["photos"][0]["file"], "_._evil.jpg");
    assert_eq!(json["photos"][0]["approved_at"], "2024-08-30T06:40:00Z");
    let mut csv = csv::Reader::from_path(destination.join("manifest.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8);
    assert_eq!(&rows[6][2], "2024010001.jpg");
    assert_eq!(&rows[6][3], summary.files[6].entry.sha256);
    assert_eq!(source.batches.len(), 1);
}

#[test]
fn a_second_export_skips_what_was_exported_unless_again() {
    let root = tempfile::tempdir().unwrap();
    let mut source = MemorySource::new(&["1001", "1002"]);
    let first = export(&mut source, &options(root.path().join("one")), &mut |_| {}).unwrap();
    assert_eq!(first.files.len(), 2);
    source.records.push(ExportCandidate {
        record_id: RecordId(3),
        student_no: "1003".into(),
        name: None,
        id_number: None,
        profile: "campus_card".into(),
        approved_at_unix_s: 1_725_100_000,
    });
    let second = export(&mut source, &options(root.path().join("two")), &mut |_| {}).unwrap();
    let exported: Vec<&str> = second
        .files
        .iter()
        .map(|f| f.entry.student_no.as_str())
        .collect();
    assert_eq!(exported, ["1003"]);
    let nothing = export(
        &mut source,
        &options(root.path().join("three")),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(nothing.batch_id, None);
    assert!(
        !root.path().join("three").exists(),
        "an empty export creates no folder"
    );
    let mut again = options(root.path().join("four"));
    again.query.again = true;
    assert_eq!(
        export(&mut source, &again, &mut |_| {})
            .unwrap()
            .files
            .len(),
        3
    );
}

#[test]
fn zip_holds_the_photos_and_manifests_and_names_need_their_fields() {
    let root = tempfile::tempdir().unwrap();
    let mut source = MemorySource::new(&["1001", "1002"]);
    let mut zipped = options(root.path().join("term-start"));
    zipped.zip = true;
    let summary = export(&mut source, &zipped, &mut |_| {}).unwrap();
    let zip_path = summary.zip.unwrap();
    assert_eq!(zip_path, root.path().join("term-start/term-start.zip"));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut members: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
        .collect();
    members.sort();
    assert_eq!(
        members,
        ["1001.jpg", "1002.jpg", "manifest.csv", "manifest.json"]
    );
    let mut inside = Vec::new();
    archive
        .by_name("1002.jpg")
        .unwrap()
        .read_to_end(&mut inside)
        .unwrap();
    assert_eq!(inside, photo_bytes(2));

    // {id_number} names need an ID number: records without one are reported and skipped, never
    // written as "None.jpg"; with none left, no folder is made.
    let mut chsi = options(root.path().join("chsi"));
    chsi.template = NameTemplate::parse("{id_number}.jpg").unwrap();
    chsi.query.again = true;
    let summary = export(&mut source, &chsi, &mut |_| {}).unwrap();
    assert_eq!(summary.batch_id, None);
    let skipped: Vec<&str> = summary
        .skipped
        .iter()
        .map(|s| s.student_no.as_str())
        .collect();
    assert_eq!(skipped, ["1001", "1002"]);
    assert!(!root.path().join("chsi").exists());

    // One record gains an ID number: it alone is exported under it, the other is skipped.
    source.records[1].id_number = Some("11010519491231002X".into());
    let summary = export(&mut source, &chsi, &mut |_| {}).unwrap();
    assert!(summary.batch_id.is_some());
    assert_eq!(
        files_in(&root.path().join("chsi")),
        BTreeSet::from([
            "11010519491231002X.jpg".to_owned(),
            "manifest.csv".to_owned(),
            "manifest.json".to_owned()
        ])
    );
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].student_no, "1001");
    assert_eq!(summary.skipped[0].missing.key(), "id_number");
}

#[test]
fn existing_folders_are_refused_and_an_unrecorded_batch_is_taken_back() {
    let root = tempfile::tempdir().unwrap();
    let mut source = MemorySource::new(&["1001"]);
    let occupied = root.path().join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("old.jpg"), b"old").unwrap();
    let error = export(&mut source, &options(occupied.clone()), &mut |_| {}).unwrap_err();
    assert!(matches!(error, ExportError::Destination { .. }), "{error}");
    assert_eq!(files_in(&occupied), BTreeSet::from(["old.jpg".to_owned()]));

    // An empty folder (made by staff beforehand) is fine.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    source.refuse_batch = true;
    let error = export(&mut source, &options(empty.clone()), &mut |_| {}).unwrap_err();
    assert!(matches!(error, ExportError::NotRecorded { .. }), "{error}");
    assert!(
        !empty.exists(),
        "a batch the database did not record must not stay on disk"
    );
    source.refuse_batch = false;
    assert_eq!(
        export(&mut source, &options(empty.clone()), &mut |_| {})
            .unwrap()
            .files
            .len(),
        1
    );
}

/// Environment variable that turns this test binary into the slow exporting child.
const CHILD_ENV: &str = "IDBOOTH_EXPORT_KILL_CHILD";
const KILL_BATCH_SIZE: usize = 200;

#[test]
fn child_export_for_the_kill_test() {
    let Ok(destination) = std::env::var(CHILD_ENV) else {
        return;
    };
    let numbers: Vec<String> = (0..KILL_BATCH_SIZE)
        .map(|i| format!("2024{i:06}"))
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut source = MemorySource::new(&refs);
    source.delay_per_photo = Duration::from_millis(20);
    let _ = export(
        &mut source,
        &options(PathBuf::from(destination)),
        &mut |_| {},
    );
}

fn staging_dirs(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("idbooth-staging")
        })
        .collect()
}

#[test]
fn a_killed_export_leaves_no_batch_and_the_next_one_is_complete() {
    let root = tempfile::tempdir().unwrap();
    let destination = root.path().join("batch");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_export_for_the_kill_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &destination)
        .spawn()
        .unwrap();
    // Wait until the child has written part of the batch, then kill it without warning.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let written = staging_dirs(root.path())
            .first()
            .map_or(0, |dir| files_in(dir).len());
        if written >= 20 {
            break;
        }
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
        !destination.exists(),
        "a killed export must not leave a batch folder"
    );
    assert_eq!(
        staging_dirs(root.path()).len(),
        1,
        "the dead export's staging folder is still there"
    );

    let numbers: Vec<String> = (0..KILL_BATCH_SIZE)
        .map(|i| format!("2024{i:06}"))
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut source = MemorySource::new(&refs);
    let summary = export(&mut source, &options(destination.clone()), &mut |_| {}).unwrap();
    assert_eq!(summary.files.len(), KILL_BATCH_SIZE);
    assert_eq!(files_in(&destination).len(), KILL_BATCH_SIZE + 2);
    assert!(
        staging_dirs(root.path()).is_empty(),
        "the next export removes the dead staging folder"
    );
}
