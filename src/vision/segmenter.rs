//! Person segmentation: runs MediaPipe's selfie segmenter (general, 256x256) once on the whole
//! frame, then refines the coarse probability map against the full-resolution photo with a fast
//! colour guided filter, for the whole image or only inside a crop. Owns no face logic.

use std::path::Path;

use fast_image_resize::Resizer;
use fast_image_resize::pixels::{F32, F32x4};
use image::RgbImage;

use super::VisionError;
use super::guided::{self, GuideInput, GuidedScratch};
use super::imaging::{self, Border, IndexMap, Region, Resampler, RotatedRect};
use super::model::OnnxModel;
use crate::core::face::PersonMask;
use crate::core::geometry::{Rect, SizePx};

pub const MODEL_FILE: &str = "selfie_segmentation.onnx";
/// Side of the segmenter input and output in pixels.
pub const SIDE: usize = 256;
/// The segmenter expects RGB scaled to [0, 1] (models/MODELS.md).
const INPUT_SCALE: f32 = 1.0 / 255.0;
/// Long side, in pixels, of the grid the guided filter's coefficients are computed on; the
/// coefficients are then upsampled to the output (Fast Guided Filter, He & Sun 2015, s ≈ 4 for a
/// 1350-pixel capture).
const GUIDE_GRID_LONG_SIDE_PX: f32 = 384.0;
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

/// The segmenter's coarse person probability for a whole image.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Size of the image it was computed on.
    pub image_size: SizePx,
    /// `SIDE * SIDE` probabilities, row-major, of the image stretched to a square.
    pub probability: Vec<f32>,
}

