//! Synthetic captures for the standardize tests: a head-and-shoulders figure with textured skin, hair and
//! shirt on a background, its exact person mask, and the FaceAnalysis vision would report for it.
//! Every dimension is explicit so a test can build the hard cases (big hair, heads at an edge, tilt).

#![allow(dead_code)]

use idbooth::core::face::{
    FaceAnalysis, FaceDetection, FaceKeypoints, FaceMesh, MESH_POINTS, PersonMask,
};
use idbooth::core::geometry::{Point, Point3, Rect, SizePx};
use image::{Rgb, RgbImage};

/// Shape of a synthetic subject, in capture pixels.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub capture: SizePx,
    /// Eye midpoint.
    pub eye_mid: Point,
    /// Distance between the eye centres.
    pub ied_px: f32,
    /// Cheek-to-cheek width.
    pub face_width_px: f32,
    /// Crown above the eye line.
    pub crown_above_eyes_px: f32,
    /// Chin below the eye line.
    pub chin_below_eyes_px: f32,
    /// Head roll, degrees (positive: the subject's left eye, image right, lower).
    pub roll_deg: f32,
    /// Busy (noisy, multicolour) background instead of flat grey.
    pub busy_background: bool,
}

impl Figure {
    /// A London-set-like subject in a 1350x1350 capture.
    pub fn london() -> Self {
        Self {
            capture: SizePx::new(1350, 1350),
            eye_mid: Point::new(665.0, 640.0),
            ied_px: 210.0,
            face_width_px: 434.0,
            crown_above_eyes_px: 260.0,
            chin_below_eyes_px: 345.0,
            roll_deg: 0.0,
            busy_background: false,
        }
    }

    /// The figure's own upright frame point (relative to the eye midpoint) in capture pixels.
    fn to_capture(self, dx: f32, dy: f32) -> Point {
        let (sin, cos) = self.roll_deg.to_radians().sin_cos();
        Point::new(
            self.eye_mid.x + cos * dx - sin * dy,
            self.eye_mid.y + sin * dx + cos * dy,
        )
    }

    fn to_upright(self, p: Point) -> (f32, f32) {
        let (sin, cos) = self.roll_deg.to_radians().sin_cos();
        let (dx, dy) = (p.x - self.eye_mid.x, p.y - self.eye_mid.y);
        (cos * dx + sin * dy, -sin * dx + cos * dy)
    }

    /// What the pixel at `p` shows.
    fn region(&self, p: Point) -> Region {
        let (dx, dy) = self.to_upright(p);
        let half_face = self.face_width_px / 2.0;
        // Head: an ellipse from the crown to the chin, as wide as the face (hair included above).
        let top = -self.crown_above_eyes_px;
        let bottom = self.chin_below_eyes_px;
        let centre_y = f32::midpoint(top, bottom);
        let radius_y = (bottom - top) / 2.0;
        let inside_head = (dx / half_face).powi(2) + ((dy - centre_y) / radius_y).powi(2) <= 1.0;
        if inside_head {
            let hairline = -0.45 * self.crown_above_eyes_px.min(self.face_width_px * 0.6)
                - 0.05 * self.face_width_px;
            return if dy < hairline {
                Region::Hair
            } else {
                Region::Skin
            };
        }
        let neck = dx.abs() < 0.25 * self.face_width_px
            && dy > 0.0
            && dy < bottom + 0.3 * self.face_width_px;
        if neck {
            return Region::Skin;
        }
        let shoulders_top = bottom + 0.25 * self.face_width_px;
        if dy > shoulders_top && dx.abs() < 1.1 * self.face_width_px + (dy - shoulders_top) * 0.8 {
            return Region::Shirt;
        }
        Region::Background
    }

