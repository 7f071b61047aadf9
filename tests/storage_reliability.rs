//! Reliability of the store with real processes on a real database file.
//!
//! Each test re-executes this test binary as its children (`--exact <test>` with a role in the
//! environment), so the children run the same store code as the booth and the staff station:
//! - kill -9 at random points during a loop of enrolls, reviews and resubmissions (110 kills); after
//!   each, the database opens, and every write the child acknowledged (printed after commit) is there;
//! - ten processes (five booths, five staff stations) writing at once: no "database is locked".

mod storage_support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use idbooth::core::record::{
    Actor, AuditAction, RecordError, RecordId, RecordStatus, Rejection, StaffAccount, StaffPin,
};
use idbooth::storage::{LockoutPolicy, RecordFilter, StorageError, Store};
use storage_support::{
    CHINA_UTC_OFFSET_S, PHOTO_CACHE_ENV, Rng, T0, cache_photos, catalog, small_capture, submission,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const ROLE_ENV: &str = "IDBOOTH_STORAGE_TEST_ROLE";
const DB_ENV: &str = "IDBOOTH_STORAGE_TEST_DB";
const RUN_ENV: &str = "IDBOOTH_STORAGE_TEST_RUN";
/// Override the kill schedule's seed to replay a failure: `IDBOOTH_STORAGE_CRASH_SEED=123 cargo test ...`.
const SEED_ENV: &str = "IDBOOTH_STORAGE_CRASH_SEED";
const DEFAULT_SEED: u64 = 0x1d_b007_2025;

const CRASH_TEST: &str = "kill_9_at_random_points_loses_no_acknowledged_write";
const CONCURRENCY_TEST: &str = "a_booth_and_staff_stations_write_at_once_without_lock_errors";
const KILLS: u64 = 110;
/// One kill in this many lands during process start, open and migration (before the child is ready)...
const EARLY_KILL_ONE_IN: u64 = 8;
const EARLY_KILL_AFTER_MS: (u64, u64) = (1, 40);
/// ...the others this long after the child reported ready, in the middle of its commits.
const KILL_AFTER_READY_MS: (u64, u64) = (1, 250);
const READY_TIMEOUT: Duration = Duration::from_secs(20);

fn spawn_self(
    test: &str,
    role: &str,
    db: &Path,
    run: u64,
    stderr: &Path,
) -> std::io::Result<Child> {
    Command::new(std::env::current_exe()?)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE_ENV, role)
        .env(DB_ENV, db)
        .env(RUN_ENV, run.to_string())
        .env(PHOTO_CACHE_ENV, stderr.parent().unwrap_or(db))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr)?)
        .spawn()
}

fn child_env() -> Option<(String, PathBuf, u64)> {
    let role = std::env::var(ROLE_ENV).ok()?;
    let db = PathBuf::from(std::env::var(DB_ENV).ok()?);
    let run = std::env::var(RUN_ENV)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    Some((role, db, run))
}

/// Writes one whole line with a single `write` (atomic on a pipe) and flushes.
fn ack(line: &str) {
    let mut out = std::io::stdout().lock();
    let whole = format!("ACK {line}\n");
    if out
        .write_all(whole.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(0); // the parent is gone
    }
}

