//! The face detector: runs BlazeFace (short range) on an image and returns every face in image
//! pixels. A frame is searched once, letterboxed; a capture is also searched on a central square crop
//! when that finds nothing, and once more at a finer scale (at least twice the letterbox pass's) so a
//! second, smaller face behind the subject is found too. That fine pass runs the model's convolutions
//! over the whole image at once (a [`Canvas`]) instead of on overlapping 128-px tiles: the same scale,
//! about a third of the work. The scale is as coarse as the smallest second face that matters allows,
//! on a ladder of a few steps (see [`capture_canvas`]). Owns no mesh and no primary-face choice.

use std::path::{Path, PathBuf};

use image::RgbImage;

use super::blazeface::{self, Anchor, RawDetection};
use super::imaging::{self, Border, IndexMap, Region, RotatedRect};
use super::model::OnnxModel;
use super::{AnalyzeMode, VisionError};
use crate::core::face::{FaceDetection, FaceKeypoints};
use crate::core::geometry::{Point, Rect};

pub const MODEL_FILE: &str = "face_detection_short_range.onnx";
const SIDE: usize = blazeface::INPUT_SIDE_PX;
/// The detector expects RGB scaled to [-1, 1] (models/MODELS.md).
const INPUT_SCALE: f32 = 2.0 / 255.0;
const INPUT_OFFSET: f32 = -1.0;
/// MediaPipe letterboxes with black, which is -1 after scaling.
const LETTERBOX_COLOUR: [u8; 3] = [0, 0, 0];
/// The fine pass sees the image at the scale of a 128-px window on this fraction of the image's short
/// side: faces half the size the letterbox pass can see are found (the short-range model needs a
/// face of roughly a fifth of its input).
const FINE_WINDOW_FRACTION_OF_SHORT_SIDE: f64 = 0.5;
/// The smallest second face that matters fills at least this fraction of a 128-px window of the fine
/// pass. Measured (2026-11-23) by scaling each fixture's face into a detector window at four positions
/// and taking the worst score: at 0.18 every one of the 18 good faces scores ≥ 0.91 and 35 of the 36
/// single faces of the bad fixtures (turned, profile, dark, sunglasses, hats) reach the fine pass's
/// 0.75 floor; the exception, a head-down face under a cap, scores 0.71 at 0.18 and at 0.2 alike. At
/// 0.16 a profile face (interfaces_063) is lost entirely and a hat with sunglasses drops to 0.70.
const FINE_FACE_FRACTION: f64 = 0.18;
/// The fine pass only runs when its window holds at least this many image pixels per input pixel; on
/// a smaller image it would just be the letterbox pass again, upsampled.
const MIN_FINE_WINDOW_PX: f64 = 2.0 * SIDE as f64;
/// Fine-pass detections must score at least this: at twice the scale the detector also fires at
/// 0.5-0.7 on ears, hands and profiles (8 such false faces on the fixtures' 128-px tiles, none above
/// 0.67), while the real small faces it is there for score 0.83-0.98. On the whole image at once it
/// adds no face to any of the 58 readable fixtures that the tiles did not find (2026-11-23).
const FINE_MIN_SCORE: f32 = 0.75;
/// The fine pass's scale is a step of this many per octave above its finest: a camera's captures then
/// need at most five input sizes (the scale spans one octave), each compiled once (about 35 ms), at
/// the price of up to 19 % finer than needed per side.
const SCALE_STEPS_PER_OCTAVE: f64 = 4.0;
/// Compiled fine-pass inputs kept per detector: every size one camera resolution needs.
const CANVAS_PLANS_KEPT: usize = 5;

/// The fine pass of one capture: the image scaled down by `scale` into the top-left corner of a
/// `width` x `height` model input (multiples of the model's coarsest stride; the rest is padding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Canvas {
    /// Image pixels per input pixel.
    pub scale: f64,
    pub width: usize,
    pub height: usize,
}

impl Canvas {
    /// The input covering a `width` x `height` image at `scale` image pixels per input pixel.
    fn covering(width: f64, height: f64, scale: f64) -> Option<Self> {
        let stride = blazeface::COARSEST_STRIDE_PX;
        let side = |extent: f64| {
            // A hair's tolerance, so an exact fit is not rounded up a whole stride.
            let pixels = (extent / scale - 1e-6).ceil();
            (pixels.is_finite() && pixels >= 1.0)
                .then(|| (pixels as usize).div_ceil(stride) * stride)
        };
        Some(Self {
            scale,
            width: side(width)?,
            height: side(height)?,
        })
    }
}

