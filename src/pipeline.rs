//! The capture pipeline shared by the booth and `idbooth enroll`: one capture in, the quality report and
//! (when it can be made) the standardized photo out. Vision runs once per capture; the checks and the
//! standardizer share its results.
//!
//! Owns the order of the steps. Must not touch files, the UI or the database: callers decide what to keep.

use image::RgbImage;

use crate::core::checks::{self, CheckSet, CheckThresholds, QualityReport, Verdict};
use crate::core::geometry::SizePx;
use crate::core::spec::{PhotoSpec, Rgb8};
use crate::core::standardize::{StandardizeSettings, StandardizedPhoto};
use crate::standardizer::{self, StandardizerError};
use crate::vision::{ImageVision, Vision, VisionError};

/// Errors that stop the pipeline (a model failed); a rejected capture is not an error.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("vision failed: {0}")]
    Vision(#[from] VisionError),
}

/// What became of one capture.
#[derive(Debug)]
pub struct Processed {
    /// Every check, measured on the capture.
    pub report: QualityReport,
    /// The photo, or why none could be made (`face_cut_off`, `low_resolution`, …).
    pub photo: Result<StandardizedPhoto, StandardizerError>,
}

impl Processed {
    /// Codes of everything that failed: the checks' failures, then the standardizer's reasons.
    pub fn failure_codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self
            .report
            .failures()
            .iter()
            .map(|code| code.as_str().to_string())
            .collect();
        let photo_failures = match &self.photo {
            Ok(photo) => photo.record.check.failures.clone(),
            Err(error) => error.failures().to_vec(),
        };
        for failure in photo_failures {
            let code = failure.code().to_string();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    /// True when every check passed and the photo meets its profile (初审合格).
    pub fn passed(&self) -> bool {
        self.report.verdict() == Verdict::Pass
            && self.photo.as_ref().is_ok_and(StandardizedPhoto::passed)
    }
}

/// Runs vision, the full check catalogue and the standardizer on one capture.
pub fn process_capture(
    vision: &mut Vision,
    capture: &RgbImage,
    spec: &PhotoSpec,
    background: Rgb8,
    thresholds: &CheckThresholds,
) -> Result<Processed, PipelineError> {
    // The photo, then the checks, are made while the capture's fine pass for small second faces
    // finishes on the second core; `multiple_faces` is then judged again on the complete analysis (every face large
    // enough to count), the only check that reads more than the primary face's mesh.
    vision.set_second_face_area_ratio(thresholds.max_second_face_area_ratio);
    let (seen, (photo, mut report)) = vision.analyze_capture_and(capture, |vision, seen| {
        let photo = standardizer::standardize_analyzed(
            vision,
            capture,
            seen,
            spec,
            background,
            &StandardizeSettings::default(),
        );
        (photo, full_report(capture, seen, spec, thresholds))
    })?;
    checks::recount_faces(&mut report, image_size(capture), &seen.analysis, thresholds);
    Ok(Processed { report, photo })
}

/// Vision and the full check catalogue for one capture, as [`process_capture`] without the photo:
/// the checks run on this thread while the fine pass for small second faces goes on on the
/// other, and `multiple_faces` is judged again once it is complete. The report is exactly what
/// [`checks::run`] gives on the complete analysis.
pub fn analyze_and_check(
    vision: &mut Vision,
    capture: &RgbImage,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
) -> Result<(ImageVision, QualityReport), VisionError> {
    vision.set_second_face_area_ratio(thresholds.max_second_face_area_ratio);
    let (seen, mut report) = vision.analyze_capture_and(capture, |_, seen| {
        full_report(capture, seen, spec, thresholds)
    })?;
    checks::recount_faces(&mut report, image_size(capture), &seen.analysis, thresholds);
    Ok((seen, report))
}

/// Every check of the full set on `seen` (the coarse person mask serves the background checks).
fn full_report(
    capture: &RgbImage,
    seen: &ImageVision,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
) -> QualityReport {
    let mask = seen.segmentation.coarse_person_mask();
    checks::run(
        capture,
        &seen.analysis,
        Some(&mask),
        spec,
        thresholds,
        CheckSet::Full,
    )
}

fn image_size(image: &RgbImage) -> SizePx {
    SizePx::new(image.width(), image.height())
}
