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
    self, FacePoints, FinishInput, HeadMeasure, StandardizeError, StandardizeFailure,
    StandardizeSettings, StandardizedPhoto,
};
use crate::vision::{AnalyzeMode, Segmentation, Vision, VisionError};

/// Longest side of the refined crown-band mask, px: the band is refined at capture resolution up to
/// this size (a band is about 0.6 x 0.35 face widths, so this caps only very large faces).
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
    let head = measure_head(vision, capture, seen, spec, settings)?;
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
    // The photo is a tight portrait: one detector pass finds the face (no central-crop retry needed).
    let again = vision.analyze(&finished.pixels, AnalyzeMode::Frame)?;
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

/// Eyes, chin and face width from the mesh; the crown first on the segmenter's coarse mask, then
/// sharpened on a mask refined only in a band around that first estimate (a few thousand pixels instead
/// of the whole capture).
fn measure_head(
    vision: &mut Vision,
    capture: &RgbImage,
    seen: &CaptureVision,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<HeadMeasure, StandardizerError> {
    let mesh = seen
        .analysis
        .mesh
        .as_ref()
        .ok_or_else(|| StandardizeError::from(StandardizeFailure::NoFace))?;
    let query = standardize::capture_crown_query(&seen.analysis, spec, settings)?;
    let whole = Rect::new(0.0, 0.0, capture.width() as f32, capture.height() as f32);
    let rough =
        standardize::crown_from_mask(&seen.segmentation.coarse_person_mask(), whole, &query)
            .map_err(StandardizeError::from)?;
    let band = standardize::crown_band(&query, rough);
    let band_mask = vision.refine_mask(
        capture,
        &seen.segmentation,
        band.region,
        band_mask_size(band.region),
    )?;
    let crown = match standardize::crown_from_mask(&band_mask, band.region, &band.query) {
        Ok(crown) => crown,
        // The walk left the band, not the capture, or lost the head: keep the coarse crown.
        Err(StandardizeFailure::FaceCutOff { .. }) if !band.touches_top() => rough,
        Err(StandardizeFailure::NoPerson) => rough,
        Err(failure) => return Err(StandardizeError::from(failure).into()),
    };
    Ok(HeadMeasure::from_mesh(mesh, crown))
}

/// The band mask at capture resolution, its long side capped at [`CROWN_MASK_LONG_SIDE_PX`].
fn band_mask_size(region: Rect) -> SizePx {
    let long = region.width.max(region.height).max(1.0);
    let scale = (CROWN_MASK_LONG_SIDE_PX as f32 / long).min(1.0);
    SizePx::new(
        ((region.width * scale).round() as u32).max(1),
        ((region.height * scale).round() as u32).max(1),
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
