//! Printing at the booth's Done screen: the student's take-home copy of the photo that passed the
//! pre-check. It goes to the spooler (a `FakeSpooler`, and the real CUPS queue `idbooth-pdf`), is logged in
//! the print log with the booth id, leaves the record `pending_review`, and a copy-limit refusal shows as
//! "not printed" without putting the booth into Failsafe.
//!
//! The CUPS test needs cupsd with the `idbooth-pdf` queue (`./setup.sh test`); it fails with instructions
//! when cupsd is not reachable, unless IDBOOTH_SKIP_CUPS=1 is set (then it prints a skip note and passes).

#![allow(clippy::expect_used)] // tests may panic on broken fixtures (house style)

mod booth_support;

use std::sync::Arc;
use std::time::Duration;

use booth_support::{Rig, STUDENT_NO, Source, config, fake_camera};
use idbooth::config::KioskConfig;
use idbooth::core::flow::{Event, PrintState, RecordRef, Screen};
use idbooth::core::record::{Actor, PrintJobState, PrintPurpose, RecordId, RecordStatus};
use idbooth::print::cups::{CupsSpooler, DEFAULT_CUPS_SERVER};
use idbooth::print::fake::FakeSpooler;
use idbooth::print::spool::{JobState, PrinterState, SpoolJob, Spooler};
use idbooth::storage::{NewPrintJob, Store};

const GOOD: &str = "good_london_001_neutral.jpg";
const FAKE_PRINTER: &str = "booth-printer";
const CUPS_PRINTER: &str = "idbooth-pdf";

fn print_config(printer: &str) -> KioskConfig {
    let mut config = config();
    config.print.printer = Some(printer.to_owned());
    config
}

/// A booth with the good fixture on its FakeCamera, printing to `spooler`.
fn fake_printer_rig(spooler: &Arc<FakeSpooler>, config: KioskConfig) -> Rig {
    Rig::with_parts(
        Source::Fake(fake_camera(GOOD, Vec::new())),
        config,
        Some(Box::new(Arc::clone(spooler))),
    )
}

/// Attract → ... → Done with the record saved; returns the record.
fn reach_done(rig: &mut Rig) -> RecordRef {
    rig.reach_pose(STUDENT_NO);
    rig.button_to_review();
    rig.tap(Event::Accept);
    rig.wait_for_screen("done");
    let Screen::Done(done) = rig.screen() else {
        unreachable!()
    };
    assert_eq!(
        done.print,
        PrintState::Offered,
        "a booth with a printer offers the take-home copy"
    );
    done.record
}

fn done_print(rig: &Rig) -> Option<PrintState> {
    match rig.screen() {
        Screen::Done(done) => Some(done.print),
        _ => None,
    }
}

/// The record's print jobs once the last one is final (the print worker writes them on its own
/// connection).
fn wait_for_final_job(rig: &mut Rig, store: &Store, record: RecordId) {
    rig.wait_for("the print job to finish", |_| {
        store
            .print_jobs(record)
            .is_ok_and(|jobs| jobs.last().is_some_and(|job| job.state.is_final()))
    });
}

/// Taps Print and checks the outcome every take-home print must have: one take-home job logged with the
/// booth id, completed, one copy counted, the record still pending review, no fault.
fn print_take_home_copy(rig: &mut Rig, record: RecordRef) {
    let store = rig.store();
    let id = RecordId(record.0);
    rig.tap(Event::Print);
    wait_for_final_job(rig, &store, id);
    let jobs = store.print_jobs(id).expect("print jobs");
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let job = &jobs[0];
    assert_eq!(
        (job.purpose, job.state, job.copies, job.error.as_str()),
        (PrintPurpose::TakeHome, PrintJobState::Completed, 1, "")
    );
    assert_eq!(job.actor, Actor::Booth(config().kiosk.booth_id));
    assert!(job.spooler_job.is_some(), "the spooler's job id is logged");
    let detail = store.get(id).expect("record");
    assert_eq!(detail.summary.record.status, RecordStatus::PendingReview);
    assert_eq!(detail.printed_copies, 1);
    rig.wait_for("the Done screen to show the print", |booth| {
        !matches!(booth.flow().screen(), Screen::Done(done) if done.print != PrintState::Printed)
    });
    assert!(
        rig.booth.flow().faults().is_empty(),
        "{:?}",
        rig.booth.flow().faults()
    );
}

