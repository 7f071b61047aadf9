//! Store speed targets: inserting a record with a 2 MB capture (≤ 15 ms, durable: synchronous=FULL) and
//! a review-queue page of 50 with 100 000 records (≤ 5 ms). The databases are built once per run in a
//! tempdir; the 100 000 records go through the real `create_submission` (with `Durability::Normal` to
//! build them in seconds rather than one fsync each), then the file is reopened with the defaults.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use idbooth::core::record::{Actor, Consent, RecordId, StudentNo, StudentNoRule};
use idbooth::storage::{
    Durability, NewCapture, RosterImportOptions, Store, StoreOptions, Submission,
};

const T0: i64 = 1_756_834_200;
const ORIGINAL_BYTES: usize = 2 * 1024 * 1024;
const QUEUE_RECORDS: u64 = 100_000;
const PAGE_SIZE: u32 = 50;
const RULE: StudentNoRule = StudentNoRule {
    min_len: 4,
    max_len: 20,
    digits_only: false,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn submission(number: u64) -> Submission {
    let student_no =
        StudentNo::parse(&format!("{number:08}"), RULE).unwrap_or_else(|e| panic!("{e}"));
    let consent = Consent::new("consent-2025-v2", T0).unwrap_or_else(|e| panic!("{e}"));
    Submission {
        student_no,
        profile: "campus_card".to_owned(),
        consent,
    }
}

/// Real JPEG bytes made unique per capture (a counter after the end-of-image marker), as every real
/// capture differs; without that, content addressing would store the bytes only once.
fn unique(base: &[u8], counter: u64) -> Vec<u8> {
    let mut bytes = base.to_vec();
    bytes.extend_from_slice(&counter.to_le_bytes());
    bytes
}

/// A booth storing 2 MB captures, each with a fresh original and photo.
struct InsertFixture {
    _dir: tempfile::TempDir,
    store: Store,
    original: Vec<u8>,
    photo: Vec<u8>,
    booth: Actor,
    counter: u64,
}

impl InsertFixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store =
            Store::open(&dir.path().join("insert.sqlite")).unwrap_or_else(|e| panic!("{e}"));
        // A camera-sized capture: real JPEG data repeated to 2 MiB (originals are opaque bytes to the store).
        let camera = fixture("bad_interfaces_017_profile.jpg");
        let original = camera
            .iter()
            .copied()
            .cycle()
            .take(ORIGINAL_BYTES - 8)
            .collect();
        let photo = fixture("good_london_001_neutral.jpg");
        Self {
            _dir: dir,
            store,
            original,
            photo,
            booth: Actor::Booth("bench".to_owned()),
            counter: 0,
        }
    }

    fn next(&mut self) -> (Submission, NewCapture) {
        self.counter += 1;
        let capture = NewCapture {
            original: unique(&self.original, self.counter),
            photo: unique(&self.photo, self.counter),
            report_json: r#"{"verdict":"pass"}"#.to_owned(),
            params_json: r#"{"jpeg_quality":90}"#.to_owned(),
        };
        (submission(self.counter), capture)
    }
}

impl InsertFixture {
    fn insert(&mut self, (sub, capture): &(Submission, NewCapture)) -> RecordId {
        self.store
            .create_submission(sub, capture, &self.booth, T0)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

fn insert_with_2mb_capture(c: &mut Criterion) {
    let mut group = c.benchmark_group("storage");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    // The booth design: the io worker checkpoints between students (untimed setup here), so the commit
    // the student waits for appends 2 MB to the WAL and fsyncs it.
    let booth = RefCell::new(InsertFixture::new());
    group.bench_function(
        "insert record with 2 MB capture, idle checkpoint (synchronous=FULL)",
        |b| {
            b.iter_batched(
                || {
                    let mut fixture = booth.borrow_mut();
                    fixture.store.checkpoint().unwrap_or_else(|e| panic!("{e}"));
                    fixture.next()
                },
                |input| booth.borrow_mut().insert(&input),
                BatchSize::PerIteration,
            );
        },
    );
    // Worst case: nobody checkpoints, SQLite's automatic checkpoint runs inside every other commit.
    let busy = RefCell::new(InsertFixture::new());
    group.bench_function(
        "insert record with 2 MB capture, in-line auto checkpoint (synchronous=FULL)",
        |b| {
            b.iter_batched(
                || busy.borrow_mut().next(),
                |input| busy.borrow_mut().insert(&input),
                BatchSize::PerIteration,
            );
        },
    );
    group.finish();
}

/// 100 000 records, 70 % pending, with a roster so the queue joins names as in production.
fn build_queue_db(path: &std::path::Path) {
    let options = StoreOptions {
        durability: Durability::Normal,
        ..StoreOptions::default()
    };
    let mut store = Store::open_with(path, options).unwrap_or_else(|e| panic!("{e}"));
    let mut csv = String::from("student_no,name,department\n");
    for n in 0..QUEUE_RECORDS {
        let _ = writeln!(csv, "{n:08},学生{n},计算机学院");
    }
    let roster = RosterImportOptions {
        rule: RULE,
        ..RosterImportOptions::default()
    };
    store
        .import_roster(csv.as_bytes(), &roster, &Actor::Cli, T0)
        .unwrap_or_else(|e| panic!("{e}"));
    let photo = fixture("good_london_001_neutral.jpg");
    let booth = Actor::Booth("bench".to_owned());
    let staff = Actor::Staff("bench".to_owned());
    for n in 0..QUEUE_RECORDS {
        let capture = NewCapture {
            original: unique(&photo[..4096], n),
            photo: unique(&photo[..4096], n + QUEUE_RECORDS),
            report_json: "{}".to_owned(),
            params_json: "{}".to_owned(),
        };
        let at = T0 + (n as i64 * 7919) % 1_000_000; // submissions not in id order
        let id = store
            .create_submission(&submission(n), &capture, &booth, at)
            .unwrap_or_else(|e| panic!("{e}"));
        if n % 10 < 3 {
            store
                .approve(id, &staff, at + 60)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn review_queue_page(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("queue.sqlite");
    build_queue_db(&path);
    let store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let first = store
        .review_queue(0, PAGE_SIZE)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (first.items.len(), first.total_pending),
        (PAGE_SIZE as usize, QUEUE_RECORDS * 7 / 10)
    );
    let mut group = c.benchmark_group("storage");
    group.bench_function("review queue page of 50, first page (100k records)", |b| {
        b.iter(|| {
            store
                .review_queue(black_box(0), PAGE_SIZE)
                .unwrap_or_else(|e| panic!("{e}"))
        });
    });
    group.bench_function("review queue page of 50, page 500 (100k records)", |b| {
        b.iter(|| {
            store
                .review_queue(black_box(500), PAGE_SIZE)
                .unwrap_or_else(|e| panic!("{e}"))
        });
    });
    group.bench_function("search by name (100k records)", |b| {
        b.iter(|| {
            store
                .search(black_box("学生4242"), 20)
                .unwrap_or_else(|e| panic!("{e}"))
        });
    });
    group.bench_function("record detail (100k records)", |b| {
        b.iter(|| {
            store
                .get(black_box(RecordId(54_321)))
                .unwrap_or_else(|e| panic!("{e}"))
        });
    });
    group.finish();
}

criterion_group!(benches, insert_with_2mb_capture, review_queue_page);
criterion_main!(benches);
