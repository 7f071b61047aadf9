//! The pose guide: where a well-posed head, eye line and shoulders sit in the camera frame for the active
//! profile, computed from the profile's geometry bands (crown, head height, eye line). The UI draws it over
//! the (mirrored) preview; the live hints compare the face with it.
//!
//! Owns the geometry only: pure functions of `PhotoSpec` and the frame size. Must not touch the camera.

use crate::core::geometry::{Rect, SizePx};
use crate::core::spec::{Band, PhotoSpec};

use super::views::{NormEllipse, PoseGuide};

/// Share of the frame height the guide's photo crop takes: leaves room above the crown and keeps the
/// shoulders in frame (a guide filling the whole height would ask students to stand unnaturally close).
const PHOTO_HEIGHT_OF_FRAME: f32 = 0.9;
/// Crown below the photo's top edge when the profile does not say (ICAO-style photos: ~8 %).
const DEFAULT_CROWN_FRAC: f32 = 0.08;
/// Crown-to-chin height when the profile does not say (middle of the common 0.62–0.72 band).
const DEFAULT_HEAD_FRAC: f32 = 0.67;
/// Crown-to-chin height per cheek-to-cheek face width (adult anthropometry: head ≈ 1.5 face widths with hair).
const HEAD_HEIGHT_PER_FACE_WIDTH: f32 = 1.5;
/// Eye line below the crown as a share of the crown-to-chin height (eyes sit near the middle of the head
/// including hair; ISO/IEC 19794-5 figures put them at 45–50 %).
const EYE_FROM_CROWN_OF_HEAD: f32 = 0.47;
/// The eye line is never drawn outside this share of the head below the crown (anthropometric range
/// including hair styles).
const EYE_FROM_CROWN_MIN_OF_HEAD: f32 = 0.35;
const EYE_FROM_CROWN_MAX_OF_HEAD: f32 = 0.6;
/// Half the eye-line band when the profile gives no band (± 3 % of the photo height).
const DEFAULT_EYE_BAND_HALF: f32 = 0.03;
/// Head width per crown-to-chin height (the outline drawn: an ellipse, not a measurement).
const HEAD_WIDTH_PER_HEIGHT: f32 = 0.72;
/// Chin to shoulder line as a share of the head height (neck).
const SHOULDER_BELOW_CHIN_OF_HEAD: f32 = 0.3;
/// The shoulder line never goes below this (it must stay visible).
const SHOULDER_MAX_Y: f32 = 0.98;
/// Assumed frame when none has arrived yet (the default camera mode).
pub(super) const DEFAULT_FRAME: SizePx = SizePx::new(1280, 720);

/// Vertical positions inside the photo, as fractions of its height from the top.
struct PhotoLayout {
    crown: f32,
    head: f32,
    eye_top: f32,
    eye_bottom: f32,
}

fn photo_layout(spec: &PhotoSpec) -> PhotoLayout {
    let geometry = &spec.geometry;
    let height = spec.height_px.max(1) as f32;
    let crown = geometry
        .crown_from_top_px
        .map_or(DEFAULT_CROWN_FRAC, |band| band.mid() / height);
    let head = geometry.head_height_frac.map_or_else(
        || {
            geometry.face_width_px.map_or(DEFAULT_HEAD_FRAC, |band| {
                band.mid() * HEAD_HEIGHT_PER_FACE_WIDTH / height
            })
        },
        |band| band.mid(),
    );
    let from_top = |band: Band| Band::new(band.min / height, band.max / height);
    let from_bottom_px = |band: Band| Band::new(1.0 - band.max / height, 1.0 - band.min / height);
    let from_bottom_frac = |band: Band| Band::new(1.0 - band.max, 1.0 - band.min);
    let typical = crown + head * EYE_FROM_CROWN_OF_HEAD;
    let plausible = Band::new(
        crown + head * EYE_FROM_CROWN_MIN_OF_HEAD,
        crown + head * EYE_FROM_CROWN_MAX_OF_HEAD,
    );
    let stated = geometry
        .eye_line_from_top_px
        .map(from_top)
        .or_else(|| geometry.eye_line_from_bottom_px.map(from_bottom_px))
        .or_else(|| geometry.eye_line_from_bottom_frac.map(from_bottom_frac));
    // A profile's band can be far wider than a head allows (GA 461 gives 207–441 px): draw only the part
    // where eyes can actually be, or the typical position when the two do not overlap.
    let eye = stated
        .map(|band| Band::new(band.min.max(plausible.min), band.max.min(plausible.max)))
        .filter(|band| band.min <= band.max)
        .unwrap_or_else(|| {
            Band::new(
                typical - DEFAULT_EYE_BAND_HALF,
                typical + DEFAULT_EYE_BAND_HALF,
            )
        });
    PhotoLayout {
        crown,
        head,
        eye_top: eye.min,
        eye_bottom: eye.max,
    }
}