#[test]
fn a_student_prints_a_take_home_copy_and_the_record_stays_pending() {
    let spooler = Arc::new(FakeSpooler::new(FAKE_PRINTER));
    let mut rig = fake_printer_rig(&spooler, print_config(FAKE_PRINTER));
    let record = reach_done(&mut rig);
    print_take_home_copy(&mut rig, record);
    let submitted = spooler.submitted();
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].copies, 1);
    assert!(
        submitted[0].title.contains(STUDENT_NO),
        "{}",
        submitted[0].title
    );
    assert!(submitted[0].pdf_bytes > 0);
    // A second tap on a printed receipt prints nothing more.
    rig.tap(Event::Print);
    assert_eq!(spooler.submitted().len(), 1);
    rig.advance(config().kiosk.done_return + Duration::from_secs(1));
    assert_eq!(rig.screen().name(), "attract", "{:?}", rig.screen());
}

#[test]
fn a_reached_copy_limit_is_not_printed_and_the_booth_stays_in_service() {
    let spooler = Arc::new(FakeSpooler::new(FAKE_PRINTER));
    let mut limited = print_config(FAKE_PRINTER);
    limited.print.copies_per_record = 1;
    let mut rig = fake_printer_rig(&spooler, limited);
    let record = reach_done(&mut rig);
    let id = RecordId(record.0);
    // The record's one allowed copy was already printed (another booth, while this student waited).
    let mut store = rig.store();
    let booth = Actor::Booth("booth-other".to_owned());
    let earlier = store
        .create_print_job_for(
            &NewPrintJob {
                record_id: id,
                copies: 1,
                printer: FAKE_PRINTER.to_owned(),
                layout: "6inch".to_owned(),
            },
            PrintPurpose::TakeHome,
            &booth,
            1,
        )
        .expect("earlier job");
    store
        .update_print_job(earlier, PrintJobState::Sent, Some("9"), "", &booth, 2)
        .expect("sent");
    store
        .update_print_job(earlier, PrintJobState::Completed, None, "", &booth, 3)
        .expect("completed");

    rig.tap(Event::Print);
    rig.wait_for("the refusal", |booth| {
        !matches!(booth.flow().screen(), Screen::Done(done) if done.print != PrintState::LimitReached)
    });
    assert_eq!(done_print(&rig), Some(PrintState::LimitReached));
    assert!(
        spooler.submitted().is_empty(),
        "nothing reached the printer"
    );
    assert!(
        rig.booth.flow().faults().is_empty(),
        "{:?}",
        rig.booth.flow().faults()
    );
    assert_eq!(
        store.print_jobs(id).expect("jobs").len(),
        1,
        "no job logged for a refusal"
    );
    assert_eq!(
        store.get(id).expect("record").summary.record.status,
        RecordStatus::PendingReview
    );
    rig.advance(config().kiosk.done_return + Duration::from_secs(1));
    assert_eq!(
        rig.screen().name(),
        "attract",
        "a copy limit is not a printer fault: no Failsafe ({:?})",
        rig.screen()
    );
}

