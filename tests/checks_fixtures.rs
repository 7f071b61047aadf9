//! The check catalogue on the real fixture photos (tests/fixtures/faces, MANIFEST.tsv): every good capture
//! passes; at least 90 % of the bad ones fail with a reason that matches their label.
//!
//! The label → acceptable-codes mapping is written out here on purpose, independently of `cli::eval`, so a
//! change to the command's scoring cannot quietly loosen this test.
//!
//! Background-only rows (`background_not_plain`, `busy_background`) are captures whose pose and light are
//! fine. Every built-in profile replaces the background, so for them the right outcome is a
//! `busy_background` *warning* (the photo can be made); that counts as correctly flagged. The test also
//! runs a copy of the profile that keeps the background, where the same rows must *fail* with
//! `busy_background` and the plain studio backgrounds of the good rows must still pass.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use idbooth::core::checks::{
    self, CheckCode, CheckSet, CheckStatus, CheckThresholds, QualityReport, Verdict,
};
use idbooth::core::spec::{DEFAULT_PROFILE, PhotoSpec, builtin_profiles};
use idbooth::vision::{AnalyzeMode, Vision, load_image};

/// Labelled reasons → the codes that name them correctly. Reasons with no check (hands, hair over the
/// face, gaze, hats, costume) map to nothing: such rows must be caught by another of their reasons.
const ACCEPTABLE: &[(&str, &[CheckCode])] = &[
    ("no_face", &[CheckCode::NoFace]),
    ("no_human_face", &[CheckCode::NoFace]),
    ("multiple_faces", &[CheckCode::MultipleFaces]),
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
    ("noise", &[CheckCode::Noisy]),
    ("underexposed", &[CheckCode::Underexposed]),
    ("overexposed", &[CheckCode::Overexposed]),
    (
        "uneven_lighting_half_face_shadow",
        &[CheckCode::UnevenLighting],
    ),
    ("uneven_side_lighting", &[CheckCode::UnevenLighting]),
    ("grayscale", &[CheckCode::Grayscale]),
    ("colour_cast", &[CheckCode::ColorCast]),
    ("sunglasses", &[CheckCode::TintedGlasses]),
    ("background_not_plain", &[CheckCode::BusyBackground]),
    ("busy_background", &[CheckCode::BusyBackground]),
    ("hat", &[]),
    ("arm_in_frame", &[]),
    ("hair_across_face", &[]),
    ("hand_phone_occlusion", &[]),
    ("hand_on_face", &[]),
    ("gaze_averted", &[]),
    ("face_covered_by_costume_beard", &[]),
];

const BACKGROUND_REASONS: [&str; 2] = ["background_not_plain", "busy_background"];

/// Share of bad rows that must fail with a matching reason (issue 4).
const MIN_BAD_FLAGGED: f64 = 0.9;

struct Row {
    file: PathBuf,
    expected: String,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faces")
}

fn manifest() -> Vec<Row> {
    let text = std::fs::read_to_string(fixtures().join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file, expected) = (col("file"), col("expected"));
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            Row {
                file: fixtures().join(fields[file]),
                expected: fields[expected].to_owned(),
            }
        })
        .collect()
}

fn reasons(expected: &str) -> Vec<&str> {
    expected
        .strip_prefix("bad:")
        .map(|r| r.split('+').collect())
        .unwrap_or_default()
}

fn acceptable(reason: &str) -> &'static [CheckCode] {
    ACCEPTABLE
        .iter()
        .find(|(word, _)| *word == reason)
        .map_or_else(
            || panic!("reason {reason} is not in the test's mapping"),
            |(_, codes)| *codes,
        )
}

fn background_only(expected: &str) -> bool {
    let reasons = reasons(expected);
    !reasons.is_empty() && reasons.iter().all(|r| BACKGROUND_REASONS.contains(r))
}

/// Whether a bad row's report names one of its reasons (failure, or the background warning on a
/// background-only row when the profile replaces the background).
fn flagged(expected: &str, report: &QualityReport, spec: &PhotoSpec) -> bool {
    let failures = report.failures();
    let matched = reasons(expected).iter().any(|reason| {
        acceptable(reason)
            .iter()
            .any(|code| failures.contains(code))
    });
    let warned = spec.replace_background
        && background_only(expected)
        && report.warnings().contains(&CheckCode::BusyBackground);
    matched || warned
}

struct Checked {
    expected: String,
    name: String,
    replaced: QualityReport,
    kept: QualityReport,
}

/// Vision runs once per file; the checks run for the default profile and for a copy that keeps the
/// original background.
fn check_all() -> (Vec<Checked>, PhotoSpec, PhotoSpec) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut vision = Vision::load(&root.join("assets/models")).unwrap();
    let replacing = builtin_profiles()
        .into_iter()
        .find(|p| p.name == DEFAULT_PROFILE)
        .unwrap();
    assert!(
        replacing.replace_background,
        "the default profile replaces the background"
    );
    let mut keeping = replacing.clone();
    keeping.replace_background = false;
    let thresholds = CheckThresholds::default();
    let checked = manifest()
        .into_iter()
        .map(|row| {
            let image = load_image(&row.file).unwrap();
            let analysis = vision.analyze(&image, AnalyzeMode::Capture).unwrap();
            let mask = vision.segment(&image).unwrap().coarse_person_mask();
            let run = |spec: &PhotoSpec| {
                checks::run(
                    &image,
                    &analysis,
                    Some(&mask),
                    spec,
                    &thresholds,
                    CheckSet::Full,
                )
            };
            Checked {
                name: row.file.file_name().unwrap().to_string_lossy().into_owned(),
                replaced: run(&replacing),
                kept: run(&keeping),
                expected: row.expected,
            }
        })
        .collect();
    (checked, replacing, keeping)
}

