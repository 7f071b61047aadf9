//! Eyes and mouth: `eyes_closed` (the less open eye) and `mouth_open` (inner-lip gap), from the openness
//! ratios vision measured on the mesh.
//!
//! Owns these two decisions only; reads no pixels.

use super::messages::Cue;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::thresholds::CheckThresholds;
use crate::core::face::FaceMesh;

/// `eyes_closed`: the smaller of the two eye openness ratios (lid gap ÷ eye width), as OFIQ EyesOpen takes
/// the minimum of both eyes.
pub fn eyes_closed(mesh: &FaceMesh, thresholds: &CheckThresholds) -> CheckResult {
    let openness = mesh.right_eye_openness.min(mesh.left_eye_openness);
    CheckResult::graded(
        CheckCode::EyesClosed,
        finite_or(openness, 0.0),
        Limit::AtLeast {
            min: thresholds.min_eye_openness,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// `mouth_open`: inner-lip gap ÷ eye-to-chin distance (OFIQ MouthClosed's native score).
pub fn mouth_open(mesh: &FaceMesh, thresholds: &CheckThresholds) -> CheckResult {
    CheckResult::graded(
        CheckCode::MouthOpen,
        finite_or(mesh.mouth_openness, f32::INFINITY),
        Limit::AtMost {
            max: thresholds.max_mouth_openness,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// A measure vision could not compute counts as failing.
fn finite_or(value: f32, failing: f32) -> f32 {
    if value.is_finite() { value } else { failing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::regions::tests::synthetic_mesh;

    #[test]
    fn one_closed_eye_is_enough_to_fail() {
        let thresholds = CheckThresholds::default();
        let mut mesh = synthetic_mesh();
        assert_eq!(eyes_closed(&mesh, &thresholds).status, CheckStatus::Pass);
        mesh.left_eye_openness = 0.04;
        let result = eyes_closed(&mesh, &thresholds);
        assert_eq!(result.status, CheckStatus::Fail);
        assert!((result.value - 0.04).abs() < f32::EPSILON);
    }

    #[test]
    fn parted_lips_fail_and_closed_lips_pass() {
        let thresholds = CheckThresholds::default();
        let mut mesh = synthetic_mesh();
        assert_eq!(mouth_open(&mesh, &thresholds).status, CheckStatus::Pass);
        mesh.mouth_openness = 0.2;
        assert_eq!(mouth_open(&mesh, &thresholds).status, CheckStatus::Fail);
        mesh.mouth_openness = f32::NAN;
        assert_eq!(mouth_open(&mesh, &thresholds).status, CheckStatus::Fail);
    }
}
