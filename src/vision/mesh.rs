//! The face-mesh model: cuts the rotated region of interest of one detected face (MediaPipe's
//! detection-to-ROI rule), runs the 468-landmark model on it and maps the landmarks back to image
//! pixels. Owns no measures (see `measures`) and no detection.

use std::path::Path;

use image::RgbImage;

use super::VisionError;
use super::imaging::{self, AffineSampling, Border, Region, Resampler};
use super::model::OnnxModel;
use crate::core::face::{FaceDetection, MESH_POINTS};
use crate::core::geometry::{Point, Point3};

pub const MODEL_FILE: &str = "face_landmark.onnx";
/// Side of the mesh model input in pixels.
const SIDE: u32 = 192;
/// The mesh model expects RGB scaled to [0, 1] (models/MODELS.md).
const INPUT_SCALE: f32 = 1.0 / 255.0;
/// MediaPipe's ROI is a square 1.5 times the detection box (`face_detection_front_detection_to_roi`).
const ROI_SCALE: f32 = 1.5;
/// Above this many image pixels per input pixel, the ROI is first downscaled with an area-aware
/// filter, so the bilinear warp does not alias.
const MAX_WARP_DOWNSCALE: f32 = 1.5;
/// Values per landmark in the model output.
const VALUES_PER_LANDMARK: usize = 3;

/// A rotated square region of interest in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub center: Point,
    pub side_px: f32,
    /// Rotation of the ROI's x axis from the image x axis (radians, clockwise on screen as y is
    /// down): the angle of the line from the subject's right eye to the left eye.
    pub angle_rad: f32,
}

impl Roi {
    /// MediaPipe's ROI for a detection: box centre, rotated so the eye keypoints are level,
    /// a square 1.5 times the longer box side.
    pub fn from_detection(detection: &FaceDetection) -> Self {
        let right = detection.keypoints.right_eye;
        let left = detection.keypoints.left_eye;
        Self {
            center: detection.bbox.center(),
            side_px: ROI_SCALE * detection.bbox.width.max(detection.bbox.height),
            angle_rad: (left.y - right.y).atan2(left.x - right.x),
        }
    }

    /// The map from the pixels of a `size` x `size` crop to image coordinates.
    fn sampling(&self, size: u32) -> AffineSampling {
        let step = self.side_px / size as f32;
        let (sin, cos) = self.angle_rad.sin_cos();
        let axis_u = [cos * step, sin * step];
        let axis_v = [-sin * step, cos * step];
        let half = size as f32 / 2.0;
        AffineSampling {
            origin: [
                self.center.x - half * (axis_u[0] + axis_v[0]),
                self.center.y - half * (axis_u[1] + axis_v[1]),
            ],
            axis_u,
            axis_v,
        }
    }
}

/// The landmarks of one face in image pixels with the model's face-presence probability.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshOutput {
    pub landmarks: Vec<Point3>,
    pub presence: f32,
}

/// The face-mesh model with reusable buffers.
#[derive(Debug)]
pub struct FaceMesher {
    model: OnnxModel,
    resampler: Resampler,
    prefiltered: Vec<u8>,
    crop: Vec<u8>,
}

impl FaceMesher {
    pub fn load(models_dir: &Path) -> Result<Self, VisionError> {
        let side = SIDE as usize;
        let model = OnnxModel::load(&models_dir.join(MODEL_FILE), "face mesh", [1, side, side, 3])?;
        Ok(Self {
            model,
            resampler: Resampler::default(),
            prefiltered: Vec::new(),
            crop: Vec::new(),
        })
    }