#[test]
fn print_jobs_left_by_a_killed_booth_are_settled_when_it_starts_again() {
    let spooler = Arc::new(FakeSpooler::new(FAKE_PRINTER));
    let mut rig = fake_printer_rig(&spooler, print_config(FAKE_PRINTER));
    let record = reach_done(&mut rig);
    let id = RecordId(record.0);
    // What a booth killed while printing leaves behind (an hour ago): a job the printer went on to
    // finish, a job it never sent, and a job of another booth's printer that this booth cannot ask about.
    let mut store = rig.store();
    let booth = Actor::Booth("booth-1".to_owned());
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
        - 3_600;
    let row = |store: &mut Store, printer: &str| {
        store
            .create_print_job_for(
                &NewPrintJob {
                    record_id: id,
                    copies: 1,
                    printer: printer.to_owned(),
                    layout: "6inch".to_owned(),
                },
                PrintPurpose::TakeHome,
                &booth,
                at,
            )
            .expect("print job row")
    };
    spooler.set_job_script(&[JobState::Completed]);
    let spool_job = spooler
        .submit(&SpoolJob {
            title: format!("idbooth {STUDENT_NO}"),
            pdf: b"%PDF-1.7".to_vec(),
            copies: 1,
            paper_mm: idbooth::print::layout::A4_PAPER,
        })
        .expect("fake submit");
    let finished = row(&mut store, FAKE_PRINTER);
    store
        .update_print_job(
            finished,
            PrintJobState::Sent,
            Some(&spool_job.0.to_string()),
            "",
            &booth,
            at,
        )
        .expect("sent");
    let never_sent = row(&mut store, FAKE_PRINTER);
    let elsewhere = row(&mut store, "another-booth-printer");
    store
        .update_print_job(elsewhere, PrintJobState::Sent, Some("7"), "", &booth, at)
        .expect("sent elsewhere");

    let rig = rig.restart(
        print_config(FAKE_PRINTER),
        Some(Box::new(Arc::clone(&spooler))),
    );
    let store = rig.store();
    let state = |job| store.print_job(job).expect("job").state;
    let started = std::time::Instant::now();
    while state(never_sent) == PrintJobState::Queued || state(finished) == PrintJobState::Sent {
        assert!(
            started.elapsed() < booth_support::WORKER_TIMEOUT,
            "the restarted booth did not settle its print jobs: {:?}",
            store.print_jobs(id)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        state(finished),
        PrintJobState::Completed,
        "the printer finished it"
    );
    assert_eq!(state(never_sent), PrintJobState::Failed);
    assert!(
        store
            .print_job(never_sent)
            .expect("job")
            .error
            .contains("never reached the printer")
    );
    assert_eq!(
        state(elsewhere),
        PrintJobState::Sent,
        "another printer's job is left to the booth that owns it"
    );
    assert_eq!(
        store.get(id).expect("record").summary.record.status,
        RecordStatus::PendingReview,
        "a take-home copy never marks the record printed"
    );
    assert!(
        rig.booth.flow().faults().is_empty(),
        "{:?}",
        rig.booth.flow().faults()
    );
}

/// The real CUPS queue, or `None` (with a note) when CUPS tests are explicitly skipped.
fn cups() -> Option<CupsSpooler> {
    if std::env::var("IDBOOTH_SKIP_CUPS").is_ok_and(|v| v == "1") {
        eprintln!("skipping CUPS test: IDBOOTH_SKIP_CUPS=1");
        return None;
    }
    let server =
        std::env::var("IDBOOTH_CUPS_SERVER").unwrap_or_else(|_| DEFAULT_CUPS_SERVER.to_owned());
    let spooler = CupsSpooler::new(&server, CUPS_PRINTER).expect("CUPS spooler");
    match spooler.printer_status() {
        Ok(status) if status.state == PrinterState::Missing => panic!(
            "cupsd runs but has no queue {CUPS_PRINTER}: run `./setup.sh test` (as root) (or set IDBOOTH_SKIP_CUPS=1)"
        ),
        Ok(_) => Some(spooler),
        Err(error) => panic!(
            "cupsd is not reachable at {server} ({error}): run `./setup.sh test` (as root), \
             or set IDBOOTH_SKIP_CUPS=1 to skip the CUPS tests"
        ),
    }
}

#[test]
fn a_take_home_copy_goes_through_the_real_cups_queue() {
    let Some(spooler) = cups() else {
        return;
    };
    let mut rig = Rig::with_parts(
        Source::Fake(fake_camera(GOOD, Vec::new())),
        print_config(CUPS_PRINTER),
        Some(Box::new(spooler)),
    );
    let record = reach_done(&mut rig);
    print_take_home_copy(&mut rig, record);
}
