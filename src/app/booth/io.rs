//! The "booth-io" worker: owns the [`Store`] and the spooler. Saves records (a returning student whose
//! record was rejected resubmits to it), looks students up in the roster, checks staff PINs (with the
//! booth's own lockout), prints receipts' sheets, polls the printer, and checkpoints the WAL whenever it
//! has been idle ~1 s (issue 8: an insert costs 12.4 ms with the idle checkpoint, 20 ms without).
//!
//! Owns every database and printer call of the booth. Must not touch the camera, the models or the UI.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use image::RgbImage;

use crate::core::flow::{
    LookupResult, Pin, PinOutcome, PrintJobState, RecordRef, SaveRequest, SessionId, StudentKey,
};
use crate::core::locale::StudentNoFormat;
use crate::core::record::{
    Actor, Consent, PrintPurpose, RecordId, RecordStatus, StaffPin, StudentNo,
};
use crate::print::font::CaptionFonts;
use crate::print::job::{JobOutcome, PrintError, PrintPolicy, PrintProgress, ThreadPause};
use crate::print::layout::SheetKind;
use crate::print::record::{
    RecordPrintContext, RecordPrintError, RecordPrintRequest, print_record_for,
};
use crate::print::spool::Spooler;
use crate::storage::{LockoutPolicy, NewCapture, StorageError, Store, Submission};

use super::report::{ProcessedPhoto, Report, Reporter};
use super::views::PrinterView;
use super::worker::Envelope;

/// Checkpoint the WAL after this long without a command (issue 8's measured optimum).
const IDLE_CHECKPOINT: Duration = Duration::from_secs(1);
/// How often the printer's state is asked for the Done screen (an IPP request is cheap; paper runs out
/// rarely).
const PRINTER_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// While a write has failed for lack of space, probe this often whether space has returned.
const DISK_PROBE_INTERVAL: Duration = Duration::from_secs(10);
/// The probe writes (and removes) this much beside the database: a record with its original and photo
/// takes well under this, so a booth that passes the probe can store the next student's record.
const DISK_PROBE_BYTES: usize = 4 * 1024 * 1024;
/// JPEG quality of the stored original capture (staff see it next to the photo; 90 keeps detail).
const ORIGINAL_JPEG_QUALITY: u8 = 90;
/// JFIF density written into the stored original (the common default of cameras).
const ORIGINAL_DPI: u32 = 72;
/// Commands waiting for the io worker.
pub(super) const IO_COMMAND_CAPACITY: usize = 32;

/// One record to store.
pub(super) struct SaveJob {
    pub request: SaveRequest,
    pub profile: String,
    pub original: Arc<RgbImage>,
    pub photo: ProcessedPhoto,
    /// When the consent was accepted, as unix seconds.
    pub consent_unix_s: i64,
}

pub(super) enum IoCommand {
    Save(Box<SaveJob>),
    Lookup {
        session: SessionId,
        key: StudentKey,
    },
    VerifyPin(Pin),
    Print {
        session: SessionId,
        record: RecordRef,
    },
}

/// What the io worker needs from the configuration.
pub(super) struct IoSettings {
    /// Who the store records as having captured and printed (the booth id, or the staff account
    /// running a staff-assisted capture).
    pub actor: Actor,
    pub student_no: StudentNoFormat,
    pub pin_attempts: u32,
    pub lockout: Duration,
    pub profiles: Vec<crate::core::spec::PhotoSpec>,
    pub sheet: SheetKind,
    pub captions: bool,
    pub print_policy: PrintPolicy,
}

pub(super) struct IoWorker {
    pub store: Store,
    pub spooler: Option<Box<dyn Spooler + Send>>,
    pub settings: IoSettings,
    pub reporter: Reporter,
    fonts: Option<CaptionFonts>,
    dirty: bool,
    pin_failures: u32,
    locked_until: Option<Instant>,
    next_printer_poll: Instant,
    /// Set after a save failed for lack of space: the next probe or successful write clears it.
    disk_full_since: Option<Instant>,
}

