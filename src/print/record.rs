//! Printing a record: its latest standardized photo from the store, laid out on a sheet with the
//! student's name and number, sent to a spooler, and every step written to the store's print log
//! (`print_jobs`), which also enforces the per-record copy limit. Used by `idbooth print --record` and by
//! the booth's and staff station's print workers.
//!
//! Owns the glue between `storage` and the print pipeline. SQL stays in `storage`; the clock comes in
//! as a function so tests control it.

use thiserror::Error;

use crate::core::record::{Actor, PrintJobId, PrintJobState, PrintPurpose, RecordId};
use crate::core::spec::PhotoSpec;
use crate::print::font::CaptionFonts;
use crate::print::job::{
    JobContext, JobLog, JobOutcome, LogError, Pause, PrintError, PrintPolicy, PrintProgress,
    check_copy_limit, print_and_watch,
};
use crate::print::layout::{LayoutError, SheetKind, SheetLayout, layout_for_profile};
use crate::print::pdf::{Caption, Fill, PdfError, SheetPhoto, SheetRequest, render_pdf};
use crate::print::photo::{PhotoError, PrintPhoto};
use crate::print::spool::{SpoolJob, SpoolJobId, Spooler};
use crate::storage::{NewPrintJob, StorageError, Store};

pub use super::settle::{SettledJob, settle_after_restart, settle_unfinished_jobs};

/// Errors printing a record.
#[derive(Debug, Error)]
pub enum RecordPrintError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("record {record} uses profile {profile:?}, which the configuration does not define")]
    UnknownProfile { record: RecordId, profile: String },
    #[error("record {record}: {source}")]
    Photo {
        record: RecordId,
        #[source]
        source: PhotoError,
    },
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Print(#[from] PrintError),
}

/// A record's photo ready for a sheet, with the profile it was made for.
#[derive(Debug, Clone)]
pub struct RecordSheet {
    pub spec: PhotoSpec,
    pub photo: SheetPhoto,
}

/// Loads the record's latest photo and caption and checks the photo against its profile.
pub fn record_sheet(
    store: &Store,
    record: RecordId,
    profiles: &[PhotoSpec],
) -> Result<RecordSheet, RecordPrintError> {
    let detail = store.get(record)?;
    let profile = &detail.summary.record.profile;
    let spec = profiles
        .iter()
        .find(|spec| &spec.name == profile)
        .cloned()
        .ok_or_else(|| RecordPrintError::UnknownProfile {
            record,
            profile: profile.clone(),
        })?;
    let bytes = store.photo(record)?;
    let photo = PrintPhoto::for_profile(bytes, &spec)
        .map_err(|source| RecordPrintError::Photo { record, source })?;
    let caption = Caption {
        name: detail.summary.student_name.clone().unwrap_or_default(),
        student_no: detail.summary.record.student_no.as_str().to_owned(),
    };
    Ok(RecordSheet {
        spec,
        photo: SheetPhoto {
            photo,
            caption: Some(caption),
        },
    })
}

/// Renders one sheet of a record's photo (every slot the same photo).
pub fn record_sheet_pdf(
    sheet: &RecordSheet,
    kind: SheetKind,
    captions: bool,
    copies: u32,
    fonts: &CaptionFonts,
) -> Result<(SheetLayout, Vec<u8>), RecordPrintError> {
    let layout = layout_for_profile(kind, &sheet.spec, captions)?;
    let photos = [sheet.photo.clone()];
    let title = sheet.photo.caption.as_ref().map_or_else(
        || "idbooth".to_owned(),
        |c| format!("idbooth {}", c.student_no),
    );
    let request = SheetRequest {
        layout: &layout,
        photos: &photos,
        fill: Fill::Repeat,
        copies,
        title: &title,
    };
    let pdf = render_pdf(&request, fonts)?;
    Ok((layout, pdf))
}

/// The store's `print_jobs` row of one job, advanced as the spooler reports.
pub struct StorePrintLog<'a> {
    store: &'a mut Store,
    job: PrintJobId,
    actor: Actor,
    now_unix_s: &'a dyn Fn() -> i64,
    sent: bool,
}

impl<'a> StorePrintLog<'a> {
    pub fn new(
        store: &'a mut Store,
        job: PrintJobId,
        actor: Actor,
        now_unix_s: &'a dyn Fn() -> i64,
    ) -> Self {
        Self {
            store,
            job,
            actor,
            now_unix_s,
            sent: false,
        }
    }

    /// Whether the spooler accepted the job (the row is `sent` or later).
    pub fn was_sent(&self) -> bool {
        self.sent
    }

