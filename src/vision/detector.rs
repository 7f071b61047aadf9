//! The face detector: runs BlazeFace (short range) on square windows of an image and returns every
//! face in image pixels. A frame is searched once, letterboxed; a capture is also searched on a
//! central square crop when that finds nothing, and on overlapping tiles at twice the scale or more so
//! a second, smaller face behind the subject is found too. The tiles are as large as the smallest
//! second face that matters allows (see [`capture_tiles`]). Owns no mesh and no primary-face choice.

use std::path::Path;

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
/// Capture tiles are this fraction of the image's short side: faces half the size the letterbox
/// pass can see are found (the short-range model needs a face of roughly a fifth of its input).
const TILE_FRACTION_OF_SHORT_SIDE: f64 = 0.5;
/// The smallest second face that matters fills at least this fraction of a tile's side. Measured
/// (2026-11-23) by scaling each fixture's face into a detector window at four positions and taking
/// the worst score: at 0.18 every one of the 18 good faces scores ≥ 0.91 and 35 of the 36 single
/// faces of the bad fixtures (turned, profile, dark, sunglasses, hats) reach the tiles' 0.75 floor;
/// the exception, a head-down face under a cap, scores 0.71 at 0.18 and at 0.2 alike. At 0.16 a
/// profile face (interfaces_063) is lost entirely and a hat with sunglasses drops to 0.70.
const TILE_FACE_FRACTION: f64 = 0.18;
/// Neighbouring tiles overlap by half a tile, so any face up to half a tile wide lies wholly in one.
const TILE_STEP_FRACTION: f64 = 0.5;
/// Tiles are only searched when they hold at least this many image pixels per input pixel; on a
/// smaller image a tile would just be the letterbox pass again, upsampled.
const MIN_TILE_SIDE_PX: f64 = 2.0 * SIDE as f64;
/// Tile detections must score at least this: at twice the scale the detector also fires at 0.5-0.7
/// on ears, hands and profiles (8 such false faces on the fixtures, none above 0.67), while the
/// real small faces it is there for score 0.83-0.98.
const TILE_MIN_SCORE: f32 = 0.75;
/// A detection touching a tile edge inside the image is a partial face: it is dropped when its box
/// comes this close (fraction of the tile side) to such an edge.
const TILE_EDGE_MARGIN_FRACTION: f32 = 0.02;

/// The BlazeFace model with its anchors and reusable buffers.
#[derive(Debug)]
pub struct FaceDetector {
    model: OnnxModel,
    anchors: Vec<Anchor>,
    rgb: Vec<u8>,
}

