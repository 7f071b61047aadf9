//! Printing records from the real store on the in-memory spooler: the print log in `print_jobs`, the
//! per-record copy limit across jobs, refusals that leave a failed row with the reason, and the
//! `idbooth print` command writing sheet PDFs for a record and for a loose file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

mod print_support;

use std::path::Path;
use std::time::Duration;

use idbooth::cli::print::{PrintArgs, run_print};
use idbooth::config::KioskConfig;
use idbooth::core::record::{Actor, PrintJobState, RecordId, RecordStatus};
use idbooth::print::fake::FakeSpooler;
use idbooth::print::font::CaptionFonts;
use idbooth::print::job::{JobOutcome, Pause, PrintError, PrintPolicy, PrintProgress};
use idbooth::print::layout::{SheetKind, layout_for_profile};
use idbooth::print::record::{
    RecordPrintContext, RecordPrintError, RecordPrintRequest, print_record,
};
use idbooth::print::spool::{JobState, PrinterState};
use idbooth::storage::Store;
use print_support::{
    assert_photo_size, jpeg_bytes, profile, profile_photo, render_page, run,
    store_with_approved_record,
};

struct NoPause;

impl Pause for NoPause {
    fn pause(&self, _duration: Duration) {}
}

fn staff() -> Actor {
    print_support::staff()
}

fn request(record: RecordId, copies: u32) -> RecordPrintRequest {
    RecordPrintRequest {
        record,
        kind: SheetKind::SixInch,
        captions: true,
        copies,
        actor: staff(),
    }
}

fn print(
    store: &mut Store,
    spooler: &FakeSpooler,
    request: &RecordPrintRequest,
) -> Result<JobOutcome, RecordPrintError> {
    let profiles = KioskConfig::default().profiles;
    let fonts = CaptionFonts::bundled().unwrap();
    let mut progress = |_: PrintProgress| {};
    let now = || print_support::T0 + 3_600;
    let mut context = RecordPrintContext {
        profiles: &profiles,
        fonts: &fonts,
        policy: PrintPolicy::default(),
        pause: &NoPause,
        now_unix_s: &now,
        progress: &mut progress,
    };
    print_record(store, spooler, request, &mut context)
}

#[test]
fn printed_copies_are_logged_and_the_limit_holds_across_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = store_with_approved_record(&dir.path().join("idbooth.sqlite"));
    let spooler = FakeSpooler::new("booth-printer");

    assert!(matches!(
        print(&mut store, &spooler, &request(id, 1)),
        Ok(JobOutcome::Completed { .. })
    ));
    let jobs = store.print_jobs(id).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, PrintJobState::Completed);
    assert_eq!(jobs[0].spooler_job.as_deref(), Some("1"));
    assert_eq!(jobs[0].printer, "booth-printer");
    assert_eq!(jobs[0].layout, "six_inch");
    assert_eq!(
        store.get(id).unwrap().summary.record.status,
        RecordStatus::Printed
    );
    assert!(spooler.submitted()[0].title.contains("2025000001"));

    // The default limit is 2 sheets per record: one more is fine, then no more.
    assert!(print(&mut store, &spooler, &request(id, 1)).is_ok());
    let refused = print(&mut store, &spooler, &request(id, 1)).unwrap_err();
    assert!(
        matches!(
            refused,
            RecordPrintError::Print(PrintError::CopyLimit {
                printed: 2,
                limit: 2,
                ..
            })
        ),
        "{refused}"
    );
    assert_eq!(store.printed_copies(id).unwrap(), 2);
    assert_eq!(
        store.print_jobs(id).unwrap().len(),
        2,
        "a refused print leaves no job row"
    );
    assert_eq!(spooler.submitted().len(), 2);
}

