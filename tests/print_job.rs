//! The print-job flow on the in-memory spooler: copy limit, refusal when the printer needs staff,
//! retries when the print server is down, the print log, and progress for the UI.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::cell::RefCell;
use std::time::Duration;

use idbooth::print::fake::FakeSpooler;
use idbooth::print::job::{
    JobContext, JobLog, JobOutcome, LogError, Pause, PrintError, PrintPolicy, PrintProgress,
    print_and_watch,
};
use idbooth::print::layout::SIX_INCH_PAPER;
use idbooth::print::spool::{JobState, PrinterState, SpoolJob, SpoolJobId};

/// Records pauses instead of sleeping.
#[derive(Default)]
struct CountingPause {
    waited: RefCell<Vec<Duration>>,
}

impl Pause for CountingPause {
    fn pause(&self, duration: Duration) {
        self.waited.borrow_mut().push(duration);
    }
}

#[derive(Default)]
struct MemoryLog {
    sent: Vec<SpoolJobId>,
    finished: Vec<JobOutcome>,
    fail_sent: bool,
}

impl JobLog for MemoryLog {
    fn sent(&mut self, job: SpoolJobId) -> Result<(), LogError> {
        if self.fail_sent {
            return Err(LogError("disk full".into()));
        }
        self.sent.push(job);
        Ok(())
    }

    fn finished(&mut self, outcome: &JobOutcome) -> Result<(), LogError> {
        self.finished.push(outcome.clone());
        Ok(())
    }
}

fn sheet(copies: u32) -> SpoolJob {
    SpoolJob {
        title: "idbooth 2024010001".into(),
        pdf: b"%PDF-1.7 test".to_vec(),
        copies,
        paper_mm: SIX_INCH_PAPER,
    }
}

fn policy() -> PrintPolicy {
    PrintPolicy {
        watch_limit: Duration::from_secs(10),
        ..PrintPolicy::default()
    }
}

struct Run {
    result: Result<JobOutcome, PrintError>,
    log: MemoryLog,
    progress: Vec<PrintProgress>,
    pauses: Vec<Duration>,
}

fn run(
    spooler: &FakeSpooler,
    job: &SpoolJob,
    printed_before: u32,
    log: MemoryLog,
    policy: PrintPolicy,
) -> Run {
    let pause = CountingPause::default();
    let mut log = log;
    let mut progress = Vec::new();
    let mut on_progress = |step: PrintProgress| progress.push(step);
    let mut context = JobContext {
        policy,
        pause: &pause,
        log: &mut log,
        progress: &mut on_progress,
    };
    let result = print_and_watch(spooler, job, printed_before, &mut context);
    Run {
        result,
        log,
        progress,
        pauses: pause.waited.into_inner(),
    }
}

#[test]
fn a_ready_printer_completes_the_job_and_the_log_sees_it() {
    let spooler = FakeSpooler::new("booth");
    let outcome = run(&spooler, &sheet(1), 0, MemoryLog::default(), policy());
    let job = SpoolJobId(1);
    assert_eq!(outcome.result.unwrap(), JobOutcome::Completed { job });
    assert_eq!(outcome.log.sent, [job]);
    assert_eq!(outcome.log.finished, [JobOutcome::Completed { job }]);
    assert_eq!(
        outcome.progress.first(),
        Some(&PrintProgress::Submitted { job })
    );
    assert!(outcome.progress.contains(&PrintProgress::Waiting {
        job,
        state: JobState::Processing,
        printer: PrinterState::Ready
    }));
    assert_eq!(
        outcome.progress.last(),
        Some(&PrintProgress::Done(JobOutcome::Completed { job }))
    );
    assert_eq!(spooler.submitted().len(), 1);
}

#[test]
fn the_copy_limit_counts_what_was_printed_before() {
    let spooler = FakeSpooler::new("booth");
    let limit = PrintPolicy::default().copy_limit_per_record;
    assert_eq!(limit, 2);
    assert!(
        run(&spooler, &sheet(2), 0, MemoryLog::default(), policy())
            .result
            .is_ok()
    );
    let refused = run(&spooler, &sheet(1), 2, MemoryLog::default(), policy());
    assert!(matches!(
        refused.result,
        Err(PrintError::CopyLimit {
            printed: 2,
            requested: 1,
            limit: 2
        })
    ));
    let too_many_at_once = run(&spooler, &sheet(3), 0, MemoryLog::default(), policy());
    assert!(matches!(
        too_many_at_once.result,
        Err(PrintError::CopyLimit { .. })
    ));
    assert_eq!(
        spooler.submitted().len(),
        1,
        "refused jobs never reach the spooler"
    );
}

