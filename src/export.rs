//! Export of approved photos to the campus-card import folder: `DIR/<name>.jpg` per photo (names from the
//! configured template, sanitized and unique), `manifest.csv` and `manifest.json`, optionally a zip of it
//! all, written atomically and recorded as a batch so the next export skips what was sent.
//!
//! Owns the batch: selection through the small [`ExportSource`] trait (the store implements it), naming,
//! manifests and the all-or-nothing folder. Must not touch the UI, printing or the camera. Blocking file
//! IO: the staff station runs it on its io worker.

mod manifest;
mod names;
mod staging;
mod store;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::core::record::{ExportBatchId, RecordId};

pub use manifest::{ManifestEntry, manifest_csv, manifest_json, rfc3339_utc};
pub use names::{
    DEFAULT_NAME_TEMPLATE, Field, MAX_NAME_BYTES, NameTemplate, NameValues, RESERVED_FILE_NAMES,
    UniqueNames, sanitize_component, sanitize_file_name,
};
use staging::Staging;
pub use store::StoreExport;

/// Errors of an export.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("file name template {template:?}: {problem}")]
    Template { template: String, problem: String },
    #[error("export folder {}: {problem}", path.display())]
    Destination { path: PathBuf, problem: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the file name template uses {{{}}}, which these records lack: {}", field.key(), student_nos.join(", "))]
    MissingField {
        field: Field,
        student_nos: Vec<String>,
    },
    #[error(
        "the photo of {student_no} is {found}, but the file name template {template:?} promises {promised}"
    )]
    FormatMismatch {
        student_no: String,
        found: &'static str,
        promised: &'static str,
        template: String,
    },
    #[error("time {0} cannot be written as a date")]
    BadTimestamp(i64),
    #[error("manifest: {0}")]
    Manifest(String),
    #[error("zip archive: {0}")]
    Zip(String),
    #[error("records: {0}")]
    Source(#[from] SourceError),
    #[error(
        "the batch was written to {} but the database refused to record it ({source}); the folder was removed again",
        destination.display()
    )]
    NotRecorded {
        destination: PathBuf,
        #[source]
        source: SourceError,
    },
}

/// A failure of the record source, carried as text (the store's own error stays in its module).
#[derive(Debug, Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// Which records to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportQuery {
    /// Only this profile (`None`: all profiles).
    pub profile: Option<String>,
    /// Only records approved at or after this unix time.
    pub since_unix_s: Option<i64>,
    /// Include records already exported in an earlier batch.
    pub again: bool,
}

/// An approved record that may be exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCandidate {
    pub record_id: RecordId,
    pub student_no: String,
    /// Roster name, when the student is on the roster.
    pub name: Option<String>,
    /// National ID number (学信网-style file names), when known.
    pub id_number: Option<String>,
    pub profile: String,
    pub approved_at_unix_s: i64,
}

/// One file of a written batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    pub record_id: RecordId,
    pub entry: ManifestEntry,
}

/// A batch as written, for the source to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedBatch {
    pub destination: PathBuf,
    pub files: Vec<ExportedFile>,
    /// SHA-256 of `manifest.csv`, lowercase hex: the batch record names the exact manifest it wrote.
    pub manifest_sha256: String,
}

/// Where approved records and their photos come from, and where batches are recorded.
pub trait ExportSource {
    /// Approved records matching `query`, in approval order (oldest first, then by record id).
    fn candidates(&self, query: &ExportQuery) -> Result<Vec<ExportCandidate>, SourceError>;
    /// The standardized photo of a record, as stored.
    fn photo(&self, record_id: RecordId) -> Result<Vec<u8>, SourceError>;
    /// Records the batch and marks its records exported, all or nothing; returns the batch id.
    fn record_batch(&mut self, batch: &ExportedBatch) -> Result<ExportBatchId, SourceError>;
}

