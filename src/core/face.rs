//! What vision produces, as plain data: detections, the primary face's mesh-derived measures and the
//! person mask. Owns no inference and no image decoding; `vision` fills these types, `checks` and
//! `standardize` read them.

use serde::{Deserialize, Serialize};

use super::geometry::{Point, Point3, Rect, SizePx};

/// Number of landmarks in the MediaPipe face mesh.
pub const MESH_POINTS: usize = 468;

/// Canonical MediaPipe mesh indices used by the measures (source: models/MODELS.md).
pub mod mesh_index {
    pub const NOSE_TIP: usize = 1;
    pub const FOREHEAD_TOP: usize = 10;
    pub const CHIN: usize = 152;
    /// Cheek on the subject's right (image left in an unmirrored photo).
    pub const RIGHT_CHEEK: usize = 234;
    pub const LEFT_CHEEK: usize = 454;
    pub const RIGHT_EYE_OUTER: usize = 33;
    pub const RIGHT_EYE_INNER: usize = 133;
    pub const RIGHT_EYE_UPPER_LID: usize = 159;
    pub const RIGHT_EYE_LOWER_LID: usize = 145;
    pub const LEFT_EYE_INNER: usize = 362;
    pub const LEFT_EYE_OUTER: usize = 263;
    pub const LEFT_EYE_UPPER_LID: usize = 386;
    pub const LEFT_EYE_LOWER_LID: usize = 374;
    pub const UPPER_INNER_LIP: usize = 13;
    pub const LOWER_INNER_LIP: usize = 14;
    pub const MOUTH_RIGHT_CORNER: usize = 61;
    pub const MOUTH_LEFT_CORNER: usize = 291;
    /// Contour of the subject's right eye (MediaPipe `FACEMESH_RIGHT_EYE`), corner to corner along
    /// the lower lid, then back along the upper lid.
    pub const RIGHT_EYE_CONTOUR: [usize; 16] = [
        33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
    ];
    /// Contour of the subject's left eye (MediaPipe `FACEMESH_LEFT_EYE`), mirror of the right one.
    pub const LEFT_EYE_CONTOUR: [usize; 16] = [
        263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
    ];
    /// Face oval as mirror pairs (subject's right, subject's left), from the forehead down to the
    /// jaw (MediaPipe `FACEMESH_FACE_OVAL` split at the forehead top 10 and the chin 152).
    pub const FACE_OVAL_PAIRS: [(usize, usize); 17] = [
        (109, 338),
        (67, 297),
        (103, 332),
        (54, 284),
        (21, 251),
        (162, 389),
        (127, 356),
        (234, 454),
        (93, 323),
        (132, 361),
        (58, 288),
        (172, 397),
        (136, 365),
        (150, 379),
        (149, 378),
        (176, 400),
        (148, 377),
    ];
}

/// The six BlazeFace keypoints, subject's right first ("right" = image left when unmirrored).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FaceKeypoints {
    pub right_eye: Point,
    pub left_eye: Point,
    pub nose_tip: Point,
    pub mouth_center: Point,
    pub right_ear: Point,
    pub left_ear: Point,
}

/// One detected face, in the pixels of the analysed image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceDetection {
    pub bbox: Rect,
    pub score: f32,
    pub keypoints: FaceKeypoints,
}

/// Mesh-derived measures of the primary face, in the pixels of the analysed image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceMesh {
    /// 468 landmarks mapped back to image pixels (z relative, same scale as x).
    pub landmarks: Vec<Point3>,
    /// Probability that the mesh crop holds a face (sigmoid of the presence logit).
    pub presence: f32,
    /// Centre of the subject's right eye (image left): mean of its contour landmarks.
    pub right_eye: Point,
    pub left_eye: Point,
    /// Distance between the two eye centres.
    pub ied_px: f32,
    /// `atan2(left_eye.y - right_eye.y, left_eye.x - right_eye.x)` in degrees (y down).
    pub roll_deg: f32,
    /// Positive when the subject turns towards the image's right.
    pub yaw_deg: f32,
    /// Positive when the subject looks up.
    pub pitch_deg: f32,
    /// Lid gap divided by eye width, per eye.
    pub right_eye_openness: f32,
    pub left_eye_openness: f32,
    /// Inner-lip gap divided by the eye-to-chin distance.
    pub mouth_openness: f32,
    pub chin: Point,
    pub forehead: Point,
    /// Cheek-to-cheek landmarks (234 / 454) used for the face width.
    pub right_cheek: Point,
    pub left_cheek: Point,
}

impl FaceMesh {
    /// Midpoint of the two eye centres.
    pub fn eye_mid(&self) -> Point {
        self.right_eye.midpoint(self.left_eye)
    }

    /// Cheek-to-cheek width in pixels.
    pub fn face_width_px(&self) -> f32 {
        self.right_cheek.distance(self.left_cheek)
    }
}

/// Everything vision knows about one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceAnalysis {
    /// Size of the analysed image (all coordinates are in its pixels).
    pub image_size: SizePx,
    /// Every face after non-maximum suppression, best score first.
    pub faces: Vec<FaceDetection>,
    /// Index into `faces` of the primary face (largest, nearest the centre).
    pub primary: Option<usize>,
    /// Mesh of the primary face, when the mesh ran and found a face.
    pub mesh: Option<FaceMesh>,
}

impl FaceAnalysis {
    /// An analysis with no face found.
    pub fn empty(image_size: SizePx) -> Self {
        Self {
            image_size,
            faces: Vec::new(),
            primary: None,
            mesh: None,
        }
    }

    pub fn primary_face(&self) -> Option<&FaceDetection> {
        self.primary.and_then(|index| self.faces.get(index))
    }
}

/// A single-channel person mask (0 = background, 255 = person) in the pixels of some image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonMask {
    pub width: u32,
    pub height: u32,
    /// Row-major alpha values, `width * height` long.
    pub alpha: Vec<u8>,
}

impl PersonMask {
    /// A mask of the given size filled with `value`.
    pub fn filled(width: u32, height: u32, value: u8) -> Self {
        Self {
            width,
            height,
            alpha: vec![value; width as usize * height as usize],
        }
    }

    /// The alpha at (x, y), 0 outside the mask.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        if x >= self.width || y >= self.height {
            return 0;
        }
        self.alpha[y as usize * self.width as usize + x as usize]
    }

    /// Fraction of pixels whose alpha is above one half.
    pub fn person_fraction(&self) -> f32 {
        if self.alpha.is_empty() {
            return 0.0;
        }
        let person = self.alpha.iter().filter(|&&a| a > 127).count();
        person as f32 / self.alpha.len() as f32
    }
}
