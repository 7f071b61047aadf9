//! Light on the face: `underexposed`, `overexposed` (mean face luma and clipped fractions, OFIQ 0x44/46/47
//! measured on gamma-encoded luma), `uneven_lighting` (阴阳脸: OFIQ cheek zones compared) and `blurry`
//! (sharpness of the face at a fixed scale).
//!
//! Owns these measures and decisions; reads pixels only inside the face outline, on a sparse lattice, so
//! the live set stays cheap. Must not judge colour (see `colour`).

use image::RgbImage;

use super::context::Subject;
use super::messages::Cue;
use super::regions::polygon_spans;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::sampling::{RgbGrid, Stats, for_each_in_polygon, linear_luminance, luma, pixel_at};
use super::thresholds::CheckThresholds;

/// Luma at or below which a face pixel counts as crushed black (OFIQ UnderExposurePrevention band [0, 25]).
pub const DARK_CLIP_LUMA: f32 = 25.0;
/// Luma at or above which a face pixel counts as clipped white (OFIQ OverExposurePrevention band [247, 255]).
pub const BRIGHT_CLIP_LUMA: f32 = 247.0;
/// Samples across the face width for the light measures (≈ 7 000 samples inside the outline: the mean and
/// the fractions are stable to well under 1 %).
const FACE_SAMPLES_ACROSS: f32 = 96.0;
/// The percentile of face luma that stands for the lit parts of the face.
const HIGHLIGHT_PERCENTILE: f32 = 0.9;
/// Samples per side of each cheek zone.
const CHEEK_ZONE_SAMPLES: usize = 12;
/// Inter-eye distance the face is box-filtered to before measuring sharpness, so the measure does not
/// depend on how large the face is in the capture. 48 px keeps detail finer than the eyelashes' scale.
const SHARPNESS_IED_PX: f32 = 48.0;

/// Light statistics over the face outline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceLight {
    pub mean_luma: f32,
    /// 90th percentile of face luma (the lit parts: forehead, nose, cheekbones).
    pub highlight_luma: f32,
    /// Fraction of samples at luma ≤ `DARK_CLIP_LUMA`.
    pub dark_fraction: f32,
    /// Fraction of samples at luma ≥ `BRIGHT_CLIP_LUMA`.
    pub bright_fraction: f32,
    /// Mean of max(R, G, B) − min(R, G, B) (0 for a black-and-white picture).
    pub mean_chroma: f32,
    pub samples: usize,
}

/// Samples the face outline once for the exposure and greyscale measures. `None` when the outline holds
/// no pixel of the image.
pub fn measure_face_light(image: &RgbImage, subject: &Subject<'_>) -> Option<FaceLight> {
    let step = (subject.mesh.face_width_px() / FACE_SAMPLES_ACROSS)
        .round()
        .max(1.0) as u32;
    let mut luma_stats = Stats::default();
    let mut chroma_stats = Stats::default();
    let mut histogram = [0_usize; 256];
    let (mut dark, mut bright) = (0_usize, 0_usize);
    for_each_in_polygon(image, &subject.outline, step, |px| {
        let y = luma(px.map(f32::from));
        luma_stats.push(y);
        histogram[(y.round() as usize).min(255)] += 1;
        dark += usize::from(y <= DARK_CLIP_LUMA);
        bright += usize::from(y >= BRIGHT_CLIP_LUMA);
        let (max, min) = (px[0].max(px[1]).max(px[2]), px[0].min(px[1]).min(px[2]));
        chroma_stats.push(f32::from(max - min));
    });
    let samples = luma_stats.count;
    (samples > 0).then(|| FaceLight {
        mean_luma: luma_stats.mean(),
        highlight_luma: percentile(&histogram, samples, HIGHLIGHT_PERCENTILE),
        dark_fraction: dark as f32 / samples as f32,
        bright_fraction: bright as f32 / samples as f32,
        mean_chroma: chroma_stats.mean(),
        samples,
    })
}

/// The luma below which `fraction` of the `samples` counted in `histogram` lie.
fn percentile(histogram: &[usize; 256], samples: usize, fraction: f32) -> f32 {
    let wanted = (fraction * samples as f32).ceil() as usize;
    let mut seen = 0;
    for (level, count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= wanted {
            return level as f32;
        }
    }
    255.0
}

