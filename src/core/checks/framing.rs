//! Face count and framing: `no_face`, `multiple_faces`, `face_cut_off` and `low_resolution`.
//!
//! Owns the decisions on detections and on the estimated crop; reads no pixels (the crop estimate in
//! `crop` may read the person mask). Must not decide pose or image quality.

use super::context::Subject;
use super::crop::PhotoCrop;
use super::messages::Cue;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::thresholds::CheckThresholds;
use crate::core::face::FaceAnalysis;
use crate::core::spec::PhotoSpec;

/// `no_face`: the primary face's mesh presence (0 when vision found no face or could not mesh it:
/// without the mesh nothing else can be measured, and an animal or a mask meshes with presence ≈ 0).
pub fn no_face(analysis: &FaceAnalysis, thresholds: &CheckThresholds) -> CheckResult {
    let presence = analysis.mesh.as_ref().map_or(0.0, |mesh| {
        if mesh.presence.is_finite() {
            mesh.presence
        } else {
            0.0
        }
    });
    CheckResult::graded(
        CheckCode::NoFace,
        presence,
        Limit::AtLeast {
            min: thresholds.min_face_presence,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

/// `multiple_faces`: the largest other face's box area as a fraction of the primary face's (OFIQ
/// SingleFacePresent's native score). `None` when there is no detection to compare with.
pub fn multiple_faces(
    analysis: &FaceAnalysis,
    thresholds: &CheckThresholds,
) -> Option<CheckResult> {
    let counted: Vec<usize> = (0..analysis.faces.len())
        .filter(|&i| analysis.faces[i].score >= thresholds.min_face_score)
        .collect();
    let area = |i: usize| analysis.faces[i].bbox.area();
    let primary = analysis
        .primary
        .filter(|p| counted.contains(p))
        .or_else(|| {
            counted
                .iter()
                .copied()
                .max_by(|&a, &b| area(a).total_cmp(&area(b)))
        })?;
    let primary_area = area(primary).max(f32::EPSILON);
    let ratio = counted
        .iter()
        .filter(|&&i| i != primary)
        .map(|&i| area(i) / primary_area)
        .fold(0.0_f32, f32::max);
    Some(CheckResult::graded(
        CheckCode::MultipleFaces,
        ratio,
        Limit::AtMost {
            max: thresholds.max_second_face_area_ratio,
        },
        CheckStatus::Fail,
        Cue::None,
    ))
}

/// `face_cut_off`: how far the profile's crop leaves the capture (largest overhang on any side, as a
/// fraction of the crop). When the profile replaces the background and the crown is inside the capture,
/// the crop may rise above the capture: there is only background up there, which the standardizer paints.
/// The cue names the edge so the hint can say which way to move.
pub fn face_cut_off(
    crop: &PhotoCrop,
    subject: &Subject<'_>,
    analysis: &FaceAnalysis,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
) -> CheckResult {
    let size = analysis.image_size;
    let mut overhang = crop.overhang(size.width as f32, size.height as f32);
    if spec.replace_background && subject.head.crown_y > 0.0 {
        overhang.top = 0.0;
    }
    let limit = thresholds.max_crop_outside_frac;
    let cue = match (overhang.top > limit, overhang.bottom > limit) {
        (true, true) => Cue::CutTooClose,
        (true, false) if overhang.top >= overhang.left.max(overhang.right) => Cue::CutTop,
        (false, true) if overhang.bottom >= overhang.left.max(overhang.right) => Cue::CutBottom,
        _ => Cue::CutSide,
    };
    CheckResult::graded(
        CheckCode::FaceCutOff,
        overhang.max(),
        Limit::AtMost { max: limit },
        CheckStatus::Fail,
        cue,
    )
}

/// `low_resolution`: the capture's inter-eye distance against the one the photo needs, scaled by the
/// allowed upscaling. Fails when the photo would have to be enlarged more than allowed.
pub fn low_resolution(
    crop: &PhotoCrop,
    subject: &Subject<'_>,
    thresholds: &CheckThresholds,
) -> CheckResult {
    let ied_px = subject.frame.ied_px;
    let photo_ied_px = ied_px * crop.photo_px_per_capture_px;
    CheckResult::graded(
        CheckCode::LowResolution,
        ied_px,
        Limit::AtLeast {
            min: photo_ied_px / thresholds.max_upscale,
        },
        CheckStatus::Fail,
        Cue::None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::face::{FaceDetection, FaceKeypoints};
    use crate::core::geometry::{Rect, SizePx};

    fn detection(x: f32, size: f32, score: f32) -> FaceDetection {
        FaceDetection {
            bbox: Rect::new(x, 100.0, size, size),
            score,
            keypoints: FaceKeypoints::default(),
        }
    }

    /// A face high in a 800x600 frame: the campus-card crop rises 12 % above the top edge.
    fn high_face() -> (FaceAnalysis, PhotoSpec) {
        let mut mesh = crate::core::checks::regions::tests::synthetic_mesh();
        for p in [
            &mut mesh.right_eye,
            &mut mesh.left_eye,
            &mut mesh.chin,
            &mut mesh.forehead,
            &mut mesh.right_cheek,
            &mut mesh.left_cheek,
        ] {
            p.y -= 120.0;
        }
        let mut analysis = FaceAnalysis::empty(SizePx::new(800, 600));
        analysis.mesh = Some(mesh);
        let spec = crate::core::spec::builtin_profiles().remove(0);
        (analysis, spec)
    }

    #[test]
    fn room_above_the_head_is_painted_only_when_the_background_is_replaced() {
        let thresholds = CheckThresholds::default();
        let (analysis, mut spec) = high_face();
        let subject = Subject::new(&analysis, None).unwrap();
        assert!(subject.head.crown_y > 0.0, "{:?}", subject.head);
        let crop = crate::core::checks::crop::estimate_photo_crop(&subject.head, &spec);
        assert!(crop.rect.y < 0.0, "{crop:?}");
        let replaced = face_cut_off(&crop, &subject, &analysis, &spec, &thresholds);
        assert_eq!(replaced.status, CheckStatus::Pass, "{replaced:?}");
        spec.replace_background = false;
        let kept = face_cut_off(&crop, &subject, &analysis, &spec, &thresholds);
        assert_eq!(kept.status, CheckStatus::Fail, "{kept:?}");
        assert!(kept.hint_en.contains("lower"), "{}", kept.hint_en);
    }

    #[test]
    fn no_face_needs_a_mesh() {
        let empty = FaceAnalysis::empty(SizePx::new(640, 480));
        let result = no_face(&empty, &CheckThresholds::default());
        assert_eq!(result.status, CheckStatus::Fail);
        assert!(result.value.abs() < f32::EPSILON);
    }

    #[test]
    fn a_distant_second_face_passes_and_a_near_one_fails() {
        let thresholds = CheckThresholds::default();
        let mut analysis = FaceAnalysis::empty(SizePx::new(1000, 800));
        analysis.faces = vec![detection(400.0, 200.0, 0.9), detection(50.0, 50.0, 0.8)];
        analysis.primary = Some(0);
        let far = multiple_faces(&analysis, &thresholds).unwrap();
        assert_eq!(far.status, CheckStatus::Pass, "{far:?}");
        analysis.faces.push(detection(700.0, 180.0, 0.7));
        let near = multiple_faces(&analysis, &thresholds).unwrap();
        assert_eq!(near.status, CheckStatus::Fail);
        assert!((near.value - 0.81).abs() < 1e-3, "{}", near.value);
        // A low-score detection does not count.
        analysis.faces[2].score = 0.3;
        assert_eq!(
            multiple_faces(&analysis, &thresholds).unwrap().status,
            CheckStatus::Pass
        );
        assert!(multiple_faces(&FaceAnalysis::empty(SizePx::new(10, 10)), &thresholds).is_none());
    }

    #[test]
    fn recounting_the_faces_gives_the_report_of_the_complete_analysis() {
        let thresholds = CheckThresholds::default();
        let (mut early, spec) = high_face();
        early.faces = vec![detection(300.0, 200.0, 0.9)];
        early.primary = Some(0);
        let image = image::RgbImage::from_pixel(800, 600, image::Rgb([120, 130, 140]));
        let size = SizePx::new(800, 600);
        let run = |analysis: &FaceAnalysis| {
            crate::core::checks::run(
                &image,
                analysis,
                None,
                &spec,
                &thresholds,
                crate::core::checks::CheckSet::Full,
            )
        };
        let mut report = run(&early);
        // The fine pass found a second face large enough to fail, next to the same (meshed) face.
        let mut complete = early.clone();
        complete.faces.push(detection(600.0, 150.0, 0.8));
        assert_ne!(report, run(&complete));
        crate::core::checks::recount_faces(&mut report, size, &complete, &thresholds);
        assert_eq!(report, run(&complete));
        let multiple = report
            .checks
            .iter()
            .find(|check| check.code == crate::core::checks::CheckCode::MultipleFaces);
        assert_eq!(multiple.map(|check| check.status), Some(CheckStatus::Fail));
        // With no counted face at all the check leaves the report, as `run` leaves it out.
        let none = FaceAnalysis {
            faces: Vec::new(),
            primary: None,
            ..complete.clone()
        };
        crate::core::checks::recount_faces(&mut report, size, &none, &thresholds);
        assert_eq!(report, run(&none));
        // And comes back in its place.
        crate::core::checks::recount_faces(&mut report, size, &complete, &thresholds);
        assert_eq!(report, run(&complete));
    }
}
