//! `idbooth process [--profile NAME] [--background white|blue|grey|#RRGGBB] [--json] -o DIR FILE...`:
//! standardizes capture files into DIR/<stem>.jpg (or .png) with the same code the booth runs.
//!
//! Owns argument interpretation after clap, the per-file loop and the output lines. The models are
//! loaded once by the caller and shared by every file. Only compliant photos are written: a photo that
//! fails its self-check is reported with its reasons and no file, so DIR never holds a photo that would
//! be rejected. An unreadable file prints `{"file":…, "error":…}` and the others are still processed;
//! the exit code is then 2.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::core::spec::{PhotoFormat, PhotoSpec, Rgb8};
use crate::core::standardize::{StandardizeFailure, StandardizeSettings, StandardizedPhoto};
use crate::standardizer::{self, StandardizerError};
use crate::vision::{self, Vision};

/// Exit code when every file could be read and processed (whatever the verdicts).
pub const EXIT_OK: i32 = 0;
/// Exit code when at least one file could not be read or processed.
pub const EXIT_FILE_ERRORS: i32 = 2;

/// Parsed arguments of `idbooth process`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessArgs {
    /// Profile name; `None` uses the default profile.
    pub profile: Option<String>,
    /// `white`, `blue`, `grey` (the profile's choices) or `#RRGGBB`; `None` uses the profile's default.
    pub background: Option<String>,
    /// One JSON object per line instead of the readable table.
    pub json: bool,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Errors that stop the whole command (bad arguments, unwritable output).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("unknown profile {name:?} (known: {known})")]
    UnknownProfile { name: String, known: String },
    #[error("unknown background {name:?} for profile {profile} (choices: {choices}, or #RRGGBB)")]
    UnknownBackground {
        name: String,
        profile: String,
        choices: String,
    },
    #[error("cannot create output directory {path}: {source}")]
    OutputDir { path: PathBuf, source: io::Error },
    #[error("cannot write the report: {0}")]
    Report(#[from] io::Error),
}

/// One JSON line per file.
#[derive(Debug, Serialize)]
struct FileLine<'a> {
    file: &'a str,
    output: Option<String>,
    verdict: &'static str,
    failures: Vec<&'static str>,
    /// Human-readable reasons, one per failure code (same order).
    reasons: Vec<String>,
    width: Option<u32>,
    height: Option<u32>,
    bytes: Option<u64>,
    jpeg_quality: Option<u8>,
    dpi: u32,
    geometry: Option<GeometryLine>,
    ms: u64,
}

#[derive(Debug, Serialize)]
struct GeometryLine {
    crown_px: f32,
    eye_line_px: f32,
    face_width_px: f32,
    eye_mid_x_px: f32,
    background_delta_e: Option<f32>,
}

#[derive(Debug, Serialize)]
struct ErrorLine<'a> {
    file: &'a str,
    error: String,
}

/// Runs the command; returns the exit code ([`EXIT_OK`] or [`EXIT_FILE_ERRORS`]).
pub fn run(
    args: &ProcessArgs,
    profiles: &[PhotoSpec],
    default_profile: &str,
    vision: &mut Vision,
    out: &mut dyn Write,
) -> Result<i32, ProcessError> {
    let spec = find_profile(profiles, args.profile.as_deref().unwrap_or(default_profile))?;
    let background = choose_background(spec, args.background.as_deref())?;
    fs::create_dir_all(&args.out_dir).map_err(|source| ProcessError::OutputDir {
        path: args.out_dir.clone(),
        source,
    })?;
    let settings = StandardizeSettings::default();
    let mut exit = EXIT_OK;
    let mut used_names: Vec<PathBuf> = Vec::new();
    for file in &args.files {
        let shown = file.display().to_string();
        let started = Instant::now();
        let target = args.out_dir.join(output_name(file, spec.format));
        if used_names.contains(&target) {
            exit = EXIT_FILE_ERRORS;
            report_error(
                out,
                args.json,
                &shown,
                &format!(
                    "output {} would overwrite an earlier file's photo",
                    target.display()
                ),
            )?;
            continue;
        }
        used_names.push(target.clone());
        let result = vision::load_image(file)
            .map_err(StandardizerError::from)
            .and_then(|capture| {
                standardizer::standardize_capture(vision, &capture, spec, background, &settings)
            });
        let line = match result {
            Ok(photo) => {
                let output = if photo.passed() {
                    match write_atomically(&target, &photo.encoded.bytes) {
                        Ok(()) => Some(target.display().to_string()),
                        Err(error) => {
                            exit = EXIT_FILE_ERRORS;
                            report_error(
                                out,
                                args.json,
                                &shown,
                                &format!("cannot write {}: {error}", target.display()),
                            )?;
                            continue;
                        }
                    }
                } else {
                    None
                };
                photo_line(&shown, output, &photo, spec, started)
            }
            Err(error) if !error.failures().is_empty() => {
                rejected_line(&shown, &error, spec, started)
            }
            Err(error) => {
                exit = EXIT_FILE_ERRORS;
                report_error(out, args.json, &shown, &format!("{error:#}"))?;
                continue;
            }
        };
        if args.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&line).map_err(io::Error::other)?
            )?;
        } else {
            writeln!(out, "{}", readable(&line))?;
        }
    }
    Ok(exit)
}