/// The model compiled for one fine-pass input size, with that size's anchors.
#[derive(Debug)]
struct CanvasPlan {
    size: (usize, usize),
    model: OnnxModel,
    anchors: Vec<Anchor>,
}

/// The BlazeFace model with its anchors and reusable buffers.
#[derive(Debug)]
pub struct FaceDetector {
    model: OnnxModel,
    anchors: Vec<Anchor>,
    rgb: Vec<u8>,
    /// The model file, to compile fine-pass inputs of new sizes.
    path: PathBuf,
    /// Fine-pass plans, most recently used last.
    canvases: Vec<CanvasPlan>,
}

impl FaceDetector {
    pub fn load(models_dir: &Path) -> Result<Self, VisionError> {
        let path = models_dir.join(MODEL_FILE);
        let model = OnnxModel::load(&path, "face detector", [1, SIDE, SIDE, 3])?;
        Ok(Self {
            model,
            anchors: blazeface::anchors(),
            rgb: Vec::new(),
            path,
            canvases: Vec::new(),
        })
    }

    /// The whole-image pass: the letterboxed image, and for a capture the central square crop when
    /// that finds nothing. Raw detections in image pixels, to be [`merge`]d.
    pub fn detect_whole(
        &mut self,
        img: &RgbImage,
        mode: AnalyzeMode,
    ) -> Result<Vec<RawDetection>, VisionError> {
        let (width, height) = (f64::from(img.width()), f64::from(img.height()));
        let long_side = width.max(height);
        let letterbox = Region {
            x: (width - long_side) / 2.0,
            y: (height - long_side) / 2.0,
            width: long_side,
            height: long_side,
        };
        let mut found = self.detect_window(img, letterbox)?;
        let short_side = width.min(height);
        if mode == AnalyzeMode::Capture && found.is_empty() && short_side < long_side {
            let central = Region {
                x: (width - short_side) / 2.0,
                y: (height - short_side) / 2.0,
                width: short_side,
                height: short_side,
            };
            found = self.detect_window(img, central)?;
        }
        Ok(found)
    }

    /// The smaller faces of a capture's fine pass (see [`capture_canvas`]), in image pixels.
    pub fn detect_canvas(
        &mut self,
        img: &RgbImage,
        canvas: Canvas,
    ) -> Result<Vec<RawDetection>, VisionError> {
        let scale = canvas.scale as f32;
        let map = IndexMap {
            origin: [0.0, 0.0],
            step_u: [scale, 0.0],
            step_v: [0.0, scale],
        };
        imaging::warp_bilinear(
            img,
            &map,
            (canvas.width as u32, canvas.height as u32),
            Border::Constant(LETTERBOX_COLOUR),
            &mut self.rgb,
        );
        let plan = canvas_plan(
            &mut self.canvases,
            &self.path,
            (canvas.width, canvas.height),
        )?;
        let found = run_model(&mut plan.model, &plan.anchors, &self.rgb, FINE_MIN_SCORE)?;
        // Positions are in units of 128 input pixels: one unit is 128 * scale image pixels.
        let unit = Region {
            x: 0.0,
            y: 0.0,
            width: SIDE as f64 * canvas.scale,
            height: SIDE as f64 * canvas.scale,
        };
        Ok(found
            .iter()
            .map(|detection| to_image(detection, unit))
            .collect())
    }

    /// Detections inside one square window, mapped to image pixels.
    fn detect_window(
        &mut self,
        img: &RgbImage,
        window: Region,
    ) -> Result<Vec<RawDetection>, VisionError> {
        let side = SIDE as u32;
        imaging::warp_bilinear(
            img,
            &IndexMap::new(&RotatedRect::from_region(window), side, side),
            (side, side),
            Border::Constant(LETTERBOX_COLOUR),
            &mut self.rgb,
        );
        let unit = run_model(
            &mut self.model,
            &self.anchors,
            &self.rgb,
            blazeface::MIN_SCORE,
        )?;
        Ok(unit
            .iter()
            .map(|detection| to_image(detection, window))
            .collect())
    }
}

