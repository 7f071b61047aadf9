//! Where on the face each measure looks: the face's own axes (from the eyes), the face outline, the OFIQ
//! cheek zones and the eye zones, all in the pixels of the analysed image.
//!
//! Owns geometry only; reads no pixels. Works from the 468 mesh landmarks when they are there and from the
//! named mesh points (eyes, chin, forehead, cheeks) otherwise, so synthetic analyses work too.

use crate::core::face::{FaceMesh, MESH_POINTS, mesh_index};
use crate::core::geometry::{Point, Rect};

/// Points used for the outline when only the named mesh points exist.
const ELLIPSE_POINTS: usize = 36;

/// OFIQ cheek zones: square side as a fraction of the inter-eye distance (IlluminationUniformity 0x43,
/// NaturalColour 0x4B).
const CHEEK_ZONE_SIDE_PER_IED: f32 = 0.3;
/// OFIQ cheek zones: top edge this fraction of the eye-to-mouth distance below the eye centre.
const CHEEK_ZONE_DROP_PER_EYE_TO_MOUTH: f32 = 0.5;
/// Eye-to-mouth distance as a fraction of eye-to-chin, when the mouth corners are not available
/// (canonical mesh proportions: mouth at about 0.55 of the way from the eyes to the chin).
const MOUTH_PER_EYE_TO_CHIN: f32 = 0.55;

/// A face's own coordinate frame: origin at the eye midpoint, x along the eye line towards the subject's
/// left eye (image right), y perpendicular towards the chin. Lengths stay in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceFrame {
    pub eye_mid: Point,
    pub right_eye: Point,
    pub left_eye: Point,
    pub ied_px: f32,
    /// Unit vector along the eye line.
    pub axis_x: Point,
    /// Unit vector from the eyes towards the chin.
    pub axis_y: Point,
    pub eye_to_chin_px: f32,
    pub eye_to_mouth_px: f32,
}

impl FaceFrame {
    /// The frame of a mesh; `None` when the eyes coincide (a degenerate mesh).
    pub fn from_mesh(mesh: &FaceMesh) -> Option<Self> {
        let right_eye = mesh.right_eye;
        let left_eye = mesh.left_eye;
        let ied_px = right_eye.distance(left_eye);
        if !(ied_px.is_finite() && ied_px > f32::EPSILON) {
            return None;
        }
        let axis_x = Point::new(
            (left_eye.x - right_eye.x) / ied_px,
            (left_eye.y - right_eye.y) / ied_px,
        );
        let axis_y = Point::new(-axis_x.y, axis_x.x);
        let eye_mid = mesh.eye_mid();
        let eye_to_chin_px = along(eye_mid, mesh.chin, axis_y).max(ied_px * 0.5);
        let eye_to_mouth_px = if mesh.landmarks.len() == MESH_POINTS {
            let mouth = landmark(mesh, mesh_index::MOUTH_RIGHT_CORNER)
                .midpoint(landmark(mesh, mesh_index::MOUTH_LEFT_CORNER));
            along(eye_mid, mouth, axis_y)
        } else {
            eye_to_chin_px * MOUTH_PER_EYE_TO_CHIN
        };
        Some(Self {
            eye_mid,
            right_eye,
            left_eye,
            ied_px,
            axis_x,
            axis_y,
            eye_to_chin_px,
            eye_to_mouth_px: eye_to_mouth_px.max(ied_px * 0.25),
        })
    }

    /// The image point at face coordinates (`across`, `down`) pixels from the eye midpoint.
    pub fn to_image(&self, across: f32, down: f32) -> Point {
        Point::new(
            self.eye_mid.x + across * self.axis_x.x + down * self.axis_y.x,
            self.eye_mid.y + across * self.axis_x.y + down * self.axis_y.y,
        )
    }

    /// The two OFIQ cheek zones, subject's right (image left) first: squares of side 0.3·IED whose top edge
    /// is half the eye-to-mouth distance below the eye line, ending (right) or starting (left) at the eye's x.
    pub fn cheek_zones(&self) -> [Zone; 2] {
        let side = CHEEK_ZONE_SIDE_PER_IED * self.ied_px;
        let top = CHEEK_ZONE_DROP_PER_EYE_TO_MOUTH * self.eye_to_mouth_px;
        let half_ied = self.ied_px / 2.0;
        [
            Zone {
                frame: *self,
                across: -half_ied - side,
                down: top,
                width: side,
                height: side,
            },
            Zone {
                frame: *self,
                across: half_ied,
                down: top,
                width: side,
                height: side,
            },
        ]
    }
}