fn summary(report: &QualityReport) -> String {
    let codes = |codes: Vec<CheckCode>| {
        codes
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "fail [{}] warn [{}]",
        codes(report.failures()),
        codes(report.warnings())
    )
}

#[test]
fn fixtures_meet_the_issue_targets() {
    let (checked, replacing, keeping) = check_all();
    assert!(checked.len() >= 78, "{} rows", checked.len());

    // Every good capture passes, and its plain studio background is not flagged under either profile
    // (kept, a white T-shirt against the light grey wall is rightly low-contrast, so only the
    // background check is compared there).
    let goods: Vec<&Checked> = checked
        .iter()
        .filter(|c| c.expected == "good_id_photo")
        .collect();
    assert_eq!(goods.len(), 18);
    for good in &goods {
        assert_eq!(
            good.replaced.verdict(),
            Verdict::Pass,
            "{}: {}",
            good.name,
            summary(&good.replaced)
        );
        for report in [&good.replaced, &good.kept] {
            let background = report.get(CheckCode::BusyBackground).map(|c| c.status);
            assert_eq!(
                background,
                Some(CheckStatus::Pass),
                "{}: {}",
                good.name,
                summary(report)
            );
        }
    }

    // At least 90 % of the bad captures are flagged for a labelled reason.
    let bads: Vec<&Checked> = checked
        .iter()
        .filter(|c| c.expected.starts_with("bad:"))
        .collect();
    let mut by_outcome: HashMap<bool, Vec<String>> = HashMap::new();
    for bad in &bads {
        let ok = flagged(&bad.expected, &bad.replaced, &replacing);
        by_outcome.entry(ok).or_default().push(format!(
            "{} [{}] {}",
            bad.name,
            bad.expected,
            summary(&bad.replaced)
        ));
    }
    let misses = by_outcome.remove(&false).unwrap_or_default();
    let share = 1.0 - misses.len() as f64 / bads.len() as f64;
    println!(
        "bad rows flagged for a labelled reason: {:.1} % of {}",
        100.0 * share,
        bads.len()
    );
    for miss in &misses {
        println!("  not matched: {miss}");
    }
    assert!(
        share >= MIN_BAD_FLAGGED,
        "{:.1} % flagged; not matched:\n{}",
        100.0 * share,
        misses.join("\n")
    );

    // With the background kept, background-only rows fail for it; replaced, they only warn.
    for row in checked.iter().filter(|c| background_only(&c.expected)) {
        let kept = row.kept.get(CheckCode::BusyBackground).map(|c| c.status);
        assert_eq!(
            kept,
            Some(CheckStatus::Fail),
            "{} kept: {}",
            row.name,
            summary(&row.kept)
        );
        let replaced = row
            .replaced
            .get(CheckCode::BusyBackground)
            .map(|c| c.status);
        assert_eq!(
            replaced,
            Some(CheckStatus::Warn),
            "{} replaced: {}",
            row.name,
            summary(&row.replaced)
        );
        assert!(flagged(&row.expected, &row.kept, &keeping));
    }
}

#[test]
fn every_result_carries_both_languages_and_every_failure_a_hint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut vision = Vision::load(&root.join("assets/models")).unwrap();
    let spec = builtin_profiles().remove(0);
    let image = load_image(&fixtures().join("derived/bad_tilted_12deg_london_012.jpg")).unwrap();
    let analysis = vision.analyze(&image, AnalyzeMode::Capture).unwrap();
    let mask = vision.segment(&image).unwrap().coarse_person_mask();
    let report = checks::run(
        &image,
        &analysis,
        Some(&mask),
        &spec,
        &CheckThresholds::default(),
        CheckSet::Full,
    );
    assert_eq!(
        report.failures(),
        vec![CheckCode::HeadTilted],
        "{}",
        summary(&report)
    );
    let tilted = report.get(CheckCode::HeadTilted).unwrap();
    assert!((tilted.value - 12.0).abs() < 2.0, "roll {}", tilted.value);
    assert_eq!(tilted.hint_zh, "请把头摆正");
    assert_eq!(tilted.hint_en, "Please keep your head level");
    for check in &report.checks {
        assert!(
            !check.message_zh.is_empty() && !check.message_en.is_empty(),
            "{:?}",
            check.code
        );
        if check.status != CheckStatus::Pass {
            assert!(
                !check.hint_zh.is_empty() && !check.hint_en.is_empty(),
                "{:?}",
                check.code
            );
        }
    }
    // The live set is the cheap subset: no background, colour or artefact checks.
    let live = checks::run(
        &image,
        &analysis,
        None,
        &spec,
        &CheckThresholds::default(),
        CheckSet::Live,
    );
    let live_codes: Vec<CheckCode> = live.checks.iter().map(|c| c.code).collect();
    assert!(
        live_codes.contains(&CheckCode::HeadTilted)
            && live_codes.contains(&CheckCode::Underexposed)
    );
    for full_only in [
        CheckCode::Blurry,
        CheckCode::BusyBackground,
        CheckCode::ColorCast,
        CheckCode::Noisy,
    ] {
        assert!(
            !live_codes.contains(&full_only),
            "{full_only} in the live set"
        );
    }
}