impl Segmentation {
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
        let (x0, y0) = (sx.floor(), sy.floor());
        let (tx, ty) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as usize, y0 as usize);
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
    resizer: Resizer,
    rgb: Vec<u8>,
    guide_small: Vec<u8>,
    guide_small_f32: Vec<f32>,
    mask_small: Vec<f32>,
    coarse_small: Vec<F32>,
    coarse_full: Vec<F32>,
    coefficients_small: Vec<[f32; 4]>,
    coefficients_small_px: Vec<F32x4>,
    coefficients_full: Vec<F32x4>,
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
            resizer: Resizer::new(),
            rgb: Vec::new(),
            guide_small: Vec::new(),
            guide_small_f32: Vec::new(),
            mask_small: Vec::new(),
            coarse_small: Vec::new(),
            coarse_full: Vec::new(),
            coefficients_small: Vec::new(),
            coefficients_small_px: Vec::new(),
            coefficients_full: Vec::new(),
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
        let grid_scale = (GUIDE_GRID_LONG_SIDE_PX / out_w.max(out_h) as f32).min(1.0);
        let small_w = ((out_w as f32 * grid_scale).round() as u32).max(1);
        let small_h = ((out_h as f32 * grid_scale).round() as u32).max(1);
        self.coarse_mask(segmentation, region, small_w, small_h);
        self.resampler.render_region(
            img,
            region,
            small_w,
            small_h,
            Border::Replicate,
            &mut self.guide_small,
        )?;
        self.guide_small_f32.clear();
        self.guide_small_f32
            .extend(self.guide_small.iter().map(|&v| f32::from(v) / 255.0));
        // One segmenter pixel, measured in pixels of the coefficient grid.
        let seg_px_in_small =
            (small_w as f32 / crop.width) * (segmentation.image_size.width as f32 / SIDE as f32);
        let radius = (GUIDE_RADIUS_SEG_PX * seg_px_in_small).round().max(1.0) as usize;
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
            let input = GuideInput {
                width: small_w as usize,
                height: small_h as usize,
                rgb: &self.guide_small_f32,
                mask: &self.mask_small,
            };
            guided::coefficients(
                input,
                radius,
                GUIDE_EPS,
                &mut self.scratch,
                &mut self.coefficients_small,
            );
        }
        self.upsample_coefficients((small_w, small_h), (out_w, out_h))?;
        self.coarse_full.clear();
        self.coarse_full
            .resize(out_w as usize * out_h as usize, F32::new(0.0));
        imaging::resize_plane(
            &mut self.resizer,
            &self.coarse_small,
            (small_w, small_h),
            &mut self.coarse_full,
            (out_w, out_h),
        )?;
        self.render_full_guide(img, region, out_size)?;
        Ok(self.apply_coefficients(out_size))
    }

    /// Samples the coarse probability at the centres of a `width` x `height` grid over `region`.
    fn coarse_mask(
        &mut self,
        segmentation: &Segmentation,
        region: Region,
        width: u32,
        height: u32,
    ) {
        self.mask_small.clear();
        self.coarse_small.clear();
        let step_x = region.width as f32 / width as f32;
        let step_y = region.height as f32 / height as f32;
        for row in 0..height {
            let y = region.y as f32 + (row as f32 + 0.5) * step_y;
            for col in 0..width {
                let x = region.x as f32 + (col as f32 + 0.5) * step_x;
                let probability = segmentation.probability_at(x, y);
                self.coarse_small.push(F32::new(probability));
                self.mask_small
                    .push(guided::steepen(probability, PRIOR_CONTRAST));
            }
        }
    }

    fn upsample_coefficients(
        &mut self,
        small: (u32, u32),
        full: (u32, u32),
    ) -> Result<(), VisionError> {
        self.coefficients_small_px.clear();
        self.coefficients_small_px
            .extend(self.coefficients_small.iter().map(|&c| F32x4::new(c)));
        self.coefficients_full.clear();
        self.coefficients_full
            .resize(full.0 as usize * full.1 as usize, F32x4::new([0.0; 4]));
        imaging::resize_plane(
            &mut self.resizer,
            &self.coefficients_small_px,
            small,
            &mut self.coefficients_full,
            full,
        )
    }

    /// The photo itself at the output resolution: the guide the coefficients apply to.
    fn render_full_guide(
        &mut self,
        img: &RgbImage,
        region: Region,
        out_size: SizePx,
    ) -> Result<(), VisionError> {
        // Exactly the whole image at its own size: the photo itself is the guide.
        let whole = Region {
            x: 0.0,
            y: 0.0,
            width: f64::from(img.width()),
            height: f64::from(img.height()),
        };
        let whole_image = region == whole && out_size == SizePx::new(img.width(), img.height());
        if whole_image {
            self.guide_full.clear();
            self.guide_full.extend_from_slice(img.as_raw());
            return Ok(());
        }
        self.resampler.render_region(
            img,
            region,
            out_size.width,
            out_size.height,
            Border::Replicate,
            &mut self.guide_full,
        )
    }

    fn apply_coefficients(&self, out_size: SizePx) -> PersonMask {
        const TO_UNIT: f32 = 1.0 / 255.0;
        let alpha = self
            .coefficients_full
            .iter()
            .zip(self.guide_full.chunks_exact(3))
            .zip(&self.coarse_full)
            .map(|((coefficients, rgb), coarse)| {
                let coarse = coarse.0;
                let rgb = [
                    f32::from(rgb[0]) * TO_UNIT,
                    f32::from(rgb[1]) * TO_UNIT,
                    f32::from(rgb[2]) * TO_UNIT,
                ];
                let refined = guided::stretch(apply(&coefficients.0, &rgb), ALPHA_LOW, ALPHA_HIGH);
                // The photo may take opacity away freely (that removes the halo) but add only a
                // little where the segmenter saw background (that stops look-alike colours in a
                // busy background from joining the person).
                let ceiling = guided::steepen(coarse, PRIOR_CONTRAST) + MAX_ALPHA_GAIN;
                (refined.min(ceiling) * 255.0).round() as u8
            })
            .collect();
        PersonMask {
            width: out_size.width,
            height: out_size.height,
            alpha,
        }
    }
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
    if segmentation.probability.len() != SIDE * SIDE {
        return invalid("segmentation map has the wrong size".to_owned());
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
