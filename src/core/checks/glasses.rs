//! `tinted_glasses` (stretch): sunglasses or tinted lenses make the eye zones far darker than the cheeks
//! under the same light.
//!
//! Owns this measure and decision only. Glare on clear lenses, head coverings and hair over the eyes are
//! not judged here: they could not be made reliable on the fixtures without a parsing model.

use image::RgbImage;

use super::context::Subject;
use super::messages::Cue;
use super::regions::eye_zones;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::sampling::{Stats, linear_luminance, pixel_at};
use super::thresholds::CheckThresholds;
use crate::core::geometry::Point;

/// Margin around each eye contour, per inter-eye distance, so the zone covers the lens around the eye
/// (OFIQ's eye-visibility zone grows the eye box by IED/20; doubled to reach the lens rim).
const EYE_ZONE_MARGIN_PER_IED: f32 = 0.1;
/// Samples per side of each eye zone.
const EYE_ZONE_SAMPLES: usize = 10;

/// Mean linear luminance of both eye zones divided by that of both cheek zones; `None` when a zone leaves
/// the image or the cheeks are black.
pub fn eye_to_cheek_luminance(
    image: &RgbImage,
    subject: &Subject<'_>,
    cheeks: [f32; 2],
) -> Option<f32> {
    let margin = EYE_ZONE_MARGIN_PER_IED * subject.frame.ied_px;
    let mut eyes = Stats::default();
    for zone in eye_zones(subject.mesh, margin) {
        for row in 0..EYE_ZONE_SAMPLES {
            for col in 0..EYE_ZONE_SAMPLES {
                let p = Point::new(
                    zone.x + zone.width * (col as f32 + 0.5) / EYE_ZONE_SAMPLES as f32,
                    zone.y + zone.height * (row as f32 + 0.5) / EYE_ZONE_SAMPLES as f32,
                );
                eyes.push(linear_luminance(pixel_at(image, p)?));
            }
        }
    }
    let cheek = f32::midpoint(cheeks[0], cheeks[1]);
    (cheek > f32::EPSILON).then(|| eyes.mean() / cheek)
}

/// `tinted_glasses`: the eye-to-cheek luminance ratio against its minimum.
pub fn tinted_glasses(ratio: f32, thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::TintedGlasses,
        ratio,
        Limit::AtLeast {
            min: thresholds.min_eye_to_cheek_luminance,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::exposure::cheek_luminance;
    use crate::core::checks::regions::tests::synthetic_mesh;
    use crate::core::face::FaceAnalysis;
    use crate::core::geometry::SizePx;
    use image::Rgb;

    #[test]
    fn dark_lenses_over_the_eyes_fail() {
        let mut analysis = FaceAnalysis::empty(SizePx::new(800, 600));
        analysis.mesh = Some(synthetic_mesh());
        let subject = Subject::new(&analysis, None).unwrap();
        let thresholds = CheckThresholds::default();
        let skin = RgbImage::from_pixel(800, 600, Rgb([200, 160, 140]));
        let cheeks = cheek_luminance(&skin, &subject).unwrap();
        let bare = eye_to_cheek_luminance(&skin, &subject, cheeks).unwrap();
        assert_eq!(tinted_glasses(bare, &thresholds).status, CheckStatus::Pass);

        let mut shades = skin.clone();
        for (x, y, px) in shades.enumerate_pixels_mut() {
            if (300..500).contains(&x) && (270..330).contains(&y) {
                *px = Rgb([20, 20, 25]);
            }
        }
        let cheeks = cheek_luminance(&shades, &subject).unwrap();
        let ratio = eye_to_cheek_luminance(&shades, &subject, cheeks).unwrap();
        assert_eq!(
            tinted_glasses(ratio, &thresholds).status,
            CheckStatus::Fail,
            "{ratio}"
        );
    }
}