/// `underexposed`: fails when even the lit parts of the face are dark, or on too much crushed black. The
/// value reported is the measure that decided (the highlight luma when both are fine).
pub fn underexposed(light: &FaceLight, thresholds: &CheckThresholds) -> CheckResult {
    let dark = Limit::AtMost {
        max: thresholds.max_dark_fraction,
    };
    if !dark.allows(light.dark_fraction) {
        return CheckResult::new(
            CheckCode::Underexposed,
            CheckStatus::Fail,
            light.dark_fraction,
            dark,
            Cue::None,
        );
    }
    CheckResult::graded(
        CheckCode::Underexposed,
        light.highlight_luma,
        Limit::AtLeast {
            min: thresholds.min_face_highlight_luma,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// `overexposed`: fails on a bright face mean or on too much clipped white (value as for `underexposed`).
pub fn overexposed(light: &FaceLight, thresholds: &CheckThresholds) -> CheckResult {
    let bright = Limit::AtMost {
        max: thresholds.max_bright_fraction,
    };
    if !bright.allows(light.bright_fraction) {
        return CheckResult::new(
            CheckCode::Overexposed,
            CheckStatus::Fail,
            light.bright_fraction,
            bright,
            Cue::None,
        );
    }
    CheckResult::graded(
        CheckCode::Overexposed,
        light.mean_luma,
        Limit::AtMost {
            max: thresholds.max_face_luma,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// Mean linear luminance of the two OFIQ cheek zones, subject's right first; `None` when a zone is
/// outside the image.
pub fn cheek_luminance(image: &RgbImage, subject: &Subject<'_>) -> Option<[f32; 2]> {
    let zones = subject.frame.cheek_zones();
    let mut means = [0.0; 2];
    for (mean, zone) in means.iter_mut().zip(zones.iter()) {
        let mut stats = Stats::default();
        for p in zone.grid(CHEEK_ZONE_SAMPLES) {
            stats.push(linear_luminance(pixel_at(image, p)?));
        }
        *mean = stats.mean();
    }
    Some(means)
}

/// `uneven_lighting`: darker cheek ÷ brighter cheek, in linear light (1 = even).
pub fn uneven_lighting(cheeks: [f32; 2], thresholds: &CheckThresholds) -> CheckResult {
    let (dark, bright) = (cheeks[0].min(cheeks[1]), cheeks[0].max(cheeks[1]));
    let balance = if bright > f32::EPSILON {
        dark / bright
    } else {
        1.0
    };
    CheckResult::graded(
        CheckCode::UnevenLighting,
        balance,
        Limit::AtLeast {
            min: thresholds.min_lighting_balance,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// Face sharpness: RMS of the luma's second differences (both directions) over the face, divided by the
/// RMS deviation of the luma, with the face box-filtered to `SHARPNESS_IED_PX` between the eyes. Contrast
/// cancels out, so a dim but sharp face is not called blurred; `None` for a face too small to measure.
pub fn face_sharpness(image: &RgbImage, subject: &Subject<'_>) -> Option<f32> {
    let cell_px = (subject.frame.ied_px / SHARPNESS_IED_PX).floor().max(1.0) as u32;
    let bounds = super::regions::bounding_box(subject.outline.iter().copied(), 0.0);
    let grid = RgbGrid::box_average(image, bounds, cell_px);
    if grid.width < 3 || grid.height < 3 {
        return None;
    }
    let inside = inside_cells(&grid, &subject.outline);
    let mut deviation = Stats::default();
    let mut second_sq = Stats::default();
    for row in 1..grid.height - 1 {
        for col in 1..grid.width - 1 {
            if !inside[row * grid.width + col] {
                continue;
            }
            let centre = grid.luma(col, row);
            deviation.push(centre);
            let dxx = grid.luma(col - 1, row) - 2.0 * centre + grid.luma(col + 1, row);
            let dyy = grid.luma(col, row - 1) - 2.0 * centre + grid.luma(col, row + 1);
            second_sq.push(f32::midpoint(dxx * dxx, dyy * dyy));
        }
    }
    let spread = deviation.std_dev();
    (deviation.count > 0 && spread > f32::EPSILON).then(|| second_sq.mean().sqrt() / spread)
}

/// `blurry`: face sharpness against its limit.
pub fn blurry(sharpness: f32, thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::Blurry,
        sharpness,
        Limit::AtLeast {
            min: thresholds.min_sharpness,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// Which grid cells have their centre inside `polygon`.
fn inside_cells(grid: &RgbGrid, polygon: &[crate::core::geometry::Point]) -> Vec<bool> {
    let mut inside = vec![false; grid.width * grid.height];
    for row in 0..grid.height {
        let y = grid.centre(0, row).y;
        for (from, to) in polygon_spans(polygon, y) {
            for col in 0..grid.width {
                let x = grid.centre(col, row).x;
                if x >= from && x < to {
                    inside[row * grid.width + col] = true;
                }
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::regions::tests::synthetic_mesh;
    use crate::core::face::{FaceAnalysis, FaceMesh};
    use crate::core::geometry::SizePx;
    use image::Rgb;

    fn analysis(mesh: FaceMesh) -> FaceAnalysis {
        let mut analysis = FaceAnalysis::empty(SizePx::new(800, 600));
        analysis.mesh = Some(mesh);
        analysis
    }

    /// A skin-coloured face ellipse with a fine checker texture on a grey background.
    fn textured_face(level: f32) -> RgbImage {
        RgbImage::from_fn(800, 600, |x, y| {
            let texture = if (x / 3 + y / 3) % 2 == 0 { 1.08 } else { 0.92 };
            let v = |c: f32| (c * level * texture).clamp(0.0, 255.0) as u8;
            Rgb([v(200.0), v(160.0), v(140.0)])
        })
    }

    #[test]
    fn a_dark_face_is_underexposed_and_a_washed_out_one_overexposed() {
        let analysis = analysis(synthetic_mesh());
        let subject = Subject::new(&analysis, None).unwrap();
        let thresholds = CheckThresholds::default();

        let normal = measure_face_light(&textured_face(0.9), &subject).unwrap();
        assert!(normal.samples > 1000, "{normal:?}");
        // 0.9 × 1.08 × (200, 160, 140) has luma 165: the brighter half of the checker.
        assert!((normal.highlight_luma - 165.0).abs() <= 1.0, "{normal:?}");
        assert_eq!(underexposed(&normal, &thresholds).status, CheckStatus::Pass);
        assert_eq!(overexposed(&normal, &thresholds).status, CheckStatus::Pass);

        let dark = measure_face_light(&textured_face(0.12), &subject).unwrap();
        let result = underexposed(&dark, &thresholds);
        assert_eq!(result.status, CheckStatus::Fail, "{dark:?}");

        let bright = measure_face_light(&textured_face(1.8), &subject).unwrap();
        assert!(bright.bright_fraction > 0.9, "{bright:?}");
        assert_eq!(overexposed(&bright, &thresholds).status, CheckStatus::Fail);
    }

    #[test]
    fn one_dark_cheek_is_uneven() {
        let analysis = analysis(synthetic_mesh());
        let subject = Subject::new(&analysis, None).unwrap();
        let thresholds = CheckThresholds::default();
        let even = textured_face(0.9);
        let cheeks = cheek_luminance(&even, &subject).unwrap();
        assert_eq!(
            uneven_lighting(cheeks, &thresholds).status,
            CheckStatus::Pass
        );
        let mut shadowed = even.clone();
        for (x, _, px) in shadowed.enumerate_pixels_mut() {
            if x > 400 {
                px.0 = px.0.map(|c| c / 5);
            }
        }
        let cheeks = cheek_luminance(&shadowed, &subject).unwrap();
        let result = uneven_lighting(cheeks, &thresholds);
        assert_eq!(result.status, CheckStatus::Fail, "{cheeks:?}");
    }

    #[test]
    fn sharpness_drops_when_the_face_is_smoothed() {
        let analysis = analysis(synthetic_mesh());
        let subject = Subject::new(&analysis, None).unwrap();
        let sharp = textured_face(0.9);
        let smooth = RgbImage::from_fn(800, 600, |x, _| {
            let v = (120.0 + 60.0 * (x as f32 / 40.0).sin()) as u8;
            Rgb([v, v, v])
        });
        let sharp_value = face_sharpness(&sharp, &subject).unwrap();
        let smooth_value = face_sharpness(&smooth, &subject).unwrap();
        assert!(
            sharp_value > 5.0 * smooth_value,
            "{sharp_value} vs {smooth_value}"
        );
        let thresholds = CheckThresholds::default();
        assert_eq!(blurry(smooth_value, &thresholds).status, CheckStatus::Fail);
        assert_eq!(blurry(sharp_value, &thresholds).status, CheckStatus::Pass);
    }
}