impl FaceDetector {
    pub fn load(models_dir: &Path) -> Result<Self, VisionError> {
        let model = OnnxModel::load(
            &models_dir.join(MODEL_FILE),
            "face detector",
            [1, SIDE, SIDE, 3],
        )?;
        Ok(Self {
            model,
            anchors: blazeface::anchors(),
            rgb: Vec::new(),
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
        let mut found = self.detect_window(img, letterbox, false)?;
        let short_side = width.min(height);
        if mode == AnalyzeMode::Capture && found.is_empty() && short_side < long_side {
            let central = Region {
                x: (width - short_side) / 2.0,
                y: (height - short_side) / 2.0,
                width: short_side,
                height: short_side,
            };
            found = self.detect_window(img, central, false)?;
        }
        Ok(found)
    }

    /// The smaller faces of one capture tile (see [`tiles`]), in image pixels.
    pub fn detect_tile(
        &mut self,
        img: &RgbImage,
        tile: Region,
    ) -> Result<Vec<RawDetection>, VisionError> {
        self.detect_window(img, tile, true)
    }

    /// Detections inside one square window, mapped to image pixels.
    fn detect_window(
        &mut self,
        img: &RgbImage,
        window: Region,
        is_tile: bool,
    ) -> Result<Vec<RawDetection>, VisionError> {
        let side = SIDE as u32;
        imaging::warp_bilinear(
            img,
            &IndexMap::new(&RotatedRect::from_region(window), side, side),
            (side, side),
            Border::Constant(LETTERBOX_COLOUR),
            &mut self.rgb,
        );
        imaging::fill_tensor(
            &self.rgb,
            self.model.input_mut()?,
            INPUT_SCALE,
            INPUT_OFFSET,
        );
        let outputs = self.model.run()?;
        let regressors = outputs.slice(0, blazeface::ANCHOR_COUNT * blazeface::REGRESSOR_VALUES)?;
        let logits = outputs.slice(1, blazeface::ANCHOR_COUNT)?;
        let unit = blazeface::decode(regressors, logits, &self.anchors, blazeface::MIN_SCORE);
        let unit = blazeface::weighted_nms(unit, blazeface::NMS_MIN_IOU);
        let image_size = (img.width() as f32, img.height() as f32);
        Ok(unit
            .iter()
            .filter(|detection| {
                !is_tile
                    || (detection.score >= TILE_MIN_SCORE
                        && !touches_inner_edge(detection, window, image_size))
            })
            .map(|detection| to_image(detection, window))
            .collect())
    }
}

/// Raw detections of all passes merged into faces (weighted NMS, then nested boxes dropped), best
/// score first. The same detections in the same order always give the same faces.
pub fn merge(found: Vec<RawDetection>) -> Vec<FaceDetection> {
    let merged = blazeface::weighted_nms(found, blazeface::NMS_MIN_IOU);
    let merged = blazeface::suppress_nested(merged);
    merged.iter().map(to_face_detection).collect()
}

/// The tiles a capture is searched on once its whole-image pass found `whole`. A second face only
/// matters when its box area is at least `second_face_area_ratio` of the primary face's (the
/// `multiple_faces` limit): a smaller one cannot fail the check, and when the whole pass found exactly
/// one face, that face stays the primary face (see `capture`). So with exactly one face the tiles
/// grow until the smallest face that matters fills `TILE_FACE_FRACTION` of one, never smaller than
/// `TILE_FRACTION_OF_SHORT_SIDE` of the short side and never larger than the short side. With no face
/// or several (the primary face may be among the tiles' finds), they are that fraction of the short
/// side.
pub fn capture_tiles(
    width: f64,
    height: f64,
    whole: &[FaceDetection],
    second_face_area_ratio: f32,
) -> Vec<Region> {
    let base = width.min(height) * TILE_FRACTION_OF_SHORT_SIDE;
    if base < MIN_TILE_SIDE_PX {
        // Too small for tiles at their finest: larger ones would only repeat the letterbox pass.
        return Vec::new();
    }
    let side = match whole {
        [only] => {
            let smallest = f64::from((only.bbox.area().max(0.0) * second_face_area_ratio).sqrt());
            base.max(smallest / TILE_FACE_FRACTION)
                .min(width.min(height))
        }
        _ => base,
    };
    tiles_of_side(width, height, side)
}

/// Overlapping square tiles of `side` covering the image, or none when `side` is too small.
fn tiles_of_side(width: f64, height: f64, side: f64) -> Vec<Region> {
    if !side.is_finite() || side < MIN_TILE_SIDE_PX {
        return Vec::new();
    }
    let step = side * TILE_STEP_FRACTION;
    let offsets = |extent: f64| {
        let count = ((extent - side) / step).ceil().max(0.0) as usize + 1;
        // Spread the tiles evenly so the last one ends exactly at the image edge.
        let spacing = if count > 1 {
            (extent - side) / (count - 1) as f64
        } else {
            0.0
        };
        (0..count).map(move |index| index as f64 * spacing)
    };
    let mut regions = Vec::new();
    for y in offsets(height) {
        for x in offsets(width) {
            regions.push(Region {
                x,
                y,
                width: side,
                height: side,
            });
        }
    }
    regions
}

/// Whether a tile detection (unit coordinates) reaches an edge of the tile that is not an image
/// edge, i.e. the face probably continues outside the tile.
fn touches_inner_edge(detection: &RawDetection, tile: Region, image_size: (f32, f32)) -> bool {
    let margin = TILE_EDGE_MARGIN_FRACTION;
    let left = detection.center_x - detection.width / 2.0;
    let right = detection.center_x + detection.width / 2.0;
    let top = detection.center_y - detection.height / 2.0;
    let bottom = detection.center_y + detection.height / 2.0;
    let tile_is_inner = |edge: f64, image_edge: f32| (edge as f32 - image_edge).abs() > 0.5;
    (left < margin && tile_is_inner(tile.x, 0.0))
        || (top < margin && tile_is_inner(tile.y, 0.0))
        || (right > 1.0 - margin && tile_is_inner(tile.right(), image_size.0))
        || (bottom > 1.0 - margin && tile_is_inner(tile.bottom(), image_size.1))
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

    #[test]
    fn tiles_cover_the_image_with_overlap() {
        let tiles = |width: f64, height: f64| capture_tiles(width, height, &[], 0.1);
        let regions = tiles(1350.0, 1350.0);
        assert_eq!(regions.len(), 9);
        let last = regions[8];
        assert!((last.right() - 1350.0).abs() < 1e-6);
        assert!((last.bottom() - 1350.0).abs() < 1e-6);
        assert!((regions[1].x - 337.5).abs() < 1e-6);
        assert!(tiles(300.0, 300.0).is_empty());
        let wide = tiles(1920.0, 1080.0);
        assert!(
            wide.iter()
                .all(|r| r.right() <= 1920.0 + 1e-6 && r.x >= 0.0)
        );
        assert_eq!(wide.len(), 7 * 3);
    }

    #[test]
    fn tiles_grow_with_the_smallest_second_face_that_matters() {
        // A small primary face: the finest tiles (half the short side), as with no face at all.
        let small = capture_tiles(1280.0, 720.0, &[face(150.0)], 0.1);
        assert_eq!(small.len(), 7 * 3);
        assert!((small[0].width - 360.0).abs() < 1e-6);
        // A 285 px face (the chsi pose guide's middle at 720p): second faces from 90 px matter, so the
        // tiles are 500 px and fewer.
        let framed = capture_tiles(1280.0, 720.0, &[face(285.0)], 0.1);
        let side = f64::from(285.0_f32 * 0.1_f32.sqrt()) / TILE_FACE_FRACTION;
        assert!((framed[0].width - side).abs() < 1e-3, "{}", framed[0].width);
        assert_eq!(framed.len(), 5 * 2);
        // A close-up: tiles as tall as the image, never taller.
        let close = capture_tiles(1280.0, 720.0, &[face(470.0)], 0.1);
        assert_eq!(close.len(), 3);
        assert!(
            close
                .iter()
                .all(|r| (r.height - 720.0).abs() < 1e-6 && r.y == 0.0)
        );
        // A stricter limit searches for smaller faces again.
        assert_eq!(
            capture_tiles(1280.0, 720.0, &[face(285.0)], 0.02).len(),
            7 * 3
        );
        // Several faces: the primary may be among the tiles' finds, so the finest tiles.
        assert_eq!(
            capture_tiles(1280.0, 720.0, &[face(285.0), face(100.0)], 0.1).len(),
            7 * 3
        );
        // An image too small for tiles stays without them, whatever the face.
        assert!(capture_tiles(480.0, 480.0, &[face(300.0)], 0.1).is_empty());
    }

    #[test]
    fn partial_faces_at_inner_tile_edges_are_recognised() {
        let tile = Region {
            x: 100.0,
            y: 0.0,
            width: 500.0,
            height: 500.0,
        };
        let mut detection = RawDetection {
            score: 0.9,
            center_x: 0.05,
            center_y: 0.5,
            width: 0.2,
            height: 0.2,
            keypoints: [[0.0; 2]; blazeface::KEYPOINT_COUNT],
        };
        assert!(touches_inner_edge(&detection, tile, (1000.0, 500.0)));
        detection.center_x = 0.5;
        assert!(!touches_inner_edge(&detection, tile, (1000.0, 500.0)));
        // The top edge of this tile is the image's own edge: a face there is not partial.
        detection.center_y = 0.05;
        assert!(!touches_inner_edge(&detection, tile, (1000.0, 500.0)));
    }
}
