//! Standardization: turns a capture (plus what vision found in it) into exactly the photo a profile
//! accepts — crop geometry solved against every band at once, background replaced with decontaminated
//! soft edges, encoded to the profile's size, dpi and byte window, then measured again.
//!
//! Pure: takes images, face data and masks in memory and returns bytes and records. Running the models
//! (analysis, mask, re-analysis of the photo) is the caller's job (`crate::standardizer`); nothing here
//! touches files, threads, clocks or inference.
//!
//! Steps, each usable on its own:
//! 1. [`measure_head`]: eyes, chin, face width from the mesh; crown from the person mask (`crown`).
//! 2. [`plan_crop`]: scale, offset and optional levelling rotation (`solve`, an exact small QP).
//! 3. [`render_photo`] / [`mask_to_photo`]: resample only inside the crop (`render`).
//! 4. [`replace_background`] (`composite`), then [`encode_photo`] (`encode`).
//! 5. [`self_check`] on the decoded bytes (`selfcheck`).
//!
//! [`standardize`] runs them all with the capture measurement mapped into the photo for the self-check;
//! the pipeline uses the steps directly so it can re-analyse the photo with vision.

mod color;
mod composite;
mod crown;
mod encode;
mod failure;
mod fusion;
mod qp;
mod render;
mod sat;
mod selfcheck;
mod solve;
mod transform;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::core::face::{FaceAnalysis, PersonMask};
use crate::core::geometry::{Rect, SizePx};
use crate::core::spec::{PhotoSpec, Rgb8};

pub use color::{Lab, delta_e76, srgb_to_lab};
pub use composite::{MaskStats, despeckle_mask, replace_background};
pub use crown::{ColumnTops, CrownQuery, MaskWalk, crown_from_mask, crown_from_pixels};
pub use encode::{EncodedPhoto, EncodingRecord, encode_jpeg, encode_photo, encode_png};
pub use failure::{CaptureEdge, GeometryMeasure, StandardizeError, StandardizeFailure};
pub use render::{crop_bounds, crop_bounds_size, mask_to_photo, render_photo};
use selfcheck::Measured;
pub use selfcheck::{FacePoints, SelfCheck, background_delta_e, band_values, self_check};
pub use solve::solve_crop;
pub use transform::{CropPlan, HeadMeasure, PhotoGeometry, PhotoTransform, rotate_about};

/// Tunables of the standardizer that no photo standard fixes. Every default carries its source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StandardizeSettings {
    /// Smallest eye-line roll levelled by rotation (profiles that allow rotation only), degrees.
    /// Default 2°: HivisionIDPhotos auto-rotates above 2° (photo-specs.md §7).
    pub roll_correction_min_deg: f32,
    /// Fraction of each band's width the solver keeps free on both sides, so re-measuring the photo
    /// (a new mesh on a smaller image moves points by a few px) stays inside. Default 0.1 (operator
    /// choice); the solver falls back to the full band when the margin makes the bands conflict.
    pub band_margin_frac: f32,
    /// Crown margin aimed at when a profile states no vertical band, fraction of the photo height.
    /// Default 0.1: "top 1/10 empty, head 7/10" (CET photo notice, photo-specs.md §4 [C]).
    pub default_headroom_frac: f32,
    /// Largest mean ΔE76 between the photo's background and the chosen colour. Default 3.0: just above
    /// the ΔE ≈ 2.3 just-noticeable difference (Sharma 2003), leaving room for JPEG rounding.
    pub background_delta_e_max: f32,
}

impl Default for StandardizeSettings {
    fn default() -> Self {
        Self {
            roll_correction_min_deg: 2.0,
            band_margin_frac: 0.1,
            default_headroom_frac: 0.1,
            background_delta_e_max: 3.0,
        }
    }
}

