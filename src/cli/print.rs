//! `idbooth print (--record ID | FILE --profile P) [--layout L] [--copies N] (--pdf OUT.pdf | --printer NAME)`:
//! clap arguments turned into a sheet PDF or a CUPS job. The work is in [`crate::print`]; this file parses,
//! opens the store when a record is involved, and prints progress.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::ArgGroup;

use crate::cli::records::open_store;
use crate::config::KioskConfig;
use crate::core::record::{Actor, RecordId};
use crate::core::spec::PhotoSpec;
use crate::print::cups::CupsSpooler;
use crate::print::font::CaptionFonts;
use crate::print::job::{
    DEFAULT_POLL_INTERVAL, JobContext, JobLog, JobOutcome, LogError, PrintPolicy, PrintProgress,
    ThreadPause, print_and_watch,
};
use crate::print::layout::{SheetKind, layout_for_profile};
use crate::print::pdf::{Fill, SheetPhoto, SheetRequest, render_pdf};
use crate::print::photo::PrintPhoto;
use crate::print::record::{
    RecordPrintContext, RecordPrintRequest, print_record, record_sheet, record_sheet_pdf,
};
use crate::print::spool::{PrinterState, SpoolJob, SpoolJobId};

pub use crate::print::cups::{CUPS_SERVER_ENV, cups_server};

#[derive(Debug, Clone, clap::Args)]
#[command(group(ArgGroup::new("photo").required(true).args(["record", "file"])))]
#[command(group(ArgGroup::new("output").args(["pdf", "printer"])))]
pub struct PrintArgs {
    /// Print the latest photo of this record (profile, name and student number come from the database).
    #[arg(long, value_name = "ID")]
    pub record: Option<i64>,
    /// Print this standardized photo file instead (needs --profile).
    #[arg(value_name = "FILE", requires = "profile")]
    pub file: Option<PathBuf>,
    /// The photo profile FILE was made for (campus_card, chsi, one_inch...).
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// Sheet: six_inch, five_inch, a4 or single (default: print.layout in kiosk.toml).
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<SheetKind>,
    /// Sheets to print (a record may get print.copies_per_record in total).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub copies: u32,
    /// Write the sheet to this PDF file instead of printing.
    #[arg(long, value_name = "OUT.pdf")]
    pub pdf: Option<PathBuf>,
    /// CUPS queue to print to (default: print.printer in kiosk.toml).
    #[arg(long, value_name = "NAME")]
    pub printer: Option<String>,
    /// Leave out the name and student number under the photos (default: print.caption in kiosk.toml).
    #[arg(long)]
    pub no_caption: bool,
}

/// The print policy kiosk.toml describes.
pub fn print_policy(config: &KioskConfig) -> PrintPolicy {
    PrintPolicy {
        copy_limit_per_record: config.print.copies_per_record,
        submit_attempts: config.print.retries + 1,
        retry_delay: config.print.retry_delay,
        poll_interval: DEFAULT_POLL_INTERVAL,
        watch_limit: config.print.job_timeout,
    }
}

fn now_unix_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn find_profile<'a>(config: &'a KioskConfig, name: &str) -> anyhow::Result<&'a PhotoSpec> {
    config
        .profiles
        .iter()
        .find(|spec| spec.name == name)
        .with_context(|| {
            let known: Vec<&str> = config
                .profiles
                .iter()
                .map(|spec| spec.name.as_str())
                .collect();
            format!("unknown profile {name:?} (known: {})", known.join(", "))
        })
}

