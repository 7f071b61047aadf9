//! From one live-check report to what the Pose screen tells the student: the ranked [`Hint`]s, whether every
//! live check is green (auto-shutter), and the face geometry for the guide.
//!
//! Owns the check-to-hint table and the direction rule (which way to move, from the face against the pose
//! guide). Pure; the live worker calls it.

use crate::core::checks::{CheckCode, CheckStatus, QualityReport};
use crate::core::face::FaceAnalysis;
use crate::core::flow::{Hint, LiveSummary};

use super::views::{LiveFace, PoseGuide};

/// The face's share of the guide's head height beyond which the student is asked to step back, and below
/// which to come closer (±15 %: about a hand's breadth at arm's length from the camera).
const SIZE_TOLERANCE: f32 = 0.15;
/// Interocular distance per crown-to-chin height (adult anthropometry: eyes ≈ 63 mm apart, head with hair
/// ≈ 230 mm): turns the measured eye distance into an expected head height.
const IED_PER_HEAD_HEIGHT: f32 = 0.27;

/// The live checks' verdict on one frame, for the flow and the guide.
pub(super) struct LiveResult {
    pub summary: LiveSummary,
    pub face: Option<LiveFace>,
}

/// Ranks hints for `report` (the live `CheckSet`) of a frame analysed as `analysis`; `guide` gives the
/// target position for direction hints.
pub(super) fn live_result(
    report: &QualityReport,
    analysis: &FaceAnalysis,
    guide: &PoseGuide,
    frame_seq: u64,
) -> LiveResult {
    let face = live_face(analysis, frame_seq);
    let mut hints: Vec<Hint> = Vec::new();
    let mut all_green = true;
    for check in &report.checks {
        if check.status != CheckStatus::Fail {
            continue;
        }
        all_green = false;
        let hint = match check.code {
            CheckCode::NoFace => Some(Hint::NoFace),
            CheckCode::MultipleFaces => Some(Hint::OneFaceOnly),
            CheckCode::FaceCutOff => {
                Some(face.map_or(Hint::MoveBack, |f| direction(&f, analysis, guide)))
            }
            CheckCode::LowResolution => Some(Hint::MoveCloser),
            CheckCode::HeadTilted => Some(Hint::LevelHead),
            CheckCode::HeadTurned => Some(Hint::FaceCamera),
            CheckCode::HeadPitched => Some(Hint::LookStraight),
            CheckCode::EyesClosed => Some(Hint::OpenEyes),
            CheckCode::MouthOpen => Some(Hint::CloseMouth),
            CheckCode::Underexposed => Some(Hint::MoreLight),
            CheckCode::Overexposed => Some(Hint::LessLight),
            // Not in the live set; nothing the student can fix by moving.
            _ => None,
        };
        if let Some(hint) = hint
            && !hints.contains(&hint)
        {
            hints.push(hint);
        }
    }
    let face_present = analysis.primary_face().is_some();
    if !face_present {
        all_green = false;
        if !hints.contains(&Hint::NoFace) {
            hints.insert(0, Hint::NoFace);
        }
    }
    LiveResult {
        summary: LiveSummary {
            all_green,
            face_present,
            hints,
        },
        face,
    }
}

fn live_face(analysis: &FaceAnalysis, frame_seq: u64) -> Option<LiveFace> {
    let detection = analysis.primary_face()?;
    let (right_eye, left_eye) = match &analysis.mesh {
        Some(mesh) => (mesh.right_eye, mesh.left_eye),
        None => (detection.keypoints.right_eye, detection.keypoints.left_eye),
    };
    Some(LiveFace {
        frame: analysis.image_size,
        bbox: detection.bbox,
        right_eye,
        left_eye,
        frame_seq,
    })
}

