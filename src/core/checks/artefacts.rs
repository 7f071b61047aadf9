//! Image artefacts on the face: `noisy` (sensor noise, Immerkær's estimator on the smooth cheeks) and
//! `compression_artifacts` (JPEG 8×8 blocking across the face).
//!
//! Owns these two measures and decisions; reads full-resolution pixels in small windows only. Must not
//! judge sharpness (see `exposure::face_sharpness`).

use image::RgbImage;

use super::context::Subject;
use super::messages::Cue;
use super::regions::bounding_box;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::sampling::luma;
use super::thresholds::CheckThresholds;
use crate::core::geometry::Rect;

/// Side of a JPEG block (ISO/IEC 10918-1: 8×8 DCT blocks, luma not subsampled).
const JPEG_BLOCK_PX: u32 = 8;
/// Immerkær (1996), "Fast Noise Variance Estimation": σ = √(π/2) · Σ|I ∗ N| / (6·(W−2)(H−2)) with
/// N = [1 −2 1; −2 4 −2; 1 −2 1].
const IMMERKAER_SCALE: f32 = 1.253_314_1 / 6.0;
/// Fewest pixels for a noise estimate.
const MIN_NOISE_PIXELS: usize = 256;
/// Fewest boundary differences for a blocking estimate.
const MIN_BLOCK_SAMPLES: usize = 512;

fn luma_at(image: &RgbImage, x: u32, y: u32) -> f32 {
    luma(image.get_pixel(x, y).0.map(f32::from))
}

/// Noise standard deviation (luma levels) over the two OFIQ cheek zones, full resolution; `None` when
/// the zones are too small or outside the image.
pub fn noise_sigma(image: &RgbImage, subject: &Subject<'_>) -> Option<f32> {
    let mut sum = 0.0_f32;
    let mut count = 0_usize;
    for zone in subject.frame.cheek_zones() {
        let bounds = bounding_box(zone.grid(2), zone.width / 4.0);
        let Some(window) = clip(bounds, image) else {
            continue;
        };
        for y in window.y0 + 1..window.y1 - 1 {
            for x in window.x0 + 1..window.x1 - 1 {
                let l = |dx: i32, dy: i32| {
                    luma_at(image, x.wrapping_add_signed(dx), y.wrapping_add_signed(dy))
                };
                let response = l(-1, -1) + l(1, -1) + l(-1, 1) + l(1, 1)
                    - 2.0 * (l(0, -1) + l(-1, 0) + l(1, 0) + l(0, 1))
                    + 4.0 * l(0, 0);
                sum += response.abs();
                count += 1;
            }
        }
    }
    (count >= MIN_NOISE_PIXELS).then(|| IMMERKAER_SCALE * sum / count as f32)
}

/// JPEG blocking over the face: mean luma step across 8-pixel block boundaries divided by the mean step
/// inside blocks, both directions (1 = no blocking). `None` for a face too small to measure.
pub fn blockiness(image: &RgbImage, subject: &Subject<'_>) -> Option<f32> {
    let window = clip(bounding_box(subject.outline.iter().copied(), 0.0), image)?;
    let row_luma = |y: u32| -> Vec<f32> {
        (window.x0..window.x1)
            .map(|x| luma_at(image, x, y))
            .collect()
    };
    let mut boundary = StepSum::default();
    let mut inside = StepSum::default();
    let mut row = row_luma(window.y0);
    for y in window.y0..window.y1 - 1 {
        let below = row_luma(y + 1);
        let horizontal_edge = y % JPEG_BLOCK_PX == JPEG_BLOCK_PX - 1;
        for (i, x) in (window.x0..window.x1 - 1).enumerate() {
            let across_x = (row[i + 1] - row[i]).abs();
            let across_y = (below[i] - row[i]).abs();
            let vertical_edge = x % JPEG_BLOCK_PX == JPEG_BLOCK_PX - 1;
            if vertical_edge {
                &mut boundary
            } else {
                &mut inside
            }
            .add(across_x);
            if horizontal_edge {
                &mut boundary
            } else {
                &mut inside
            }
            .add(across_y);
        }
        row = below;
    }
    if boundary.count < MIN_BLOCK_SAMPLES {
        return None;
    }
    let inside_mean = inside.mean()?;
    (inside_mean > f32::EPSILON).then(|| boundary.mean().unwrap_or(0.0) / inside_mean)
}

