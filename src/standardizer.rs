//! The standardizer with vision: runs the models around the pure `core::standardize` steps so every
//! photo is measured honestly — the crown from a refined person mask, the composite mask refined at
//! full resolution only inside the crop, and the self-check on a fresh analysis of the encoded photo.
//!
//! Owns the order of model calls for one photo. Must not touch files, the UI or the database: the CLI
//! and the pipeline call it with images in memory and decide what to do with the result.

use image::RgbImage;

use crate::core::face::{FaceAnalysis, PersonMask};
use crate::core::geometry::{Rect, SizePx};
use crate::core::spec::{PhotoSpec, Rgb8};
use crate::core::standardize::{
    self, FacePoints, FinishInput, StandardizeError, StandardizeFailure, StandardizeSettings,
    StandardizedPhoto,
};
use crate::vision::{AnalyzeMode, Segmentation, Vision, VisionError};

/// Long side of the whole-capture mask the crown is searched in, px. At 512 px a 1350-px capture's mask
/// pixel is 2.6 capture px, under 1.5 photo px at the scales ID photos use; refining it costs a few ms.
pub const CROWN_MASK_LONG_SIDE_PX: u32 = 512;

/// Errors of the standardizer: a model failed, or the photo could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StandardizerError {
    #[error("vision failed: {0}")]
    Vision(#[from] VisionError),
    #[error(transparent)]
    Standardize(#[from] StandardizeError),
}

impl StandardizerError {
    /// The typed reasons when the capture was rejected (empty for internal errors).
    pub fn failures(&self) -> &[StandardizeFailure] {
        match self {
            Self::Standardize(error) => error.failures(),
            Self::Vision(_) => &[],
        }
    }
}

/// What vision found in a capture, computed once and shared by the checks and every profile rendered
/// from the same capture.
#[derive(Debug, Clone)]
pub struct CaptureVision {
    pub analysis: FaceAnalysis,
    pub segmentation: Segmentation,
}

/// Runs detection, mesh and segmentation on a capture.
pub fn analyze_capture(
    vision: &mut Vision,
    capture: &RgbImage,
) -> Result<CaptureVision, VisionError> {
    Ok(CaptureVision {
        analysis: vision.analyze(capture, AnalyzeMode::Capture)?,
        segmentation: vision.segment(capture)?,
    })
}

/// Analyses `capture` and turns it into a photo for `spec` with `background`.
pub fn standardize_capture(
    vision: &mut Vision,
    capture: &RgbImage,
    spec: &PhotoSpec,
    background: Rgb8,
    settings: &StandardizeSettings,
) -> Result<StandardizedPhoto, StandardizerError> {
    let seen = analyze_capture(vision, capture)?;
    standardize_analyzed(vision, capture, &seen, spec, background, settings)
}

/// Turns an analysed capture into a photo; the photo is then analysed again for the self-check.
pub fn standardize_analyzed(
    vision: &mut Vision,
    capture: &RgbImage,
    seen: &CaptureVision,
    spec: &PhotoSpec,
    background: Rgb8,
    settings: &StandardizeSettings,
) -> Result<StandardizedPhoto, StandardizerError> {
    let capture_size = SizePx::new(capture.width(), capture.height());
    let whole = Rect::new(
        0.0,
        0.0,
        capture_size.width as f32,
        capture_size.height as f32,
    );
    if seen.analysis.mesh.is_none() {
        return Err(StandardizeError::from(StandardizeFailure::NoFace).into());
    }
    let crown_mask = vision.refine_mask(
        capture,
        &seen.segmentation,
        whole,
        crown_mask_size(capture_size),
    )?;
    let head = standardize::measure_head(&seen.analysis, &crown_mask, whole, spec, settings)?;
    let plan = standardize::plan_crop(&head, capture_size, spec, settings)?;
    let photo_mask = photo_mask(vision, capture, &seen.segmentation, &plan)?;
    let finished = standardize::finish_photo(&FinishInput {
        capture,
        head: &head,
        plan: &plan,
        photo_mask,
        spec,
        background,
    })?;
    let again = vision.analyze(&finished.pixels, AnalyzeMode::Capture)?;
    let Some(mesh) = again.mesh.as_ref() else {
        // The photo no longer shows a face vision can find: never a silent success.
        let mut photo = finished;
        photo.record.check.failures = vec![StandardizeFailure::NoFace];
        return Ok(photo);
    };
    let face = FacePoints::from_mesh(mesh);
    Ok(standardize::attach_self_check(
        finished, &face, spec, settings,
    ))
}

/// Size of the whole-capture mask used for the crown.
fn crown_mask_size(capture: SizePx) -> SizePx {
    let long = capture.width.max(capture.height).max(1);
    if long <= CROWN_MASK_LONG_SIDE_PX {
        return capture;
    }
    let scale = CROWN_MASK_LONG_SIDE_PX as f32 / long as f32;
    SizePx::new(
        ((capture.width as f32 * scale).round() as u32).max(1),
        ((capture.height as f32 * scale).round() as u32).max(1),
    )
}

/// The refined person mask in photo pixels: refinement runs only over the crop's bounding box.
fn photo_mask(
    vision: &mut Vision,
    capture: &RgbImage,
    segmentation: &Segmentation,
    plan: &standardize::CropPlan,
) -> Result<PersonMask, StandardizerError> {
    let bounds = standardize::crop_bounds(plan);
    let size = standardize::crop_bounds_size(plan);
    let in_bounds = vision.refine_mask(capture, segmentation, bounds, size)?;
    Ok(standardize::mask_to_photo(&in_bounds, bounds, plan)?)
}
