//! The standardizer with vision: runs the models around the pure `core::standardize` steps so every
//! photo is measured honestly — the crown from a refined person mask, the composite mask refined at
//! full resolution only inside the crop, and the self-check on a fresh analysis of the encoded photo.
//!
//! Owns the order of model calls for one photo. Must not touch files, the UI or the database: the CLI
//! and the pipeline call it with images in memory and decide what to do with the result.

use image::RgbImage;

use crate::core::face::{FaceDetection, FaceKeypoints, PersonMask};
use crate::core::geometry::{Point, Rect, SizePx};
use crate::core::spec::{PhotoSpec, Rgb8};
use crate::core::standardize::{
    self, CropPlan, CrownQuery, FacePoints, FinishInput, HeadMeasure, MaskWalk, StandardizeError,
    StandardizeFailure, StandardizeSettings, StandardizedPhoto,
};
use crate::split;
use crate::vision::{AnalyzeMode, Vision, VisionError};

/// Margin refined around the first crop's bounding box, fraction of its size on each side: re-planning
/// with the crown measured on the photo's own mask moves the crop by a few pixels (a crown that moves
/// 5 px on a 640-px photo shifts the crop by under 1 %).
pub const MASK_MARGIN_FRAC: f32 = 0.05;
/// Re-plans with the crown measured on the photo mask (one normally suffices; the others absorb the
/// small change of scale the first makes).
const CROWN_REPLAN_ROUNDS: usize = 3;
/// Refinements of the crop region at most: a second one only when the crown measured on the first
/// moved the crop outside it.
const REFINE_ROUNDS: usize = 2;
/// Crown disagreement between the plan and the photo mask that is left alone, photo px.
const CROWN_AGREEMENT_PX: f32 = 0.5;

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
pub type CaptureVision = crate::vision::ImageVision;

/// Runs detection, mesh and segmentation on a capture (the segmenter on a second thread, see
/// [`Vision::analyze_and_segment`]).
pub fn analyze_capture(
    vision: &mut Vision,
    capture: &RgbImage,
) -> Result<CaptureVision, VisionError> {
    vision.analyze_and_segment(capture, AnalyzeMode::Capture)
}

/// Analyses `capture` and turns it into a photo for `spec` with `background`.
pub fn standardize_capture(
    vision: &mut Vision,
    capture: &RgbImage,
    spec: &PhotoSpec,
    background: Rgb8,
    settings: &StandardizeSettings,
) -> Result<StandardizedPhoto, StandardizerError> {
    // Only the primary face matters for the photo: the fine pass for second faces (for the checks'
    // `multiple_faces`) is skipped once the whole-image pass has settled it.
    vision.primary_face_work(capture, |vision, seen| {
        standardize_analyzed(vision, capture, seen, spec, background, settings)
    })?
}