/// Runs the detector model on `rgb` (its input's pixels) and returns the detections scoring at least
/// `min_score` after weighted NMS, in the model's units (see [`blazeface::decode`]).
fn run_model(
    model: &mut OnnxModel,
    anchors: &[Anchor],
    rgb: &[u8],
    min_score: f32,
) -> Result<Vec<RawDetection>, VisionError> {
    imaging::fill_tensor(rgb, model.input_mut()?, INPUT_SCALE, INPUT_OFFSET);
    let outputs = model.run()?;
    let regressors = outputs.slice(0, anchors.len() * blazeface::REGRESSOR_VALUES)?;
    let logits = outputs.slice(1, anchors.len())?;
    let unit = blazeface::decode(regressors, logits, anchors, min_score);
    Ok(blazeface::weighted_nms(unit, blazeface::NMS_MIN_IOU))
}

/// The plan of `plans` for a fine-pass input of `size` (width, height), compiled from the model at
/// `path` on first use; the least recently used plan goes when more than `CANVAS_PLANS_KEPT` would
/// be kept.
fn canvas_plan<'a>(
    plans: &'a mut Vec<CanvasPlan>,
    path: &Path,
    size: (usize, usize),
) -> Result<&'a mut CanvasPlan, VisionError> {
    if let Some(index) = plans.iter().position(|plan| plan.size == size) {
        let plan = plans.remove(index);
        plans.push(plan);
    } else {
        let (width, height) = size;
        let model = OnnxModel::load(path, "face detector", [1, height, width, 3])?;
        if plans.len() >= CANVAS_PLANS_KEPT {
            plans.remove(0);
        }
        plans.push(CanvasPlan {
            size,
            model,
            anchors: blazeface::anchors_for(width, height),
        });
    }
    plans.last_mut().ok_or(VisionError::Inference {
        model: "face detector",
        reason: "no plan for the fine pass".to_owned(),
    })
}

/// Raw detections of all passes merged into faces (weighted NMS, then nested boxes dropped), best
/// score first. The same detections in the same order always give the same faces.
pub fn merge(found: Vec<RawDetection>) -> Vec<FaceDetection> {
    let merged = blazeface::weighted_nms(found, blazeface::NMS_MIN_IOU);
    let merged = blazeface::suppress_nested(merged);
    merged.iter().map(to_face_detection).collect()
}

/// The fine pass of a capture whose whole-image pass found `whole`, if it needs one. A second face
/// only matters when its box area is at least `second_face_area_ratio` of the primary face's (the
/// `multiple_faces` limit): a smaller one cannot fail the check, and when the whole pass found exactly
/// one face, that face stays the primary face (see `capture`). So with exactly one face the scale
/// coarsens until the smallest face that matters fills `FINE_FACE_FRACTION` of a 128-px window, never
/// finer than a window on `FINE_WINDOW_FRACTION_OF_SHORT_SIDE` of the short side and never coarser
/// than one on the whole short side, in steps of `SCALE_STEPS_PER_OCTAVE` (rounded to the finer). With
/// no face or several (the primary face may be among the fine pass's finds), the window is that
/// fraction of the short side.
pub fn capture_canvas(
    width: f64,
    height: f64,
    whole: &[FaceDetection],
    second_face_area_ratio: f32,
) -> Option<Canvas> {
    let base = width.min(height) * FINE_WINDOW_FRACTION_OF_SHORT_SIDE;
    if base < MIN_FINE_WINDOW_PX {
        // Too small for a finer pass: it would only repeat the letterbox pass.
        return None;
    }
    let window = match whole {
        [only] => {
            let smallest = f64::from((only.bbox.area().max(0.0) * second_face_area_ratio).sqrt());
            base.max(smallest / FINE_FACE_FRACTION)
                .min(width.min(height))
        }
        _ => base,
    };
    if !window.is_finite() {
        return None;
    }
    // The coarsest step of the ladder that is not coarser than the window asks for.
    let finest = base / SIDE as f64;
    let steps = ((window / base).log2() * SCALE_STEPS_PER_OCTAVE + 1e-9)
        .floor()
        .max(0.0);
    let scale = finest * (steps / SCALE_STEPS_PER_OCTAVE).exp2();
    Canvas::covering(width, height, scale)
}

