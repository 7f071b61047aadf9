//! `idbooth eval MANIFEST.tsv`: runs the full check catalogue over a labelled manifest (the format of
//! tests/fixtures/faces/MANIFEST.tsv) and prints, per expected label, how many rows were flagged for a
//! matching reason, flagged for another reason, missed, or wrongly rejected. The tool for tuning
//! `CheckThresholds`.
//!
//! Owns the label → acceptable-codes mapping and the scoring rules; file decoding and checking come from
//! `cli::check`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::check::{Analyzer, CheckCommandError, check_file};
use crate::core::checks::{CheckCode, CheckThresholds, QualityReport, Verdict};
use crate::core::spec::PhotoSpec;

/// The label of a capture that must pass.
pub const GOOD_LABEL: &str = "good_id_photo";
/// Prefix of the labels of captures that must be rejected; reasons follow, joined by `+`.
pub const BAD_PREFIX: &str = "bad:";

/// Reasons that only concern the background. When the profile replaces the background, the right outcome
/// for a row whose reasons are all background reasons is a `busy_background` *warning* (the standardizer
/// swaps the background and the photo is fine), so the warning counts as flagged. On rows with other
/// reasons (a face too small, a hat) the warning does not excuse missing them.
pub const BACKGROUND_REASONS: [&str; 2] = ["background_not_plain", "busy_background"];

/// For each reason word of the manifest, the check codes that name it correctly. Reasons with an empty
/// list have no check (hands, hair, gaze, hats, costume): such a row is only counted as flagged if another
/// of its reasons is caught.
pub const REASON_CODES: &[(&str, &[CheckCode])] = &[
    ("no_face", &[CheckCode::NoFace]),
    ("no_human_face", &[CheckCode::NoFace]),
    ("multiple_faces", &[CheckCode::MultipleFaces]),
    // A profile face is often not detected at all; "face the camera" is the right instruction either way.
    ("profile_view", &[CheckCode::HeadTurned, CheckCode::NoFace]),
    (
        "face_occluded_by_cap",
        &[CheckCode::NoFace, CheckCode::HeadPitched],
    ),
    (
        "face_partially_out_of_frame",
        &[CheckCode::FaceCutOff, CheckCode::NoFace],
    ),
    ("crop_too_tight_top_of_head_cut", &[CheckCode::FaceCutOff]),
    ("no_headroom_crop_too_tight", &[CheckCode::FaceCutOff]),
    ("crop_too_tight", &[CheckCode::FaceCutOff]),
    ("top_of_head_cut", &[CheckCode::FaceCutOff]),
    ("face_too_large", &[CheckCode::FaceCutOff]),
    ("too_close_perspective_distortion", &[CheckCode::FaceCutOff]),
    ("face_off_center", &[CheckCode::FaceCutOff]),
    // Too small in the frame = the photo would need upscaling.
    ("face_too_small", &[CheckCode::LowResolution]),
    (
        "low_resolution",
        &[CheckCode::LowResolution, CheckCode::Blurry],
    ),
    ("head_tilted_roll", &[CheckCode::HeadTilted]),
    ("head_turned_yaw", &[CheckCode::HeadTurned]),
    ("head_turned", &[CheckCode::HeadTurned]),
    ("head_down", &[CheckCode::HeadPitched]),
    ("head_pitched_up", &[CheckCode::HeadPitched]),
    ("eyes_closed", &[CheckCode::EyesClosed]),
    ("open_mouth", &[CheckCode::MouthOpen]),
    ("expression_open_mouth", &[CheckCode::MouthOpen]),
    ("smile_teeth_visible", &[CheckCode::MouthOpen]),
    ("expression_smile_teeth_visible", &[CheckCode::MouthOpen]),
    (
        "non_neutral_expression",
        &[CheckCode::MouthOpen, CheckCode::EyesClosed],
    ),
    ("blurred", &[CheckCode::Blurry]),
    ("motion_blur", &[CheckCode::Blurry]),
    ("compression_artifacts", &[CheckCode::CompressionArtifacts]),
    ("underexposed", &[CheckCode::Underexposed]),
    ("overexposed", &[CheckCode::Overexposed]),
    (
        "uneven_lighting_half_face_shadow",
        &[CheckCode::UnevenLighting],
    ),
    ("uneven_side_lighting", &[CheckCode::UnevenLighting]),
    ("grayscale", &[CheckCode::Grayscale]),
    ("colour_cast", &[CheckCode::ColorCast]),
    ("background_not_plain", &[CheckCode::BusyBackground]),
    ("busy_background", &[CheckCode::BusyBackground]),
    ("sunglasses", &[CheckCode::TintedGlasses]),
    ("hat", &[]),
    ("arm_in_frame", &[]),
    ("hair_across_face", &[]),
    ("hand_phone_occlusion", &[]),
    ("hand_on_face", &[]),
    ("gaze_averted", &[]),
    ("face_covered_by_costume_beard", &[]),
    ("noise", &[CheckCode::Noisy]),
];