fn find_profile<'a>(profiles: &'a [PhotoSpec], name: &str) -> Result<&'a PhotoSpec, ProcessError> {
    profiles
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| ProcessError::UnknownProfile {
            name: name.to_owned(),
            known: profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn choose_background(spec: &PhotoSpec, name: Option<&str>) -> Result<Rgb8, ProcessError> {
    let Some(name) = name else {
        return Ok(spec.background);
    };
    spec.background_by_name(name)
        .ok_or_else(|| ProcessError::UnknownBackground {
            name: name.to_owned(),
            profile: spec.name.clone(),
            choices: spec
                .background_choices
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// `<stem>.jpg` or `<stem>.png`.
fn output_name(file: &Path, format: PhotoFormat) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "photo".into(), |s| s.to_string_lossy().into_owned());
    let extension = match format {
        PhotoFormat::Jpeg => "jpg",
        PhotoFormat::Png => "png",
    };
    PathBuf::from(format!("{stem}.{extension}"))
}

/// Writes to a temporary name in the same directory, then renames: no half-written photo is ever seen.
fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = target
        .file_name()
        .map_or_else(|| "photo".into(), |n| n.to_string_lossy().into_owned());
    let temporary = target.with_file_name(format!(".{name}.partial"));
    fs::write(&temporary, bytes)?;
    fs::rename(&temporary, target)
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn photo_line<'a>(
    file: &'a str,
    output: Option<String>,
    photo: &StandardizedPhoto,
    spec: &PhotoSpec,
    started: Instant,
) -> FileLine<'a> {
    let check = &photo.record.check;
    FileLine {
        file,
        output,
        verdict: if photo.passed() { "pass" } else { "fail" },
        failures: check
            .failures
            .iter()
            .map(StandardizeFailure::code)
            .collect(),
        reasons: check.failures.iter().map(ToString::to_string).collect(),
        width: Some(photo.pixels.width()),
        height: Some(photo.pixels.height()),
        bytes: Some(photo.encoded.bytes.len() as u64),
        jpeg_quality: photo.encoded.jpeg_quality,
        dpi: spec.dpi,
        geometry: Some(GeometryLine {
            crown_px: check.geometry.crown_px,
            eye_line_px: check.geometry.eye_line_px,
            face_width_px: check.geometry.face_width_px,
            eye_mid_x_px: check.geometry.eye_mid_x_px,
            background_delta_e: check.background_delta_e,
        }),
        ms: elapsed_ms(started),
    }
}

fn rejected_line<'a>(
    file: &'a str,
    error: &StandardizerError,
    spec: &PhotoSpec,
    started: Instant,
) -> FileLine<'a> {
    FileLine {
        file,
        output: None,
        verdict: "fail",
        failures: error
            .failures()
            .iter()
            .map(StandardizeFailure::code)
            .collect(),
        reasons: error.failures().iter().map(ToString::to_string).collect(),
        width: None,
        height: None,
        bytes: None,
        jpeg_quality: None,
        dpi: spec.dpi,
        geometry: None,
        ms: elapsed_ms(started),
    }
}

fn report_error(
    out: &mut dyn Write,
    json: bool,
    file: &str,
    error: &str,
) -> Result<(), ProcessError> {
    if json {
        let line = ErrorLine {
            file,
            error: error.to_owned(),
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string(&line).map_err(io::Error::other)?
        )?;
    } else {
        writeln!(out, "{file}: error: {error}")?;
    }
    Ok(())
}

/// The readable one-line summary of a file.
fn readable(line: &FileLine<'_>) -> String {
    let mut text = format!("{}  {}", line.file, line.verdict.to_uppercase());
    if let Some(output) = &line.output {
        let _ = write!(text, "  -> {output}");
    }
    if let (Some(bytes), Some(geometry)) = (line.bytes, &line.geometry) {
        let quality = line
            .jpeg_quality
            .map_or_else(|| "png".to_owned(), |q| format!("q{q}"));
        let _ = write!(
            text,
            "  {}x{} {quality} {:.1} KB  crown {:.0} eyes {:.0} face {:.0} centre {:.0}",
            line.width.unwrap_or(0),
            line.height.unwrap_or(0),
            bytes as f64 / 1024.0,
            geometry.crown_px,
            geometry.eye_line_px,
            geometry.face_width_px,
            geometry.eye_mid_x_px,
        );
        if let Some(delta) = geometry.background_delta_e {
            let _ = write!(text, " bgΔE {delta:.1}");
        }
    }
    let _ = write!(text, "  ({} ms)", line.ms);
    for reason in &line.reasons {
        let _ = write!(text, "\n    {reason}");
    }
    text
}