/// How to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The batch folder to create.
    pub destination: PathBuf,
    pub template: NameTemplate,
    pub query: ExportQuery,
    /// Also write `<folder name>.zip` inside the folder (photos and manifests).
    pub zip: bool,
    /// Flush every file to disk before the folder appears (off only for benchmarks on throwaway disks).
    pub durable: bool,
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// `None` when there was nothing to export (no folder is created then).
    pub batch_id: Option<ExportBatchId>,
    pub destination: PathBuf,
    pub files: Vec<ExportedFile>,
    pub zip: Option<PathBuf>,
    /// Records the file name template cannot name (no ID number on the roster for `{id_number}`):
    /// left out of the batch, still approved, exported by a later batch once the roster has the value.
    pub skipped: Vec<SkippedRecord>,
}

/// A record left out of a batch, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRecord {
    pub record_id: RecordId,
    pub student_no: String,
    /// The template field the record lacks.
    pub missing: Field,
}

/// Progress for the staff screen: `done` of `total` photos written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportProgress {
    pub done: usize,
    pub total: usize,
}

/// The image format of encoded bytes, by signature.
fn sniff_format(bytes: &[u8]) -> Option<&'static str> {
    const JPEG_SIGNATURE: [u8; 3] = [0xFF, 0xD8, 0xFF];
    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.starts_with(&JPEG_SIGNATURE) {
        Some("jpg")
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        Some("png")
    } else {
        None
    }
}

/// The extension a template promises, if it ends in one.
fn promised_extension(template: &NameTemplate) -> Option<&'static str> {
    let extension = Path::new(template.as_str()).extension()?.to_str()?;
    if extension.eq_ignore_ascii_case("jpg") || extension.eq_ignore_ascii_case("jpeg") {
        Some("jpg")
    } else if extension.eq_ignore_ascii_case("png") {
        Some("png")
    } else {
        None
    }
}

/// Splits the candidates into those the template can name and those it cannot (a missing field is
/// never written as "None.jpg").
fn split_nameable(
    template: &NameTemplate,
    candidates: Vec<ExportCandidate>,
) -> (Vec<ExportCandidate>, Vec<SkippedRecord>) {
    let mut nameable = Vec::with_capacity(candidates.len());
    let mut skipped = Vec::new();
    for candidate in candidates {
        match template.render(&values_of(&candidate)) {
            Ok(_) => nameable.push(candidate),
            Err(missing) => {
                tracing::warn!(
                    record = candidate.record_id.0,
                    field = missing.key(),
                    "record skipped: the export file name needs a value it lacks"
                );
                skipped.push(SkippedRecord {
                    record_id: candidate.record_id,
                    student_no: candidate.student_no,
                    missing,
                });
            }
        }
    }
    (nameable, skipped)
}

fn values_of(candidate: &ExportCandidate) -> NameValues<'_> {
    NameValues {
        student_no: &candidate.student_no,
        id_number: candidate.id_number.as_deref(),
        name: candidate.name.as_deref(),
        profile: &candidate.profile,
        record_id: candidate.record_id.0,
    }
}