/// Maps a detection from the unit square of `window` to image pixels.
fn to_image(detection: &RawDetection, window: Region) -> RawDetection {
    let (x0, y0) = (window.x as f32, window.y as f32);
    let (scale_x, scale_y) = (window.width as f32, window.height as f32);
    let mut keypoints = detection.keypoints;
    for keypoint in &mut keypoints {
        *keypoint = [x0 + keypoint[0] * scale_x, y0 + keypoint[1] * scale_y];
    }
    RawDetection {
        score: detection.score,
        center_x: x0 + detection.center_x * scale_x,
        center_y: y0 + detection.center_y * scale_y,
        width: detection.width * scale_x,
        height: detection.height * scale_y,
        keypoints,
    }
}

fn to_face_detection(detection: &RawDetection) -> FaceDetection {
    let point = |index: usize| {
        let [x, y] = detection.keypoints[index];
        Point::new(x, y)
    };
    FaceDetection {
        bbox: Rect::from_center(
            Point::new(detection.center_x, detection.center_y),
            detection.width,
            detection.height,
        ),
        score: detection.score,
        keypoints: FaceKeypoints {
            right_eye: point(0),
            left_eye: point(1),
            nose_tip: point(2),
            mouth_center: point(3),
            right_ear: point(4),
            left_ear: point(5),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(side: f32) -> FaceDetection {
        FaceDetection {
            bbox: Rect::new(100.0, 100.0, side, side),
            score: 0.9,
            keypoints: FaceKeypoints::default(),
        }
    }

    fn canvas(width: f64, height: f64, faces: &[FaceDetection], ratio: f32) -> (usize, usize) {
        let canvas = capture_canvas(width, height, faces, ratio).expect("a fine pass");
        // The input covers the whole image, less than one stride of padding on each side.
        let stride = blazeface::COARSEST_STRIDE_PX as f64 * canvas.scale;
        for (input, extent) in [(canvas.width, width), (canvas.height, height)] {
            let covered = input as f64 * canvas.scale;
            assert!(
                covered >= extent - 1e-6 && covered < extent + stride,
                "{canvas:?}"
            );
        }
        (canvas.width, canvas.height)
    }

    #[test]
    fn the_fine_pass_sees_the_image_at_twice_the_letterbox_scale_or_finer() {
        // No face: windows of half the short side, so the short side spans 256 input pixels.
        assert_eq!(canvas(1350.0, 1350.0, &[], 0.1), (256, 256));
        assert_eq!(canvas(1920.0, 1080.0, &[], 0.1), (464, 256));
        assert!(capture_canvas(300.0, 300.0, &[], 0.1).is_none());
    }

    #[test]
    fn the_fine_pass_coarsens_with_the_smallest_second_face_that_matters() {
        // A small primary face: the finest scale, as with no face at all.
        assert_eq!(canvas(1280.0, 720.0, &[face(150.0)], 0.1), (464, 256));
        // A 285 px face (the chsi pose guide's middle at 720p): second faces from 90 px matter, so a
        // window of 500 px would do; the ladder's step below it is 360 px times 2^(1/4).
        let framed = capture_canvas(1280.0, 720.0, &[face(285.0)], 0.1).expect("a fine pass");
        let window = f64::from(285.0_f32 * 0.1_f32.sqrt()) / FINE_FACE_FRACTION;
        let step = 360.0 * 2.0_f64.powf(0.25);
        assert!(step <= window && step * 2.0_f64.powf(0.25) > window);
        assert!((framed.scale * 128.0 - step).abs() < 1e-6, "{framed:?}");
        assert_eq!(canvas(1280.0, 720.0, &[face(285.0)], 0.1), (384, 224));
        // Faces of one camera need few input sizes: every face from 150 to 600 px gives one of five.
        let mut sizes: Vec<(usize, usize)> = (150..600)
            .map(|side| canvas(1280.0, 720.0, &[face(side as f32)], 0.1))
            .collect();
        sizes.dedup();
        assert_eq!(sizes.len(), 5, "{sizes:?}");
        // A close-up: never coarser than a window on the whole short side.
        assert_eq!(canvas(1280.0, 720.0, &[face(470.0)], 0.1), (240, 128));
        // A stricter limit searches for smaller faces again.
        assert_eq!(canvas(1280.0, 720.0, &[face(285.0)], 0.02), (464, 256));
        // Several faces: the primary may be among the fine pass's finds, so the finest scale.
        assert_eq!(
            canvas(1280.0, 720.0, &[face(285.0), face(100.0)], 0.1),
            (464, 256)
        );
        // An image too small for a finer pass stays without one, whatever the face.
        assert!(capture_canvas(480.0, 480.0, &[face(300.0)], 0.1).is_none());
    }
}
