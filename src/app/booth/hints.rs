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
