//! Head pose: `head_tilted` (roll), `head_turned` (yaw) and `head_pitched` (pitch), from the angles vision
//! measured on the mesh, against the kiosk limits or the profile's stricter ones.
//!
//! Owns the pose decisions only; reads no pixels and does not estimate angles (vision does).

use super::messages::Cue;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::thresholds::PoseLimits;
use crate::core::face::FaceMesh;

/// The three pose checks, roll first.
pub fn pose_checks(mesh: &FaceMesh, limits: PoseLimits) -> [CheckResult; 3] {
    let pitch_cue = if mesh.pitch_deg >= 0.0 {
        Cue::PitchUp
    } else {
        Cue::PitchDown
    };
    [
        at_most(
            CheckCode::HeadTilted,
            mesh.roll_deg,
            limits.roll_deg,
            Cue::None,
        ),
        at_most(
            CheckCode::HeadTurned,
            mesh.yaw_deg,
            limits.yaw_deg,
            Cue::None,
        ),
        at_most(
            CheckCode::HeadPitched,
            mesh.pitch_deg,
            limits.pitch_deg,
            pitch_cue,
        ),
    ]
}

/// A signed angle graded by its magnitude; a NaN angle (vision could not tell) fails.
fn at_most(code: CheckCode, angle_deg: f32, limit_deg: f32, cue: Cue) -> CheckResult {
    let magnitude = if angle_deg.is_finite() {
        angle_deg.abs()
    } else {
        f32::INFINITY
    };
    CheckResult::graded(
        code,
        magnitude,
        Limit::AtMost { max: limit_deg },
        CheckStatus::Fail,
        cue,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::regions::tests::synthetic_mesh;

    const LIMITS: PoseLimits = PoseLimits {
        roll_deg: 8.0,
        yaw_deg: 10.0,
        pitch_deg: 10.0,
    };

    #[test]
    fn frontal_face_passes_all_three() {
        let results = pose_checks(&synthetic_mesh(), LIMITS);
        assert!(results.iter().all(|r| r.status == CheckStatus::Pass));
    }

    #[test]
    fn each_angle_fails_on_its_own_in_either_direction() {
        let mut mesh = synthetic_mesh();
        mesh.roll_deg = -12.0;
        let [roll, yaw, pitch] = pose_checks(&mesh, LIMITS);
        assert_eq!(roll.status, CheckStatus::Fail);
        assert!((roll.value - 12.0).abs() < f32::EPSILON);
        assert_eq!(
            (yaw.status, pitch.status),
            (CheckStatus::Pass, CheckStatus::Pass)
        );

        let mut mesh = synthetic_mesh();
        mesh.pitch_deg = -15.0;
        let [_, _, pitch] = pose_checks(&mesh, LIMITS);
        assert_eq!(pitch.status, CheckStatus::Fail);
        assert!(pitch.hint_en.contains("Raise"), "{}", pitch.hint_en);

        let mut mesh = synthetic_mesh();
        mesh.yaw_deg = f32::NAN;
        assert_eq!(pose_checks(&mesh, LIMITS)[1].status, CheckStatus::Fail);
    }
}
