//! Colour: `grayscale` (no chroma on the face) and `color_cast` (OFIQ NaturalColour: cheek CIELAB a*, b*
//! outside the natural-skin box). Also the CIELAB conversion the background checks share.
//!
//! Owns colour measures and decisions; must not judge brightness (see `exposure`).

use image::RgbImage;

use super::context::Subject;
use super::messages::Cue;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::sampling::{pixel_at, srgb_to_linear};
use super::thresholds::CheckThresholds;
use crate::core::spec::Rgb8;

/// OFIQ NaturalColour: natural skin has a* in this range (CIELAB).
const SKIN_A_RANGE: (f32, f32) = (5.0, 25.0);
/// OFIQ NaturalColour: natural skin has b* of at least this (CIELAB); the upper end is a threshold.
const SKIN_B_MIN: f32 = 5.0;
/// OFIQ NaturalColour: the native score when a* or b* is negative (green or blue skin).
const NEGATIVE_AXIS_DISTANCE: f32 = 100.0;
/// Samples per side of each cheek zone for the colour mean.
const CHEEK_ZONE_SAMPLES: usize = 12;

/// sRGB (linear) to CIE XYZ, D65 white (IEC 61966-2-1).
const RGB_TO_XYZ: [[f32; 3]; 3] = [
    [0.412_456_4, 0.357_576_1, 0.180_437_5],
    [0.212_672_9, 0.715_152_2, 0.072_175_0],
    [0.019_333_9, 0.119_192, 0.950_304_1],
];
/// D65 reference white in XYZ.
const WHITE_D65: [f32; 3] = [0.950_47, 1.0, 1.088_83];
/// CIELAB constants (CIE 15): ε = (6/29)³, κ-branch slope 1/(3·(6/29)²), offset 4/29.
const LAB_EPSILON: f32 = 216.0 / 24389.0;
const LAB_SLOPE: f32 = 841.0 / 108.0;
const LAB_OFFSET: f32 = 4.0 / 29.0;

/// A CIELAB colour (D65).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lab {
    pub l: f32,
    pub a: f32,
    pub b: f32,
}

impl Lab {
    /// From mean sRGB code values (0–255; fractional means allowed).
    pub fn from_srgb(rgb: [f32; 3]) -> Lab {
        let linear = rgb.map(|c| {
            // Interpolate the decoding table between the two neighbouring codes.
            let c = c.clamp(0.0, 255.0);
            let low = c.floor() as u8;
            let high = c.ceil() as u8;
            let t = c - c.floor();
            srgb_to_linear(low) * (1.0 - t) + srgb_to_linear(high) * t
        });
        let xyz =
            RGB_TO_XYZ.map(|row| row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2]);
        let f = |v: f32| {
            if v > LAB_EPSILON {
                v.cbrt()
            } else {
                LAB_SLOPE * v + LAB_OFFSET
            }
        };
        let (fx, fy, fz) = (
            f(xyz[0] / WHITE_D65[0]),
            f(xyz[1] / WHITE_D65[1]),
            f(xyz[2] / WHITE_D65[2]),
        );
        Lab {
            l: 116.0 * fy - 16.0,
            a: 500.0 * (fx - fy),
            b: 200.0 * (fy - fz),
        }
    }

    pub fn from_rgb8(rgb: Rgb8) -> Lab {
        Lab::from_srgb(rgb.to_array().map(f32::from))
    }

    /// CIE76 colour difference.
    pub fn delta_e(self, other: Lab) -> f32 {
        (self.l - other.l)
            .hypot(self.a - other.a)
            .hypot(self.b - other.b)
    }
}

/// `grayscale`: the face's mean chroma (max − min channel) against its minimum.
pub fn grayscale(mean_face_chroma: f32, thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::Grayscale,
        mean_face_chroma,
        Limit::AtLeast {
            min: thresholds.min_face_chroma,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// Mean sRGB colour over both OFIQ cheek zones; `None` when a zone leaves the image.
pub fn cheek_colour(image: &RgbImage, subject: &Subject<'_>) -> Option<[f32; 3]> {
    let mut sum = [0.0_f32; 3];
    let mut count = 0_usize;
    for zone in subject.frame.cheek_zones() {
        for p in zone.grid(CHEEK_ZONE_SAMPLES) {
            let px = pixel_at(image, p)?;
            for (s, c) in sum.iter_mut().zip(px) {
                *s += f32::from(c);
            }
            count += 1;
        }
    }
    (count > 0).then(|| sum.map(|s| s / count as f32))
}

/// OFIQ NaturalColour's native score: distance of (a*, b*) from the natural-skin box (b* capped at
/// `max_skin_b`), 100 when either is negative.
pub fn skin_colour_distance(cheeks: Lab, max_skin_b: f32) -> f32 {
    if cheeks.a < 0.0 || cheeks.b < 0.0 {
        return NEGATIVE_AXIS_DISTANCE;
    }
    let outside = |v: f32, (lo, hi): (f32, f32)| (lo - v).max(v - hi).max(0.0);
    outside(cheeks.a, SKIN_A_RANGE).hypot(outside(cheeks.b, (SKIN_B_MIN, max_skin_b)))
}

/// `color_cast`: the cheeks' distance from natural skin colour.
pub fn color_cast(cheek_rgb: [f32; 3], thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::ColorCast,
        skin_colour_distance(Lab::from_srgb(cheek_rgb), thresholds.max_skin_b),
        Limit::AtMost {
            max: thresholds.max_skin_colour_distance,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_matches_reference_values() {
        let white = Lab::from_rgb8(Rgb8::WHITE);
        assert!(
            (white.l - 100.0).abs() < 0.1 && white.a.abs() < 0.1 && white.b.abs() < 0.1,
            "{white:?}"
        );
        // sRGB red: L 53.24, a 80.09, b 67.20 (Bruce Lindbloom's calculator, D65).
        let red = Lab::from_srgb([255.0, 0.0, 0.0]);
        assert!(
            (red.l - 53.24).abs() < 0.2
                && (red.a - 80.09).abs() < 0.3
                && (red.b - 67.20).abs() < 0.3,
            "{red:?}"
        );
        assert!((white.delta_e(Lab::from_rgb8(Rgb8::new(0, 0, 0))) - 100.0).abs() < 0.1);
    }

    #[test]
    fn skin_tones_are_natural_and_casts_are_not() {
        let thresholds = CheckThresholds::default();
        // Light, medium and dark skin under neutral light.
        for skin in [
            [224.0, 180.0, 160.0],
            [198.0, 140.0, 110.0],
            [105.0, 70.0, 55.0],
        ] {
            let result = color_cast(skin, &thresholds);
            assert_eq!(result.status, CheckStatus::Pass, "{skin:?}: {result:?}");
        }
        // Strong tungsten cast and a green cast.
        assert_eq!(
            color_cast([240.0, 170.0, 60.0], &thresholds).status,
            CheckStatus::Fail
        );
        assert_eq!(
            color_cast([150.0, 190.0, 140.0], &thresholds).status,
            CheckStatus::Fail
        );
    }

    #[test]
    fn grey_faces_are_grayscale() {
        let thresholds = CheckThresholds::default();
        assert_eq!(grayscale(1.5, &thresholds).status, CheckStatus::Fail);
        assert_eq!(grayscale(40.0, &thresholds).status, CheckStatus::Pass);
    }
}