/// Which way a face that does not fit the photo should move, judged against the guide. Directions are
/// the student's own (the camera image is unmirrored: their left is the image's right).
fn direction(face: &LiveFace, analysis: &FaceAnalysis, guide: &PoseGuide) -> Hint {
    let width = face.frame.width.max(1) as f32;
    let height = face.frame.height.max(1) as f32;
    let guide_head_px = guide.head.radius_y * 2.0 * height;
    let head_px = analysis
        .mesh
        .as_ref()
        .map_or(face.bbox.height, |mesh| mesh.ied_px / IED_PER_HEAD_HEIGHT);
    if head_px > guide_head_px * (1.0 + SIZE_TOLERANCE) {
        return Hint::MoveBack;
    }
    let eye_x = f32::midpoint(face.right_eye.x, face.left_eye.x) / width;
    let eye_y = f32::midpoint(face.right_eye.y, face.left_eye.y) / height;
    let half_head_w = guide.head.radius_x;
    if eye_x > guide.head.center_x + half_head_w {
        Hint::MoveRight
    } else if eye_x < guide.head.center_x - half_head_w {
        Hint::MoveLeft
    } else if eye_y < guide.eye_line_top {
        Hint::MoveDown
    } else if eye_y > guide.eye_line_bottom {
        Hint::MoveUp
    } else if head_px < guide_head_px * (1.0 - SIZE_TOLERANCE) {
        Hint::MoveCloser
    } else {
        Hint::MoveBack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::messages::Cue;
    use crate::core::checks::{CheckResult, CheckSet, Limit};
    use crate::core::face::{FaceDetection, FaceKeypoints};
    use crate::core::geometry::{Point, Rect, SizePx};
    use crate::core::spec::builtin_profiles;

    const FRAME: SizePx = SizePx::new(1280, 720);

    /// A face whose eyes sit at (`eye_x`, `eye_y`) in normalised frame coordinates, `size` of the frame
    /// height tall.
    fn analysis_at(eye_x: f32, eye_y: f32, size: f32) -> FaceAnalysis {
        let (w, h) = (FRAME.width as f32, FRAME.height as f32);
        let face_h = size * h;
        let keypoints = FaceKeypoints {
            right_eye: Point::new(eye_x * w - face_h * 0.2, eye_y * h),
            left_eye: Point::new(eye_x * w + face_h * 0.2, eye_y * h),
            ..FaceKeypoints::default()
        };
        FaceAnalysis {
            image_size: FRAME,
            faces: vec![FaceDetection {
                bbox: Rect::new(
                    eye_x * w - face_h / 2.0,
                    eye_y * h - face_h / 3.0,
                    face_h,
                    face_h,
                ),
                score: 0.9,
                keypoints,
            }],
            primary: Some(0),
            mesh: None,
        }
    }

    fn report(codes: &[CheckCode]) -> QualityReport {
        QualityReport {
            set: CheckSet::Live,
            checks: codes
                .iter()
                .map(|code| {
                    CheckResult::new(
                        *code,
                        CheckStatus::Fail,
                        1.0,
                        Limit::AtMost { max: 0.0 },
                        Cue::None,
                    )
                })
                .collect(),
        }
    }

    fn hints_for(analysis: &FaceAnalysis, codes: &[CheckCode]) -> Vec<Hint> {
        let guide = super::super::guide::pose_guide(&builtin_profiles()[0], FRAME);
        live_result(&report(codes), analysis, &guide, 1)
            .summary
            .hints
    }

    #[test]
    fn a_face_off_to_one_side_is_sent_back_the_students_way() {
        // The image's right is the student's left: they move to their right.
        let right = analysis_at(0.85, 0.4, 0.4);
        assert_eq!(
            hints_for(&right, &[CheckCode::FaceCutOff]),
            [Hint::MoveRight]
        );
        let left = analysis_at(0.15, 0.4, 0.4);
        assert_eq!(hints_for(&left, &[CheckCode::FaceCutOff]), [Hint::MoveLeft]);
    }

    #[test]
    fn a_face_too_large_steps_back_and_check_codes_map_to_their_hints() {
        let close = analysis_at(0.5, 0.4, 0.95);
        assert_eq!(
            hints_for(&close, &[CheckCode::FaceCutOff]),
            [Hint::MoveBack]
        );
        let centred = analysis_at(0.5, 0.4, 0.4);
        assert_eq!(
            hints_for(
                &centred,
                &[
                    CheckCode::HeadTilted,
                    CheckCode::EyesClosed,
                    CheckCode::HeadTilted
                ]
            ),
            [Hint::LevelHead, Hint::OpenEyes]
        );
        let all_green = live_result(
            &report(&[]),
            &centred,
            &super::super::guide::pose_guide(&builtin_profiles()[0], FRAME),
            1,
        );
        assert!(all_green.summary.all_green && all_green.summary.face_present);
        assert!(all_green.face.is_some());
    }

    #[test]
    fn no_face_is_never_green() {
        let empty = FaceAnalysis::empty(FRAME);
        let hints = hints_for(&empty, &[]);
        assert_eq!(hints, [Hint::NoFace]);
    }
}