    /// Runs the mesh on the ROI and returns the landmarks in image pixels.
    pub fn run(&mut self, img: &RgbImage, roi: &Roi) -> Result<MeshOutput, VisionError> {
        let map = roi.sampling(SIDE);
        self.cut_roi(img, roi, &map)?;
        imaging::fill_tensor(&self.crop, self.model.input_mut()?, INPUT_SCALE, 0.0);
        let outputs = self.model.run()?;
        let raw = outputs.slice(0, MESH_POINTS * VALUES_PER_LANDMARK)?;
        let presence_logit = outputs.slice(1, 1)?[0];
        let depth_scale = roi.side_px / SIDE as f32;
        let landmarks = raw
            .chunks_exact(VALUES_PER_LANDMARK)
            .map(|values| {
                let (u, v) = (values[0], values[1]);
                Point3::new(
                    map.origin[0] + u * map.axis_u[0] + v * map.axis_v[0],
                    map.origin[1] + u * map.axis_u[1] + v * map.axis_v[1],
                    values[2] * depth_scale,
                )
            })
            .collect();
        Ok(MeshOutput {
            landmarks,
            presence: 1.0 / (1.0 + (-presence_logit).exp()),
        })
    }

    /// Fills `self.crop` with the ROI resampled to the model input size.
    fn cut_roi(
        &mut self,
        img: &RgbImage,
        roi: &Roi,
        map: &AffineSampling,
    ) -> Result<(), VisionError> {
        let downscale = roi.side_px / SIDE as f32;
        if downscale <= MAX_WARP_DOWNSCALE {
            imaging::warp_bilinear(img, map, SIDE, &mut self.crop);
            return Ok(());
        }
        // Downscale the ROI's bounding box so the ROI is SIDE pixels wide, then warp that.
        let (sin, cos) = roi.angle_rad.sin_cos();
        let half_extent = roi.side_px / 2.0 * (sin.abs() + cos.abs()) + downscale;
        let bounds = Region {
            x: f64::from(roi.center.x - half_extent),
            y: f64::from(roi.center.y - half_extent),
            width: f64::from(2.0 * half_extent),
            height: f64::from(2.0 * half_extent),
        };
        let bounds_side_px = ((2.0 * half_extent) / downscale).ceil().max(1.0) as u32;
        self.resampler.render_region(
            img,
            bounds,
            bounds_side_px,
            bounds_side_px,
            Border::Replicate,
            &mut self.prefiltered,
        )?;
        let scale = bounds_side_px as f32 / (2.0 * half_extent);
        let small_map = AffineSampling {
            origin: [
                (map.origin[0] - bounds.x as f32) * scale,
                (map.origin[1] - bounds.y as f32) * scale,
            ],
            axis_u: [map.axis_u[0] * scale, map.axis_u[1] * scale],
            axis_v: [map.axis_v[0] * scale, map.axis_v[1] * scale],
        };
        let small = RgbImage::from_raw(
            bounds_side_px,
            bounds_side_px,
            std::mem::take(&mut self.prefiltered),
        )
        .ok_or_else(|| VisionError::Resize {
            reason: "prefiltered ROI buffer has the wrong size".to_owned(),
        })?;
        imaging::warp_bilinear(&small, &small_map, SIDE, &mut self.crop);
        self.prefiltered = small.into_raw();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::face::FaceKeypoints;
    use crate::core::geometry::Rect;

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
        let roi = Roi::from_detection(&detection);
        assert_eq!(roi.center, Point::new(140.0, 250.0));
        assert!((roi.side_px - 150.0).abs() < 1e-4);
        assert!((roi.angle_rad.to_degrees() - 45.0).abs() < 1e-4);
        // The crop centre maps to the ROI centre and the crop's x axis runs along the eye line.
        let map = roi.sampling(SIDE);
        let half = SIDE as f32 / 2.0;
        let centre_x = map.origin[0] + half * (map.axis_u[0] + map.axis_v[0]);
        let centre_y = map.origin[1] + half * (map.axis_u[1] + map.axis_v[1]);
        assert!((centre_x - 140.0).abs() < 1e-3 && (centre_y - 250.0).abs() < 1e-3);
        assert!((map.axis_u[0] - map.axis_u[1]).abs() < 1e-6);
        let side = (map.axis_u[0].hypot(map.axis_u[1])) * SIDE as f32;
        assert!((side - 150.0).abs() < 1e-3);
    }
}
