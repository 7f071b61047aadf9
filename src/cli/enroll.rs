//! `idbooth enroll --student-no N [--name NAME] [--profile P] FILE`: imports an uploaded photo as a
//! submission — the same checks and standardization as the booth, then a record pending review. A
//! rejected record of the same student and profile gets the photo as a resubmission (same record,
//! history kept). Unreadable files and student numbers that do not match the configured format are
//! refused before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::analysis::profile;
use super::records::{now_unix_s, open_store};
use crate::config::KioskConfig;
use crate::core::record::{Actor, Consent, RecordStatus, StudentNo};
use crate::pipeline::{self, Processed};
use crate::storage::{NewCapture, RosterImportOptions, StorageError, Store, Submission};
use crate::vision::{self, Vision};

/// Largest upload read (the decoder refuses images over its pixel limit anyway).
const MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, clap::Args)]
pub struct EnrollArgs {
    /// The student's number (format from staff.student_no_* in kiosk.toml).
    #[arg(long, value_name = "N")]
    pub student_no: String,
    /// The student's name; added to the roster when the roster does not know the student yet.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Photo profile (default: capture.profile in kiosk.toml).
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// Background: a choice of the profile (white, blue, grey) or #RRGGBB.
    #[arg(long, value_name = "COLOUR")]
    pub background: Option<String>,
    /// The uploaded photo (JPEG or PNG).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Runs `enroll`; prints the record id and the pre-check verdict. Returns false when no photo could be
/// made (nothing is stored then).
pub fn run_enroll(
    args: &EnrollArgs,
    config: &KioskConfig,
    data_dir: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let spec = profile(config, args.profile.as_deref())?;
    let background = match &args.background {
        None if args.profile.is_none() => config.capture_profile().background,
        None => spec.background,
        Some(name) => spec.background_by_name(name).with_context(|| {
            format!(
                "--background {name:?} is not a choice of profile {}",
                spec.name
            )
        })?,
    };
    let student_no = StudentNo::parse(&args.student_no, config.staff.student_no)
        .with_context(|| format!("--student-no {:?}", args.student_no))?;
    let original = read_upload(&args.file)?;
    let capture =
        vision::decode_image(&original).with_context(|| format!("{}", args.file.display()))?;
    let models = crate::paths::assets_dir().join("models");
    let mut vision = Vision::load(&models)
        .with_context(|| format!("cannot load the models from {}", models.display()))?;
    let processed = pipeline::process_capture(
        &mut vision,
        &capture,
        &spec,
        background,
        &config.check_thresholds(),
    )?;
    let Ok(photo) = &processed.photo else {
        writeln!(
            out,
            "{}: no photo could be made for {} ({}); nothing stored",
            args.file.display(),
            spec.name,
            processed.failure_codes().join(", ")
        )?;
        return Ok(false);
    };
    let capture_row = NewCapture {
        original,
        photo: photo.encoded.bytes.clone(),
        report_json: serde_json::to_string(&processed.report)?,
        params_json: serde_json::to_string(&photo.record)?,
    };
    let now = now_unix_s();
    let mut store = open_store(config, data_dir)?;
    if let Some(name) = &args.name {
        add_to_roster_if_unknown(&mut store, config, &student_no, name, now)?;
    }
    let submission = Submission {
        student_no: student_no.clone(),
        profile: spec.name.clone(),
        consent: Consent::new(&config.privacy.notice_version, now)?,
    };
    let (id, resubmitted) =
        match store.create_submission(&submission, &capture_row, &Actor::Cli, now) {
            Ok(id) => (id, false),
            Err(StorageError::OpenRecordExists {
                existing,
                status: RecordStatus::Rejected,
                ..
            }) => {
                store.resubmit(existing, &capture_row, &Actor::Cli, now)?;
                (existing, true)
            }
            Err(error) => return Err(error.into()),
        };
    report(out, id.0, resubmitted, &processed)?;
    Ok(true)
}

fn read_upload(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_UPLOAD_BYTES {
        bail!(
            "{}: {size} bytes is larger than the {MAX_UPLOAD_BYTES}-byte limit",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn add_to_roster_if_unknown(
    store: &mut Store,
    config: &KioskConfig,
    student_no: &StudentNo,
    name: &str,
    now: i64,
) -> anyhow::Result<()> {
    if store.roster_entry(student_no)?.is_some() {
        return Ok(());
    }
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["student_no", "name"])?;
    csv.write_record([student_no.as_str(), name])?;
    let bytes = csv.into_inner().context("roster row")?;
    let options = RosterImportOptions {
        rule: config.staff.student_no,
        ..RosterImportOptions::default()
    };
    let report = store.import_roster(bytes.as_slice(), &options, &Actor::Cli, now)?;
    if !report.committed {
        let problems: Vec<String> = report.bad_rows.iter().map(|p| p.message.clone()).collect();
        bail!("--name {name:?}: {}", problems.join("; "));
    }
    Ok(())
}

fn report(
    out: &mut dyn Write,
    id: i64,
    resubmitted: bool,
    processed: &Processed,
) -> anyhow::Result<()> {
    let how = if resubmitted {
        "resubmitted to"
    } else {
        "created"
    };
    let verdict = if processed.passed() {
        "初审合格 / pre-check passed".to_string()
    } else {
        format!("pre-check failed: {}", processed.failure_codes().join(", "))
    };
    writeln!(out, "record {id} {how}: 待审核 / pending review; {verdict}")?;
    Ok(())
}
