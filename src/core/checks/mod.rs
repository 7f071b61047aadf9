//! The photo-check catalogue: decides, while the student is still in the booth, whether a capture can
//! become a compliant photo, and if not says why (fixed reason code, measured value, limit, status, zh + en
//! message and hint).
//!
//! Pure: reads the capture's pixels, vision's `FaceAnalysis`, the optional person mask, the profile and
//! the thresholds; returns a `QualityReport`. One file per family (framing, pose, eyes_mouth, exposure,
//! colour, background, glasses); `messages` holds the wording, `thresholds` the limits and their sources,
//! `crop` a replaceable estimate of the profile's crop. Must not run inference, touch files or the clock.

pub mod artefacts;
pub mod background;
pub mod colour;
pub mod context;
pub mod crop;
pub mod exposure;
pub mod eyes_mouth;
pub mod framing;
pub mod glasses;
pub mod messages;
pub mod pose;
pub mod regions;
pub mod report;
pub mod sampling;
pub mod thresholds;

use image::RgbImage;

pub use messages::Cue;
pub use report::{CheckCode, CheckResult, CheckSet, CheckStatus, Limit, QualityReport, Verdict};
pub use thresholds::{CheckThresholds, PoseLimits};

use crate::core::face::{FaceAnalysis, PersonMask};
use crate::core::geometry::SizePx;
use crate::core::spec::PhotoSpec;
use context::{Subject, analysis_for_image};
use sampling::MaskView;

/// Runs the checks of `set` on one image. `analysis` may come from a smaller copy of `image` (it is
/// scaled); `mask` is the person mask when vision produced one (the live set never needs it; without it
/// `busy_background` and `low_contrast_clothing` are not judged).
pub fn run(
    image: &RgbImage,
    analysis: &FaceAnalysis,
    mask: Option<&PersonMask>,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
    set: CheckSet,
) -> QualityReport {
    let analysis = analysis_for_image(analysis, SizePx::new(image.width(), image.height()));
    let mask = mask.and_then(|mask| MaskView::new(mask, image.width(), image.height()));
    let face_found = framing::no_face(&analysis, thresholds);
    let usable = face_found.status == CheckStatus::Pass;
    let mut checks = vec![face_found];
    checks.extend(framing::multiple_faces(&analysis, thresholds));
    if let Some(subject) = Subject::new(&analysis, mask.as_ref()).filter(|_| usable) {
        let face = FaceInputs {
            image,
            analysis: &analysis,
            subject: &subject,
            spec,
            thresholds,
        };
        let crop = crop::estimate_photo_crop(&subject.head, spec);
        let light = live_checks(&face, &crop, &mut checks);
        if set == CheckSet::Full {
            full_checks(&face, &crop, light.as_ref(), mask.as_ref(), &mut checks);
        }
    }
    QualityReport { set, checks }
}

/// Judges `multiple_faces` again on `analysis` and puts the result in the place [`run`] gives it
/// (right after `no_face`). For a report made on an earlier analysis of the same image that had the
/// same mesh but not yet every face (the capture's fine pass for small second faces was still
/// running): every other check reads only the mesh, so the report is then exactly what [`run`] on
/// `analysis` gives.
pub fn recount_faces(
    report: &mut QualityReport,
    image_size: SizePx,
    analysis: &FaceAnalysis,
    thresholds: &CheckThresholds,
) {
    let analysis = analysis_for_image(analysis, image_size);
    let counted = framing::multiple_faces(&analysis, thresholds);
    let checks = &mut report.checks;
    let at = checks
        .iter()
        .position(|check| check.code == CheckCode::MultipleFaces);
    match (at, counted) {
        (Some(at), Some(counted)) => checks[at] = counted,
        (Some(at), None) => {
            checks.remove(at);
        }
        (None, Some(counted)) => {
            let after_no_face = checks
                .iter()
                .position(|check| check.code == CheckCode::NoFace)
                .map_or(0, |index| index + 1);
            checks.insert(after_no_face, counted);
        }
        (None, None) => {}
    }
}

/// What every face check reads.
struct FaceInputs<'a> {
    image: &'a RgbImage,
    analysis: &'a FaceAnalysis,
    subject: &'a Subject<'a>,
    spec: &'a PhotoSpec,
    thresholds: &'a CheckThresholds,
}

/// The cheap subset: framing, pose, eyes, mouth, exposure. Returns the face light for the full set.
fn live_checks(
    face: &FaceInputs<'_>,
    crop: &crop::PhotoCrop,
    checks: &mut Vec<CheckResult>,
) -> Option<exposure::FaceLight> {
    let FaceInputs {
        image,
        analysis,
        subject,
        spec,
        thresholds,
    } = *face;
    checks.push(framing::face_cut_off(
        crop, subject, analysis, spec, thresholds,
    ));
    checks.push(framing::low_resolution(crop, subject, thresholds));
    checks.extend(pose::pose_checks(
        subject.mesh,
        thresholds.pose_limits(spec),
    ));
    checks.push(eyes_mouth::eyes_closed(subject.mesh, thresholds));
    checks.push(eyes_mouth::mouth_open(subject.mesh, thresholds));
    let light = exposure::measure_face_light(image, subject);
    if let Some(light) = &light {
        checks.push(exposure::underexposed(light, thresholds));
        checks.push(exposure::overexposed(light, thresholds));
    }
    light
}

/// Sharpness, artefacts, light balance, colour, glasses, and (with a mask) background and clothing.
fn full_checks(
    face: &FaceInputs<'_>,
    crop: &crop::PhotoCrop,
    light: Option<&exposure::FaceLight>,
    mask: Option<&MaskView<'_>>,
    checks: &mut Vec<CheckResult>,
) {
    let FaceInputs {
        image,
        subject,
        spec,
        thresholds,
        ..
    } = *face;
    if let Some(sharpness) = exposure::face_sharpness(image, subject) {
        checks.push(exposure::blurry(sharpness, thresholds));
    }
    if let Some(sigma) = artefacts::noise_sigma(image, subject) {
        checks.push(artefacts::noisy(sigma, thresholds));
    }
    if let Some(ratio) = artefacts::blockiness(image, subject) {
        checks.push(artefacts::compression_artifacts(ratio, thresholds));
    }
    let cheeks = exposure::cheek_luminance(image, subject);
    if let Some(cheeks) = cheeks {
        checks.push(exposure::uneven_lighting(cheeks, thresholds));
    }
    let grayscale = light.map(|light| colour::grayscale(light.mean_chroma, thresholds));
    let in_colour = grayscale
        .as_ref()
        .is_none_or(|g| g.status == CheckStatus::Pass);
    checks.extend(grayscale);
    // Skin colour means nothing on a black-and-white picture: `grayscale` already says it all.
    if let Some(rgb) = colour::cheek_colour(image, subject).filter(|_| in_colour) {
        checks.push(colour::color_cast(rgb, thresholds));
    }
    let eyes = cheeks.and_then(|cheeks| glasses::eye_to_cheek_luminance(image, subject, cheeks));
    if let Some(ratio) = eyes {
        checks.push(glasses::tinted_glasses(ratio, thresholds));
    }
    let Some(mask) = mask else {
        return;
    };
    let surroundings = background::measure_surroundings(image, subject, crop, mask);
    if let Some(measure) = &surroundings.background {
        checks.push(background::busy_background(measure, spec, thresholds));
    }
    if let Some(clothing) = surroundings.clothing_rgb {
        let measured = surroundings.background.map(|b| b.mean_rgb);
        checks.extend(background::low_contrast_clothing(
            clothing, measured, spec, thresholds,
        ));
    }
}