/// The guide for `spec` on a frame of `frame` pixels.
pub fn pose_guide(spec: &PhotoSpec, frame: SizePx) -> PoseGuide {
    let frame_aspect = frame.width.max(1) as f32 / frame.height.max(1) as f32;
    let photo_aspect = spec.width_px.max(1) as f32 / spec.height_px.max(1) as f32;
    let mut photo_h = PHOTO_HEIGHT_OF_FRAME;
    let mut photo_w = photo_h * photo_aspect / frame_aspect;
    if photo_w > 1.0 {
        photo_h /= photo_w;
        photo_w = 1.0;
    }
    let photo = Rect {
        x: (1.0 - photo_w) / 2.0,
        y: (1.0 - photo_h) / 2.0,
        width: photo_w,
        height: photo_h,
    };
    let layout = photo_layout(spec);
    let to_frame_y = |frac: f32| photo.y + frac * photo.height;
    let head_h = layout.head * photo.height;
    // Width in frame units: photo-height units converted through both aspect ratios.
    let head_w = head_h * HEAD_WIDTH_PER_HEIGHT / frame_aspect;
    let crown_y = to_frame_y(layout.crown);
    let chin_y = crown_y + head_h;
    PoseGuide {
        photo,
        head: NormEllipse {
            center_x: 0.5,
            center_y: f32::midpoint(crown_y, chin_y),
            radius_x: head_w / 2.0,
            radius_y: head_h / 2.0,
        },
        eye_line_top: to_frame_y(layout.eye_top),
        eye_line_bottom: to_frame_y(layout.eye_bottom),
        shoulder_y: (chin_y + head_h * SHOULDER_BELOW_CHIN_OF_HEAD).min(SHOULDER_MAX_Y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::spec::builtin_profiles;

    #[test]
    fn every_builtin_profile_gives_a_guide_inside_the_frame_in_order() {
        for spec in builtin_profiles() {
            for frame in [
                DEFAULT_FRAME,
                SizePx::new(640, 480),
                SizePx::new(1080, 1920),
            ] {
                let guide = pose_guide(&spec, frame);
                let crown = guide.head.center_y - guide.head.radius_y;
                let chin = guide.head.center_y + guide.head.radius_y;
                let name = &spec.name;
                assert!(crown > 0.0 && chin < 1.0, "{name} {frame:?}: {guide:?}");
                assert!(
                    crown < guide.eye_line_top && guide.eye_line_top <= guide.eye_line_bottom,
                    "{name}: eye band below the crown"
                );
                assert!(guide.eye_line_bottom < chin, "{name}: eyes above the chin");
                assert!(chin < guide.shoulder_y, "{name}: shoulders below the chin");
                assert!(guide.photo.x >= 0.0 && guide.photo.x + guide.photo.width <= 1.0 + 1e-6);
                assert!(guide.head.radius_x > 0.0 && guide.head.radius_x < 0.5);
            }
        }
    }

    #[test]
    fn a_portrait_photo_on_a_wide_frame_is_narrower_than_tall() {
        let spec = &builtin_profiles()[0];
        let guide = pose_guide(spec, DEFAULT_FRAME);
        // In pixels the photo keeps its aspect ratio.
        let width_px = guide.photo.width * 1280.0;
        let height_px = guide.photo.height * 720.0;
        let aspect = spec.width_px as f32 / spec.height_px as f32;
        assert!((width_px / height_px - aspect).abs() < 1e-3);
    }
}