/// Parsed arguments of `idbooth eval`.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub spec: PhotoSpec,
    pub thresholds: CheckThresholds,
}

/// Errors of the eval command.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read the manifest {path}: {source}")]
    Manifest { path: PathBuf, source: io::Error },
    #[error("{path}: the header needs `file` and `expected` columns")]
    Header { path: PathBuf },
    #[error(transparent)]
    Output(#[from] CheckCommandError),
}

impl From<io::Error> for EvalError {
    fn from(error: io::Error) -> Self {
        EvalError::Output(CheckCommandError::Output(error))
    }
}

/// How one manifest row came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// A good capture passed.
    Accepted,
    /// A good capture failed.
    WronglyRejected,
    /// A bad capture was flagged with a code that matches one of its reasons.
    Flagged,
    /// A bad capture failed, but for none of its labelled reasons.
    FlaggedOtherReason,
    /// A bad capture passed with no matching warning.
    Missed,
    /// The file could not be checked.
    Unreadable,
}

/// Counts per label, and overall.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalSummary {
    pub per_label: BTreeMap<String, LabelCounts>,
    pub good_total: usize,
    pub good_accepted: usize,
    pub bad_total: usize,
    pub bad_flagged: usize,
    pub unreadable: usize,
}

/// Outcome counts of one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelCounts {
    pub rows: usize,
    pub accepted: usize,
    pub flagged: usize,
    pub other_reason: usize,
    pub missed: usize,
    pub wrongly_rejected: usize,
    pub unreadable: usize,
}

impl LabelCounts {
    fn add(&mut self, outcome: RowOutcome) {
        self.rows += 1;
        match outcome {
            RowOutcome::Accepted => self.accepted += 1,
            RowOutcome::WronglyRejected => self.wrongly_rejected += 1,
            RowOutcome::Flagged => self.flagged += 1,
            RowOutcome::FlaggedOtherReason => self.other_reason += 1,
            RowOutcome::Missed => self.missed += 1,
            RowOutcome::Unreadable => self.unreadable += 1,
        }
    }
}

/// One manifest row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub file: PathBuf,
    pub expected: String,
}

/// Reads `file` and `expected` from a tab-separated manifest with a header; files resolve against the
/// manifest's folder.
pub fn read_manifest(path: &Path) -> Result<Vec<ManifestRow>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Manifest {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(file_col), Some(expected_col)) = (column("file"), column("expected")) else {
        return Err(EvalError::Header {
            path: path.to_owned(),
        });
    };
    Ok(lines
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            Some(ManifestRow {
                file: base.join(fields.get(file_col)?.trim()),
                expected: fields.get(expected_col)?.trim().to_owned(),
            })
        })
        .collect())
}

/// The codes that correctly name one reason word; `None` for a reason the mapping does not know.
pub fn acceptable_codes(reason: &str) -> Option<&'static [CheckCode]> {
    REASON_CODES
        .iter()
        .find(|(word, _)| *word == reason)
        .map(|(_, codes)| *codes)
}

