//! Printing through a real CUPS: the `idbooth-pdf` queue (cups-pdf backend) that `./setup.sh test`
//! creates. A sheet goes in over IPP, the printed PDF must come out in the cups-pdf folder at the sheet's
//! paper size, and a disabled queue must be an error, never a success.
//!
//! When cupsd is not reachable these tests FAIL with instructions, unless IDBOOTH_SKIP_CUPS=1 is set (then
//! they print a skip note and pass).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

mod print_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use idbooth::cli::print::{PrintArgs, run_print};
use idbooth::config::KioskConfig;
use idbooth::core::record::{PrintJobState, RecordStatus};
use idbooth::print::cups::{CupsSpooler, DEFAULT_CUPS_SERVER};
use idbooth::print::fake::FakeSpooler;
use idbooth::print::font::CaptionFonts;
use idbooth::print::job::{
    JobContext, JobLog, JobOutcome, LogError, PrintError, PrintPolicy, ThreadPause, print_and_watch,
};
use idbooth::print::layout::{RectMm, SheetKind, SheetLayout, layout_for_profile};
use idbooth::print::pdf::{Caption, Fill, SheetPhoto, SheetRequest, render_pdf};
use idbooth::print::photo::PrintPhoto;
use idbooth::print::spool::{PrinterState, SpoolError, SpoolJob, SpoolJobId, Spooler};
use print_support::{
    assert_photo_size, jpeg_bytes, profile, profile_photo, render_page, store_with_approved_record,
};

const PRINTER: &str = "idbooth-pdf";
/// Where `./setup.sh test` points cups-pdf.
const DEFAULT_OUTPUT_DIR: &str = "/var/spool/cups-pdf/idbooth";
/// PostScript points per inch.
const PT_PER_INCH: f32 = 72.0;

/// The CUPS tests share one queue; one disables it. Run them one at a time.
static QUEUE: Mutex<()> = Mutex::new(());

fn queue_lock() -> MutexGuard<'static, ()> {
    QUEUE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The spooler for the test queue, or `None` (with a note) when CUPS tests are explicitly skipped.
fn cups() -> Option<CupsSpooler> {
    if std::env::var("IDBOOTH_SKIP_CUPS").is_ok_and(|v| v == "1") {
        eprintln!("skipping CUPS test: IDBOOTH_SKIP_CUPS=1");
        return None;
    }
    let server = server();
    let spooler = CupsSpooler::new(&server, PRINTER).unwrap();
    match spooler.printer_status() {
        Ok(status) if status.state == PrinterState::Missing => panic!(
            "cupsd runs but has no queue {PRINTER}: run `./setup.sh test` (as root) (or set IDBOOTH_SKIP_CUPS=1)"
        ),
        Ok(_) => Some(spooler),
        Err(error) => panic!(
            "cupsd is not reachable at {server} ({error}): run `./setup.sh test` (as root) to start it \
             and add the {PRINTER} queue, or set IDBOOTH_SKIP_CUPS=1 to skip the CUPS tests"
        ),
    }
}

/// The print server: $IDBOOTH_CUPS_SERVER (host:port) or the local cupsd.
fn server() -> String {
    std::env::var("IDBOOTH_CUPS_SERVER").unwrap_or_else(|_| DEFAULT_CUPS_SERVER.to_owned())
}

/// The cups-pdf output folder: $IDBOOTH_CUPS_PDF_DIR, $IDBOOTH_CUPS_OUT (setup.sh),
/// or the default both use.
fn output_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("IDBOOTH_CUPS_PDF_DIR")
            .or_else(|_| std::env::var("IDBOOTH_CUPS_OUT"))
            .unwrap_or_else(|_| DEFAULT_OUTPUT_DIR.to_owned()),
    )
}