fn now_unix_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl IoWorker {
    pub(super) fn new(
        store: Store,
        spooler: Option<Box<dyn Spooler + Send>>,
        settings: IoSettings,
        reporter: Reporter,
    ) -> Self {
        Self {
            store,
            spooler,
            settings,
            reporter,
            fonts: None,
            dirty: false,
            pin_failures: 0,
            locked_until: None,
            next_printer_poll: Instant::now(),
            disk_full_since: None,
        }
    }

    pub(super) fn run(mut self, inbox: &Receiver<Envelope<IoCommand>>) {
        self.settle_unfinished_prints();
        loop {
            self.poll_printer();
            self.probe_disk();
            let wait = if self.dirty {
                IDLE_CHECKPOINT
            } else if self.disk_full_since.is_some() {
                DISK_PROBE_INTERVAL
            } else {
                PRINTER_POLL_INTERVAL
            };
            match inbox.recv_timeout(wait) {
                Ok(Envelope::Run(command)) => {
                    if !self.execute(command) {
                        return;
                    }
                }
                Ok(Envelope::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    self.checkpoint();
                    return;
                }
                Err(RecvTimeoutError::Timeout) => self.checkpoint(),
            }
        }
    }

    /// Runs one command; false when the booth has gone.
    fn execute(&mut self, command: IoCommand) -> bool {
        let report = match command {
            IoCommand::Save(job) => self.save(&job),
            IoCommand::Lookup { session, key } => Report::Lookup {
                result: self.lookup(&key),
                session,
                key,
            },
            IoCommand::VerifyPin(pin) => Report::Pin(self.verify_pin(&pin)),
            IoCommand::Print { session, record } => {
                let state = self.print(session, record);
                Report::Print { session, state }
            }
        };
        self.reporter.send(report)
    }

    fn checkpoint(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        if let Err(error) = self.store.checkpoint() {
            tracing::warn!("idle WAL checkpoint failed: {error:#}");
        }
    }

    fn save(&mut self, job: &SaveJob) -> Report {
        let session = job.request.session;
        match self.store_record(job) {
            Ok(record) => {
                self.dirty = true;
                self.disk_full_since = None;
                tracing::info!(%session, record = record.0, "record saved");
                self.reporter.send(Report::WriteSucceeded);
                Report::Saved { session, record }
            }
            Err(error) => {
                let disk_full = is_disk_full(&error);
                if disk_full {
                    self.disk_full_since.get_or_insert_with(Instant::now);
                }
                tracing::error!(%session, disk_full, "saving the record failed: {error:#}");
                Report::SaveFailed { session, disk_full }
            }
        }
    }

    fn store_record(&mut self, job: &SaveJob) -> Result<RecordRef, SaveError> {
        let student_no =
            StudentNo::parse(job.request.student.key.value(), self.settings.student_no)
                .map_err(SaveError::Invalid)?;
        let consent = Consent::new(&job.request.consent.version, job.consent_unix_s)
            .map_err(SaveError::Invalid)?;
        let capture = NewCapture {
            original: encode_original(&job.original)?,
            photo: job.photo.encoded.clone(),
            report_json: job.photo.report_json.clone(),
            params_json: job.photo.params_json.clone(),
        };
        let submission = Submission {
            student_no,
            profile: job.profile.clone(),
            consent,
        };
        let actor = self.settings.actor.clone();
        let now = now_unix_s();
        match self
            .store
            .create_submission(&submission, &capture, &actor, now)
        {
            Ok(id) => Ok(RecordRef(id.0)),
            Err(StorageError::OpenRecordExists {
                existing,
                status: RecordStatus::Rejected,
                ..
            }) => {
                self.store.resubmit(existing, &capture, &actor, now)?;
                tracing::info!(record = existing.0, "rejected record resubmitted");
                Ok(RecordRef(existing.0))
            }
            Err(error) => Err(error.into()),
        }
    }

    fn lookup(&self, key: &StudentKey) -> LookupResult {
        let Ok(student_no) = StudentNo::parse(key.value(), self.settings.student_no) else {
            return LookupResult::NotFound;
        };
        let answer = self.store.roster_count().and_then(|count| {
            if count == 0 {
                return Ok(LookupResult::NoRoster);
            }
            Ok(match self.store.roster_entry(&student_no)? {
                Some(entry) if entry.eligible => LookupResult::Found { name: entry.name },
                Some(entry) => LookupResult::Ineligible { name: entry.name },
                None => LookupResult::NotFound,
            })
        });
        answer.unwrap_or_else(|error| {
            tracing::warn!("roster lookup failed: {error:#}");
            LookupResult::Failed
        })
    }

    /// Checks a PIN against every enabled staff account. The booth counts wrong PINs itself (any account
    /// could be meant) and locks the entry for `staff.lockout` after `staff.pin_attempts` of them.
    fn verify_pin(&mut self, pin: &Pin) -> PinOutcome {
        let now = Instant::now();
        if let Some(until) = self.locked_until {
            if until > now {
                return PinOutcome::LockedOut {
                    retry_after: until - now,
                };
            }
            self.locked_until = None;
        }
        let found = StaffPin::parse(pin.expose())
            .ok()
            .map(|pin| (self.store.staff_with_pin(&pin, now_unix_s()), pin));
        match found {
            Some((Ok(Some(account)), staff_pin)) => {
                self.pin_failures = 0;
                let policy = LockoutPolicy {
                    max_failures: self.settings.pin_attempts,
                    lockout_s: i64::try_from(self.settings.lockout.as_secs()).unwrap_or(i64::MAX),
                };
                // Audits the entry and clears the account's own failure count.
                if let Err(error) = self.store.login(&account, &staff_pin, policy, now_unix_s()) {
                    tracing::warn!("staff login audit failed: {error:#}");
                }
                self.dirty = true;
                tracing::info!(staff = %account, "staff entered maintenance");
                PinOutcome::Accepted {
                    staff: account.to_string(),
                }
            }
            Some((Err(error), _)) => {
                tracing::warn!("PIN check failed: {error:#}");
                self.wrong_pin(now)
            }
            Some((Ok(None), _)) | None => self.wrong_pin(now),
        }
    }

    fn wrong_pin(&mut self, now: Instant) -> PinOutcome {
        self.pin_failures += 1;
        if self.pin_failures >= self.settings.pin_attempts {
            self.pin_failures = 0;
            self.locked_until = Some(now + self.settings.lockout);
            tracing::warn!("staff PIN entry locked after repeated wrong PINs");
            return PinOutcome::LockedOut {
                retry_after: self.settings.lockout,
            };
        }
        PinOutcome::Wrong {
            attempts_left: self.settings.pin_attempts - self.pin_failures,
        }
    }

    fn print(&mut self, session: SessionId, record: RecordRef) -> PrintJobState {
        let Some(spooler) = self.spooler.as_deref() else {
            tracing::warn!(%session, "print asked for without a printer");
            return PrintJobState::Failed;
        };
        if self.fonts.is_none() {
            match CaptionFonts::bundled_with_system_fallback() {
                Ok(fonts) => self.fonts = Some(fonts),
                Err(error) => {
                    tracing::error!("no caption font for printing: {error:#}");
                    return PrintJobState::Failed;
                }
            }
        }
        let Some(fonts) = self.fonts.as_ref() else {
            return PrintJobState::Failed;
        };
        let request = RecordPrintRequest {
            record: RecordId(record.0),
            kind: self.settings.sheet,
            captions: self.settings.captions,
            copies: 1,
            actor: self.settings.actor.clone(),
        };
        let reporter = self.reporter.clone();
        let mut progress = |step: PrintProgress| {
            let state = match step {
                PrintProgress::Submitted { .. } => PrintJobState::Queued,
                PrintProgress::Waiting { .. } => PrintJobState::Printing,
                PrintProgress::Done(_) => return,
            };
            reporter.send(Report::Print { session, state });
        };
        let mut context = RecordPrintContext {
            profiles: &self.settings.profiles,
            fonts,
            policy: self.settings.print_policy,
            pause: &ThreadPause,
            now_unix_s: &now_unix_s,
            progress: &mut progress,
        };
        let outcome = print_record_for(
            &mut self.store,
            spooler,
            &request,
            PrintPurpose::TakeHome,
            &mut context,
        );
        self.dirty = true;
        match outcome {
            Ok(JobOutcome::Completed { .. }) => PrintJobState::Printed,
            Ok(other) => {
                tracing::warn!(%session, ?other, "print job did not complete");
                PrintJobState::Failed
            }
            // Policy, not a printer problem: the booth stays in service.
            Err(RecordPrintError::Print(PrintError::CopyLimit { printed, limit, .. })) => {
                tracing::info!(%session, record = record.0, printed, limit, "take-home copy refused: copy limit reached");
                PrintJobState::Refused
            }
            Err(error) => {
                tracing::warn!(%session, "printing failed: {error:#}");
                PrintJobState::Failed
            }
        }
    }

    /// While the disk is full (no student can save, so no save would clear the fault), writes a probe
    /// file beside the database every [`DISK_PROBE_INTERVAL`]; once it fits, reports that writes work.
    fn probe_disk(&mut self) {
        let Some(since) = self.disk_full_since else {
            return;
        };
        if since.elapsed() < DISK_PROBE_INTERVAL {
            return;
        }
        let Some(dir) = self.store.path().and_then(std::path::Path::parent) else {
            return;
        };
        let probe = dir.join(".idbooth-space-probe");
        let fits = write_probe(&probe).is_ok();
        let _ = std::fs::remove_file(&probe);
        if fits {
            tracing::info!("space is available again beside the database");
            self.disk_full_since = None;
            self.reporter.send(Report::WriteSucceeded);
        } else {
            self.disk_full_since = Some(Instant::now());
        }
    }

    /// Brings print jobs a crashed or killed booth left `queued` or `sent` up to date from this booth's
    /// printer before the first new job (one IPP request per unfinished job). A failure is logged and
    /// the booth serves students anyway: the next start, or the staff station's, settles them.
    fn settle_unfinished_prints(&mut self) {
        let Some(spooler) = self.spooler.as_deref() else {
            return;
        };
        match crate::print::settle_after_restart(
            &mut self.store,
            spooler,
            &self.settings.actor,
            now_unix_s(),
        ) {
            Ok(settled) => {
                let changed = settled.iter().filter(|job| job.now.is_some()).count();
                if changed > 0 {
                    tracing::info!(changed, "print jobs left by an earlier run settled");
                }
            }
            Err(error) => {
                tracing::warn!("cannot settle print jobs left by an earlier run: {error:#}");
            }
        }
    }

    fn poll_printer(&mut self) {
        let now = Instant::now();
        if now < self.next_printer_poll {
            return;
        }
        self.next_printer_poll = now + PRINTER_POLL_INTERVAL;
        let Some(spooler) = self.spooler.as_deref() else {
            return;
        };
        let view = match spooler.printer_status() {
            Ok(status) => PrinterView::from_state(status.state),
            Err(error) => {
                tracing::debug!("printer status: {error}");
                PrinterView::Offline
            }
        };
        self.reporter.offer(Report::Printer(view));
    }
}