/// Writes `bytes` to `path` through a temporary file beside it, so a crash never leaves half a PDF.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(".partial");
    let temporary = path.with_file_name(temporary_name);
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs `idbooth print`; returns whether the sheet was written or printed.
pub fn run_print(
    args: &PrintArgs,
    config: &KioskConfig,
    data_dir: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    if args.copies == 0 {
        bail!("--copies must be at least 1");
    }
    let kind = args.layout.unwrap_or(config.print.layout);
    let captions = config.print.caption && !args.no_caption;
    let fonts = CaptionFonts::bundled_with_system_fallback()?;
    let printer = args
        .printer
        .clone()
        .or_else(|| config.print.printer.clone());
    match (args.record, &args.file, &args.pdf, printer) {
        (Some(id), None, Some(pdf_path), _) => {
            let store = open_store(config, data_dir)?;
            let sheet = record_sheet(&store, RecordId(id), &config.profiles)?;
            let (layout, pdf) = record_sheet_pdf(&sheet, kind, captions, args.copies, &fonts)?;
            write_atomically(pdf_path, &pdf)?;
            report_pdf(
                out,
                pdf_path,
                layout.slots.len(),
                &sheet.spec,
                kind,
                args.copies,
            )
        }
        (Some(id), None, None, Some(printer)) => {
            let mut store = open_store(config, data_dir)?;
            let spooler = CupsSpooler::new(&cups_server(), &printer)?;
            let request = RecordPrintRequest {
                record: RecordId(id),
                kind,
                captions,
                copies: args.copies,
                actor: Actor::Cli,
            };
            let mut last_printer = None;
            let mut show = |step: PrintProgress| show_progress(out, &step, &mut last_printer);
            let mut context = RecordPrintContext {
                profiles: &config.profiles,
                fonts: &fonts,
                policy: print_policy(config),
                pause: &ThreadPause,
                now_unix_s: &now_unix_s,
                progress: &mut show,
            };
            let outcome = print_record(&mut store, &spooler, &request, &mut context)?;
            report_outcome(out, &printer, &outcome)
        }
        (None, Some(file), pdf_path, printer) => {
            let profile_name = args.profile.as_deref().context("FILE needs --profile P")?;
            let spec = find_profile(config, profile_name)?;
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let photo = PrintPhoto::for_profile(bytes, spec)
                .with_context(|| format!("{} cannot be printed", file.display()))?;
            // A loose file has no name or student number to show.
            let photos = [SheetPhoto {
                photo,
                caption: None,
            }];
            let layout = layout_for_profile(kind, spec, false)?;
            let title = file
                .file_name()
                .map_or_else(|| "idbooth".into(), |n| n.to_string_lossy().into_owned());
            let mut request = SheetRequest {
                layout: &layout,
                photos: &photos,
                fill: Fill::Repeat,
                copies: args.copies,
                title: &title,
            };
            if let Some(pdf_path) = pdf_path {
                write_atomically(pdf_path, &render_pdf(&request, &fonts)?)?;
                return report_pdf(out, pdf_path, layout.slots.len(), spec, kind, args.copies);
            }
            let printer = printer.context(
                "no printer: pass --printer NAME or --pdf OUT.pdf, or set print.printer in kiosk.toml",
            )?;
            request.copies = 1;
            let job = SpoolJob {
                title: title.clone(),
                pdf: render_pdf(&request, &fonts)?,
                copies: args.copies,
                paper_mm: layout.paper_mm,
            };
            let spooler = CupsSpooler::new(&cups_server(), &printer)?;
            // Files belong to no record: no copy limit, no print log.
            let policy = PrintPolicy {
                copy_limit_per_record: u32::MAX,
                ..print_policy(config)
            };
            let mut last_printer = None;
            let mut show = |step: PrintProgress| show_progress(out, &step, &mut last_printer);
            let mut context = JobContext {
                policy,
                pause: &ThreadPause,
                log: &mut NoLog,
                progress: &mut show,
            };
            let outcome = print_and_watch(&spooler, &job, 0, &mut context)?;
            report_outcome(out, &printer, &outcome)
        }
        (Some(_), None, None, None) => {
            bail!(
                "no printer: pass --printer NAME or --pdf OUT.pdf, or set print.printer in kiosk.toml"
            )
        }
        _ => bail!("give either --record ID or FILE --profile P"),
    }
}

/// The log of a print that belongs to no record.
struct NoLog;

impl JobLog for NoLog {
    fn sent(&mut self, _job: SpoolJobId) -> Result<(), LogError> {
        Ok(())
    }

    fn finished(&mut self, _outcome: &JobOutcome) -> Result<(), LogError> {
        Ok(())
    }
}

/// Prints a progress line: the submission, and each change of the printer's state while the job waits
/// (one line per poll would flood the terminal).
fn show_progress(
    out: &mut dyn Write,
    step: &PrintProgress,
    last_printer: &mut Option<PrinterState>,
) {
    // Progress is best effort: a closed stdout must not abort a print that is already running.
    let _ = match step {
        PrintProgress::Submitted { job } => writeln!(out, "sent as job {job}"),
        PrintProgress::Waiting {
            job,
            state,
            printer,
        } if *last_printer != Some(*printer) => {
            *last_printer = Some(*printer);
            writeln!(
                out,
                "job {job} {state}; printer {printer} ({})",
                printer.describe_zh()
            )
        }
        PrintProgress::Waiting { .. } | PrintProgress::Done(_) => Ok(()),
    };
}

fn report_pdf(
    out: &mut dyn Write,
    path: &Path,
    photos: usize,
    spec: &PhotoSpec,
    kind: SheetKind,
    copies: u32,
) -> anyhow::Result<bool> {
    writeln!(
        out,
        "wrote {}: {copies} x {kind} sheet, {photos} {} photos of {:.1} x {:.1} mm",
        path.display(),
        spec.name,
        spec.width_mm(),
        spec.height_mm()
    )?;
    Ok(true)
}

fn report_outcome(
    out: &mut dyn Write,
    printer: &str,
    outcome: &JobOutcome,
) -> anyhow::Result<bool> {
    match outcome {
        JobOutcome::Completed { job } => {
            writeln!(out, "printed on {printer} (job {job})")?;
            Ok(true)
        }
        JobOutcome::StillWaiting {
            job,
            printer: state,
        } => {
            writeln!(
                out,
                "job {job} is still queued on {printer}: printer {state} ({}); it prints when staff fix it",
                state.describe_zh()
            )?;
            Ok(false)
        }
        JobOutcome::Failed {
            job,
            state,
            reasons,
        } => {
            writeln!(
                out,
                "job {job} {state} on {printer}: {}",
                reasons.join(", ")
            )?;
            Ok(false)
        }
    }
}