/// A rectangle in face coordinates (pixels along the face's axes), sampled on a regular grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zone {
    pub frame: FaceFrame,
    /// Left edge, pixels along the eye line from the eye midpoint.
    pub across: f32,
    /// Top edge, pixels from the eye line towards the chin.
    pub down: f32,
    pub width: f32,
    pub height: f32,
}

impl Zone {
    /// `n` × `n` sample points spread over the zone (cell centres), in image pixels.
    pub fn grid(&self, n: usize) -> impl Iterator<Item = Point> + '_ {
        let cells = n.max(1);
        (0..cells * cells).map(move |index| {
            let col = (index % cells) as f32 + 0.5;
            let row = (index / cells) as f32 + 0.5;
            self.frame.to_image(
                self.across + self.width * col / cells as f32,
                self.down + self.height * row / cells as f32,
            )
        })
    }
}

/// The eye zones of a mesh: the bounding box of each eye contour enlarged by a margin, subject's right
/// first. Without the full mesh, a box of 0.5·IED × 0.25·IED around each eye centre.
pub fn eye_zones(mesh: &FaceMesh, margin_px: f32) -> [Rect; 2] {
    if mesh.landmarks.len() == MESH_POINTS {
        [
            bounding_box(
                mesh_index::RIGHT_EYE_CONTOUR
                    .iter()
                    .map(|&i| landmark(mesh, i)),
                margin_px,
            ),
            bounding_box(
                mesh_index::LEFT_EYE_CONTOUR
                    .iter()
                    .map(|&i| landmark(mesh, i)),
                margin_px,
            ),
        ]
    } else {
        let ied = mesh.ied_px;
        [mesh.right_eye, mesh.left_eye].map(|eye| {
            Rect::from_center(
                eye,
                0.5 * ied + 2.0 * margin_px,
                0.25 * ied + 2.0 * margin_px,
            )
        })
    }
}

/// The face outline (a closed polygon, image pixels): the mesh's face oval, or an ellipse through the
/// forehead, chin and cheeks when only the named points exist.
pub fn face_outline(mesh: &FaceMesh) -> Vec<Point> {
    if mesh.landmarks.len() == MESH_POINTS {
        // MediaPipe's face oval walked around: forehead top, down the subject's left side, chin, up the
        // subject's right side.
        let pairs = &mesh_index::FACE_OVAL_PAIRS;
        let oval = std::iter::once(mesh_index::FOREHEAD_TOP)
            .chain(pairs.iter().map(|pair| pair.1))
            .chain(std::iter::once(mesh_index::CHIN))
            .chain(pairs.iter().rev().map(|pair| pair.0));
        return oval.map(|i| landmark(mesh, i)).collect();
    }
    let centre = mesh.forehead.midpoint(mesh.chin);
    let half_height = mesh.forehead.distance(mesh.chin) / 2.0;
    let half_width = mesh.face_width_px() / 2.0;
    let tilt = (mesh.chin.x - mesh.forehead.x).atan2(mesh.chin.y - mesh.forehead.y);
    (0..ELLIPSE_POINTS)
        .map(|i| {
            let angle = std::f32::consts::TAU * i as f32 / ELLIPSE_POINTS as f32;
            let (x, y) = (half_width * angle.cos(), half_height * angle.sin());
            Point::new(
                centre.x + x * tilt.cos() + y * tilt.sin(),
                centre.y - x * tilt.sin() + y * tilt.cos(),
            )
        })
        .collect()
}

/// The axis-aligned bounding box of some points, grown by `margin_px` on every side.
pub fn bounding_box(points: impl Iterator<Item = Point>, margin_px: f32) -> Rect {
    let mut min = Point::new(f32::INFINITY, f32::INFINITY);
    let mut max = Point::new(f32::NEG_INFINITY, f32::NEG_INFINITY);
    for p in points {
        min = Point::new(min.x.min(p.x), min.y.min(p.y));
        max = Point::new(max.x.max(p.x), max.y.max(p.y));
    }
    if min.x > max.x {
        return Rect::default();
    }
    Rect::new(
        min.x - margin_px,
        min.y - margin_px,
        max.x - min.x + 2.0 * margin_px,
        max.y - min.y + 2.0 * margin_px,
    )
}

