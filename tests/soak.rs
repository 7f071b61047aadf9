//! Soak: simulated visits through the real `Booth` (FakeCamera streaming a real photo, the real models and
//! pipeline, a real SQLite file, a manual clock) must leave memory flat and leak no thread and no file
//! descriptor. Memory is read after every visit, as the lowest reading of a window of visits right after
//! warm-up and at the end (see [`RSS_WINDOW`]): the memory held from malloc must grow under 10 %, and
//! so must the resident size (under 15 % in the 100-visit soak, see [`MAX_RSS_GROWTH_SHORT`]). The
//! process allocates from one malloc arena and keeps freed buffers in the heap, as `idbooth kiosk`
//! does. 100 visits always run; the 1 000-visit soak of issue 7 is `#[ignore]`d (too slow for CI on a
//! loaded machine) and runs with `-- --ignored`.
//!
//! Visits end every way a booth sees: a full visit saved and finished, a photo abandoned on Review (idle
//! timeout), a declined consent, an idle Identify screen, a cancelled Pose. The full pipeline (a few
//! seconds per capture in a debug build) runs on two of every [`PIPELINE_EVERY`] visits (one saved, one
//! abandoned); the other visits exercise the flow, the camera, the live checks and the store lookups.

mod booth_support;

use std::time::{Duration, Instant};

use booth_support::{Rig, Source, config, fake_camera};
use idbooth::core::flow::Event;
use idbooth::storage::RecordFilter;