/// A 6-inch sheet of 8 one-inch photos, and its layout.
fn one_inch_sheet() -> (SpoolJob, SheetLayout) {
    let spec = profile("one_inch");
    let jpeg = jpeg_bytes(&profile_photo("bad_interfaces_066_foliage_bg.jpg", &spec));
    let layout = layout_for_profile(SheetKind::SixInch, &spec, true).unwrap();
    let photos = [SheetPhoto {
        photo: PrintPhoto::for_profile(jpeg, &spec).unwrap(),
        caption: Some(Caption {
            name: "王小明".into(),
            student_no: "2024019999".into(),
        }),
    }];
    let request = SheetRequest {
        layout: &layout,
        photos: &photos,
        fill: Fill::Repeat,
        copies: 1,
        title: "idbooth cups test",
    };
    let job = SpoolJob {
        title: format!("idbooth-test-{}", std::process::id()),
        pdf: render_pdf(&request, &CaptionFonts::bundled().unwrap()).unwrap(),
        copies: 1,
        paper_mm: layout.paper_mm,
    };
    (job, layout)
}

#[derive(Default)]
struct Log {
    finished: Vec<JobOutcome>,
}

impl JobLog for Log {
    fn sent(&mut self, _job: SpoolJobId) -> Result<(), LogError> {
        Ok(())
    }

    fn finished(&mut self, outcome: &JobOutcome) -> Result<(), LogError> {
        self.finished.push(outcome.clone());
        Ok(())
    }
}

fn print(spooler: &dyn Spooler, job: &SpoolJob, log: &mut Log) -> Result<JobOutcome, PrintError> {
    let policy = PrintPolicy {
        poll_interval: Duration::from_millis(200),
        watch_limit: Duration::from_mins(1),
        ..PrintPolicy::default()
    };
    let mut ignore = |_| {};
    let mut context = JobContext {
        policy,
        pause: &ThreadPause,
        log,
        progress: &mut ignore,
    };
    print_and_watch(spooler, job, 0, &mut context)
}

/// The PDFs in the cups-pdf output folder.
fn output_pdfs() -> BTreeSet<PathBuf> {
    let dir = output_dir();
    std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cups-pdf output folder {}: {error}", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "pdf"))
        .collect()
}

