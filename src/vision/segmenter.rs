//! Person segmentation: runs MediaPipe's selfie segmenter (general, 256x256) once on the whole
//! frame, then refines the coarse probability map against the full-resolution photo with a fast
//! colour guided filter, for the whole image or only inside a crop. Owns no face logic.

use std::path::Path;

use image::RgbImage;

use super::VisionError;
use super::guided::{self, GuidedScratch};
use super::imaging::{self, Border, IndexMap, Region, Resampler, RotatedRect};
use super::model::OnnxModel;
use super::upsample::{self, Grid, Upsampler};
use crate::core::face::PersonMask;
use crate::core::geometry::{Rect, SizePx};
use crate::split;

pub const MODEL_FILE: &str = "selfie_segmentation.onnx";
/// Side of the segmenter input and output in pixels.
pub const SIDE: usize = 256;
/// The segmenter expects RGB scaled to [0, 1] (models/MODELS.md).
const INPUT_SCALE: f32 = 1.0 / 255.0;
/// Long side, in pixels, of the grid the guided filter's coefficients are computed on; the
/// coefficients are then upsampled to the output (Fast Guided Filter, He & Sun 2015, s ≈ 4 for a
/// 1350-pixel capture).
const GUIDE_GRID_LONG_SIDE_PX: f32 = 384.0;
/// The grid is also never finer than this many cells per segmenter pixel: the coefficients are box
/// means over [`GUIDE_RADIUS_SEG_PX`] segmenter pixels, so they change slowly at that scale and a finer
/// grid only costs time (a 760x1000 crop of a 1350-px capture needs a 216x284 grid, not 292x384; the
/// edge detail comes from evaluating the model on every full-resolution pixel).
const GRID_PX_PER_SEG_PX: f32 = 1.5;
/// Guided-filter window half-width in segmenter pixels, and the number of passes (each pass
/// starts from the previous one's mask). A window must hold enough of both the person and the
/// backdrop to learn which colours are which. Tuned on the London set (backdrop-coloured pixels
/// next to the head kept as person, summed over four photos: coarse 2217, 2 px x 1 pass 1558,
/// 6 px x 2 passes 267, 8 px x 2 passes 134; no dark hair pixel lost in any setting).
const GUIDE_RADIUS_SEG_PX: f32 = 8.0;
const GUIDE_PASSES: usize = 2;
/// Guided-filter regulariser for colours in [0, 1]: small enough that hair against a plain wall
/// follows the colour edge, large enough that texture inside clothes does not leak into the mask.
const GUIDE_EPS: f32 = 1e-3;
/// Contrast applied to the coarse probability before filtering (see [`guided::steepen`]).
const PRIOR_CONTRAST: f32 = 2.0;
/// Filtered values at or below this are background, at or above [`ALPHA_HIGH`] person; between,
/// alpha rises linearly (see [`guided::stretch`]). Tuned on a synthetic blob (guided.rs tests)
/// and the London set: soft hair keeps mid values, the grey halo goes.
const ALPHA_LOW: f32 = 0.1;
const ALPHA_HIGH: f32 = 0.9;
/// How far the refined alpha may rise above the (steepened) coarse mask. Without a limit a dark
/// door panel behind black hair became opaque (`bad_zoom_60cm_door_bg`); 0.2 leaves such look-alike
/// background at most faintly translucent and does not change the plain-backdrop result.
const MAX_ALPHA_GAIN: f32 = 0.2;
/// Largest mask the refiner produces, in pixels (the same bound as decoded images).
const MAX_OUTPUT_PIXELS: u64 = super::decode::MAX_IMAGE_PIXELS;

/// The segmenter's coarse person probability for a whole image. Only [`Segmenter::segment`]
/// makes one, so the map always has its full `SIDE * SIDE` size.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Size of the image it was computed on.
    image_size: SizePx,
    /// `SIDE * SIDE` probabilities, row-major, of the image stretched to a square.
    probability: Vec<f32>,
}

impl Segmentation {
    /// Size of the image the segmentation was computed on.
    pub fn image_size(&self) -> SizePx {
        self.image_size
    }

    /// The raw `SIDE` x `SIDE` probability map, row-major (the image stretched to a square).
    /// The square probability map as a person mask over the whole image (stretched to a square, which
    /// is how `PersonMask` readers map a smaller mask onto an image). No edge refinement.
    pub fn coarse_person_mask(&self) -> PersonMask {
        let side = self.probability.len().isqrt() as u32;
        PersonMask {
            width: side,
            height: side,
            alpha: self
                .probability
                .iter()
                .take(side as usize * side as usize)
                .map(|p| (p.clamp(0.0, 1.0) * 255.0).round() as u8)
                .collect(),
        }
    }

