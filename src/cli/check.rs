//! `idbooth check [--profile NAME] [--json] FILE...`: runs vision and the full check catalogue on image
//! files and prints a readable table, or one JSON object per line and file.
//!
//! Owns the command's logic and output format; the clap code in `cli` parses the arguments, loads the
//! configuration and the vision models and calls `run`. Files are decoded by `vision::load_image`.
//! Unreadable files are reported and skipped; the exit code is 2 when any file could not be checked, 0
//! otherwise whatever the verdicts.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::RgbImage;
use serde_json::json;

use crate::core::checks::{
    self, CheckSet, CheckThresholds, QualityReport, report::round_for_display,
};
use crate::core::face::{FaceAnalysis, PersonMask};
use crate::core::spec::PhotoSpec;
use crate::pipeline;
use crate::vision::{AnalyzeMode, Vision, VisionError};

/// Exit code when at least one file could not be checked.
pub const EXIT_UNREADABLE: u8 = 2;

/// What the check commands need from vision; `vision::Vision` implements it, tests use fakes.
pub trait Analyzer {
    fn analyze(&mut self, image: &RgbImage) -> anyhow::Result<FaceAnalysis>;
    /// A person mask of the whole image at any resolution (the checks scale it).
    fn person_mask(&mut self, image: &RgbImage) -> anyhow::Result<PersonMask>;

    /// The analysis and the full check set on it (with the person mask when a face was meshed).
    fn analyze_and_check(
        &mut self,
        image: &RgbImage,
        spec: &PhotoSpec,
        thresholds: &CheckThresholds,
    ) -> anyhow::Result<(FaceAnalysis, QualityReport)> {
        let analysis = self.analyze(image)?;
        let mask = if analysis.mesh.is_some() {
            Some(self.person_mask(image)?)
        } else {
            None
        };
        let report = checks::run(
            image,
            &analysis,
            mask.as_ref(),
            spec,
            thresholds,
            CheckSet::Full,
        );
        Ok((analysis, report))
    }
}

impl Analyzer for Vision {
    /// Files are captures: the detector also searches a central crop and a larger scale.
    fn analyze(&mut self, image: &RgbImage) -> anyhow::Result<FaceAnalysis> {
        Ok(Vision::analyze(self, image, AnalyzeMode::Capture)?)
    }

    /// The segmenter's coarse mask: the checks erode it by a tenth of the inter-eye distance and need no
    /// refined edges, and skipping the refinement keeps a capture's checks within budget.
    fn person_mask(&mut self, image: &RgbImage) -> anyhow::Result<PersonMask> {
        Ok(self.segment(image)?.coarse_person_mask())
    }

    /// Everything at once on the two cores ([`pipeline::analyze_and_check`]): the segmenter beside
    /// the detector, then the checks beside the capture's fine pass for small second faces.
    fn analyze_and_check(
        &mut self,
        image: &RgbImage,
        spec: &PhotoSpec,
        thresholds: &CheckThresholds,
    ) -> anyhow::Result<(FaceAnalysis, QualityReport)> {
        let (seen, report) = pipeline::analyze_and_check(self, image, spec, thresholds)?;
        Ok((seen.analysis, report))
    }
}

/// Errors of the check and eval commands themselves (per-file problems are reported, not raised).
#[derive(Debug, thiserror::Error)]
pub enum CheckCommandError {
    #[error("cannot write the output")]
    Output(#[from] io::Error),
}

/// Why one file could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: VisionError },
    #[error("vision failed on {path}: {message}")]
    Vision { path: PathBuf, message: String },
}

/// Parsed arguments of `idbooth check` (the profile already resolved from `--profile`).
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub spec: PhotoSpec,
    pub thresholds: CheckThresholds,
    pub json: bool,
}

/// What one file gave.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub analysis: FaceAnalysis,
    pub report: QualityReport,
    /// Vision and checks, milliseconds (decoding excluded).
    pub ms: f64,
}

/// Totals of one `check` run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckSummary {
    pub passed: usize,
    pub failed: usize,
    pub unreadable: usize,
}

impl CheckSummary {
    /// 2 when a file could not be checked, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.unreadable > 0 {
            EXIT_UNREADABLE
        } else {
            0
        }
    }
}