/// Turns an analysed capture into a photo; the photo is then analysed again for the self-check.
///
/// The crown the crop is planned with is finally measured on the very mask the photo is composited
/// with, by the walk the self-check makes on it, so plan and self-check cannot disagree by the few
/// pixels two separately refined masks differ by. The mask is refined once, around the first crop.
pub fn standardize_analyzed(
    vision: &mut Vision,
    capture: &RgbImage,
    seen: &CaptureVision,
    spec: &PhotoSpec,
    background: Rgb8,
    settings: &StandardizeSettings,
) -> Result<StandardizedPhoto, StandardizerError> {
    let capture_size = SizePx::new(capture.width(), capture.height());
    let first_head = measure_head(seen, spec, settings)?;
    let first_plan = standardize::plan_crop(&first_head, capture_size, spec, settings)?;
    let mut attempt = (first_head, first_plan);
    let mut rounds = 0;
    let Planned {
        head,
        plan,
        photo_mask,
    } = loop {
        rounds += 1;
        let (head, plan) = attempt;
        let region = mask_region(&plan);
        let region_mask =
            vision.refine_mask(capture, &seen.segmentation, region.rect, region.size)?;
        let first = Planned {
            photo_mask: standardize::mask_to_photo(&region_mask, region.rect, &plan)?,
            head,
            plan,
        };
        match plan_on_photo_mask(
            first,
            &region_mask,
            region.rect,
            capture_size,
            spec,
            settings,
        )? {
            Replanned::Settled(planned) => break planned,
            // The crown on the refined mask moved the crop out of the refined region (the coarse
            // crown was far off): refine once more around the new crop.
            Replanned::LeftRegion { next, .. } if rounds < REFINE_ROUNDS => attempt = next,
            Replanned::LeftRegion { last, .. } => break last,
        }
    };
    let input = FinishInput {
        capture,
        head: &head,
        plan: &plan,
        photo_mask,
        spec,
        background,
    };
    // The second core is idle once the segmentation is done: the crop is rendered here while the
    // mask is despeckled there.
    let (rendered, despeckled) = split::join(
        || standardize::render_photo(capture, &plan),
        || standardize::despeckle_mask(&input.photo_mask),
    );
    let finished = standardize::finish_rendered(&input, rendered?, despeckled)?;
    // The landmarks are measured again on the photo's own pixels. Where to look is known (the
    // capture's face mapped into the photo), so the mesh runs without another detector pass; a photo
    // in which the mesh no longer finds a face fails. The background's colour difference needs no
    // face and is measured beside the mesh.
    let primary = seen
        .analysis
        .primary_face()
        .ok_or_else(|| StandardizeError::from(StandardizeFailure::NoFace))?;
    let (again, delta_e) = split::join(
        || vision.mesh_face(&finished.pixels, &in_photo(primary, &plan)),
        || standardize::photo_background_delta_e(&finished),
    );
    let again = again?;
    let Some(mesh) = again.as_ref() else {
        // The photo no longer shows a face vision can find: never a silent success.
        let mut photo = finished;
        photo.record.check.failures = vec![StandardizeFailure::NoFace];
        return Ok(photo);
    };
    let face = FacePoints::from_mesh(mesh);
    Ok(standardize::attach_self_check_with(
        finished, &face, delta_e, spec, settings,
    ))
}

/// A capture's face detection mapped into the photo of `plan`.
fn in_photo(face: &FaceDetection, plan: &CropPlan) -> FaceDetection {
    let map = |point: Point| plan.transform.to_photo(point);
    let scale = plan.transform.scale;
    let keypoints = &face.keypoints;
    FaceDetection {
        bbox: Rect::from_center(
            map(face.bbox.center()),
            face.bbox.width * scale,
            face.bbox.height * scale,
        ),
        score: face.score,
        keypoints: FaceKeypoints {
            right_eye: map(keypoints.right_eye),
            left_eye: map(keypoints.left_eye),
            nose_tip: map(keypoints.nose_tip),
            mouth_center: map(keypoints.mouth_center),
            right_ear: map(keypoints.right_ear),
            left_ear: map(keypoints.left_ear),
        },
    }
}

/// A head, the crop planned for it and the photo-space mask of that crop.
struct Planned {
    head: HeadMeasure,
    plan: CropPlan,
    photo_mask: PersonMask,
}

/// How a re-plan on the photo mask ended.
enum Replanned {
    /// Plan and photo mask agree (or no better plan was found).
    Settled(Planned),
    /// The re-planned crop (`next`) leaves the refined region; `last` is the last plan inside it.
    LeftRegion {
        last: Planned,
        next: (HeadMeasure, CropPlan),
    },
}