/// Everything needed to understand or re-render a standardized photo later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardizeRecord {
    pub profile: String,
    pub capture_size: SizePx,
    /// The head as measured in the capture: re-solving it with another profile gives that profile's crop.
    pub head: HeadMeasure,
    pub plan: CropPlan,
    pub background: Rgb8,
    pub replaced_background: bool,
    pub mask: MaskStats,
    pub encoding: EncodingRecord,
    pub check: SelfCheck,
}

/// A finished photo: the file's bytes, the pixels they decode to, and the record.
#[derive(Debug, Clone)]
pub struct StandardizedPhoto {
    pub encoded: EncodedPhoto,
    /// The encoded file decoded again (what the self-check measured).
    pub pixels: RgbImage,
    /// The photo-space person mask used for compositing and the self-check.
    pub mask: PersonMask,
    pub record: StandardizeRecord,
}

impl StandardizedPhoto {
    /// True when the self-check found the photo inside every band.
    pub fn passed(&self) -> bool {
        self.record.check.passed()
    }
}

/// The crown search for a capture's primary face, levelled when the profile will level the photo.
pub fn capture_crown_query(
    analysis: &FaceAnalysis,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<CrownQuery, StandardizeError> {
    let mesh = analysis.mesh.as_ref().ok_or(StandardizeFailure::NoFace)?;
    if analysis.primary_face().is_none() {
        return Err(StandardizeFailure::NoFace.into());
    }
    let points = FacePoints::from_mesh(mesh);
    let level = spec.allow_rotation && mesh.roll_deg.abs() >= settings.roll_correction_min_deg;
    Ok(CrownQuery {
        image: analysis.image_size,
        eye_mid: points.eye_mid(),
        roll_deg: if level { mesh.roll_deg } else { 0.0 },
        face_width_px: points.face_width_px,
    })
}

/// Measures the head in a capture: mesh points from `analysis`, crown from `mask`, which covers
/// `mask_region` of the capture at any resolution.
pub fn measure_head(
    analysis: &FaceAnalysis,
    mask: &PersonMask,
    mask_region: Rect,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<HeadMeasure, StandardizeError> {
    let query = capture_crown_query(analysis, spec, settings)?;
    let mesh = analysis.mesh.as_ref().ok_or(StandardizeFailure::NoFace)?;
    let crown = crown_from_mask(mask, mask_region, &query)?;
    Ok(HeadMeasure::from_mesh(mesh, crown))
}

/// Solves the crop for a measured head.
pub fn plan_crop(
    head: &HeadMeasure,
    capture: SizePx,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<CropPlan, StandardizeError> {
    solve_crop(head, capture, spec, settings).map_err(StandardizeError::Rejected)
}

/// The inputs of [`standardize`].
#[derive(Debug, Clone, Copy)]
pub struct StandardizeInput<'a> {
    pub capture: &'a RgbImage,
    pub analysis: &'a FaceAnalysis,
    /// Person mask covering the whole capture (any resolution).
    pub mask: &'a PersonMask,
    pub spec: &'a PhotoSpec,
    /// Background colour (one of the profile's choices or any colour the operator picked).
    pub background: Rgb8,
}

/// Runs every step. The self-check uses the capture's face points mapped through the crop and the
/// crown and background measured from the photo's own pixels.
pub fn standardize(
    input: &StandardizeInput<'_>,
    settings: &StandardizeSettings,
) -> Result<StandardizedPhoto, StandardizeError> {
    let capture_size = SizePx::new(input.capture.width(), input.capture.height());
    let whole = Rect::new(
        0.0,
        0.0,
        capture_size.width as f32,
        capture_size.height as f32,
    );
    let head = measure_head(input.analysis, input.mask, whole, input.spec, settings)?;
    let plan = plan_crop(&head, capture_size, input.spec, settings)?;
    let photo_mask = mask_to_photo(input.mask, whole, &plan)?;
    let finished = finish_photo(&FinishInput {
        capture: input.capture,
        head: &head,
        plan: &plan,
        photo_mask,
        spec: input.spec,
        background: input.background,
    })?;
    let mapped = head.mapped(&plan.transform);
    let face = FacePoints {
        right_eye: mapped.right_eye,
        left_eye: mapped.left_eye,
        chin: mapped.chin,
        face_width_px: mapped.face_width_px,
    };
    Ok(attach_self_check(finished, &face, input.spec, settings))
}

/// Inputs of [`finish_photo`]: a solved plan plus the photo-space mask.
#[derive(Debug, Clone)]
pub struct FinishInput<'a> {
    pub capture: &'a RgbImage,
    pub head: &'a HeadMeasure,
    pub plan: &'a CropPlan,
    /// Person mask in photo pixels (from `mask_to_photo` or a mask-in-crop request).
    pub photo_mask: PersonMask,
    pub spec: &'a PhotoSpec,
    pub background: Rgb8,
}

/// Renders, composites, encodes and decodes the photo. The self-check is still empty: call
/// [`attach_self_check`] with the photo's face points.
pub fn finish_photo(input: &FinishInput<'_>) -> Result<StandardizedPhoto, StandardizeError> {
    let photo_mask = despeckle_mask(&input.photo_mask);
    let rendered = render_photo(input.capture, input.plan)?;
    finish_rendered(input, rendered, photo_mask)
}

/// [`finish_photo`] from its two independent first steps, done by the caller (the standardizer runs
/// them on two threads): `rendered` is [`render_photo`] of the plan, `photo_mask` is
/// [`despeckle_mask`] of `input.photo_mask`.
pub fn finish_rendered(
    input: &FinishInput<'_>,
    rendered: RgbImage,
    photo_mask: PersonMask,
) -> Result<StandardizedPhoto, StandardizeError> {
    let composed = if input.spec.replace_background {
        replace_background(&rendered, &photo_mask, input.background)?
    } else {
        rendered
    };
    let encoded = encode_photo(&composed, input.spec)?;
    let pixels = image::load_from_memory(&encoded.bytes)
        .map_err(|error| StandardizeError::Decode(error.to_string()))?
        .to_rgb8();
    let record = StandardizeRecord {
        profile: input.spec.name.clone(),
        capture_size: SizePx::new(input.capture.width(), input.capture.height()),
        head: *input.head,
        plan: *input.plan,
        background: input.background,
        replaced_background: input.spec.replace_background,
        mask: MaskStats::of(&photo_mask),
        encoding: EncodingRecord {
            format: encoded.format,
            jpeg_quality: encoded.jpeg_quality,
            bytes: encoded.bytes.len() as u64,
            dpi: input.spec.dpi,
        },
        check: SelfCheck {
            geometry: input.plan.predicted,
            background_delta_e: None,
            failures: Vec::new(),
        },
    };
    Ok(StandardizedPhoto {
        encoded,
        pixels,
        mask: photo_mask,
        record,
    })
}

/// Runs the self-check on a finished photo with the given photo-space face points.
pub fn attach_self_check(
    photo: StandardizedPhoto,
    face: &FacePoints,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> StandardizedPhoto {
    let delta_e = photo_background_delta_e(&photo);
    attach_self_check_with(photo, face, delta_e, spec, settings)
}

/// The mean colour difference of a finished photo's background from its chosen colour (see
/// [`background_delta_e`]): the part of the self-check that needs no face, so it can be measured
/// while the face is.
pub fn photo_background_delta_e(photo: &StandardizedPhoto) -> Option<f32> {
    background_delta_e(&photo.pixels, &photo.mask, photo.record.background)
}

/// [`attach_self_check`] with the background difference already measured by
/// [`photo_background_delta_e`].
pub fn attach_self_check_with(
    mut photo: StandardizedPhoto,
    face: &FacePoints,
    background_delta_e: Option<f32>,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> StandardizedPhoto {
    photo.record.check = selfcheck::judge(
        SizePx::new(photo.pixels.width(), photo.pixels.height()),
        &photo.mask,
        face,
        spec,
        Measured {
            background_delta_e,
            replaced: photo.record.replaced_background,
        },
        settings,
    );
    photo
}