/// Exports the selected approved photos as one batch.
pub fn export(
    source: &mut dyn ExportSource,
    options: &ExportOptions,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<ExportSummary, ExportError> {
    let mut candidates = source.candidates(&options.query)?;
    if let Some(profile) = &options.query.profile {
        candidates.retain(|c| &c.profile == profile);
    }
    let (candidates, skipped) = split_nameable(&options.template, candidates);
    if candidates.is_empty() {
        return Ok(ExportSummary {
            batch_id: None,
            destination: options.destination.clone(),
            files: Vec::new(),
            zip: None,
            skipped,
        });
    }
    let staging = Staging::begin(&options.destination, options.durable)?;
    let mut unique = UniqueNames::new();
    let mut files = Vec::with_capacity(candidates.len());
    for (index, candidate) in candidates.iter().enumerate() {
        let photo = source.photo(candidate.record_id)?;
        files.push(write_photo(
            &staging,
            &mut unique,
            options,
            candidate,
            &photo,
        )?);
        progress(ExportProgress {
            done: index + 1,
            total: candidates.len(),
        });
    }
    let entries: Vec<ManifestEntry> = files.iter().map(|f| f.entry.clone()).collect();
    let csv = manifest_csv(&entries)?;
    let json = manifest_json(&entries)?;
    staging.write(RESERVED_FILE_NAMES[0], &csv)?;
    staging.write(RESERVED_FILE_NAMES[1], &json)?;
    let zip_name = if options.zip {
        let members: Vec<&str> = files
            .iter()
            .map(|f| f.entry.file.as_str())
            .chain(RESERVED_FILE_NAMES)
            .collect();
        let name = zip_file_name(&options.destination, &mut unique);
        write_zip(&staging, &name, &members)?;
        Some(name)
    } else {
        None
    };
    let destination = staging.commit()?;
    let batch = ExportedBatch {
        destination: destination.clone(),
        files,
        manifest_sha256: hex::encode(Sha256::digest(&csv)),
    };
    let batch_id = match source.record_batch(&batch) {
        Ok(id) => id,
        Err(source_error) => {
            tracing::error!(error = %source_error, "export batch not recorded; removing its folder");
            if let Err(remove_error) = staging::remove_committed(&destination) {
                tracing::error!(%remove_error, "could not remove an unrecorded export folder");
            }
            return Err(ExportError::NotRecorded {
                destination,
                source: source_error,
            });
        }
    };
    tracing::info!(batch = batch_id.0, photos = batch.files.len(), folder = %destination.display(), "export batch written");
    Ok(ExportSummary {
        batch_id: Some(batch_id),
        zip: zip_name.map(|name| destination.join(name)),
        destination,
        files: batch.files,
        skipped,
    })
}

fn write_photo(
    staging: &Staging,
    unique: &mut UniqueNames,
    options: &ExportOptions,
    candidate: &ExportCandidate,
    photo: &[u8],
) -> Result<ExportedFile, ExportError> {
    let found = sniff_format(photo).ok_or_else(|| ExportError::FormatMismatch {
        student_no: candidate.student_no.clone(),
        found: "not a JPEG or PNG image",
        promised: promised_extension(&options.template).unwrap_or("jpg"),
        template: options.template.as_str().to_owned(),
    })?;
    if let Some(promised) = promised_extension(&options.template)
        && promised != found
    {
        return Err(ExportError::FormatMismatch {
            student_no: candidate.student_no.clone(),
            found,
            promised,
            template: options.template.as_str().to_owned(),
        });
    }
    let rendered = options
        .template
        .render(&values_of(candidate))
        .map_err(|field| ExportError::MissingField {
            field,
            student_nos: vec![candidate.student_no.clone()],
        })?;
    let file_name = unique.claim(&sanitize_file_name(&rendered, found));
    staging.write(&file_name, photo)?;
    Ok(ExportedFile {
        record_id: candidate.record_id,
        entry: ManifestEntry {
            student_no: candidate.student_no.clone(),
            name: candidate.name.clone().unwrap_or_default(),
            file: file_name,
            sha256: hex::encode(Sha256::digest(photo)),
            profile: candidate.profile.clone(),
            approved_at: rfc3339_utc(candidate.approved_at_unix_s)?,
        },
    })
}

fn zip_file_name(destination: &Path, unique: &mut UniqueNames) -> String {
    let folder = destination
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    unique.claim(&format!("{}.zip", sanitize_component(&folder)))
}

/// Zips files already in the staging folder into `zip_name` there, one file in memory at a time.
/// Entries are stored, not deflated: JPEGs do not shrink, and every tool opens stored entries.
fn write_zip(staging: &Staging, zip_name: &str, members: &[&str]) -> Result<(), ExportError> {
    let zip_error = |error: zip::result::ZipError| ExportError::Zip(error.to_string());
    let file = staging.create(zip_name)?;
    let mut writer = zip::ZipWriter::new(file);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for member in members {
        let path = staging.path().join(member);
        let bytes = std::fs::read(&path).map_err(|source| ExportError::Io { path, source })?;
        writer.start_file(*member, options).map_err(zip_error)?;
        writer
            .write_all(&bytes)
            .map_err(|error| ExportError::Zip(error.to_string()))?;
    }
    let file = writer.finish().map_err(zip_error)?;
    staging.finish(&file, zip_name)
}