    pub fn probabilities(&self) -> &[f32] {
        &self.probability
    }

    /// Fraction of the coarse map's pixels where a person is more likely than not.
    pub fn person_fraction(&self) -> f32 {
        let person = self.probability.iter().filter(|&&p| p > 0.5).count();
        person as f32 / self.probability.len().max(1) as f32
    }

    /// Bilinear probability at image pixel coordinates (x, y) (continuous, pixel centres at +0.5).
    pub fn probability_at(&self, x: f32, y: f32) -> f32 {
        let scale_x = SIDE as f32 / self.image_size.width.max(1) as f32;
        let scale_y = SIDE as f32 / self.image_size.height.max(1) as f32;
        let max = (SIDE - 1) as f32;
        let sx = (x * scale_x - 0.5).clamp(0.0, max);
        let sy = (y * scale_y - 0.5).clamp(0.0, max);
        // Truncation floors the clamped non-negative values without a call to `floorf`.
        let (x0, y0) = (sx as usize, sy as usize);
        let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
        let (x1, y1) = ((x0 + 1).min(SIDE - 1), (y0 + 1).min(SIDE - 1));
        let at = |px: usize, py: usize| self.probability[py * SIDE + px];
        let top = at(x0, y0) * (1.0 - tx) + at(x1, y0) * tx;
        let bottom = at(x0, y1) * (1.0 - tx) + at(x1, y1) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// The segmentation model and the refiner's reusable buffers.
#[derive(Debug)]
pub struct Segmenter {
    model: OnnxModel,
    resampler: Resampler,
    /// Renders the full-size guide on the helper thread while `resampler` renders the small one.
    resampler_full: Resampler,
    upsampler: Upsampler,
    /// Evaluates the lower half of the output rows on the helper thread.
    upsampler_lower: Upsampler,
    rgb: Vec<u8>,
    guide_small: Vec<u8>,
    guide_small_f32: Vec<f32>,
    mask_small: Vec<f32>,
    coarse_small: Vec<f32>,
    coefficients_small: Vec<[f32; 4]>,
    grid: Vec<[f32; upsample::CHANNELS]>,
    guide_full: Vec<u8>,
    scratch: GuidedScratch,
}

impl Segmenter {
    pub fn load(models_dir: &Path) -> Result<Self, VisionError> {
        let model = OnnxModel::load(
            &models_dir.join(MODEL_FILE),
            "person segmenter",
            [1, SIDE, SIDE, 3],
        )?;
        Ok(Self {
            model,
            resampler: Resampler::default(),
            resampler_full: Resampler::default(),
            upsampler: Upsampler::default(),
            upsampler_lower: Upsampler::default(),
            rgb: Vec::new(),
            guide_small: Vec::new(),
            guide_small_f32: Vec::new(),
            mask_small: Vec::new(),
            coarse_small: Vec::new(),
            coefficients_small: Vec::new(),
            grid: Vec::new(),
            guide_full: Vec::new(),
            scratch: GuidedScratch::default(),
        })
    }

    /// Runs the segmenter on the whole image (stretched to 256x256, as MediaPipe does).
    pub fn segment(&mut self, img: &RgbImage) -> Result<Segmentation, VisionError> {
        let whole = Region {
            x: 0.0,
            y: 0.0,
            width: f64::from(img.width()),
            height: f64::from(img.height()),
        };
        let side = SIDE as u32;
        // Cut as MediaPipe cuts it, so the mask matches its reference.
        imaging::warp_bilinear(
            img,
            &IndexMap::new(&RotatedRect::from_region(whole), side, side),
            (side, side),
            Border::Replicate,
            &mut self.rgb,
        );
        imaging::fill_tensor(&self.rgb, self.model.input_mut()?, INPUT_SCALE, 0.0);
        let outputs = self.model.run()?;
        let probability = outputs.slice(0, SIDE * SIDE)?.to_vec();
        Ok(Segmentation {
            image_size: SizePx::new(img.width(), img.height()),
            probability,
        })
    }

    /// The refined mask of `crop` (image pixels; may reach past the image, whose edge pixels are
    /// then repeated) resampled to `out_size`.
    pub fn refine(
        &mut self,
        img: &RgbImage,
        segmentation: &Segmentation,
        crop: Rect,
        out_size: SizePx,
    ) -> Result<PersonMask, VisionError> {
        validate_request(img, segmentation, crop, out_size)?;
        let region = Region {
            x: f64::from(crop.x),
            y: f64::from(crop.y),
            width: f64::from(crop.width),
            height: f64::from(crop.height),
        };
        let (out_w, out_h) = (out_size.width, out_size.height);
        // Output pixels per segmenter pixel along x (the segmentation stretches the image to a square).
        let out_per_seg_px =
            (out_w as f32 / crop.width) * (segmentation.image_size.width as f32 / SIDE as f32);
        let grid_scale = (GUIDE_GRID_LONG_SIDE_PX / out_w.max(out_h) as f32)
            .min(GRID_PX_PER_SEG_PX / out_per_seg_px.max(f32::MIN_POSITIVE))
            .min(1.0);
        let small_w = ((out_w as f32 * grid_scale).round() as u32).max(1);
        let small_h = ((out_h as f32 * grid_scale).round() as u32).max(1);
        // Exactly the whole image at its own size: the photo itself is the guide.
        let whole = is_whole_image(img, region, out_size);
        let split = out_size.pixels() >= split::MIN_SPLIT_PIXELS as u64;
        // The coarse prior and the small guide here; the full-size guide on the helper.
        let mut rendered_small = Ok(());
        let mut rendered_full = Ok(());
        split::both(
            split,
            || {
                coarse_mask(
                    segmentation,
                    region,
                    (small_w, small_h),
                    &mut self.mask_small,
                    &mut self.coarse_small,
                );
                rendered_small = self.resampler.render_region(
                    img,
                    region,
                    small_w,
                    small_h,
                    Border::Replicate,
                    &mut self.guide_small,
                );
            },
            || {
                if !whole {
                    rendered_full = self.resampler_full.render_region(
                        img,
                        region,
                        out_size.width,
                        out_size.height,
                        Border::Replicate,
                        &mut self.guide_full,
                    );
                }
            },
        );
        rendered_small?;
        rendered_full?;
        self.guide_small_f32.clear();
        self.guide_small_f32
            .extend(self.guide_small.iter().map(|&v| f32::from(v) / 255.0));
        // One segmenter pixel, measured in pixels of the coefficient grid.
        let seg_px_in_small =
            (small_w as f32 / crop.width) * (segmentation.image_size.width as f32 / SIDE as f32);
        let radius = (GUIDE_RADIUS_SEG_PX * seg_px_in_small).round().max(1.0) as usize;
        self.solve_grid((small_w, small_h), radius);
        let guide: &[u8] = if whole {
            img.as_raw()
        } else {
            &self.guide_full
        };
        let cells = grid_cells(&self.coefficients_small, &self.coarse_small, &mut self.grid);
        let grid = Grid {
            width: small_w as usize,
            height: small_h as usize,
            cells,
        };
        let upsamplers = (&mut self.upsampler, &mut self.upsampler_lower);
        evaluate_alpha(upsamplers, grid, guide, out_size, split)
    }

    /// Runs the guided-filter passes on the coefficient grid, leaving the last pass's
    /// coefficients in `coefficients_small`.
    fn solve_grid(&mut self, (width, height): (u32, u32), radius: usize) {
        let (width, height) = (width as usize, height as usize);
        self.scratch
            .prepare(&self.guide_small_f32, width, height, radius, GUIDE_EPS);
        for pass in 0..GUIDE_PASSES {
            if pass > 0 {
                // The next pass starts from this pass's mask on the grid.
                for (prior, (coefficients, rgb)) in self.mask_small.iter_mut().zip(
                    self.coefficients_small
                        .iter()
                        .zip(self.guide_small_f32.chunks_exact(3)),
                ) {
                    *prior = guided::stretch(apply(coefficients, rgb), ALPHA_LOW, ALPHA_HIGH);
                }
            }
            self.scratch
                .coefficients(&self.mask_small, &mut self.coefficients_small);
        }
    }
}

/// Samples the coarse probability at the centres of a `width` x `height` grid over `region`, into
/// `coarse`, and its steepened prior into `mask`.
fn coarse_mask(
    segmentation: &Segmentation,
    region: Region,
    (width, height): (u32, u32),
    mask: &mut Vec<f32>,
    coarse: &mut Vec<f32>,
) {
    mask.clear();
    coarse.clear();
    let step_x = region.width as f32 / width as f32;
    let step_y = region.height as f32 / height as f32;
    for row in 0..height {
        let y = region.y as f32 + (row as f32 + 0.5) * step_y;
        for col in 0..width {
            let x = region.x as f32 + (col as f32 + 0.5) * step_x;
            let probability = segmentation.probability_at(x, y);
            coarse.push(probability);
            mask.push(guided::steepen(probability, PRIOR_CONTRAST));
        }
    }
}

/// Whether `region` at `out_size` is exactly the whole image at its own size.
fn is_whole_image(img: &RgbImage, region: Region, out_size: SizePx) -> bool {
    let whole = Region {
        x: 0.0,
        y: 0.0,
        width: f64::from(img.width()),
        height: f64::from(img.height()),
    };
    region == whole && out_size == SizePx::new(img.width(), img.height())
}

/// Packs the grid's coefficients and coarse probability into cells for the upsampler.
fn grid_cells<'a>(
    coefficients: &[[f32; 4]],
    coarse: &[f32],
    cells: &'a mut Vec<[f32; upsample::CHANNELS]>,
) -> &'a [[f32; upsample::CHANNELS]] {
    cells.clear();
    cells.extend(
        coefficients
            .iter()
            .zip(coarse)
            .map(|(c, &coarse)| [c[0], c[1], c[2], c[3], coarse]),
    );
    cells
}

