//! Pure measures of the primary face from its 468 mesh landmarks (image pixels): eye centres,
//! inter-eye distance, roll, yaw and pitch, eye and mouth openness, and the reference points the
//! checks and the standardizer use. No model, no image.

use crate::core::face::{FaceMesh, MESH_POINTS, mesh_index as idx};
use crate::core::geometry::{Point, Point3};

/// Upper end of the face's vertical axis: forehead top and the two points below it on the midline.
const UPPER_MIDLINE: [usize; 3] = [idx::FOREHEAD_TOP, 151, 9];
/// Lower end of the face's vertical axis: chin and the two points above it on the midline.
const LOWER_MIDLINE: [usize; 3] = [idx::CHIN, 175, 199];

/// Derives every measure of [`FaceMesh`]; `None` unless exactly 468 landmarks are given.
pub fn face_mesh(landmarks: Vec<Point3>, presence: f32) -> Option<FaceMesh> {
    if landmarks.len() != MESH_POINTS {
        return None;
    }
    let at = |index: usize| landmarks[index].xy();
    let right_eye = mean_point(&landmarks, &idx::RIGHT_EYE_CONTOUR);
    let left_eye = mean_point(&landmarks, &idx::LEFT_EYE_CONTOUR);
    let eye_mid = right_eye.midpoint(left_eye);
    let chin = at(idx::CHIN);
    let pose = head_pose(&landmarks);
    Some(FaceMesh {
        presence,
        right_eye,
        left_eye,
        ied_px: right_eye.distance(left_eye),
        roll_deg: roll_deg(right_eye, left_eye),
        yaw_deg: pose.yaw_deg,
        pitch_deg: pose.pitch_deg,
        right_eye_openness: ratio(
            at(idx::RIGHT_EYE_UPPER_LID).distance(at(idx::RIGHT_EYE_LOWER_LID)),
            at(idx::RIGHT_EYE_OUTER).distance(at(idx::RIGHT_EYE_INNER)),
        ),
        left_eye_openness: ratio(
            at(idx::LEFT_EYE_UPPER_LID).distance(at(idx::LEFT_EYE_LOWER_LID)),
            at(idx::LEFT_EYE_OUTER).distance(at(idx::LEFT_EYE_INNER)),
        ),
        mouth_openness: ratio(
            at(idx::UPPER_INNER_LIP).distance(at(idx::LOWER_INNER_LIP)),
            eye_mid.distance(chin),
        ),
        chin,
        forehead: at(idx::FOREHEAD_TOP),
        right_cheek: at(idx::RIGHT_CHEEK),
        left_cheek: at(idx::LEFT_CHEEK),
        landmarks,
    })
}

/// `atan2(left.y - right.y, left.x - right.x)` in degrees (image coordinates, y down).
pub fn roll_deg(right_eye: Point, left_eye: Point) -> f32 {
    (left_eye.y - right_eye.y)
        .atan2(left_eye.x - right_eye.x)
        .to_degrees()
}

/// Yaw and pitch of the head in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HeadPose {
    /// Positive when the subject turns towards the image's right.
    pub yaw_deg: f32,
    /// Positive when the subject looks up.
    pub pitch_deg: f32,
}

/// Yaw and pitch from the mesh's 3D landmarks (x right, y down, z away from the camera, all in
/// image pixels). The face's left-right axis is the mean of the vectors joining mirrored points
/// (eye corners, mouth corners, the 17 pairs of the face oval): turning the head moves one side
/// away from the camera, so the axis's depth slope is the yaw. The vertical axis joins the chin
/// end of the midline to the forehead end; its depth slope is the pitch. Both are independent of
/// roll because they compare depth with the in-image length.
///
/// No zero offset is needed: over the 18 frontal London-set fixtures the mean pitch is +0.1°
/// and the mean yaw +0.8° (their spread, ±5°, is the subjects' own pose: a nose-offset estimate
/// that uses no depth agrees with the yaw to within 1°).
pub(crate) fn head_pose(landmarks: &[Point3]) -> HeadPose {
    let mut across = [0.0f32; 3];
    let pairs = idx::FACE_OVAL_PAIRS.iter().copied().chain([
        (idx::RIGHT_EYE_OUTER, idx::LEFT_EYE_OUTER),
        (idx::RIGHT_EYE_INNER, idx::LEFT_EYE_INNER),
        (idx::MOUTH_RIGHT_CORNER, idx::MOUTH_LEFT_CORNER),
    ]);
    for (right, left) in pairs {
        let (r, l) = (landmarks[right], landmarks[left]);
        across[0] += l.x - r.x;
        across[1] += l.y - r.y;
        across[2] += l.z - r.z;
    }
    let upper = mean_point3(landmarks, &UPPER_MIDLINE);
    let lower = mean_point3(landmarks, &LOWER_MIDLINE);
    let up = [upper.x - lower.x, upper.y - lower.y, upper.z - lower.z];
    HeadPose {
        yaw_deg: across[2].atan2(across[0].hypot(across[1])).to_degrees(),
        pitch_deg: up[2].atan2(up[0].hypot(up[1])).to_degrees(),
    }
}

