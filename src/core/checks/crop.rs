//! A small, self-contained estimate of the crop a profile needs around a face, used by `face_cut_off`
//! and `low_resolution`. It places the head the way the profile's geometry bands ask (band midpoints)
//! without rotation or the standardizer's refinements.
//!
//! Replaceable: `core::standardize` owns the real crop solver; once it is merged, `estimate_photo_crop`
//! should become a call into it with the same inputs. Owns no pixels and no thresholds.

use crate::core::face::FaceMesh;
use crate::core::geometry::{Point, Rect};
use crate::core::spec::PhotoSpec;

use super::regions::FaceFrame;
use super::sampling::MaskView;

/// Crown (top of the head, hair included) above the eye line, per eye-to-chin distance, when no person
/// mask shows it. The pupils sit about halfway between crown and chin (artists' head canon; Farkas'
/// anthropometry gives vertex–pupil ≈ pupil–gnathion ≈ 11–12 cm). Checked against the mask crowns of the
/// good fixtures.
pub const CROWN_ABOVE_EYES_PER_EYE_TO_CHIN: f32 = 1.05;
/// Crown gap above the head when a profile fixes only the head size: 10–12 % of the photo height
/// (HivisionIDPhotos defaults, photo-specs.md §7); the midpoint.
pub const DEFAULT_CROWN_GAP_FRAC: f32 = 0.11;
/// Head height as a fraction of the photo when a profile fixes nothing else ("head about 2/3", GA 461 wording).
const DEFAULT_HEAD_HEIGHT_FRAC: f32 = 2.0 / 3.0;
/// The mask's crown is trusted only within this many eye-to-chin distances above the eyes: the good
/// fixtures' crowns lie at 0.87–1.38; a longer run of person is a raised arm or someone behind.
const MAX_MASK_CROWN_PER_EYE_TO_CHIN: f32 = 2.0;
/// Share of the columns across the inter-eye span that must be person for a mask row to count as head.
const MASK_ROW_PERSON_SHARE: f32 = 0.5;

/// The head's vertical extent and width in capture pixels, measured along the image axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadExtent {
    pub eye_mid: Point,
    /// Crown y (may be negative: above the capture).
    pub crown_y: f32,
    pub chin_y: f32,
    pub face_width_px: f32,
}

impl HeadExtent {
    /// The head from the face frame, the crown from the person mask when it shows one plausibly, else
    /// from head proportions.
    pub fn measure(frame: &FaceFrame, mesh: &FaceMesh, mask: Option<&MaskView<'_>>) -> Self {
        let estimated = frame.eye_mid.y - CROWN_ABOVE_EYES_PER_EYE_TO_CHIN * frame.eye_to_chin_px;
        let crown_y = mask
            .and_then(|mask| mask_crown_y(mask, frame, mesh.forehead.y))
            .unwrap_or(estimated);
        let chin = mesh.chin;
        let face_width_px = mesh.face_width_px();
        Self {
            eye_mid: frame.eye_mid,
            crown_y,
            chin_y: chin.y.max(frame.eye_mid.y + 1.0),
            face_width_px,
        }
    }

    pub fn head_height_px(&self) -> f32 {
        self.chin_y - self.crown_y
    }
}

/// Where the profile's photo would be cut from the capture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoCrop {
    /// The crop in capture pixels (may extend past the capture).
    pub rect: Rect,
    /// Photo pixels per capture pixel (above 1 means upscaling).
    pub photo_px_per_capture_px: f32,
}

/// How far the crop leaves the capture on each side, as a fraction of the crop's size on that axis.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CropOverhang {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

impl CropOverhang {
    pub fn max(&self) -> f32 {
        self.top.max(self.bottom).max(self.left).max(self.right)
    }
}

impl PhotoCrop {
    pub fn overhang(&self, width_px: f32, height_px: f32) -> CropOverhang {
        let r = self.rect;
        let w = r.width.max(f32::EPSILON);
        let h = r.height.max(f32::EPSILON);
        CropOverhang {
            top: (-r.y).max(0.0) / h,
            bottom: (r.bottom() - height_px).max(0.0) / h,
            left: (-r.x).max(0.0) / w,
            right: (r.right() - width_px).max(0.0) / w,
        }
    }
}