    /// The capture, its exact person mask and the analysis vision would report.
    pub fn build(&self) -> Scene {
        let SizePx { width, height } = self.capture;
        let mut mask = PersonMask::filled(width, height, 0);
        let busy = self.busy_background;
        let capture = RgbImage::from_fn(width, height, |x, y| {
            let p = Point::new(x as f32 + 0.5, y as f32 + 0.5);
            let region = self.region(p);
            if region != Region::Background {
                mask.alpha[(y * width + x) as usize] = 255;
            }
            region.colour(x, y, busy)
        });
        Scene {
            capture,
            mask,
            analysis: self.analysis(),
        }
    }

    pub fn analysis(&self) -> FaceAnalysis {
        let half_ied = self.ied_px / 2.0;
        let half_face = self.face_width_px / 2.0;
        let right_eye = self.to_capture(-half_ied, 0.0);
        let left_eye = self.to_capture(half_ied, 0.0);
        let chin = self.to_capture(0.0, self.chin_below_eyes_px);
        let forehead = self.to_capture(0.0, -0.45 * self.crown_above_eyes_px);
        let right_cheek = self.to_capture(-half_face, 0.15 * self.face_width_px);
        let left_cheek = self.to_capture(half_face, 0.15 * self.face_width_px);
        let mut landmarks = vec![Point3::default(); MESH_POINTS];
        landmarks[1] = Point3::new(self.eye_mid.x, self.eye_mid.y + 100.0, 0.0);
        let mesh = FaceMesh {
            landmarks,
            presence: 1.0,
            right_eye,
            left_eye,
            ied_px: self.ied_px,
            roll_deg: (left_eye.y - right_eye.y)
                .atan2(left_eye.x - right_eye.x)
                .to_degrees(),
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            right_eye_openness: 0.3,
            left_eye_openness: 0.3,
            mouth_openness: 0.0,
            chin,
            forehead,
            right_cheek,
            left_cheek,
        };
        let face_box = Rect::from_center(
            self.to_capture(0.0, 0.3 * self.chin_below_eyes_px),
            self.face_width_px,
            self.face_width_px,
        );
        FaceAnalysis {
            image_size: self.capture,
            faces: vec![FaceDetection {
                bbox: face_box,
                score: 0.95,
                keypoints: FaceKeypoints {
                    right_eye,
                    left_eye,
                    nose_tip: self.to_capture(0.0, 100.0),
                    mouth_center: self.to_capture(0.0, 200.0),
                    right_ear: right_cheek,
                    left_ear: left_cheek,
                },
            }],
            primary: Some(0),
            mesh: Some(mesh),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Background,
    Hair,
    Skin,
    Shirt,
}

/// Deterministic per-pixel noise in 0..range.
fn noise(x: u32, y: u32, seed: u32, range: u32) -> u32 {
    let mut h =
        x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ seed.wrapping_mul(0xC2B2_AE3D);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    h % range
}

impl Region {
    fn colour(self, x: u32, y: u32, busy: bool) -> Rgb<u8> {
        let n = noise(x, y, 1, 40) as u8;
        match self {
            Self::Hair => Rgb([40 + n, 28 + n / 2, 20 + n / 3]),
            Self::Skin => Rgb([196 + n / 2, 150 + n / 2, 128 + n / 2]),
            Self::Shirt => Rgb([30 + n, 60 + n, 110 + n]),
            Self::Background if busy => {
                // Leaves: large blotches of greens and browns plus fine noise.
                let blotch = noise(x / 37, y / 29, 7, 4);
                let base =
                    [[40, 120, 40], [90, 150, 60], [110, 80, 40], [200, 210, 190]][blotch as usize];
                Rgb([base[0] + n, base[1] + n, base[2] + n])
            }
            Self::Background => Rgb([178 + n / 4, 180 + n / 4, 182 + n / 4]),
        }
    }
}

/// A synthetic capture with everything vision would report about it.
pub struct Scene {
    pub capture: RgbImage,
    pub mask: PersonMask,
    pub analysis: FaceAnalysis,
}