/// The x-intervals where the horizontal line at `y` is inside `polygon` (even-odd rule), sorted.
pub fn polygon_spans(polygon: &[Point], y: f32) -> Vec<(f32, f32)> {
    let mut crossings: Vec<f32> = Vec::with_capacity(8);
    for (i, a) in polygon.iter().enumerate() {
        let b = polygon[(i + 1) % polygon.len()];
        if (a.y <= y) != (b.y <= y) {
            crossings.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
        }
    }
    crossings.sort_by(f32::total_cmp);
    crossings
        .chunks_exact(2)
        .map(|pair| (pair[0], pair[1]))
        .collect()
}

fn landmark(mesh: &FaceMesh, index: usize) -> Point {
    mesh.landmarks.get(index).map_or(mesh.eye_mid(), |p| p.xy())
}

/// Signed distance from `from` to `to` along the unit vector `axis`.
fn along(from: Point, to: Point, axis: Point) -> f32 {
    (to.x - from.x) * axis.x + (to.y - from.y) * axis.y
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::face::FaceMesh;
    use crate::core::geometry::Point3;

    /// A frontal synthetic mesh without landmarks: eyes 100 px apart at y = 300 around x = 400.
    pub(crate) fn synthetic_mesh() -> FaceMesh {
        FaceMesh {
            landmarks: Vec::new(),
            presence: 1.0,
            right_eye: Point::new(350.0, 300.0),
            left_eye: Point::new(450.0, 300.0),
            ied_px: 100.0,
            roll_deg: 0.0,
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            right_eye_openness: 0.35,
            left_eye_openness: 0.35,
            mouth_openness: 0.01,
            chin: Point::new(400.0, 460.0),
            forehead: Point::new(400.0, 210.0),
            right_cheek: Point::new(300.0, 330.0),
            left_cheek: Point::new(500.0, 330.0),
        }
    }

    #[test]
    fn frame_axes_follow_the_eye_line() {
        let mut mesh = synthetic_mesh();
        let frame = FaceFrame::from_mesh(&mesh).unwrap();
        assert!((frame.axis_x.x - 1.0).abs() < 1e-6 && frame.axis_y.y > 0.99);
        assert!((frame.eye_to_chin_px - 160.0).abs() < 1e-3);
        // Tilt the eye line by 90°: "down" must follow it.
        mesh.left_eye = Point::new(350.0, 400.0);
        let turned = FaceFrame::from_mesh(&mesh).unwrap();
        let p = turned.to_image(0.0, 10.0);
        assert!((p.x - (turned.eye_mid.x - 10.0)).abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn cheek_zones_sit_below_and_outside_the_eyes() {
        let frame = FaceFrame::from_mesh(&synthetic_mesh()).unwrap();
        let [right, left] = frame.cheek_zones();
        let right_points: Vec<Point> = right.grid(4).collect();
        assert_eq!(right_points.len(), 16);
        assert!(
            right_points
                .iter()
                .all(|p| p.x < 350.0 && p.x > 315.0 && p.y > 300.0)
        );
        assert!(
            left.grid(4)
                .all(|p| p.x > 450.0 && p.x < 485.0 && p.y > 300.0)
        );
    }

    #[test]
    fn outline_spans_cover_the_face_centre() {
        let outline = face_outline(&synthetic_mesh());
        let spans = polygon_spans(&outline, 335.0);
        assert_eq!(spans.len(), 1);
        let (a, b) = spans[0];
        assert!(
            a < 310.0 && a > 295.0 && b > 490.0 && b < 505.0,
            "{spans:?}"
        );
        assert!(polygon_spans(&outline, 100.0).is_empty());
    }

    #[test]
    fn full_mesh_outline_walks_mediapipes_face_oval() {
        // FACEMESH_FACE_OVAL in drawing order (mediapipe/python/solutions/face_mesh_connections.py).
        const FACE_OVAL: [usize; 36] = [
            10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
            377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
            109,
        ];
        let mut mesh = synthetic_mesh();
        mesh.landmarks = (0..MESH_POINTS)
            .map(|i| Point3::new(i as f32, 0.0, 0.0))
            .collect();
        let order: Vec<usize> = face_outline(&mesh).iter().map(|p| p.x as usize).collect();
        assert_eq!(order, FACE_OVAL);
    }

    #[test]
    fn bounding_box_grows_by_margin() {
        let rect = bounding_box(
            [Point::new(1.0, 2.0), Point::new(5.0, 10.0)].into_iter(),
            1.0,
        );
        assert_eq!(rect, Rect::new(0.0, 1.0, 6.0, 10.0));
    }
}