/// The crop of `spec` around `head`: scale from the head-height band (else the face-width band), eye line
/// placed at the middle of every vertical band the profile states (eye line wins over the crown when they
/// conflict, as GA 461 rules), eyes centred horizontally.
pub fn estimate_photo_crop(head: &HeadExtent, spec: &PhotoSpec) -> PhotoCrop {
    let geometry = &spec.geometry;
    let photo_w = spec.width_px as f32;
    let photo_h = spec.height_px as f32;
    let head_px = head.head_height_px().max(1.0);
    let scale = if let Some(band) = geometry.head_height_frac {
        band.mid() * photo_h / head_px
    } else if let Some(band) = geometry.face_width_px {
        band.mid() / head.face_width_px.max(1.0)
    } else {
        DEFAULT_HEAD_HEIGHT_FRAC * photo_h / head_px
    };
    let crown_above_eye_photo = (head.eye_mid.y - head.crown_y) * scale;
    let eye_y_photo = eye_line_in_photo(spec, crown_above_eye_photo);
    let crop_w = photo_w / scale;
    let crop_h = photo_h / scale;
    PhotoCrop {
        rect: Rect::new(
            head.eye_mid.x - crop_w / 2.0,
            head.eye_mid.y - eye_y_photo / scale,
            crop_w,
            crop_h,
        ),
        photo_px_per_capture_px: scale,
    }
}

/// The eye line's distance from the photo's top edge: the middle of the intersection of the eye bands;
/// the crown band joins when it agrees with them; the default crown gap when nothing is stated.
fn eye_line_in_photo(spec: &PhotoSpec, crown_above_eye_photo: f32) -> f32 {
    let geometry = &spec.geometry;
    let h = spec.height_px as f32;
    let mut eye_bands: Vec<(f32, f32)> = Vec::new();
    if let Some(b) = geometry.eye_line_from_top_px {
        eye_bands.push((b.min, b.max));
    }
    if let Some(b) = geometry.eye_line_from_bottom_px {
        eye_bands.push((h - b.max, h - b.min));
    }
    if let Some(b) = geometry.eye_line_from_bottom_frac {
        eye_bands.push((h * (1.0 - b.max), h * (1.0 - b.min)));
    }
    let eyes = intersect(&eye_bands);
    let crown = geometry
        .crown_from_top_px
        .map(|b| (b.min + crown_above_eye_photo, b.max + crown_above_eye_photo));
    match (eyes, crown) {
        (Some(eyes), Some(crown)) => intersect(&[eyes, crown])
            .map_or(f32::midpoint(eyes.0, eyes.1), |both| {
                f32::midpoint(both.0, both.1)
            }),
        (Some(eyes), None) => f32::midpoint(eyes.0, eyes.1),
        (None, Some(crown)) => f32::midpoint(crown.0, crown.1),
        (None, None) => DEFAULT_CROWN_GAP_FRAC * h + crown_above_eye_photo,
    }
}

fn intersect(bands: &[(f32, f32)]) -> Option<(f32, f32)> {
    let (first, rest) = bands.split_first()?;
    let (lo, hi) = rest
        .iter()
        .fold(*first, |(lo, hi), (min, max)| (lo.max(*min), hi.min(*max)));
    (lo <= hi).then_some((lo, hi))
}