/// Upsamples the grid to `out_size` and evaluates every output pixel's alpha against `guide`; the
/// lower half of the rows on the helper thread when `split`.
fn evaluate_alpha(
    (upper, lower): (&mut Upsampler, &mut Upsampler),
    grid: Grid<'_>,
    guide: &[u8],
    out_size: SizePx,
    split: bool,
) -> Result<PersonMask, VisionError> {
    let out = (out_size.width as usize, out_size.height as usize);
    let middle = if split { out.1 / 2 } else { out.1 };
    let mut alpha = vec![0; out.0 * out.1];
    let (top, bottom) = alpha.split_at_mut(middle * out.0);
    let (mut top_ok, mut bottom_ok) = (false, true);
    split::both(
        split,
        || top_ok = upper.evaluate_rows(grid, guide, out, 0..middle, alpha_of, top),
        || {
            if middle < out.1 {
                bottom_ok = lower.evaluate_rows(grid, guide, out, middle..out.1, alpha_of, bottom);
            }
        },
    );
    if !(top_ok && bottom_ok) {
        return Err(VisionError::Resize {
            reason: "coefficient grid and guide image sizes disagree".to_owned(),
        });
    }
    Ok(PersonMask {
        width: out_size.width,
        height: out_size.height,
        alpha,
    })
}