/// The PDF cups-pdf wrote for the job just printed: the one file not in `before`. The CUPS tests hold the
/// queue lock, so no other test prints meanwhile; this works whatever cups-pdf's file naming settings are.
fn printed_file(before: &BTreeSet<PathBuf>) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let new: Vec<PathBuf> = output_pdfs().difference(before).cloned().collect();
        match new.as_slice() {
            [one] => return one.clone(),
            [] => {}
            many => panic!("several new cups-pdf files, expected one: {many:?}"),
        }
        assert!(
            Instant::now() < deadline,
            "no cups-pdf output in {}",
            output_dir().display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Page size in points from `pdfinfo`.
fn page_size_pt(pdf: &Path) -> (f32, f32) {
    let output = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo (poppler-utils) is needed");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|line| line.starts_with("Page size:"))
        .unwrap_or_else(|| panic!("{text}"));
    let numbers: Vec<f32> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_sheet_printed_through_cups_comes_out_at_its_paper_size() {
    let _queue = queue_lock();
    let Some(spooler) = cups() else { return };
    let (job, layout) = one_inch_sheet();
    let before = output_pdfs();
    let mut log = Log::default();
    let outcome = print(&spooler, &job, &mut log).unwrap();
    let JobOutcome::Completed { job: id } = outcome else {
        panic!("job did not complete: {outcome:?}");
    };
    assert_eq!(log.finished, [JobOutcome::Completed { job: id }]);
    let printed = printed_file(&before);
    let bytes = std::fs::read(&printed).unwrap();
    assert!(
        bytes.starts_with(b"%PDF"),
        "{} is not a PDF",
        printed.display()
    );
    // 4 x 6 in, in either orientation, within a point.
    let (width_pt, height_pt) = page_size_pt(&printed);
    let (short, long) = (width_pt.min(height_pt), width_pt.max(height_pt));
    assert!(
        (short - 4.0 * PT_PER_INCH).abs() <= 1.0 && (long - 6.0 * PT_PER_INCH).abs() <= 1.0,
        "{width_pt} x {height_pt} pt"
    );
    let status = spooler.job_status(id).unwrap();
    assert!(status.state.is_final());

    // 4 x 6 in paper is fed short edge first, so CUPS turns the landscape sheet a quarter turn. The grid is
    // centred and symmetric, so either turn puts the photos at the same places: each must still be exactly
    // its size (no fit-to-page scaling), 35 mm across and 25 mm down.
    assert!(
        width_pt < height_pt,
        "expected a portrait page, got {width_pt} x {height_pt} pt"
    );
    let copy = std::env::temp_dir().join(format!("idbooth-cups-{}.pdf", id.0));
    std::fs::copy(&printed, &copy).unwrap();
    let page = render_page(&copy);
    for (index, slot) in layout.slots.iter().enumerate() {
        let RectMm {
            x_mm,
            y_mm,
            width_mm,
            height_mm,
        } = slot.photo_mm;
        let turned = RectMm::new(
            y_mm,
            layout.paper_mm.width_mm - x_mm - width_mm,
            height_mm,
            width_mm,
        );
        assert_photo_size(
            &page,
            turned,
            height_mm,
            width_mm,
            &format!("printed slot {index}"),
        );
    }
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(copy.with_extension("png"));
}

/// Re-enables the queue even when an assertion fails.
struct Reenable;

impl Drop for Reenable {
    fn drop(&mut self) {
        let _ = Command::new("cupsenable").arg(PRINTER).status();
    }
}

#[test]
fn a_disabled_queue_is_reported_as_paused_and_nothing_is_sent() {
    let _queue = queue_lock();
    let Some(spooler) = cups() else { return };
    let _reenable = Reenable;
    let disabled = Command::new("cupsdisable")
        .args(["-r", "idbooth test: paused", PRINTER])
        .status()
        .expect("cupsdisable (cups-client) is needed");
    assert!(
        disabled.success(),
        "cupsdisable failed (run as root or lpadmin member)"
    );
    assert_eq!(
        spooler.printer_status().unwrap().state,
        PrinterState::Paused
    );
    let (job, _) = one_inch_sheet();
    let mut log = Log::default();
    match print(&spooler, &job, &mut log) {
        Err(PrintError::PrinterNotReady { status, .. }) => {
            assert_eq!(status.state, PrinterState::Paused);
            assert!(status.message.contains("idbooth test"), "{status:?}");
        }
        other => panic!("a disabled printer must be an error, got {other:?}"),
    }
    assert!(log.finished.is_empty());
}

#[test]
fn unknown_queues_are_missing_not_errors_of_the_server() {
    let Some(_spooler) = cups() else { return };
    let missing = CupsSpooler::new(&server(), "idbooth-no-such-queue").unwrap();
    assert_eq!(
        missing.printer_status().unwrap().state,
        PrinterState::Missing
    );
    let job = SpoolJob {
        title: "x".into(),
        pdf: b"%PDF-1.4".to_vec(),
        copies: 1,
        paper_mm: idbooth::print::layout::A4_PAPER,
    };
    assert!(matches!(
        missing.submit(&job),
        Err(SpoolError::PrinterMissing(_))
    ));
    // The fake behaves the same way, so booth tests without CUPS see the same error.
    let fake = FakeSpooler::new("fake");
    fake.set_printer_state(PrinterState::Missing);
    assert!(matches!(
        fake.submit(&job),
        Err(SpoolError::PrinterMissing(_))
    ));
}

#[test]
fn idbooth_print_record_goes_through_cups_and_into_the_print_log() {
    let _queue = queue_lock();
    let Some(_spooler) = cups() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = KioskConfig::default();
    let (store, id) = store_with_approved_record(&dir.path().join(&config.storage.database_file));
    drop(store);
    let args = PrintArgs {
        record: Some(id.0),
        file: None,
        profile: None,
        layout: None,
        copies: 1,
        pdf: None,
        printer: Some(PRINTER.into()),
        no_caption: false,
    };
    let before = output_pdfs();
    let mut out = Vec::new();
    let printed = run_print(&args, &config, dir.path(), &mut out).unwrap();
    let said = String::from_utf8(out).unwrap();
    assert!(printed, "{said}");
    assert!(said.contains(&format!("printed on {PRINTER}")), "{said}");
    let store =
        idbooth::storage::Store::open(&dir.path().join(&config.storage.database_file)).unwrap();
    let jobs = store.print_jobs(id).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, PrintJobState::Completed);
    assert!(
        jobs[0]
            .spooler_job
            .as_deref()
            .unwrap()
            .parse::<i32>()
            .is_ok()
    );
    assert!(printed_file(&before).exists());
    assert_eq!(
        store.get(id).unwrap().summary.record.status,
        RecordStatus::Printed
    );
}
