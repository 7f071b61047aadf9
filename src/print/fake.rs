//! An in-memory [`Spooler`] for tests, demos and the UI tests: jobs walk through scripted states, the
//! printer state is set by the test, and submissions can be made to fail as if cupsd were down.
//!
//! Owns nothing but its own bookkeeping; never touches the network, files or the clock.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::print::spool::{
    JobState, JobStatus, PrinterState, PrinterStatus, SpoolError, SpoolJob, SpoolJobId, Spooler,
};

/// What the fake knows; one lock guards it all.
#[derive(Debug)]
struct FakeState {
    printer_state: PrinterState,
    /// States each new job reports, one per `job_status` call; the last one sticks.
    script: Vec<JobState>,
    /// Submissions still to fail with "unreachable".
    failing_submits: u32,
    next_job: i32,
    jobs: BTreeMap<i32, VecDeque<JobState>>,
    submitted: Vec<SubmittedJob>,
    cancelled: Vec<SpoolJobId>,
}

/// A job the fake accepted, as the test inspects it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedJob {
    pub id: SpoolJobId,
    pub title: String,
    pub copies: u32,
    pub pdf_bytes: usize,
}

/// The in-memory spooler.
#[derive(Debug)]
pub struct FakeSpooler {
    printer: String,
    state: Mutex<FakeState>,
}

/// The first job id the fake hands out (CUPS starts at 1 too).
const FIRST_JOB_ID: i32 = 1;