/// Scores one checked row against its label.
pub fn score(expected: &str, report: &QualityReport, spec: &PhotoSpec) -> RowOutcome {
    let failed = report.verdict() == Verdict::Fail;
    let Some(reasons) = expected.strip_prefix(BAD_PREFIX) else {
        return if failed {
            RowOutcome::WronglyRejected
        } else {
            RowOutcome::Accepted
        };
    };
    let failures = report.failures();
    let warnings = report.warnings();
    let reasons: Vec<&str> = reasons.split('+').collect();
    let failed_matching = reasons.iter().any(|reason| {
        acceptable_codes(reason)
            .unwrap_or_default()
            .iter()
            .any(|c| failures.contains(c))
    });
    let background_only = reasons
        .iter()
        .all(|reason| BACKGROUND_REASONS.contains(reason));
    let warned_background =
        spec.replace_background && background_only && warnings.contains(&CheckCode::BusyBackground);
    let matched = failed_matching || warned_background;
    match (matched, failed) {
        (true, _) => RowOutcome::Flagged,
        (false, true) => RowOutcome::FlaggedOtherReason,
        (false, false) => RowOutcome::Missed,
    }
}

/// Runs `idbooth eval` over the manifest at `manifest`, writing the table and the misses to `out`.
pub fn run(
    analyzer: &mut dyn Analyzer,
    options: &EvalOptions,
    manifest: &Path,
    out: &mut dyn Write,
) -> Result<EvalSummary, EvalError> {
    let rows = read_manifest(manifest)?;
    let mut summary = EvalSummary::default();
    let mut notes = Vec::new();
    for row in &rows {
        let outcome = match check_file(analyzer, &options.spec, &options.thresholds, &row.file) {
            Ok(checked) => {
                let outcome = score(&row.expected, &checked.report, &options.spec);
                if !matches!(outcome, RowOutcome::Accepted | RowOutcome::Flagged) {
                    notes.push(format!(
                        "{:?}: {} [{}] failures {:?} warnings {:?}",
                        outcome,
                        row.file.display(),
                        row.expected,
                        codes(&checked.report.failures()),
                        codes(&checked.report.warnings())
                    ));
                }
                outcome
            }
            Err(error) => {
                notes.push(format!("Unreadable: {error}"));
                RowOutcome::Unreadable
            }
        };
        tally(&mut summary, &row.expected, outcome);
    }
    write_summary(out, &summary, &notes, &options.spec)?;
    Ok(summary)
}

fn codes(codes: &[CheckCode]) -> Vec<&'static str> {
    codes.iter().map(|c| c.as_str()).collect()
}

fn tally(summary: &mut EvalSummary, expected: &str, outcome: RowOutcome) {
    summary
        .per_label
        .entry(expected.to_owned())
        .or_default()
        .add(outcome);
    match outcome {
        RowOutcome::Accepted | RowOutcome::WronglyRejected => {
            summary.good_total += 1;
            summary.good_accepted += usize::from(outcome == RowOutcome::Accepted);
        }
        RowOutcome::Flagged | RowOutcome::FlaggedOtherReason | RowOutcome::Missed => {
            summary.bad_total += 1;
            summary.bad_flagged += usize::from(outcome == RowOutcome::Flagged);
        }
        RowOutcome::Unreadable => summary.unreadable += 1,
    }
}