fn mean_point(landmarks: &[Point3], indices: &[usize]) -> Point {
    mean_point3(landmarks, indices).xy()
}

fn mean_point3(landmarks: &[Point3], indices: &[usize]) -> Point3 {
    let count = indices.len().max(1) as f32;
    let sum = indices.iter().fold(Point3::default(), |sum, &index| {
        let point = landmarks[index];
        Point3::new(sum.x + point.x, sum.y + point.y, sum.z + point.z)
    });
    Point3::new(sum.x / count, sum.y / count, sum.z / count)
}

fn ratio(numerator: f32, denominator: f32) -> f32 {
    if denominator > f32::EPSILON {
        numerator / denominator
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_follows_the_documented_sign() {
        let right = Point::new(100.0, 100.0);
        assert!(roll_deg(right, Point::new(200.0, 100.0)).abs() < 1e-6);
        // Left eye lower on screen (y down): positive roll.
        assert!((roll_deg(right, Point::new(200.0, 200.0)) - 45.0).abs() < 1e-4);
        assert!((roll_deg(right, Point::new(200.0, 0.0)) + 45.0).abs() < 1e-4);
    }

    /// A flat synthetic "face": mirrored pairs at ±x, midline from y = -100 (top) to 100 (chin).
    fn flat_face() -> Vec<Point3> {
        let mut landmarks = vec![Point3::default(); MESH_POINTS];
        for (row, (right, left)) in idx::FACE_OVAL_PAIRS.iter().enumerate() {
            let y = row as f32 * 10.0 - 80.0;
            landmarks[*right] = Point3::new(-100.0, y, 0.0);
            landmarks[*left] = Point3::new(100.0, y, 0.0);
        }
        for (&right, &left) in idx::RIGHT_EYE_CONTOUR.iter().zip(&idx::LEFT_EYE_CONTOUR) {
            landmarks[right] = Point3::new(-40.0, 0.0, 0.0);
            landmarks[left] = Point3::new(40.0, 0.0, 0.0);
        }
        landmarks[idx::MOUTH_RIGHT_CORNER] = Point3::new(-30.0, 60.0, 0.0);
        landmarks[idx::MOUTH_LEFT_CORNER] = Point3::new(30.0, 60.0, 0.0);
        for &index in &UPPER_MIDLINE {
            landmarks[index] = Point3::new(0.0, -100.0, 0.0);
        }
        for &index in &LOWER_MIDLINE {
            landmarks[index] = Point3::new(0.0, 100.0, 0.0);
        }
        landmarks
    }

    fn rotate_about_y(landmarks: &[Point3], degrees: f32) -> Vec<Point3> {
        let (sin, cos) = degrees.to_radians().sin_cos();
        landmarks
            .iter()
            .map(|p| Point3::new(p.x * cos - p.z * sin, p.y, p.x * sin + p.z * cos))
            .collect()
    }

    #[test]
    fn a_turned_face_reads_its_yaw_with_sign() {
        let face = flat_face();
        let frontal = head_pose(&face);
        assert!(frontal.yaw_deg.abs() < 1e-4);
        // Turning towards the image's right pushes the subject's left side (image right) away.
        let turned = head_pose(&rotate_about_y(&face, 30.0));
        assert!((turned.yaw_deg - 30.0).abs() < 1e-3, "{turned:?}");
        let other = head_pose(&rotate_about_y(&face, -20.0));
        assert!((other.yaw_deg + 20.0).abs() < 1e-3, "{other:?}");
    }

    #[test]
    fn looking_up_reads_positive_pitch() {
        let face = flat_face();
        // Looking up: the forehead moves away from the camera, the chin towards it.
        let tilted: Vec<Point3> = face
            .iter()
            .map(|p| {
                let (sin, cos) = 15f32.to_radians().sin_cos();
                Point3::new(p.x, p.y * cos - p.z * sin, -p.y * sin + p.z * cos)
            })
            .collect();
        let pose = head_pose(&tilted);
        assert!((pose.pitch_deg - 15.0).abs() < 1e-3, "{pose:?}");
    }

    #[test]
    fn measures_need_a_full_mesh() {
        assert!(face_mesh(vec![Point3::default(); 10], 1.0).is_none());
        let mesh = face_mesh(flat_face(), 0.9);
        let mesh = mesh.unwrap();
        assert!((mesh.ied_px - 80.0).abs() < 1e-3);
        assert!(mesh.roll_deg.abs() < 1e-4);
    }
}
