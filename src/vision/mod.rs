//! On-device face analysis with the three MediaPipe ONNX models on tract (pure Rust, nothing
//! downloaded): face detection, the 468-point face mesh and person segmentation, loaded once.
//!
//! Owns: model loading, image decoding with limits ([`load_image`]), inference, and turning model
//! outputs into the plain data of [`crate::core::face`]. Must not touch: quality thresholds
//! (checks), crop geometry (standardize), the camera, storage or the UI. Everything here is
//! synchronous; the pipeline runs it on its worker thread.
//!
//! Layout: `model` (tract plans), `imaging` (resizes and warps), `blazeface` (pure anchor decoding
//! and NMS), `detector`, `mesh`, `measures` (pure face measures), `segmenter` + `guided` (mask and
//! its edge refinement, `upsample` fuses its full-resolution step), `decode` (untrusted files).
//!
//! Model inputs are cut exactly as MediaPipe 0.10.14 cuts them, so detections, landmarks and the
//! coarse mask match its own outputs (tests/fixtures/reference) to a pixel.
//!
//! ```no_run
//! use idbooth::core::geometry::{Rect, SizePx};
//! use idbooth::vision::{self, AnalyzeMode, Vision};
//!
//! # fn main() -> Result<(), vision::VisionError> {
//! let mut vision = Vision::load_default()?;
//! let capture = vision::load_image(std::path::Path::new("capture.jpg"))?;
//! let analysis = vision.analyze(&capture, AnalyzeMode::Capture)?;
//! if let Some(mesh) = &analysis.mesh {
//!     println!("{} faces, roll {:.1}°", analysis.faces.len(), mesh.roll_deg);
//! }
//! let segmentation = vision.segment(&capture)?; // once per capture
//! let crop = Rect::new(300.0, 200.0, 750.0, 1000.0);
//! let mask = vision.refine_mask(&capture, &segmentation, crop, SizePx::new(480, 640))?;
//! # let _ = mask;
//! # Ok(())
//! # }
//! ```

mod blazeface;
mod capture;
mod decode;
mod detector;
mod error;
mod guided;
mod imaging;
mod measures;
mod mesh;
mod model;
mod prelu_op;
mod segmenter;
mod upsample;
mod upsample_op;

use std::path::{Path, PathBuf};

use image::RgbImage;

pub use decode::{
    MAX_FILE_BYTES, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE_PX, check_dimensions, decode_image, load_image,
};
pub use error::VisionError;
pub use measures::roll_deg;
pub use segmenter::{SIDE as SEGMENTATION_SIDE, Segmentation};

use crate::core::checks::CheckThresholds;
use crate::core::face::{FaceAnalysis, FaceDetection, FaceMesh, PersonMask};
use crate::core::geometry::{Rect, SizePx};
use detector::FaceDetector;
use mesh::FaceMesher;
use segmenter::Segmenter;

/// Environment variable naming the assets directory (its `models/` subdirectory holds the models).
pub const ASSETS_ENV: &str = "IDBOOTH_ASSETS";
/// The three model files a models directory must hold.
pub const MODEL_FILES: [&str; 3] = [
    detector::MODEL_FILE,
    mesh::MODEL_FILE,
    segmenter::MODEL_FILE,
];
/// How much a face's distance from the image centre discounts its size when choosing the primary
/// face: a face in a corner counts half as much as the same face in the centre.
const CENTRE_WEIGHT: f32 = 0.5;

/// Name of the scoped thread [`Vision::analyze_and_segment`] runs the segmenter on.
pub const SEGMENT_THREAD_NAME: &str = "idbooth-segment";

/// Everything vision finds in one image: faces with the primary face's mesh, and the segmentation.
#[derive(Debug, Clone)]
pub struct ImageVision {
    pub analysis: FaceAnalysis,
    pub segmentation: Segmentation,
}

/// What an image is: a live preview frame (one fast detector pass) or a capture (also searched
/// on a central crop when nothing is found, and at twice the scale for smaller faces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyzeMode {
    Frame,
    Capture,
}

/// The three models, loaded once, with their reusable buffers. `Send`: it lives on a worker thread.
#[derive(Debug)]
pub struct Vision {
    detector: FaceDetector,
    mesher: FaceMesher,
    /// `None` only while a capture's second thread holds it (see `capture`), or if that thread died
    /// before handing it back.
    segmenter: Option<Segmenter>,
    /// A second detector for a capture's fine pass run beside other work (see `capture`); `None`
    /// only if its thread failed, and then the first detector runs it.
    fine_detector: Option<FaceDetector>,
    /// A capture's fine pass looks for second faces down to this fraction of the primary face's box
    /// area (the `multiple_faces` limit; see [`detector::capture_canvas`]).
    second_face_area_ratio: f32,
    models_dir: PathBuf,
}

