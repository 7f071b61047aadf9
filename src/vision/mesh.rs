//! The face-mesh model: cuts the rotated region of interest of one detected face (MediaPipe's
//! detection-to-ROI rule), runs the 468-landmark model on it and maps the landmarks back to image
//! pixels. Owns no measures (see `measures`) and no detection.

use std::path::Path;

use image::RgbImage;

use super::VisionError;
use super::imaging::{self, Border, IndexMap, RotatedRect};
use super::model::OnnxModel;
use crate::core::face::{FaceDetection, MESH_POINTS, mesh_index};
use crate::core::geometry::Point3;

pub const MODEL_FILE: &str = "face_landmark.onnx";
/// Side of the mesh model input in pixels.
const SIDE: u32 = 192;
/// The mesh model expects RGB scaled to [0, 1] (models/MODELS.md).
const INPUT_SCALE: f32 = 1.0 / 255.0;
/// MediaPipe's ROI is a square 1.5 times the detection box (`face_detection_front_detection_to_roi`).
const ROI_SCALE: f32 = 1.5;
/// Values per landmark in the model output.
const VALUES_PER_LANDMARK: usize = 3;

/// MediaPipe's region of interest for a detection (`face_detection_front_detection_to_roi`): the
/// box centre, rotated so the eye keypoints are level, a square 1.5 times the longer box side.
pub fn roi_from_detection(detection: &FaceDetection) -> RotatedRect {
    let right = detection.keypoints.right_eye;
    let left = detection.keypoints.left_eye;
    let center = detection.bbox.center();
    let side_px = ROI_SCALE * detection.bbox.width.max(detection.bbox.height);
    eyes_level_square(
        center.x,
        center.y,
        side_px,
        (right.x, right.y),
        (left.x, left.y),
    )
}

/// A square of `side_px` around the centre, turned so the line from the right to the left eye point
/// is level.
fn eyes_level_square(
    center_x: f32,
    center_y: f32,
    side_px: f32,
    right: (f32, f32),
    left: (f32, f32),
) -> RotatedRect {
    RotatedRect {
        center_x,
        center_y,
        width: side_px,
        height: side_px,
        angle_rad: (left.1 - right.1).atan2(left.0 - right.0),
    }
}

/// MediaPipe's region of interest for a face it already has landmarks of (`face_landmarks_to_roi`,
/// the tracking step of its video graph): the centre of the landmarks' bounding box, rotated so the
/// outer eye corners (33, 263) are level, a square 1.5 times the box's longer side. It depends on the
/// face alone, not on how well a detector boxed it. `None` without a full mesh.
pub fn roi_from_landmarks(landmarks: &[Point3]) -> Option<RotatedRect> {
    if landmarks.len() != MESH_POINTS {
        return None;
    }
    let (mut min_x, mut min_y) = (f32::INFINITY, f32::INFINITY);
    let (mut max_x, mut max_y) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for point in landmarks {
        min_x = min_x.min(point.x);
        min_y = min_y.min(point.y);
        max_x = max_x.max(point.x);
        max_y = max_y.max(point.y);
    }
    let side_px = ROI_SCALE * (max_x - min_x).max(max_y - min_y);
    if !side_px.is_finite() || side_px < 1.0 {
        return None;
    }
    let right = landmarks[mesh_index::RIGHT_EYE_OUTER];
    let left = landmarks[mesh_index::LEFT_EYE_OUTER];
    Some(eyes_level_square(
        f32::midpoint(min_x, max_x),
        f32::midpoint(min_y, max_y),
        side_px,
        (right.x, right.y),
        (left.x, left.y),
    ))
}

/// The landmarks of one face in image pixels with the model's face-presence probability.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshOutput {
    pub landmarks: Vec<Point3>,
    pub presence: f32,
}

/// The face-mesh model with its reusable crop buffer.
#[derive(Debug)]
pub struct FaceMesher {
    model: OnnxModel,
    crop: Vec<u8>,
}

impl FaceMesher {
    pub fn load(models_dir: &Path) -> Result<Self, VisionError> {
        let side = SIDE as usize;
        let model = OnnxModel::load(
            &models_dir.join(MODEL_FILE),
            "face mesh",
            [1, side, side, 3],
        )?;
        Ok(Self {
            model,
            crop: Vec::new(),
        })
    }

    /// A capture's mesh of `face`: run on the detection's ROI, then once more on the ROI of those
    /// landmarks ([`roi_from_landmarks`]), so the measures do not move with the detector's box (the
    /// same face boxed by the whole-image pass or by a tile read up to 1° apart in pitch).
    pub fn run_refined(
        &mut self,
        img: &RgbImage,
        face: &FaceDetection,
    ) -> Result<MeshOutput, VisionError> {
        let first = self.run(img, &roi_from_detection(face))?;
        match roi_from_landmarks(&first.landmarks) {
            Some(roi) => self.run(img, &roi),
            None => Ok(first),
        }
    }

    /// Runs the mesh on the ROI and returns the landmarks in image pixels.
    pub fn run(&mut self, img: &RgbImage, roi: &RotatedRect) -> Result<MeshOutput, VisionError> {
        imaging::warp_bilinear(
            img,
            &IndexMap::new(roi, SIDE, SIDE),
            (SIDE, SIDE),
            Border::Replicate,
            &mut self.crop,
        );
        imaging::fill_tensor(&self.crop, self.model.input_mut()?, INPUT_SCALE, 0.0);
        let outputs = self.model.run()?;
        let raw = outputs.slice(0, MESH_POINTS * VALUES_PER_LANDMARK)?;
        let presence_logit = outputs.slice(1, 1)?[0];
        let side = SIDE as f32;
        let landmarks = raw
            .chunks_exact(VALUES_PER_LANDMARK)
            .map(|values| {
                let [x, y] = roi.project(values[0] / side, values[1] / side);
                // MediaPipe scales depth with the ROI width, like x.
                Point3::new(x, y, values[2] / side * roi.width)
            })
            .collect();
        Ok(MeshOutput {
            landmarks,
            presence: 1.0 / (1.0 + (-presence_logit).exp()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::face::FaceKeypoints;
    use crate::core::geometry::{Point, Rect};

    #[test]
    fn roi_is_centred_scaled_and_rotated_along_the_eyes() {
        let detection = FaceDetection {
            bbox: Rect::new(100.0, 200.0, 80.0, 100.0),
            score: 0.9,
            keypoints: FaceKeypoints {
                right_eye: Point::new(120.0, 230.0),
                left_eye: Point::new(160.0, 270.0),
                ..FaceKeypoints::default()
            },
        };
        let roi = roi_from_detection(&detection);
        assert_eq!((roi.center_x, roi.center_y), (140.0, 250.0));
        assert!((roi.width - 150.0).abs() < 1e-4 && (roi.height - 150.0).abs() < 1e-4);
        assert!((roi.angle_rad.to_degrees() - 45.0).abs() < 1e-4);
        // A landmark on the crop's horizontal midline, right of centre, lies along the eye line.
        let [x, y] = roi.project(0.75, 0.5);
        assert!(((y - 250.0) - (x - 140.0)).abs() < 1e-3, "({x}, {y})");
        assert!((((x - 140.0).hypot(y - 250.0)) - 37.5).abs() < 1e-3);
    }
}