/// A sum of luma steps and their count.
#[derive(Debug, Default)]
struct StepSum {
    sum: f32,
    count: usize,
}

impl StepSum {
    fn add(&mut self, step: f32) {
        self.sum += step;
        self.count += 1;
    }

    fn mean(&self) -> Option<f32> {
        (self.count > 0).then(|| self.sum / self.count as f32)
    }
}

/// `noisy`: noise σ against its limit.
pub fn noisy(sigma: f32, thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::Noisy,
        sigma,
        Limit::AtMost {
            max: thresholds.max_noise_sigma,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// `compression_artifacts`: blocking ratio against its limit.
pub fn compression_artifacts(ratio: f32, thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::CompressionArtifacts,
        ratio,
        Limit::AtMost {
            max: thresholds.max_blockiness,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// A rectangle clipped to the image, in whole pixels, at least 3 × 3.
struct Window {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

fn clip(rect: Rect, image: &RgbImage) -> Option<Window> {
    let x0 = rect.x.max(0.0) as u32;
    let y0 = rect.y.max(0.0) as u32;
    let x1 = (rect.right().max(0.0) as u32).min(image.width());
    let y1 = (rect.bottom().max(0.0) as u32).min(image.height());
    (x1 >= x0 + 3 && y1 >= y0 + 3).then_some(Window { x0, y0, x1, y1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::regions::tests::synthetic_mesh;
    use crate::core::face::FaceAnalysis;
    use crate::core::geometry::SizePx;
    use image::Rgb;

    fn subject_analysis() -> FaceAnalysis {
        let mut analysis = FaceAnalysis::empty(SizePx::new(800, 600));
        analysis.mesh = Some(synthetic_mesh());
        analysis
    }

    /// A smooth horizontal ramp plus deterministic pseudo-random noise of the given amplitude.
    fn ramp_with_noise(amplitude: f32) -> RgbImage {
        let mut state = 12_345_u32;
        RgbImage::from_fn(800, 600, |x, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let uniform = (state >> 16) as f32 / 65_536.0 - 0.5;
            let v = (80.0 + x as f32 / 10.0 + amplitude * uniform).clamp(0.0, 255.0) as u8;
            Rgb([v, v, v])
        })
    }

    #[test]
    fn noise_estimate_tracks_the_added_noise() {
        let analysis = subject_analysis();
        let subject = Subject::new(&analysis, None).unwrap();
        let clean = noise_sigma(&ramp_with_noise(0.0), &subject).unwrap();
        let noisy_sigma = noise_sigma(&ramp_with_noise(80.0), &subject).unwrap();
        // Uniform noise of width 80 has σ = 80/√12 ≈ 23.
        assert!(clean < 1.0, "{clean}");
        assert!((noisy_sigma - 23.1).abs() < 4.0, "{noisy_sigma}");
        let thresholds = CheckThresholds::default();
        assert_eq!(noisy(noisy_sigma, &thresholds).status, CheckStatus::Fail);
        assert_eq!(noisy(clean, &thresholds).status, CheckStatus::Pass);
    }

    #[test]
    fn flat_blocks_with_steps_at_their_edges_are_blocky() {
        let analysis = subject_analysis();
        let subject = Subject::new(&analysis, None).unwrap();
        let blocky = RgbImage::from_fn(800, 600, |x, y| {
            let v = (100 + (x / 8 * 7 + y / 8 * 13) % 40 + (x % 8) / 4) as u8;
            Rgb([v, v, v])
        });
        let smooth = ramp_with_noise(20.0);
        let blocky_ratio = blockiness(&blocky, &subject).unwrap();
        let smooth_ratio = blockiness(&smooth, &subject).unwrap();
        assert!(blocky_ratio > 10.0, "{blocky_ratio}");
        assert!((smooth_ratio - 1.0).abs() < 0.15, "{smooth_ratio}");
        let thresholds = CheckThresholds::default();
        assert_eq!(
            compression_artifacts(blocky_ratio, &thresholds).status,
            CheckStatus::Fail
        );
        assert_eq!(
            compression_artifacts(smooth_ratio, &thresholds).status,
            CheckStatus::Pass
        );
    }
}