/// The refined alpha of one output pixel from its interpolated grid cell and its colour.
// Called per output pixel: left to the compiler it stayed a call, and the evaluation took three
// times as long.
#[allow(clippy::inline_always)]
#[inline(always)]
fn alpha_of(cell: &[f32; upsample::CHANNELS], rgb: &[u8]) -> u8 {
    const TO_UNIT: f32 = 1.0 / 255.0;
    let rgb = [
        f32::from(rgb[0]) * TO_UNIT,
        f32::from(rgb[1]) * TO_UNIT,
        f32::from(rgb[2]) * TO_UNIT,
    ];
    let model = [cell[0], cell[1], cell[2], cell[3]];
    let refined = guided::stretch(apply(&model, &rgb), ALPHA_LOW, ALPHA_HIGH);
    // The photo may take opacity away freely (that removes the halo) but add only a little where
    // the segmenter saw background (that stops look-alike colours in a busy background from
    // joining the person).
    let ceiling = guided::steepen(cell[4], PRIOR_CONTRAST) + MAX_ALPHA_GAIN;
    // Rounds (the value is not negative; the cast saturates) without a call to `roundf`.
    (refined.min(ceiling) * 255.0 + 0.5) as u8
}

/// The guided filter's local linear model: `a . rgb + b`.
fn apply(coefficients: &[f32; 4], rgb: &[f32]) -> f32 {
    coefficients[0] * rgb[0] + coefficients[1] * rgb[1] + coefficients[2] * rgb[2] + coefficients[3]
}

fn validate_request(
    img: &RgbImage,
    segmentation: &Segmentation,
    crop: Rect,
    out_size: SizePx,
) -> Result<(), VisionError> {
    let invalid = |reason: String| Err(VisionError::InvalidRegion { reason });
    if segmentation.image_size != SizePx::new(img.width(), img.height()) {
        return invalid(format!(
            "segmentation was computed on a {}x{} image, not this {}x{} one",
            segmentation.image_size.width,
            segmentation.image_size.height,
            img.width(),
            img.height()
        ));
    }
    let finite = [crop.x, crop.y, crop.width, crop.height]
        .iter()
        .all(|v| v.is_finite());
    if !finite || crop.width < 1.0 || crop.height < 1.0 {
        return invalid(format!("crop {crop:?} is empty or not finite"));
    }
    if out_size.width == 0 || out_size.height == 0 || out_size.pixels() > MAX_OUTPUT_PIXELS {
        return invalid(format!(
            "output size {}x{} is empty or larger than {MAX_OUTPUT_PIXELS} pixels",
            out_size.width, out_size.height
        ));
    }
    Ok(())
}