    fn advance(
        &mut self,
        state: PrintJobState,
        spooler_job: Option<&str>,
        error: &str,
    ) -> Result<(), LogError> {
        self.store
            .update_print_job(
                self.job,
                state,
                spooler_job,
                error,
                &self.actor,
                (self.now_unix_s)(),
            )
            .map(|_| ())
            .map_err(|error| LogError(error.to_string()))
    }

    /// Marks a job that never reached the spooler as failed, with the reason staff will read.
    pub fn fail_unsent(&mut self, reason: &str) -> Result<(), LogError> {
        self.advance(PrintJobState::Failed, None, reason)
    }
}

impl JobLog for StorePrintLog<'_> {
    fn sent(&mut self, job: SpoolJobId) -> Result<(), LogError> {
        self.advance(PrintJobState::Sent, Some(&job.to_string()), "")?;
        self.sent = true;
        Ok(())
    }

    fn finished(&mut self, outcome: &JobOutcome) -> Result<(), LogError> {
        match outcome {
            JobOutcome::Completed { .. } => self.advance(PrintJobState::Completed, None, ""),
            JobOutcome::Failed { state, reasons, .. } => {
                let error = format!("{state}: {}", reasons.join(", "));
                self.advance(PrintJobState::Failed, None, &error)
            }
            // Still queued at the printer: the row stays `sent` and is polled again later.
            JobOutcome::StillWaiting { .. } => Ok(()),
        }
    }
}

/// What to print for a record.
#[derive(Debug, Clone)]
pub struct RecordPrintRequest {
    pub record: RecordId,
    pub kind: SheetKind,
    pub captions: bool,
    /// Sheets to print (the copy limit counts these).
    pub copies: u32,
    pub actor: Actor,
}

/// The surroundings of a record print: configuration and the worker's clock, pause and progress sink.
pub struct RecordPrintContext<'a> {
    pub profiles: &'a [PhotoSpec],
    pub fonts: &'a CaptionFonts,
    pub policy: PrintPolicy,
    pub pause: &'a dyn Pause,
    pub now_unix_s: &'a dyn Fn() -> i64,
    pub progress: &'a mut dyn FnMut(PrintProgress),
}

/// Prints a record's sheet through `spooler` as an official print (an approved record becomes `printed`
/// when the job completes), enforcing the copy limit and logging the job in the store.
pub fn print_record(
    store: &mut Store,
    spooler: &dyn Spooler,
    request: &RecordPrintRequest,
    context: &mut RecordPrintContext<'_>,
) -> Result<JobOutcome, RecordPrintError> {
    print_record_for(store, spooler, request, PrintPurpose::Official, context)
}

/// Prints a record's sheet for `purpose`: the booth prints the student's take-home copy of a record that
/// is still pending review (the status never changes for it); staff print official sheets. Both count
/// against the same per-record copy limit and are logged in the store's print log and audit history.
pub fn print_record_for(
    store: &mut Store,
    spooler: &dyn Spooler,
    request: &RecordPrintRequest,
    purpose: PrintPurpose,
    context: &mut RecordPrintContext<'_>,
) -> Result<JobOutcome, RecordPrintError> {
    let printed_before = store.printed_copies(request.record)?;
    check_copy_limit(
        printed_before,
        request.copies,
        context.policy.copy_limit_per_record,
    )?;
    let sheet = record_sheet(store, request.record, context.profiles)?;
    let (layout, pdf) = record_sheet_pdf(&sheet, request.kind, request.captions, 1, context.fonts)?;
    let job = SpoolJob {
        title: format!(
            "idbooth record {} {}",
            request.record,
            sheet
                .photo
                .caption
                .as_ref()
                .map_or("", |c| c.student_no.as_str())
        ),
        pdf,
        copies: request.copies,
        paper_mm: layout.paper_mm,
    };
    let row = store.create_print_job_for(
        &NewPrintJob {
            record_id: request.record,
            copies: request.copies,
            printer: spooler.printer().to_owned(),
            layout: request.kind.key().to_owned(),
        },
        purpose,
        &request.actor,
        (context.now_unix_s)(),
    )?;
    let mut log = StorePrintLog::new(store, row, request.actor.clone(), context.now_unix_s);
    let result = {
        let mut job_context = JobContext {
            policy: context.policy,
            pause: context.pause,
            log: &mut log,
            progress: &mut *context.progress,
        };
        print_and_watch(spooler, &job, printed_before, &mut job_context)
    };
    if let Err(error) = &result
        && !log.was_sent()
        && let Err(log_error) = log.fail_unsent(&error.to_string())
    {
        tracing::error!(%log_error, job = row.0, "could not mark an unsent print job failed");
    }
    Ok(result?)
}