/// The crash child: enrolls, reviews and resubmits forever, acknowledging each commit.
fn crash_child(db: &Path, run: u64) -> Result<(), StorageError> {
    let mut store = Store::open(db)?;
    small_capture(0, "warm up the fixture photos");
    ack("ready 0");
    let mut rng = Rng::new(run + 1);
    let staff = Actor::Staff("reviewer".to_owned());
    let booth = Actor::Booth(format!("booth-{run}"));
    let catalog = catalog();
    for i in 0_u64.. {
        let now = T0 + (run * 10_000 + i) as i64;
        match rng.range(0, 5) {
            0..=1 => {
                let student = format!("{run:03}{i:05}");
                let id = store.create_submission(
                    &submission(&student),
                    &small_capture(i as usize, &format!("{run}-{i}")),
                    &booth,
                    now,
                )?;
                ack(&format!("submitted {id}"));
            }
            2..=3 => {
                let page = store.review_queue(0, 5)?;
                let Some(item) = page
                    .items
                    .get(rng.range(0, 5) as usize % page.items.len().max(1))
                else {
                    continue;
                };
                let id = item.record.id;
                if rng.range(0, 2) == 0 {
                    store.approve(id, &staff, now)?;
                    ack(&format!("approved {id}"));
                } else {
                    let why = Rejection::new(vec![catalog.parse("eyes_closed")?], "请睁眼")?;
                    store.reject(id, &staff, &why, now)?;
                    ack(&format!("rejected {id}"));
                }
            }
            _ => {
                let rejected = store.list(&RecordFilter {
                    status: Some(RecordStatus::Rejected),
                    limit: Some(1),
                    ..RecordFilter::default()
                })?;
                let Some(item) = rejected.first() else {
                    continue;
                };
                store.resubmit(
                    item.record.id,
                    &small_capture(i as usize, &format!("{run}-{i}-retake")),
                    &booth,
                    now,
                )?;
                ack(&format!("resubmitted {}", item.record.id));
            }
        }
    }
    Ok(())
}

/// Parses an acknowledgement; the test harness may have printed its own text before it on the line.
fn parse_ack(line: &str) -> Option<(AuditAction, RecordId)> {
    let mut words = line[line.find("ACK ")? + 4..].split(' ');
    let action = AuditAction::parse(words.next()?).ok()?;
    let id = RecordId(words.next()?.parse().ok()?);
    Some((action, id))
}

/// Every acknowledged action of every record is in its history, in order; besides them, each killed run
/// may have committed at most one action it did not live to acknowledge (the one in flight at the kill).
fn is_subsequence(needle: &[AuditAction], haystack: &[AuditAction]) -> bool {
    let mut rest = haystack.iter();
    needle
        .iter()
        .all(|wanted| rest.any(|action| action == wanted))
}

fn check_acknowledged(
    store: &Store,
    expected: &HashMap<RecordId, Vec<AuditAction>>,
    runs: u64,
    seed: u64,
) -> TestResult {
    let mut histories: HashMap<RecordId, Vec<AuditAction>> = HashMap::new();
    for entry in store.audit_log(0, u32::MAX)? {
        if let Some(id) = entry.record_id {
            histories.entry(id).or_default().push(entry.action);
        }
    }
    let records = store.list(&RecordFilter::default())?;
    assert_eq!(
        records.len(),
        histories.len(),
        "seed {seed}: records and audited records differ"
    );
    let mut unacknowledged = 0;
    for summary in &records {
        let id = summary.record.id;
        let history = histories.get(&id).map_or(&[][..], Vec::as_slice);
        let acked = expected.get(&id).map_or(&[][..], Vec::as_slice);
        assert!(
            is_subsequence(acked, history),
            "seed {seed}: record {id} history {history:?} lost acknowledged {acked:?}"
        );
        unacknowledged += history.len() - acked.len();
    }
    for id in expected.keys() {
        assert!(
            records.iter().any(|s| s.record.id == *id),
            "seed {seed}: acknowledged record {id} is missing"
        );
    }
    assert!(
        unacknowledged as u64 <= runs,
        "seed {seed}: {unacknowledged} unacknowledged actions in {runs} runs"
    );
    Ok(())
}