/// Re-plans the crop with the crown measured on the photo's own (despeckled) mask until the two
/// agree: at most [`CROWN_REPLAN_ROUNDS`] rounds, and only while the new crop stays inside the refined
/// region. A re-plan that fails keeps the last plan; the self-check then reports what is wrong.
fn plan_on_photo_mask(
    mut planned: Planned,
    region_mask: &PersonMask,
    region: Rect,
    capture_size: SizePx,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<Replanned, StandardizerError> {
    for _ in 0..CROWN_REPLAN_ROUNDS {
        let Some(crown) = photo_crown(&planned) else {
            break;
        };
        if (crown.y - planned.plan.predicted.crown_px).abs() <= CROWN_AGREEMENT_PX {
            break;
        }
        let head = HeadMeasure {
            crown: planned.plan.transform.to_capture(crown),
            ..planned.head
        };
        let Ok(plan) = standardize::plan_crop(&head, capture_size, spec, settings) else {
            break;
        };
        if !contains(region, standardize::crop_bounds(&plan)) {
            return Ok(Replanned::LeftRegion {
                last: planned,
                next: (head, plan),
            });
        }
        planned = Planned {
            photo_mask: standardize::mask_to_photo(region_mask, region, &plan)?,
            head,
            plan,
        };
    }
    Ok(Replanned::Settled(planned))
}

/// The crown walked on the photo mask as the self-check walks it (despeckled mask, levelled photo,
/// the head's points mapped into the photo). None when the hair leaves the photo.
fn photo_crown(planned: &Planned) -> Option<Point> {
    let mask = standardize::despeckle_mask(&planned.photo_mask);
    let mapped = planned.head.mapped(&planned.plan.transform);
    let size = planned.plan.photo_size;
    let query = CrownQuery {
        image: size,
        eye_mid: mapped.eye_mid(),
        roll_deg: 0.0,
        face_width_px: mapped.face_width_px,
    };
    let whole = Rect::new(0.0, 0.0, size.width as f32, size.height as f32);
    crown_in_mask(&mask, whole, &query).ok()
}

/// [`standardize::crown_from_mask`] with half of the columns walked on the other core (the same
/// crown: the columns are independent).
fn crown_in_mask(
    mask: &PersonMask,
    mask_region: Rect,
    query: &CrownQuery,
) -> Result<Point, StandardizeFailure> {
    let walk = MaskWalk::new(mask, mask_region, query)?;
    let columns = walk.columns();
    let middle = columns / 2;
    let (left, right) = split::join(|| walk.tops(0..middle), || walk.tops(middle..columns));
    walk.crown(&[left, right])
}

/// Whether `outer` holds all of `inner`.
fn contains(outer: Rect, inner: Rect) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.right() <= outer.right()
        && inner.bottom() <= outer.bottom()
}

/// A capture region to refine and the mask size for it.
struct MaskRegion {
    rect: Rect,
    size: SizePx,
}

/// The crop's bounding box grown by [`MASK_MARGIN_FRAC`] on every side, at photo resolution: a crop
/// re-planned a few pixels away still lies inside it.
fn mask_region(plan: &CropPlan) -> MaskRegion {
    let bounds = standardize::crop_bounds(plan);
    let margin_x = bounds.width * MASK_MARGIN_FRAC;
    let margin_y = bounds.height * MASK_MARGIN_FRAC;
    let rect = Rect::new(
        bounds.x - margin_x,
        bounds.y - margin_y,
        bounds.width + 2.0 * margin_x,
        bounds.height + 2.0 * margin_y,
    );
    let scale = plan.transform.scale;
    let side = |length: f32| ((length * scale).ceil() as u32).max(1);
    MaskRegion {
        rect,
        size: SizePx::new(side(rect.width), side(rect.height)),
    }
}

/// Eyes, chin and face width from the mesh, and a first crown on the segmenter's coarse mask. The crop
/// planned with it is refined, and the crown then measured on that refined mask (see
/// [`plan_on_photo_mask`]): a coarse crown a few pixels off moves the crop by less than the refined
/// margin, and one further off is refined again around the moved crop.
fn measure_head(
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
    let size = seen.analysis.image_size;
    let whole = Rect::new(0.0, 0.0, size.width as f32, size.height as f32);
    let crown = crown_in_mask(&seen.segmentation.coarse_person_mask(), whole, &query)
        .map_err(StandardizeError::from)?;
    Ok(HeadMeasure::from_mesh(mesh, crown))
}