impl FakeSpooler {
    /// A ready printer whose jobs go pending, processing, completed.
    pub fn new(printer: &str) -> Self {
        Self {
            printer: printer.to_owned(),
            state: Mutex::new(FakeState {
                printer_state: PrinterState::Ready,
                script: vec![JobState::Pending, JobState::Processing, JobState::Completed],
                failing_submits: 0,
                next_job: FIRST_JOB_ID,
                jobs: BTreeMap::new(),
                submitted: Vec::new(),
                cancelled: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A test that panicked while holding the lock left consistent data behind; keep going.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets what `printer_status` reports from now on.
    pub fn set_printer_state(&self, state: PrinterState) {
        self.lock().printer_state = state;
    }

    /// Sets the states that jobs submitted from now on report, one per poll (the last one sticks).
    pub fn set_job_script(&self, script: &[JobState]) {
        self.lock().script = script.to_vec();
    }

    /// Makes the next `count` submissions fail as if the print server were down.
    pub fn fail_next_submits(&self, count: u32) {
        self.lock().failing_submits = count;
    }

    /// Moves a job to `state` now (staff fixed the printer, someone cancelled it at the printer...).
    pub fn set_job_state(&self, job: SpoolJobId, state: JobState) {
        if let Some(steps) = self.lock().jobs.get_mut(&job.0) {
            *steps = VecDeque::from([state]);
        }
    }

    /// Every job accepted so far, in order.
    pub fn submitted(&self) -> Vec<SubmittedJob> {
        self.lock().submitted.clone()
    }

    /// Every job cancelled so far.
    pub fn cancelled(&self) -> Vec<SpoolJobId> {
        self.lock().cancelled.clone()
    }
}

impl Spooler for FakeSpooler {
    fn printer(&self) -> &str {
        &self.printer
    }

    fn printer_status(&self) -> Result<PrinterStatus, SpoolError> {
        let state = self.lock();
        Ok(PrinterStatus {
            state: state.printer_state,
            reasons: Vec::new(),
            message: String::new(),
            queued_jobs: state
                .jobs
                .values()
                .filter(|steps| steps.front().is_some_and(|s| !s.is_final()))
                .count() as u32,
        })
    }

    fn submit(&self, job: &SpoolJob) -> Result<SpoolJobId, SpoolError> {
        let mut state = self.lock();
        if state.failing_submits > 0 {
            state.failing_submits -= 1;
            return Err(SpoolError::Unreachable {
                server: "fake".into(),
                detail: "connection refused (scripted)".into(),
            });
        }
        if matches!(state.printer_state, PrinterState::Missing) {
            return Err(SpoolError::PrinterMissing(self.printer.clone()));
        }
        if matches!(state.printer_state, PrinterState::NotAccepting) {
            return Err(SpoolError::Refused(
                "the printer is not accepting jobs".into(),
            ));
        }
        let id = SpoolJobId(state.next_job);
        state.next_job += 1;
        let steps = state.script.iter().copied().collect();
        state.jobs.insert(id.0, steps);
        state.submitted.push(SubmittedJob {
            id,
            title: job.title.clone(),
            copies: job.copies,
            pdf_bytes: job.pdf.len(),
        });
        Ok(id)
    }

    fn job_status(&self, job: SpoolJobId) -> Result<JobStatus, SpoolError> {
        let mut state = self.lock();
        let stopped = !state.printer_state.can_print();
        let steps = state
            .jobs
            .get_mut(&job.0)
            .ok_or(SpoolError::JobMissing(job))?;
        let current = if steps.len() > 1 {
            steps.pop_front()
        } else {
            steps.front().copied()
        }
        .unwrap_or(JobState::Completed);
        // A stopped printer holds unfinished jobs where they are, as CUPS does.
        if stopped && !current.is_final() {
            steps.push_front(current);
            return Ok(JobStatus {
                state: JobState::Pending,
                reasons: vec!["printer-stopped".into()],
            });
        }
        Ok(JobStatus {
            state: current,
            reasons: Vec::new(),
        })
    }

    fn cancel(&self, job: SpoolJobId) -> Result<(), SpoolError> {
        let mut state = self.lock();
        let steps = state
            .jobs
            .get_mut(&job.0)
            .ok_or(SpoolError::JobMissing(job))?;
        *steps = VecDeque::from([JobState::Canceled]);
        state.cancelled.push(job);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::layout::SIX_INCH_PAPER;

    fn job() -> SpoolJob {
        SpoolJob {
            title: "t".into(),
            pdf: vec![1, 2, 3],
            copies: 2,
            paper_mm: SIX_INCH_PAPER,
        }
    }

    #[test]
    fn jobs_walk_their_script_and_stop_at_the_last_state() {
        let spooler = FakeSpooler::new("fake");
        let id = spooler.submit(&job()).unwrap();
        let states: Vec<_> = (0..4)
            .map(|_| spooler.job_status(id).unwrap().state)
            .collect();
        assert_eq!(
            states,
            [
                JobState::Pending,
                JobState::Processing,
                JobState::Completed,
                JobState::Completed
            ]
        );
        assert_eq!(spooler.submitted()[0].copies, 2);
    }

    #[test]
    fn a_paused_printer_holds_jobs_until_it_resumes() {
        let spooler = FakeSpooler::new("fake");
        let id = spooler.submit(&job()).unwrap();
        spooler.set_printer_state(PrinterState::OutOfPaper);
        for _ in 0..5 {
            assert_eq!(spooler.job_status(id).unwrap().state, JobState::Pending);
        }
        spooler.set_printer_state(PrinterState::Ready);
        let states: Vec<_> = (0..3)
            .map(|_| spooler.job_status(id).unwrap().state)
            .collect();
        assert_eq!(
            states,
            [JobState::Pending, JobState::Processing, JobState::Completed]
        );
    }

    #[test]
    fn scripted_outages_fail_submissions_then_recover() {
        let spooler = FakeSpooler::new("fake");
        spooler.fail_next_submits(2);
        assert!(spooler.submit(&job()).unwrap_err().is_transient());
        assert!(spooler.submit(&job()).is_err());
        assert!(spooler.submit(&job()).is_ok());
        assert!(matches!(
            spooler.job_status(SpoolJobId(99)),
            Err(SpoolError::JobMissing(_))
        ));
    }
}