#[test]
fn kill_9_at_random_points_loses_no_acknowledged_write() -> TestResult {
    if let Some((role, db, run)) = child_env() {
        if role == "crash" {
            crash_child(&db, run)?;
        }
        return Ok(());
    }
    let seed = std::env::var(SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    cache_photos(dir.path())?;
    let db = dir.path().join("data/idbooth.sqlite");
    let mut expected: HashMap<RecordId, Vec<AuditAction>> = HashMap::new();
    let (mut acks_total, mut killed_while_running) = (0_u64, 0_u64);
    for run in 0..KILLS {
        let stderr = dir.path().join(format!("child-{run}.stderr"));
        let mut child = spawn_self(CRASH_TEST, "crash", &db, run, &stderr)?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (line_tx, line_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let mut lines = Vec::new();
        if rng.range(0, EARLY_KILL_ONE_IN) == 0 {
            let after_ms = rng.range(EARLY_KILL_AFTER_MS.0, EARLY_KILL_AFTER_MS.1);
            std::thread::sleep(Duration::from_millis(after_ms));
        } else {
            let deadline = Instant::now() + READY_TIMEOUT;
            while !lines.iter().any(|l: &String| l.contains("ACK ready")) {
                let wait = deadline.saturating_duration_since(Instant::now());
                let Ok(line) = line_rx.recv_timeout(wait) else {
                    let errors = std::fs::read_to_string(&stderr)?;
                    panic!("seed {seed}: child {run} never got ready: {errors}");
                };
                lines.push(line);
            }
            let after_ms = rng.range(KILL_AFTER_READY_MS.0, KILL_AFTER_READY_MS.1);
            std::thread::sleep(Duration::from_millis(after_ms));
        }
        if child.try_wait()?.is_none() {
            killed_while_running += 1;
        } else {
            panic!(
                "seed {seed}: child {run} exited by itself: {}",
                std::fs::read_to_string(&stderr)?
            );
        }
        child.kill()?; // SIGKILL
        child.wait()?;
        reader.join().map_err(|_| "reader thread panicked")?;
        lines.extend(line_rx.try_iter());
        for (action, id) in lines.iter().filter_map(|line| parse_ack(line)) {
            let history = expected.entry(id).or_default();
            if history.is_empty() && action != AuditAction::Submitted {
                // Submitted by a run killed between its commit and its acknowledgement.
                history.push(AuditAction::Submitted);
            }
            history.push(action);
            acks_total += 1;
        }

        let store = Store::open(&db)?;
        if run % 10 == 9 || run + 1 == KILLS {
            let report = store.verify()?;
            assert!(report.is_ok(), "seed {seed} after kill {run}: {report:?}");
        }
        check_acknowledged(&store, &expected, run + 1, seed)?;
    }
    assert_eq!(killed_while_running, KILLS);
    assert!(
        acks_total >= KILLS,
        "seed {seed}: only {acks_total} acknowledged writes; the kills landed too early to test anything"
    );
    eprintln!(
        "{KILLS} kills (seed {seed}), {acks_total} acknowledged writes, {} records, {:?}",
        expected.len(),
        started.elapsed()
    );
    Ok(())
}

/// Submissions per booth process.
const BOOTH_SUBMISSIONS: u64 = 25;
/// Review decisions per staff process (5 × 12 = 60 of the 125 submissions): they start while the booths
/// are still writing.
const STAFF_DECISIONS: u64 = 12;
const LOGIN_EVERY_DECISIONS: u64 = 4;
const STAFF_DEADLINE: Duration = Duration::from_secs(90);
const BOOTHS: u64 = 5;
const STAFF_STATIONS: u64 = 5;

fn booth_child(db: &Path, index: u64) -> Result<(), StorageError> {
    let mut store = Store::open(db)?;
    let booth = Actor::Booth(format!("booth-{index}"));
    for i in 0..BOOTH_SUBMISSIONS {
        let student = format!("9{index}{i:05}");
        // A camera-sized original per capture, so commits carry real weight.
        let capture = storage_support::capture(i as usize, &student);
        store.create_submission(&submission(&student), &capture, &booth, T0 + i as i64)?;
    }
    ack(&format!("booth {index} {BOOTH_SUBMISSIONS} 0"));
    Ok(())
}

fn staff_child(db: &Path, index: u64) -> Result<(), StorageError> {
    let mut store = Store::open(db)?;
    let account = StaffAccount::parse(&format!("staff{index}"))?;
    let pin = StaffPin::parse("2468")?;
    store.create_staff(&account, &format!("Staff {index}"), &pin, &Actor::Cli, T0)?;
    let actor = Actor::Staff(account.to_string());
    let why = Rejection::new(vec![catalog().parse("background")?], "背景不是纯色")?;
    let mut rng = Rng::new(index + 100);
    let (mut approved, mut rejected, mut logins, mut attempts) = (0_u64, 0_u64, 0_u64, 0_u64);
    let deadline = Instant::now() + STAFF_DEADLINE;
    while attempts < STAFF_DECISIONS {
        assert!(
            Instant::now() < deadline,
            "staff {index}: only {attempts} decisions before the deadline"
        );
        let now = T0 + (attempts + logins) as i64;
        if logins * LOGIN_EVERY_DECISIONS <= attempts {
            store.login(&account, &pin, LockoutPolicy::default(), now)?;
            store.stats(now, CHINA_UTC_OFFSET_S)?;
            logins += 1;
        }
        let page = store.review_queue(0, 20)?;
        let Some(item) = page
            .items
            .get(rng.range(0, 20) as usize % page.items.len().max(1))
        else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        attempts += 1;
        let result = if attempts % 2 == 0 {
            store
                .approve(item.record.id, &actor, now)
                .map(|_| approved += 1)
        } else {
            store
                .reject(item.record.id, &actor, &why, now)
                .map(|_| rejected += 1)
        };
        match result {
            // Another station decided this record between our read and our write: a real race, not a
            // lock failure, and the lifecycle check inside the transaction caught it.
            Ok(()) | Err(StorageError::Invalid(RecordError::InvalidTransition { .. })) => {}
            Err(other) => return Err(other),
        }
    }
    ack(&format!("staff {index} {approved} {rejected} {logins}"));
    Ok(())
}

#[test]
fn a_booth_and_staff_stations_write_at_once_without_lock_errors() -> TestResult {
    if let Some((role, db, index)) = child_env() {
        match role.as_str() {
            "booth" => booth_child(&db, index)?,
            "staff" => staff_child(&db, index)?,
            _ => {}
        }
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    cache_photos(dir.path())?;
    // Not created beforehand: all ten processes race to create and migrate it.
    let db = dir.path().join("shared/idbooth.sqlite");
    let started = Instant::now();
    let mut children = Vec::new();
    for index in 0..BOOTHS.max(STAFF_STATIONS) {
        for (role, count) in [("booth", BOOTHS), ("staff", STAFF_STATIONS)] {
            if index < count {
                let stderr = dir.path().join(format!("{role}-{index}.stderr"));
                children.push((
                    role,
                    index,
                    stderr.clone(),
                    spawn_self(CONCURRENCY_TEST, role, &db, index, &stderr)?,
                ));
            }
        }
    }
    let (mut approved, mut rejected, mut logins) = (0, 0, 0);
    for (role, index, stderr, child) in children {
        let output = child.wait_with_output()?;
        let errors = std::fs::read_to_string(&stderr)?;
        assert!(output.status.success(), "{role} {index} failed: {errors}");
        assert!(
            !errors.contains("locked") && !errors.contains("busy"),
            "{role} {index}: {errors}"
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.find("ACK ").map(|at| &l[at..]))
            .ok_or_else(|| format!("{role} {index} did not finish: {stdout}"))?;
        let numbers: Vec<u64> = line
            .split(' ')
            .skip(3)
            .filter_map(|n| n.parse().ok())
            .collect();
        if role == "staff" {
            approved += numbers[0];
            rejected += numbers[1];
            logins += numbers[2];
        }
    }
    let elapsed = started.elapsed();

    let store = Store::open(&db)?;
    assert_eq!(
        store.list(&RecordFilter::default())?.len() as u64,
        BOOTHS * BOOTH_SUBMISSIONS
    );
    let log = store.audit_log(0, 10_000)?;
    let count = |action| log.iter().filter(|e| e.action == action).count() as u64;
    assert_eq!(count(AuditAction::Approved), approved);
    assert_eq!(count(AuditAction::Rejected), rejected);
    assert_eq!(count(AuditAction::StaffLogin), logins);
    assert!(approved + rejected > 0);
    // The writers really overlapped: a decision was committed before the last submission.
    let first_decision = log
        .iter()
        .find(|e| matches!(e.action, AuditAction::Approved | AuditAction::Rejected));
    let last_submission = log
        .iter()
        .rev()
        .find(|e| e.action == AuditAction::Submitted);
    assert!(
        first_decision.map(|e| e.id) < last_submission.map(|e| e.id),
        "staff and booths did not overlap"
    );
    let report = store.verify()?;
    assert!(report.is_ok(), "{report:?}");
    assert!(elapsed < Duration::from_mins(2), "took {elapsed:?}");
    Ok(())
}