impl Vision {
    /// Loads the three models from `models_dir`.
    pub fn load(models_dir: &Path) -> Result<Self, VisionError> {
        Ok(Self {
            detector: FaceDetector::load(models_dir)?,
            mesher: FaceMesher::load(models_dir)?,
            segmenter: Some(Segmenter::load(models_dir)?),
            fine_detector: Some(FaceDetector::load(models_dir)?),
            second_face_area_ratio: CheckThresholds::default().max_second_face_area_ratio,
            models_dir: models_dir.to_path_buf(),
        })
    }

    /// Sets the smallest second face a capture is searched for, as a fraction of the primary face's
    /// box area: the `multiple_faces` limit the checks will apply (the default is the default limit).
    /// Smaller second faces may go unreported; they could not fail the check.
    pub fn set_second_face_area_ratio(&mut self, ratio: f32) {
        self.second_face_area_ratio = if ratio.is_finite() {
            ratio.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    /// Loads the models from the first directory that holds all three: `<exe dir>/assets/models`,
    /// `$IDBOOTH_ASSETS/models`, then the source tree's `assets/models`.
    pub fn load_default() -> Result<Self, VisionError> {
        let candidates = default_model_dirs();
        let found = candidates
            .iter()
            .find(|dir| MODEL_FILES.iter().all(|file| dir.join(file).is_file()));
        match found {
            Some(dir) => Self::load(dir),
            None => Err(VisionError::ModelsNotFound {
                searched: candidates
                    .iter()
                    .map(|dir| dir.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The directory the models were loaded from.
    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    /// Every face in `img`, and the mesh measures of the primary one (largest, nearest the centre).
    pub fn analyze(
        &mut self,
        img: &RgbImage,
        mode: AnalyzeMode,
    ) -> Result<FaceAnalysis, VisionError> {
        check_dimensions(img.width(), img.height())?;
        analyze_faces(
            &mut self.detector,
            &mut self.mesher,
            img,
            mode,
            self.second_face_area_ratio,
        )
    }

    /// [`Vision::analyze`] and [`Vision::segment`] of one image at once, on two threads: the
    /// segmenter runs on a second, scoped thread (`idbooth-segment`) while this thread detects and
    /// meshes; a capture's fine pass is run by whichever thread is free first (see
    /// [`Vision::analyze_capture_and`]). Each model keeps its own buffers, so they never share data.
    pub fn analyze_and_segment(
        &mut self,
        img: &RgbImage,
        mode: AnalyzeMode,
    ) -> Result<ImageVision, VisionError> {
        if mode == AnalyzeMode::Capture {
            return self.analyze_capture(img);
        }
        check_dimensions(img.width(), img.height())?;
        let Self {
            detector,
            mesher,
            segmenter,
            second_face_area_ratio,
            ..
        } = self;
        let second_face_area_ratio = *second_face_area_ratio;
        let segmenter = segmenter.as_mut().ok_or_else(segmenter_lost)?;
        std::thread::scope(|scope| {
            let segmenting = std::thread::Builder::new()
                .name(SEGMENT_THREAD_NAME.to_owned())
                .spawn_scoped(scope, || segmenter.segment(img));
            let analysis = analyze_faces(detector, mesher, img, mode, second_face_area_ratio);
            let segmentation = match segmenting {
                Ok(handle) => handle.join().unwrap_or_else(|_| {
                    Err(VisionError::Inference {
                        model: "person segmenter",
                        reason: "the segmentation thread panicked".to_owned(),
                    })
                }),
                Err(error) => Err(VisionError::Inference {
                    model: "person segmenter",
                    reason: format!("could not start the segmentation thread: {error}"),
                }),
            };
            Ok(ImageVision {
                analysis: analysis?,
                segmentation: segmentation?,
            })
        })
    }

    /// The mesh measures of one detected face (the analysis meshes only the primary one).
    pub fn mesh_face(
        &mut self,
        img: &RgbImage,
        face: &FaceDetection,
    ) -> Result<Option<FaceMesh>, VisionError> {
        check_dimensions(img.width(), img.height())?;
        let output = self.mesher.run(img, &mesh::roi_from_detection(face))?;
        Ok(measures::face_mesh(output.landmarks, output.presence))
    }

    /// The segmenter's coarse person probability for the whole image (run once, refine many).
    pub fn segment(&mut self, img: &RgbImage) -> Result<Segmentation, VisionError> {
        check_dimensions(img.width(), img.height())?;
        self.segmenter
            .as_mut()
            .ok_or_else(segmenter_lost)?
            .segment(img)
    }

    /// The person mask of the whole image at full resolution, edges refined against the photo.
    pub fn person_mask(&mut self, img: &RgbImage) -> Result<PersonMask, VisionError> {
        let whole = Rect::new(0.0, 0.0, img.width() as f32, img.height() as f32);
        self.person_mask_in(img, whole, SizePx::new(img.width(), img.height()))
    }

    /// The person mask of `crop` (image pixels) resampled to `out_size`: the segmenter runs once on
    /// the whole (downscaled) image, the refinement only inside the crop. Parts of the crop beyond
    /// the image repeat its edge.
    pub fn person_mask_in(
        &mut self,
        img: &RgbImage,
        crop: Rect,
        out_size: SizePx,
    ) -> Result<PersonMask, VisionError> {
        let segmentation = self.segment(img)?;
        self.refine_mask(img, &segmentation, crop, out_size)
    }

    /// Refines an existing segmentation of `img` inside `crop`, at `out_size`.
    pub fn refine_mask(
        &mut self,
        img: &RgbImage,
        segmentation: &Segmentation,
        crop: Rect,
        out_size: SizePx,
    ) -> Result<PersonMask, VisionError> {
        self.segmenter.as_mut().ok_or_else(segmenter_lost)?.refine(
            img,
            segmentation,
            crop,
            out_size,
        )
    }
}

/// The error when the segmenter was lost with a capture thread that died before handing it back.
fn segmenter_lost() -> VisionError {
    VisionError::Inference {
        model: "person segmenter",
        reason: "lost with a failed capture thread; restart to reload the models".to_owned(),
    }
}

/// Faces and mesh of `img` with the detector and mesher borrowed separately (so the segmenter can
/// run beside them). A capture is analysed as [`Vision::analyze_capture_and`] analyses it, on this
/// thread alone: the same faces, primary face and mesh.
fn analyze_faces(
    detector: &mut FaceDetector,
    mesher: &mut FaceMesher,
    img: &RgbImage,
    mode: AnalyzeMode,
    second_face_area_ratio: f32,
) -> Result<FaceAnalysis, VisionError> {
    if mode == AnalyzeMode::Capture {
        return capture::analyze_alone(detector, mesher, img, second_face_area_ratio);
    }
    let image_size = SizePx::new(img.width(), img.height());
    let faces = detector::merge(detector.detect_whole(img, mode)?);
    let Some(primary) = primary_face(&faces, image_size) else {
        return Ok(FaceAnalysis::empty(image_size));
    };
    let output = mesher.run(img, &mesh::roi_from_detection(&faces[primary]))?;
    let mesh = measures::face_mesh(output.landmarks, output.presence);
    Ok(FaceAnalysis {
        image_size,
        faces,
        primary: Some(primary),
        mesh,
    })
}

/// The directories [`Vision::load_default`] searches, in order.
pub fn default_model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("assets").join("models"));
    }
    if let Some(assets) = std::env::var_os(ASSETS_ENV) {
        dirs.push(PathBuf::from(assets).join("models"));
    }
    dirs.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join("models"),
    );
    dirs
}

/// Index of the primary face: the largest box, discounted by its distance from the image centre.
pub fn primary_face(faces: &[FaceDetection], image_size: SizePx) -> Option<usize> {
    let centre_x = image_size.width as f32 / 2.0;
    let centre_y = image_size.height as f32 / 2.0;
    let half_diagonal = centre_x.hypot(centre_y).max(1.0);
    let weight = |face: &FaceDetection| {
        let centre = face.bbox.center();
        let distance = (centre.x - centre_x).hypot(centre.y - centre_y) / half_diagonal;
        face.bbox.area() * (1.0 - CENTRE_WEIGHT * distance.min(1.0))
    };
    faces
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| weight(a).total_cmp(&weight(b)))
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::face::FaceKeypoints;

    fn face_at(x: f32, y: f32, side: f32) -> FaceDetection {
        FaceDetection {
            bbox: Rect::new(x, y, side, side),
            score: 0.9,
            keypoints: FaceKeypoints::default(),
        }
    }

    #[test]
    fn primary_face_prefers_large_then_central() {
        let size = SizePx::new(1000, 1000);
        assert_eq!(primary_face(&[], size), None);
        // Same size: the central one wins.
        let faces = [face_at(0.0, 0.0, 200.0), face_at(400.0, 400.0, 200.0)];
        assert_eq!(primary_face(&faces, size), Some(1));
        // A much larger face off-centre still wins over a small central one.
        let faces = [face_at(450.0, 450.0, 100.0), face_at(0.0, 300.0, 400.0)];
        assert_eq!(primary_face(&faces, size), Some(1));
    }

    #[test]
    fn vision_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Vision>();
    }
}
