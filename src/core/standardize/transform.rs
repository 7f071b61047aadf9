//! The similarity transform between capture pixels and photo pixels, the head as measured in a capture,
//! and the crop plan the solver produces.
//!
//! Owns coordinate arithmetic only. Coordinates are continuous pixels (pixel `i` covers `[i, i+1)`), y down.

use serde::{Deserialize, Serialize};

use crate::core::face::FaceMesh;
use crate::core::geometry::{Point, SizePx};

/// Maps capture pixels to photo pixels: turn the capture by `−rotation_deg` about `pivot` (levelling the
/// eyes), scale by `scale`, then shift by `−offset`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhotoTransform {
    /// Photo pixels per capture pixel (never above 1: no upscaling).
    pub scale: f32,
    /// Roll removed by the transform, degrees (0 when the profile forbids rotation).
    pub rotation_deg: f32,
    /// Capture point the rotation turns about (the eye midpoint).
    pub pivot: Point,
    /// Photo-space shift: `photo = scale · upright − offset`.
    pub offset: Point,
}

impl PhotoTransform {
    /// Capture point in the levelled ("upright") frame, still in capture pixels.
    pub fn upright(&self, capture: Point) -> Point {
        rotate_about(capture, self.pivot, -self.rotation_deg)
    }

    /// Inverse of [`Self::upright`].
    pub fn from_upright(&self, upright: Point) -> Point {
        rotate_about(upright, self.pivot, self.rotation_deg)
    }

    pub fn to_photo(&self, capture: Point) -> Point {
        let upright = self.upright(capture);
        Point::new(
            upright.x * self.scale - self.offset.x,
            upright.y * self.scale - self.offset.y,
        )
    }

    pub fn to_capture(&self, photo: Point) -> Point {
        let upright = Point::new(
            (photo.x + self.offset.x) / self.scale,
            (photo.y + self.offset.y) / self.scale,
        );
        self.from_upright(upright)
    }

    /// Corners of a `photo` sized photo in capture pixels: top-left, top-right, bottom-right, bottom-left.
    pub fn crop_corners(&self, photo: SizePx) -> [Point; 4] {
        let (w, h) = (photo.width as f32, photo.height as f32);
        [
            self.to_capture(Point::new(0.0, 0.0)),
            self.to_capture(Point::new(w, 0.0)),
            self.to_capture(Point::new(w, h)),
            self.to_capture(Point::new(0.0, h)),
        ]
    }
}

/// Rotates `p` about `pivot` by `angle_deg` (positive turns +x towards +y, i.e. clockwise on screen).
pub fn rotate_about(p: Point, pivot: Point, angle_deg: f32) -> Point {
    Rotation::about(pivot, angle_deg).apply(p)
}

/// [`rotate_about`] for many points: the sine and cosine are computed once (a crown walk rotates
/// tens of thousands of points by the same angle). Gives exactly the points `rotate_about` gives.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    pivot: Point,
    sin: f32,
    cos: f32,
}

impl Rotation {
    pub fn about(pivot: Point, angle_deg: f32) -> Self {
        let (sin, cos) = angle_deg.to_radians().sin_cos();
        Self { pivot, sin, cos }
    }

    pub fn apply(&self, p: Point) -> Point {
        let Self { pivot, sin, cos } = *self;
        let (dx, dy) = (p.x - pivot.x, p.y - pivot.y);
        Point::new(pivot.x + cos * dx - sin * dy, pivot.y + sin * dx + cos * dy)
    }
}

/// The head as measured in one image (capture or photo), in that image's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeadMeasure {
    /// Centre of the subject's right eye (image left).
    pub right_eye: Point,
    pub left_eye: Point,
    pub chin: Point,
    /// Top of the hair on the head's midline (from the person mask).
    pub crown: Point,
    /// Cheek-to-cheek distance (mesh 234–454).
    pub face_width_px: f32,
    /// Eye-line angle, degrees (`atan2(left.y − right.y, left.x − right.x)`).
    pub roll_deg: f32,
}

impl HeadMeasure {
    /// The mesh points of a face plus a crown found separately.
    pub fn from_mesh(mesh: &FaceMesh, crown: Point) -> Self {
        Self {
            right_eye: mesh.right_eye,
            left_eye: mesh.left_eye,
            chin: mesh.chin,
            crown,
            face_width_px: mesh.face_width_px(),
            roll_deg: mesh.roll_deg,
        }
    }

    pub fn eye_mid(&self) -> Point {
        self.right_eye.midpoint(self.left_eye)
    }

    /// The same head seen through `transform` (capture → photo pixels).
    pub fn mapped(&self, transform: &PhotoTransform) -> HeadMeasure {
        HeadMeasure {
            right_eye: transform.to_photo(self.right_eye),
            left_eye: transform.to_photo(self.left_eye),
            chin: transform.to_photo(self.chin),
            crown: transform.to_photo(self.crown),
            face_width_px: self.face_width_px * transform.scale,
            roll_deg: self.roll_deg - transform.rotation_deg,
        }
    }
}

/// Where the head lands in the photo, measured or predicted, in photo pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhotoGeometry {
    /// Crown below the top edge.
    pub crown_px: f32,
    /// Eye line below the top edge.
    pub eye_line_px: f32,
    pub face_width_px: f32,
    /// x of the eye midpoint.
    pub eye_mid_x_px: f32,
    /// Chin below the top edge.
    pub chin_px: f32,
}

impl PhotoGeometry {
    /// Geometry of a head already in photo pixels.
    pub fn of(head: &HeadMeasure) -> Self {
        let eye_mid = head.eye_mid();
        Self {
            crown_px: head.crown.y,
            eye_line_px: eye_mid.y,
            face_width_px: head.face_width_px,
            eye_mid_x_px: eye_mid.x,
            chin_px: head.chin.y,
        }
    }
}

/// What the solver decided for one capture and profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CropPlan {
    pub photo_size: SizePx,
    pub transform: PhotoTransform,
    /// The photo's corners in capture pixels (top-left, top-right, bottom-right, bottom-left).
    pub crop_corners: [Point; 4],
    /// Where the measured head lands in the photo.
    pub predicted: PhotoGeometry,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_round_trips() {
        let transform = PhotoTransform {
            scale: 0.5,
            rotation_deg: 12.0,
            pivot: Point::new(600.0, 500.0),
            offset: Point::new(100.0, 40.0),
        };
        let p = Point::new(321.0, 987.0);
        let back = transform.to_capture(transform.to_photo(p));
        assert!(p.distance(back) < 1e-3, "{back:?}");
    }

    #[test]
    fn rotation_levels_a_rolled_eye_line() {
        let right = Point::new(100.0, 100.0);
        let left = Point::new(200.0, 120.0);
        let roll = (left.y - right.y).atan2(left.x - right.x).to_degrees();
        let transform = PhotoTransform {
            scale: 1.0,
            rotation_deg: roll,
            pivot: right.midpoint(left),
            offset: Point::default(),
        };
        let (r, l) = (transform.to_photo(right), transform.to_photo(left));
        assert!((r.y - l.y).abs() < 1e-3, "{r:?} {l:?}");
    }
}