/// Runs `idbooth check` over `files`, writing to `out`.
pub fn run(
    analyzer: &mut dyn Analyzer,
    options: &CheckOptions,
    files: &[PathBuf],
    out: &mut dyn Write,
) -> Result<CheckSummary, CheckCommandError> {
    let mut summary = CheckSummary::default();
    for path in files {
        match check_file(analyzer, &options.spec, &options.thresholds, path) {
            Ok(checked) => {
                if checked.report.verdict() == checks::Verdict::Pass {
                    summary.passed += 1;
                } else {
                    summary.failed += 1;
                }
                if options.json {
                    writeln!(out, "{}", json_line(path, &checked))?;
                } else {
                    write_table(out, path, &checked)?;
                }
            }
            Err(error) => {
                summary.unreadable += 1;
                if options.json {
                    let line =
                        json!({"file": path.display().to_string(), "error": error.to_string()});
                    writeln!(out, "{line}")?;
                } else {
                    writeln!(out, "{}  ERROR  {error}\n", path.display())?;
                }
            }
        }
    }
    if !options.json {
        writeln!(
            out,
            "{} passed, {} failed, {} unreadable (profile {})",
            summary.passed, summary.failed, summary.unreadable, options.spec.name
        )?;
    }
    Ok(summary)
}