#[test]
fn a_printer_out_of_paper_fails_the_job_row_with_the_reason_and_an_aborted_job_too() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = store_with_approved_record(&dir.path().join("idbooth.sqlite"));
    let spooler = FakeSpooler::new("booth-printer");
    spooler.set_printer_state(PrinterState::OutOfPaper);
    let error = print(&mut store, &spooler, &request(id, 1)).unwrap_err();
    assert!(error.to_string().contains("out of paper"), "{error}");
    let jobs = store.print_jobs(id).unwrap();
    assert_eq!(jobs[0].state, PrintJobState::Failed);
    assert!(
        jobs[0].error.contains("out of paper"),
        "{:?}",
        jobs[0].error
    );

    spooler.set_printer_state(PrinterState::Ready);
    spooler.set_job_script(&[JobState::Processing, JobState::Aborted]);
    assert!(print(&mut store, &spooler, &request(id, 1)).is_err());
    let jobs = store.print_jobs(id).unwrap();
    assert_eq!(jobs[1].state, PrintJobState::Failed);
    assert!(jobs[1].error.starts_with("aborted"), "{:?}", jobs[1].error);
    assert_eq!(
        store.printed_copies(id).unwrap(),
        0,
        "failed jobs do not count against the limit"
    );
    assert_eq!(
        store.get(id).unwrap().summary.record.status,
        RecordStatus::Approved
    );
}

fn print_args(record: Option<i64>, file: Option<&Path>, pdf: &Path) -> PrintArgs {
    PrintArgs {
        record,
        file: file.map(Path::to_path_buf),
        profile: file.map(|_| "one_inch".to_owned()),
        layout: Some(SheetKind::A4),
        copies: 2,
        pdf: Some(pdf.to_path_buf()),
        printer: None,
        no_caption: false,
    }
}

#[test]
fn the_print_command_writes_sheet_pdfs_for_records_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = KioskConfig::default();
    let database = dir.path().join(&config.storage.database_file);
    let (store, id) = store_with_approved_record(&database);
    let photo = store.photo(id).unwrap();
    drop(store);

    let record_pdf = dir.path().join("record.pdf");
    let mut out = Vec::new();
    assert!(
        run_print(
            &print_args(Some(id.0), None, &record_pdf),
            &config,
            dir.path(),
            &mut out
        )
        .unwrap()
    );
    let said = String::from_utf8(out).unwrap();
    assert!(
        said.contains("2 x a4 sheet, 36 one_inch photos of 25.0 x 35.0 mm"),
        "{said}"
    );
    let info = String::from_utf8(run("pdfinfo", &[record_pdf.to_str().unwrap()]).stdout).unwrap();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 2")),
        "{info}"
    );
    let text =
        String::from_utf8(run("pdftotext", &[record_pdf.to_str().unwrap(), "-"]).stdout).unwrap();
    assert_eq!(
        text.matches("张伟").count(),
        2 * 36,
        "captions come from the roster"
    );

    let file = dir.path().join("photo.jpg");
    std::fs::write(&file, &photo).unwrap();
    let file_pdf = dir.path().join("file.pdf");
    assert!(
        run_print(
            &print_args(None, Some(&file), &file_pdf),
            &config,
            dir.path(),
            &mut Vec::new()
        )
        .unwrap()
    );
    // Loose files have no captions: the plain A4 grid, each photo exactly 25 x 35 mm.
    let page = render_page(&file_pdf);
    let one_inch = profile("one_inch");
    let layout = layout_for_profile(SheetKind::A4, &one_inch, false).unwrap();
    assert_eq!(layout.slots.len(), 42);
    for slot in [layout.slots[0], layout.slots[41]] {
        assert_photo_size(
            &page,
            slot.photo_mm,
            one_inch.width_mm(),
            one_inch.height_mm(),
            "file sheet",
        );
    }
    assert!(!dir.path().join(".file.pdf.partial").exists());

    // A photo that is not the profile's size is refused with the reason, and nothing is written.
    let wrong = dir.path().join("wrong.jpg");
    std::fs::write(
        &wrong,
        jpeg_bytes(&profile_photo(
            "bad_interfaces_066_foliage_bg.jpg",
            &profile("two_inch"),
        )),
    )
    .unwrap();
    let wrong_pdf = dir.path().join("wrong.pdf");
    let error = run_print(
        &print_args(None, Some(&wrong), &wrong_pdf),
        &config,
        dir.path(),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(format!("{error:#}").contains("413x579 px"), "{error:#}");
    assert!(!wrong_pdf.exists());
}