/// The crown from the person mask: walking up from the forehead landmark over the columns between the
/// eyes, the first row that is no longer mostly person. A run of person reaching the top edge gives a crown
/// at or above it; a run longer than a head (a raised arm, someone behind) or a mask that misses the
/// forehead gives `None`.
fn mask_crown_y(mask: &MaskView<'_>, frame: &FaceFrame, forehead_y: f32) -> Option<f32> {
    let half = frame.ied_px / 2.0;
    let columns: Vec<f32> = mask
        .columns_between(frame.eye_mid.x - half, frame.eye_mid.x + half)
        .collect();
    if columns.is_empty() {
        return None;
    }
    let is_head_row = |y: f32| {
        let person = columns
            .iter()
            .filter(|&&x| mask.is_person(Point::new(x, y)))
            .count();
        person as f32 >= MASK_ROW_PERSON_SHARE * columns.len() as f32
    };
    let highest = frame.eye_mid.y - MAX_MASK_CROWN_PER_EYE_TO_CHIN * frame.eye_to_chin_px;
    let step = mask.row_step_px();
    let mut y = forehead_y.min(frame.eye_mid.y);
    if !is_head_row(y) {
        // The mask misses the forehead itself: it says nothing about the crown.
        return None;
    }
    while y >= 0.0 && is_head_row(y) {
        if y < highest {
            return None;
        }
        y -= step;
    }
    if y < 0.0 {
        // The head reaches the top edge: the crown is somewhere above it.
        let estimated = frame.eye_mid.y - CROWN_ABOVE_EYES_PER_EYE_TO_CHIN * frame.eye_to_chin_px;
        return Some(estimated.min(0.0));
    }
    Some(y + step / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::regions::tests::synthetic_mesh;
    use crate::core::face::PersonMask;
    use crate::core::spec::builtin_profiles;

    fn profile(name: &str) -> PhotoSpec {
        builtin_profiles()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
    }

    /// Eyes at y = 400, chin at 560, crown at 240: a 320 px head, 200 px wide.
    fn head() -> HeadExtent {
        HeadExtent {
            eye_mid: Point::new(500.0, 400.0),
            crown_y: 240.0,
            chin_y: 560.0,
            face_width_px: 200.0,
        }
    }

    #[test]
    fn campus_card_puts_the_head_at_the_band_middle_below_the_default_gap() {
        let spec = profile("campus_card");
        let crop = estimate_photo_crop(&head(), &spec);
        let scale = crop.photo_px_per_capture_px;
        let head_frac = 320.0 * scale / spec.height_px as f32;
        assert!((head_frac - spec.geometry.head_height_frac.unwrap().mid()).abs() < 1e-4);
        let crown_in_photo = (240.0 - crop.rect.y) * scale;
        assert!((crown_in_photo - DEFAULT_CROWN_GAP_FRAC * spec.height_px as f32).abs() < 0.01);
        // Eyes centred horizontally; the aspect ratio is the photo's.
        assert!((crop.rect.center().x - 500.0).abs() < 1e-3);
        let aspect = crop.rect.width / crop.rect.height;
        assert!((aspect - spec.width_px as f32 / spec.height_px as f32).abs() < 1e-4);
    }

    #[test]
    fn chsi_scales_by_face_width_and_keeps_eyes_and_crown_in_their_bands() {
        let spec = profile("chsi");
        let crop = estimate_photo_crop(&head(), &spec);
        let scale = crop.photo_px_per_capture_px;
        assert!(
            (200.0 * scale - 240.0).abs() < 1e-3,
            "face width mid 240 px"
        );
        let eye_in_photo = (400.0 - crop.rect.y) * scale;
        let crown_in_photo = (240.0 - crop.rect.y) * scale;
        assert!((200.0..=300.0).contains(&eye_in_photo), "{eye_in_photo}");
        assert!((50.0..=110.0).contains(&crown_in_photo), "{crown_in_photo}");
    }

    #[test]
    fn id_card_eye_rule_wins_over_the_crown_rule() {
        let spec = profile("id_card");
        // A very tall head (hair): the crown band and the eye band cannot both hold.
        let tall = HeadExtent {
            crown_y: 100.0,
            ..head()
        };
        let crop = estimate_photo_crop(&tall, &spec);
        let eye_from_bottom =
            spec.height_px as f32 - (400.0 - crop.rect.y) * crop.photo_px_per_capture_px;
        assert!(eye_from_bottom >= 207.0, "{eye_from_bottom}");
    }

    #[test]
    fn overhang_is_measured_per_edge() {
        let crop = PhotoCrop {
            rect: Rect::new(-10.0, 50.0, 100.0, 200.0),
            photo_px_per_capture_px: 1.0,
        };
        let overhang = crop.overhang(200.0, 220.0);
        assert!((overhang.left - 0.1).abs() < 1e-6);
        assert!((overhang.bottom - 0.15).abs() < 1e-6);
        assert!(overhang.top.abs() < 1e-6 && overhang.right.abs() < 1e-6);
        assert!((overhang.max() - 0.15).abs() < 1e-6);
    }

    #[test]
    fn mask_crown_is_the_top_of_the_head_or_beyond_the_edge() {
        let mesh = synthetic_mesh();
        let frame = FaceFrame::from_mesh(&mesh).unwrap();
        // Person from y = 120 down, between x = 300 and 500.
        let mut mask = PersonMask::filled(800, 600, 0);
        for y in 120..600 {
            for x in 300..500 {
                mask.alpha[y * 800 + x] = 255;
            }
        }
        let view = MaskView::new(&mask, 800, 600).unwrap();
        let head = HeadExtent::measure(&frame, &mesh, Some(&view));
        assert!((head.crown_y - 120.0).abs() <= 1.0, "{}", head.crown_y);

        // The same person reaching the top edge: the crown is at or above it.
        for y in 0..120 {
            for x in 300..500 {
                mask.alpha[y * 800 + x] = 255;
            }
        }
        let view = MaskView::new(&mask, 800, 600).unwrap();
        assert!(HeadExtent::measure(&frame, &mesh, Some(&view)).crown_y <= 0.0);

        // No mask: head proportions.
        let estimated = HeadExtent::measure(&frame, &mesh, None);
        let expected = 300.0 - CROWN_ABOVE_EYES_PER_EYE_TO_CHIN * 160.0;
        assert!((estimated.crown_y - expected).abs() < 1e-3);
    }
}