/// Why a record could not be stored.
#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error("invalid record data: {0}")]
    Invalid(crate::core::record::RecordError),
    #[error("cannot encode the original capture: {0}")]
    Encode(#[from] crate::core::standardize::StandardizeError),
    #[error(transparent)]
    Store(#[from] StorageError),
}

fn write_probe(path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(path)?;
    file.write_all(&vec![0_u8; DISK_PROBE_BYTES])?;
    file.sync_all()
}

/// The original capture as JPEG (the photo's encoder: about half the time of `image`'s on a
/// 1350x1350 capture). Its density is nominal: an original is never printed.
fn encode_original(image: &RgbImage) -> Result<Vec<u8>, SaveError> {
    Ok(crate::core::standardize::encode_jpeg(
        image,
        ORIGINAL_JPEG_QUALITY,
        ORIGINAL_DPI,
    )?)
}

/// Whether the store failed for lack of space (`SQLITE_FULL`).
fn is_disk_full(error: &SaveError) -> bool {
    let SaveError::Store(StorageError::Sqlite(rusqlite::Error::SqliteFailure(failure, _))) = error
    else {
        return false;
    };
    failure.code == rusqlite::ErrorCode::DiskFull
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SQLITE_FULL` (sqlite3.h).
    const SQLITE_FULL: i32 = 13;
    /// `SQLITE_BUSY`.
    const SQLITE_BUSY: i32 = 5;

    fn sqlite_error(code: i32) -> SaveError {
        SaveError::Store(StorageError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        )))
    }

    #[test]
    fn only_sqlite_full_counts_as_a_full_disk() {
        assert!(is_disk_full(&sqlite_error(SQLITE_FULL)));
        assert!(!is_disk_full(&sqlite_error(SQLITE_BUSY)));
        assert!(!is_disk_full(&SaveError::Store(StorageError::EmptyBatch)));
    }

    #[test]
    fn the_original_is_stored_as_a_jpeg() {
        let image = RgbImage::from_pixel(64, 48, image::Rgb([200, 180, 160]));
        let bytes = encode_original(&image).expect("encode");
        assert_eq!(
            image::guess_format(&bytes).ok(),
            Some(image::ImageFormat::Jpeg)
        );
    }
}