#[test]
fn unfinished_jobs_are_settled_from_the_spooler_after_a_restart() {
    use idbooth::print::record::settle_unfinished_jobs;
    use idbooth::print::spool::Spooler;
    use idbooth::storage::NewPrintJob;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = store_with_approved_record(&dir.path().join("idbooth.sqlite"));
    let spooler = Arc::new(FakeSpooler::new("booth-printer"));
    // A job still pending when the watch ended...
    spooler.set_job_script(&[JobState::Pending]);
    let waiting = print_with_watch_of_one_poll(&mut store, &spooler, id);
    let Ok(JobOutcome::StillWaiting { job: spool_job, .. }) = waiting else {
        panic!("expected a waiting job, got {waiting:?}");
    };
    // ...and a row whose process died before sending it.
    let orphan = store
        .create_print_job(
            &NewPrintJob {
                record_id: id,
                copies: 1,
                printer: "booth-printer".into(),
                layout: "six_inch".into(),
            },
            &staff(),
            print_support::T0 + 4_000,
        )
        .unwrap();
    let spooler_for = |name: &str| (name == "booth-printer").then_some(&*spooler as &dyn Spooler);
    let at = print_support::T0 + 5_000;

    let first = settle_unfinished_jobs(&mut store, &spooler_for, &staff(), at).unwrap();
    let waiting_row = store
        .print_jobs(id)
        .unwrap()
        .into_iter()
        .find(|j| j.id != orphan)
        .unwrap();
    let state_of = |settled: &[idbooth::print::record::SettledJob], job| {
        settled.iter().find(|s| s.job == job).unwrap().now
    };
    assert_eq!(state_of(&first, orphan), Some(PrintJobState::Failed));
    assert!(
        store
            .print_job(orphan)
            .unwrap()
            .error
            .contains("never reached the printer")
    );
    assert_eq!(
        state_of(&first, waiting_row.id),
        None,
        "still pending at the printer: stays sent"
    );
    assert_eq!(waiting_row.state, PrintJobState::Sent);

    // Staff refill the paper; the printer finishes the job; the next settle records it.
    spooler.set_job_state(spool_job, JobState::Completed);
    let second = settle_unfinished_jobs(&mut store, &spooler_for, &staff(), at + 60).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(
        state_of(&second, waiting_row.id),
        Some(PrintJobState::Completed)
    );
    assert_eq!(store.printed_copies(id).unwrap(), 1);
    assert_eq!(
        store.get(id).unwrap().summary.record.status,
        RecordStatus::Printed
    );
}

fn print_with_watch_of_one_poll(
    store: &mut Store,
    spooler: &dyn idbooth::print::spool::Spooler,
    id: RecordId,
) -> Result<JobOutcome, RecordPrintError> {
    let profiles = KioskConfig::default().profiles;
    let fonts = CaptionFonts::bundled().unwrap();
    let mut progress = |_: PrintProgress| {};
    let now = || print_support::T0 + 3_600;
    let mut context = RecordPrintContext {
        profiles: &profiles,
        fonts: &fonts,
        policy: PrintPolicy {
            poll_interval: Duration::from_secs(1),
            watch_limit: Duration::from_secs(1),
            ..PrintPolicy::default()
        },
        pause: &NoPause,
        now_unix_s: &now,
        progress: &mut progress,
    };
    print_record(store, spooler, &request(id, 1), &mut context)
}