fn write_summary(
    out: &mut dyn Write,
    summary: &EvalSummary,
    notes: &[String],
    spec: &PhotoSpec,
) -> io::Result<()> {
    writeln!(
        out,
        "{:<60} {:>4} {:>8} {:>7} {:>6} {:>6} {:>8} {:>6}",
        "expected label", "rows", "accepted", "flagged", "other", "missed", "rejected", "error"
    )?;
    for (label, c) in &summary.per_label {
        writeln!(
            out,
            "{:<60} {:>4} {:>8} {:>7} {:>6} {:>6} {:>8} {:>6}",
            label,
            c.rows,
            c.accepted,
            c.flagged,
            c.other_reason,
            c.missed,
            c.wrongly_rejected,
            c.unreadable
        )?;
    }
    writeln!(out)?;
    for note in notes {
        writeln!(out, "{note}")?;
    }
    let percent = |n: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    writeln!(
        out,
        "\nprofile {}: good {}/{} accepted ({:.1} %); bad {}/{} flagged with a matching reason ({:.1} %); {} unreadable",
        spec.name,
        summary.good_accepted,
        summary.good_total,
        percent(summary.good_accepted, summary.good_total),
        summary.bad_flagged,
        summary.bad_total,
        percent(summary.bad_flagged, summary.bad_total),
        summary.unreadable
    )?;
    if spec.replace_background {
        writeln!(
            out,
            "(the profile replaces the background: a busy_background warning counts as flagged for background-only reasons)"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::{CheckResult, CheckSet, CheckStatus, Cue, Limit};
    use crate::core::spec::builtin_profiles;

    fn report(results: &[(CheckCode, CheckStatus)]) -> QualityReport {
        QualityReport {
            set: CheckSet::Full,
            checks: results
                .iter()
                .map(|&(code, status)| {
                    CheckResult::new(code, status, 0.0, Limit::AtMost { max: 1.0 }, Cue::None)
                })
                .collect(),
        }
    }

    #[test]
    fn every_reason_in_the_fixture_manifest_is_mapped() {
        let manifest =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faces/MANIFEST.tsv");
        let rows = read_manifest(&manifest).unwrap();
        assert!(rows.len() > 70);
        for row in rows {
            if let Some(reasons) = row.expected.strip_prefix(BAD_PREFIX) {
                for reason in reasons.split('+') {
                    assert!(
                        acceptable_codes(reason).is_some(),
                        "unmapped reason {reason}"
                    );
                }
            } else {
                assert_eq!(row.expected, GOOD_LABEL);
            }
            assert!(row.file.exists(), "{}", row.file.display());
        }
    }

    #[test]
    fn scoring_follows_the_rules() {
        let mut spec = builtin_profiles().remove(0);
        let pass = report(&[(CheckCode::HeadTilted, CheckStatus::Pass)]);
        let tilted = report(&[(CheckCode::HeadTilted, CheckStatus::Fail)]);
        let dark = report(&[(CheckCode::Underexposed, CheckStatus::Fail)]);
        let busy = report(&[(CheckCode::BusyBackground, CheckStatus::Warn)]);
        assert_eq!(score(GOOD_LABEL, &pass, &spec), RowOutcome::Accepted);
        assert_eq!(
            score(GOOD_LABEL, &tilted, &spec),
            RowOutcome::WronglyRejected
        );
        assert_eq!(
            score("bad:head_tilted_roll+arm_in_frame", &tilted, &spec),
            RowOutcome::Flagged
        );
        assert_eq!(
            score("bad:head_tilted_roll", &dark, &spec),
            RowOutcome::FlaggedOtherReason
        );
        assert_eq!(
            score("bad:head_tilted_roll", &pass, &spec),
            RowOutcome::Missed
        );
        assert_eq!(
            score("bad:busy_background", &busy, &spec),
            RowOutcome::Flagged
        );
        // The warning does not stand in for another reason, checkable or not.
        assert_eq!(
            score("bad:hat+busy_background", &busy, &spec),
            RowOutcome::Missed
        );
        assert_eq!(
            score("bad:face_too_small+busy_background", &busy, &spec),
            RowOutcome::Missed
        );
        // A warning only counts for background reasons, and only when the background is replaced.
        let warned_tilt = report(&[(CheckCode::HeadTilted, CheckStatus::Warn)]);
        assert_eq!(
            score("bad:head_tilted_roll", &warned_tilt, &spec),
            RowOutcome::Missed
        );
        spec.replace_background = false;
        assert_eq!(
            score("bad:busy_background", &busy, &spec),
            RowOutcome::Missed
        );
    }
}