/// Decodes, analyses and checks one file with the full set.
pub fn check_file(
    analyzer: &mut dyn Analyzer,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
    path: &Path,
) -> Result<FileCheck, FileError> {
    let image = crate::vision::load_image(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let started = Instant::now();
    let vision_error = |error: anyhow::Error| FileError::Vision {
        path: path.to_owned(),
        message: format!("{error:#}"),
    };
    let (analysis, report) = analyzer
        .analyze_and_check(&image, spec, thresholds)
        .map_err(vision_error)?;
    Ok(FileCheck {
        analysis,
        report,
        ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// The JSON object of one checked file (one line of `--json` output).
pub fn json_line(path: &Path, checked: &FileCheck) -> serde_json::Value {
    let report = &checked.report;
    let codes =
        |codes: Vec<checks::CheckCode>| codes.iter().map(|c| c.as_str()).collect::<Vec<_>>();
    let results: Vec<serde_json::Value> = report
        .checks
        .iter()
        .map(|check| {
            json!({
                "code": check.code.as_str(),
                "status": check.status.as_str(),
                "value": round_for_display(check.value),
                "limit": check.limit.to_string(),
                "message": check.message_en,
                "message_zh": check.message_zh,
                "hint": check.hint_en,
                "hint_zh": check.hint_zh,
            })
        })
        .collect();
    json!({
        "file": path.display().to_string(),
        "verdict": report.verdict().as_str(),
        "failures": codes(report.failures()),
        "warnings": codes(report.warnings()),
        "checks": results,
        "faces": checked.analysis.faces.len(),
        "face": face_json(&checked.analysis, report),
        "ms": (checked.ms * 10.0).round() / 10.0,
    })
}

/// The primary face, `null` when `no_face` failed (nothing, or nothing that is a human face).
fn face_json(analysis: &FaceAnalysis, report: &QualityReport) -> serde_json::Value {
    let found = report
        .get(checks::CheckCode::NoFace)
        .is_some_and(|check| check.status == checks::CheckStatus::Pass);
    let Some(mesh) = analysis.mesh.as_ref().filter(|_| found) else {
        return serde_json::Value::Null;
    };
    let bbox = analysis.primary_face().map_or_else(
        || checks::regions::bounding_box(checks::regions::face_outline(mesh).into_iter(), 0.0),
        |face| face.bbox,
    );
    let r = round_for_display;
    json!({
        "box": [r(bbox.x), r(bbox.y), r(bbox.width), r(bbox.height)],
        "right_eye": [r(mesh.right_eye.x), r(mesh.right_eye.y)],
        "left_eye": [r(mesh.left_eye.x), r(mesh.left_eye.y)],
        "ied_px": r(mesh.ied_px),
        "roll_deg": r(mesh.roll_deg),
        "yaw_deg": r(mesh.yaw_deg),
        "pitch_deg": r(mesh.pitch_deg),
    })
}

fn write_table(out: &mut dyn Write, path: &Path, checked: &FileCheck) -> io::Result<()> {
    let report = &checked.report;
    writeln!(
        out,
        "{}  {}  faces {}  {:.0} ms",
        path.display(),
        report.verdict().as_str().to_uppercase(),
        checked.analysis.faces.len(),
        checked.ms
    )?;
    for check in &report.checks {
        let value = format!("{}{}", round_for_display(check.value), check.code.unit());
        writeln!(
            out,
            "  {:<4}  {:<22} {:>10}  {:<14} {}",
            check.status.as_str(),
            check.code.as_str(),
            value,
            check.limit.to_string(),
            check.message_en
        )?;
        if !check.hint_en.is_empty() {
            writeln!(
                out,
                "  {:<4}  {:<22} {:>10}  {:<14} → {}",
                "", "", "", "", check.hint_en
            )?;
        }
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::face::{FaceDetection, FaceKeypoints, FaceMesh};
    use crate::core::geometry::{Point, Rect, SizePx};
    use crate::core::spec::builtin_profiles;

    /// A fake vision: one frontal face in the middle of whatever image it gets.
    struct OneFace;

    impl Analyzer for OneFace {
        fn analyze(&mut self, image: &RgbImage) -> anyhow::Result<FaceAnalysis> {
            let (w, h) = (image.width() as f32, image.height() as f32);
            let ied = w * 0.12;
            let eye_y = h * 0.42;
            let mesh = FaceMesh {
                landmarks: Vec::new(),
                presence: 1.0,
                right_eye: Point::new(w / 2.0 - ied / 2.0, eye_y),
                left_eye: Point::new(w / 2.0 + ied / 2.0, eye_y),
                ied_px: ied,
                roll_deg: 1.0,
                yaw_deg: -2.0,
                pitch_deg: 3.0,
                right_eye_openness: 0.35,
                left_eye_openness: 0.35,
                mouth_openness: 0.01,
                chin: Point::new(w / 2.0, eye_y + 1.6 * ied),
                forehead: Point::new(w / 2.0, eye_y - 0.9 * ied),
                right_cheek: Point::new(w / 2.0 - ied, eye_y + 0.3 * ied),
                left_cheek: Point::new(w / 2.0 + ied, eye_y + 0.3 * ied),
            };
            let bbox = Rect::new(w / 2.0 - ied, eye_y - ied, 2.0 * ied, 2.6 * ied);
            Ok(FaceAnalysis {
                image_size: SizePx::new(image.width(), image.height()),
                faces: vec![FaceDetection {
                    bbox,
                    score: 0.9,
                    keypoints: FaceKeypoints::default(),
                }],
                primary: Some(0),
                mesh: Some(mesh),
            })
        }

        fn person_mask(&mut self, image: &RgbImage) -> anyhow::Result<PersonMask> {
            Ok(PersonMask::filled(image.width() / 4, image.height() / 4, 0))
        }
    }

    fn options(json: bool) -> CheckOptions {
        CheckOptions {
            spec: builtin_profiles().remove(0),
            thresholds: CheckThresholds::default(),
            json,
        }
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/faces")
            .join(name)
    }

    #[test]
    fn json_lines_carry_every_field_and_bad_files_set_exit_code_2() {
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.jpg");
        std::fs::write(&broken, b"not a jpeg").unwrap();
        let files = vec![
            fixture("good_london_001_neutral.jpg"),
            broken.clone(),
            dir.path().join("missing.png"),
            fixture("bad_codait_bryan_low_res.png"),
        ];
        let mut out = Vec::new();
        let summary = run(&mut OneFace, &options(true), &files, &mut out).unwrap();
        assert_eq!(summary.unreadable, 2);
        assert_eq!(summary.passed + summary.failed, 2);
        assert_eq!(summary.exit_code(), EXIT_UNREADABLE);
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        let first = &lines[0];
        for key in [
            "file", "verdict", "failures", "warnings", "checks", "faces", "face", "ms",
        ] {
            assert!(first.get(key).is_some(), "missing {key}: {first}");
        }
        for key in [
            "box",
            "right_eye",
            "left_eye",
            "ied_px",
            "roll_deg",
            "yaw_deg",
            "pitch_deg",
        ] {
            assert!(first["face"].get(key).is_some(), "missing face.{key}");
        }
        let check = &first["checks"][0];
        for key in ["code", "status", "value", "limit", "message"] {
            assert!(check.get(key).is_some(), "missing checks[].{key}");
        }
        assert!(lines[1]["error"].as_str().unwrap().contains("broken.jpg"));
        assert!(lines[2]["error"].is_string());
        assert!(lines[1].get("verdict").is_none());
        // 115 px image: the campus-card photo needs upscaling.
        let failures = lines[3]["failures"].as_array().unwrap();
        assert!(
            failures.iter().any(|c| c == "low_resolution"),
            "{failures:?}"
        );
    }

    #[test]
    fn table_output_lists_each_check_and_a_summary() {
        let files = vec![fixture("good_london_001_neutral.jpg")];
        let mut out = Vec::new();
        let summary = run(&mut OneFace, &options(false), &files, &mut out).unwrap();
        assert_eq!(summary.exit_code(), 0);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("head_tilted") && text.contains("≤ 8"),
            "{text}"
        );
        assert!(
            text.contains("1 passed, 0 failed, 0 unreadable")
                || text.contains("0 passed, 1 failed"),
            "{text}"
        );
    }
}