/// Visits before the baseline is taken (allocator pools, model buffers and SQLite caches fill up).
const WARM_UP: usize = 100;
/// Visits of the full soak.
const SESSIONS: usize = 1000;
/// The always-run soak's visits and warm-up.
const SHORT_SESSIONS: usize = 100;
const SHORT_WARM_UP: usize = 30;
/// The two soaks must not run at once: each counts the process's threads and files.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Of every this-many visits one is saved in full and one is abandoned on Review (both run the pipeline).
const PIPELINE_EVERY: usize = 50;
/// Allowed growth after warm-up (issue 7), of the resident size and of the memory held from malloc.
const MAX_RSS_GROWTH: f64 = 0.10;
/// Allowed RSS growth of the 100-visit soak that CI runs. Its process is small (about 73 MiB), and with
/// the memory held from malloc flat to 0.1 % the resident size still stepped by one block of about
/// 5.6 MiB between windows in one of eleven runs (+7.7 %; not malloc'd memory, so not ours to trim).
/// Two such steps would fail a 10 % limit with nothing leaked; a leak shows first in the malloc'd
/// floor, which keeps the 10 % limit (300 KB leaked per visit reads +34 % there).
const MAX_RSS_GROWTH_SHORT: f64 = 0.15;
/// Visits whose lowest RSS stands for the start (right after warm-up) and for the end of the soak.
///
/// Each reading first hands the allocator's freed pages back to the system (as the booth does at its
/// quiet moments), so it counts memory held, not glibc's cache of freed megabyte buffers: without that,
/// floors of runs that leak nothing were up to 9 MiB apart. Camera frames (5.3 MiB each at 1350x1350)
/// stream all the time and one to three of them may be alive at any reading, so a single reading
/// moves by 10-17 MiB with nothing leaked. Memory that stays behind raises every later reading, so
/// the soak compares the lowest reading of the first visits after warm-up with that of the last ones.
const RSS_WINDOW: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProcessFigures {
    rss_kib: u64,
    threads: usize,
    fds: usize,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn entries(dir: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .count()
}

/// RSS from /proc/self/statm (resident pages, after the freed ones went back to the system) and the page size from /proc/self/smaps' first
/// `KernelPageSize` (no unsafe `sysconf` needed); threads and open files from /proc/self/task and fd.
fn figures() -> ProcessFigures {
    idbooth::app::memory::release_freed_memory();
    let resident_pages: u64 = read("/proc/self/statm")
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or_else(|| panic!("no resident field in /proc/self/statm"));
    ProcessFigures {
        rss_kib: resident_pages * page_size_kib(),
        threads: entries("/proc/self/task"),
        fds: entries("/proc/self/fd"),
    }
}

fn page_size_kib() -> u64 {
    read("/proc/self/smaps")
        .lines()
        .find_map(|line| line.strip_prefix("KernelPageSize:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no KernelPageSize in /proc/self/smaps"))
}

#[derive(Debug, Clone, Copy)]
enum Visit {
    Saved,
    AbandonedOnReview,
    Declined,
    IdleOnIdentify,
    /// Posed until the live checks reported, then cancelled.
    LiveOnPose,
    /// Cancelled as soon as Pose showed (live checks started and stopped at once).
    CancelledOnPose,
}

fn visit_kind(index: usize) -> Visit {
    match (index % PIPELINE_EVERY, index % 4) {
        (0, _) => Visit::Saved,
        (half, _) if half == PIPELINE_EVERY / 2 => Visit::AbandonedOnReview,
        (_, 1) => Visit::Declined,
        (_, 2) => Visit::IdleOnIdentify,
        (_, 3) => Visit::LiveOnPose,
        _ => Visit::CancelledOnPose,
    }
}

fn student_no(index: usize) -> String {
    format!("2026{index:06}")
}

fn run_visit(rig: &mut Rig, index: usize) {
    let idle = config().kiosk.idle_timeout + Duration::from_secs(1);
    match visit_kind(index) {
        Visit::Declined => {
            rig.tap(Event::Start);
            rig.tap(Event::Decline);
        }
        Visit::IdleOnIdentify => {
            rig.tap(Event::Start);
            rig.tap(Event::AcceptConsent);
            rig.tap(Event::KeypadDigit('2'));
            rig.advance(idle);
        }
        Visit::CancelledOnPose => {
            rig.reach_pose(&student_no(index));
            rig.tap(Event::Cancel);
        }
        Visit::LiveOnPose => {
            rig.reach_pose(&student_no(index));
            let seen = rig.booth.diagnostics().live_results;
            // A camera fault (a starved fake on a loaded machine) would end the visit: stop waiting then.
            rig.wait_for("a live-check result", |booth| {
                booth.diagnostics().live_results > seen || booth.flow().screen().name() != "pose"
            });
            rig.tap(Event::Cancel);
        }
        Visit::AbandonedOnReview => {
            rig.reach_pose(&student_no(index));
            rig.button_to_review();
            assert!(rig.booth.review_photo().is_some());
            rig.advance(idle);
        }
        Visit::Saved => {
            rig.reach_pose(&student_no(index));
            rig.button_to_review();
            rig.tap(Event::Accept);
            rig.wait_for_screen("done");
            rig.advance(config().kiosk.done_return + Duration::from_secs(1));
        }
    }
    assert_eq!(
        rig.screen().name(),
        "attract",
        "visit {index} ({:?}) did not end on Attract",
        visit_kind(index)
    );
    assert_eq!(rig.booth.sessions_held(), 0, "visit {index} left data");
}

#[test]
#[ignore = "3 min in a debug build on the idle 2-core machine (173 s on 2026-11-23), 18 min under load 3-8 \
            from other builds; run with `cargo test --test soak -- --ignored`. The 100-visit soak always runs."]
fn a_thousand_visits_leave_memory_threads_and_files_flat() {
    soak(SESSIONS, WARM_UP, MAX_RSS_GROWTH);
}

#[test]
fn a_hundred_visits_leave_memory_threads_and_files_flat() {
    soak(SHORT_SESSIONS, SHORT_WARM_UP, MAX_RSS_GROWTH_SHORT);
}

fn soak(sessions: usize, warm_up: usize, max_rss_growth: f64) {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // As `idbooth kiosk` and `idbooth station` do before anything else starts: freed buffers stay in
    // the heap between captures, and one arena holds them all.
    idbooth::app::memory::keep_freed_buffers();
    idbooth::app::memory::use_one_malloc_arena();
    let started = Instant::now();
    let mut rig = Rig::new(Source::Fake(fake_camera(
        "good_london_045_neutral.jpg",
        Vec::new(),
    )));
    for index in 0..warm_up {
        run_visit(&mut rig, index);
    }
    let baseline = figures();
    let warm = Instant::now();
    let mut rss_kib = Vec::with_capacity(sessions - warm_up);
    let mut heap_kib = Vec::with_capacity(sessions - warm_up);
    for index in warm_up..sessions {
        run_visit(&mut rig, index);
        rss_kib.push(figures().rss_kib);
        heap_kib.push(heap_in_use_kib());
    }
    let end = figures();
    let (start_floor, start_peak) = floor_and_peak(&rss_kib[..RSS_WINDOW]);
    let (end_floor, end_peak) = floor_and_peak(&rss_kib[rss_kib.len() - RSS_WINDOW..]);
    let (heap_start, _) = floor_and_peak(&heap_kib[..RSS_WINDOW]);
    let (heap_end, _) = floor_and_peak(&heap_kib[heap_kib.len() - RSS_WINDOW..]);
    let heap_growth = heap_end as f64 / heap_start.max(1) as f64 - 1.0;
    let saved = rig
        .store()
        .list(&RecordFilter::default())
        .unwrap_or_else(|e| panic!("list: {e:#}"))
        .len();
    let expected_saved = (0..sessions)
        .filter(|i| matches!(visit_kind(*i), Visit::Saved))
        .count();
    let diagnostics = rig.booth.diagnostics();
    let growth = end_floor as f64 / start_floor as f64 - 1.0;
    eprintln!(
        "soak: {sessions} visits ({} through the pipeline, {saved} saved) in {:.0} s ({:.0} s after warm-up); \
         RSS floor (peak) of the {RSS_WINDOW} visits after warm-up {start_floor} ({start_peak}) KiB -> of the \
         last {RSS_WINDOW} {end_floor} ({end_peak}) KiB ({:+.2} %); malloc'd floor {heap_start} -> {heap_end} KiB \
         ({:+.2} %); threads {} -> {}; fds {} -> {}; \
         {} live-check results; camera losses {}",
        (0..sessions)
            .filter(|i| matches!(visit_kind(*i), Visit::Saved | Visit::AbandonedOnReview))
            .count(),
        started.elapsed().as_secs_f64(),
        warm.elapsed().as_secs_f64(),
        growth * 100.0,
        heap_growth * 100.0,
        baseline.threads,
        end.threads,
        baseline.fds,
        end.fds,
        diagnostics.live_results,
        diagnostics.camera.losses,
    );
    assert_eq!(saved, expected_saved, "every full visit stored its record");
    assert!(
        growth < max_rss_growth,
        "RSS grew {:.1} % after warm-up",
        growth * 100.0
    );
    assert!(
        heap_growth < MAX_RSS_GROWTH,
        "memory in use grew {:.1} % after warm-up",
        heap_growth * 100.0
    );
    assert!(end.threads <= baseline.threads, "threads leaked");
    assert!(end.fds <= baseline.fds, "file descriptors leaked");
}

/// What the program holds from malloc (0 where the allocator cannot say), in KiB.
fn heap_in_use_kib() -> u64 {
    idbooth::app::memory::heap_in_use_bytes().unwrap_or(0) / 1024
}

/// The lowest and highest of a window of samples.
fn floor_and_peak(samples: &[u64]) -> (u64, u64) {
    let floor = samples.iter().copied().min().unwrap_or(0);
    let peak = samples.iter().copied().max().unwrap_or(0);
    (floor, peak)
}