#[test]
fn a_printer_that_needs_staff_is_an_error_before_anything_is_sent() {
    for state in [
        PrinterState::Paused,
        PrinterState::OutOfPaper,
        PrinterState::Offline,
        PrinterState::Missing,
    ] {
        let spooler = FakeSpooler::new("booth");
        spooler.set_printer_state(state);
        let outcome = run(&spooler, &sheet(1), 0, MemoryLog::default(), policy());
        match outcome.result {
            Err(PrintError::PrinterNotReady { status, .. }) => assert_eq!(status.state, state),
            other => panic!("{state}: expected PrinterNotReady, got {other:?}"),
        }
        assert!(spooler.submitted().is_empty());
        assert!(outcome.log.sent.is_empty());
    }
}

#[test]
fn submissions_are_retried_after_the_configured_delay_then_given_up() {
    let spooler = FakeSpooler::new("booth");
    spooler.fail_next_submits(2);
    let recovered = run(&spooler, &sheet(1), 0, MemoryLog::default(), policy());
    assert!(recovered.result.is_ok());
    let delay = PrintPolicy::default().retry_delay;
    assert_eq!(recovered.pauses[..2], [delay, delay]);
    assert_eq!(spooler.submitted().len(), 1);

    let spooler = FakeSpooler::new("booth");
    spooler.fail_next_submits(3);
    let gave_up = run(&spooler, &sheet(1), 0, MemoryLog::default(), policy());
    assert!(matches!(gave_up.result, Err(PrintError::Spool(ref e)) if e.is_transient()));
    assert!(spooler.submitted().is_empty());
}

#[test]
fn running_out_of_paper_mid_job_is_reported_and_the_job_left_waiting() {
    let spooler = FakeSpooler::new("booth");
    spooler.set_job_script(&[JobState::Pending]);
    // The printer runs dry right after accepting the job.
    let job = sheet(1);
    let spooler_ref = &spooler;
    let pause = CountingPause::default();
    let mut log = MemoryLog::default();
    let mut progress = Vec::new();
    let mut on_progress = |step: PrintProgress| {
        if matches!(step, PrintProgress::Submitted { .. }) {
            spooler_ref.set_printer_state(PrinterState::OutOfPaper);
        }
        progress.push(step);
    };
    let mut context = JobContext {
        policy: policy(),
        pause: &pause,
        log: &mut log,
        progress: &mut on_progress,
    };
    let outcome = print_and_watch(&spooler, &job, 0, &mut context).unwrap();
    let waiting = JobOutcome::StillWaiting {
        job: SpoolJobId(1),
        printer: PrinterState::OutOfPaper,
    };
    assert_eq!(outcome, waiting);
    assert!(progress.iter().any(|step| matches!(
        step,
        PrintProgress::Waiting {
            printer: PrinterState::OutOfPaper,
            ..
        }
    )));
    assert_eq!(log.finished, [waiting]);
    // Watched for the whole limit, one poll per interval.
    assert_eq!(pause.waited.borrow().len(), 10);
}

#[test]
fn an_aborted_job_is_an_error_and_logged_as_failed() {
    let spooler = FakeSpooler::new("booth");
    spooler.set_job_script(&[JobState::Processing, JobState::Aborted]);
    let outcome = run(&spooler, &sheet(1), 0, MemoryLog::default(), policy());
    assert!(matches!(
        outcome.result,
        Err(PrintError::JobFailed {
            state: JobState::Aborted,
            ..
        })
    ));
    assert!(matches!(
        outcome.log.finished[..],
        [JobOutcome::Failed { .. }]
    ));
}

#[test]
fn a_job_the_log_cannot_record_is_cancelled() {
    let spooler = FakeSpooler::new("booth");
    let log = MemoryLog {
        fail_sent: true,
        ..MemoryLog::default()
    };
    let outcome = run(&spooler, &sheet(1), 0, log, policy());
    assert!(matches!(outcome.result, Err(PrintError::Log(_))));
    assert_eq!(spooler.cancelled(), [SpoolJobId(1)]);
}
