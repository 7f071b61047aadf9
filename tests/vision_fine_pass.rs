//! The capture's fine pass for second faces, its scale set from the primary face: a second person
//! whose face is just over the `multiple_faces` limit (area 0.12 and 0.15 of the student's, limit
//! 0.1) is found wherever they stand in a 1280x720 capture framed as the pose guide frames a student,
//! although the whole-image pass alone nearly always misses a face that small, and the product path,
//! which runs the checks beside the fine pass, still fails `multiple_faces`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::path::Path;

use idbooth::core::checks::{self, CheckCode, CheckSet, CheckStatus, CheckThresholds};
use idbooth::core::face::{FaceAnalysis, FaceDetection};
use idbooth::core::spec::builtin_profiles;
use idbooth::pipeline;
use idbooth::vision::{self, AnalyzeMode, Vision};
use image::{Rgb, RgbImage, imageops};

/// Areas of the pasted face as fractions of the student's.
const SECOND_FACE_AREA_RATIOS: [f32; 2] = [0.12, 0.15];

fn load(name: &str) -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name);
    vision::load_image(&path).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// The one face of the whole-image pass (its box does not depend on the fine pass).
fn only_face(vision: &mut Vision, img: &RgbImage) -> FaceDetection {
    let analysis = vision.analyze(img, AnalyzeMode::Frame).unwrap();
    assert_eq!(analysis.faces.len(), 1, "{:?}", analysis.faces);
    analysis.faces[0].clone()
}

/// A 1280x720 capture: the student's 1350x1350 portrait scaled to the frame's height in the middle
/// of a backdrop of the portrait's own background colour (face box about 260 px).
fn framed_capture(portrait: &RgbImage) -> RgbImage {
    let corner = imageops::crop_imm(portrait, 0, 0, 32, 32).to_image();
    let mut sum = [0u64; 3];
    for pixel in corner.pixels() {
        for (total, value) in sum.iter_mut().zip(pixel.0) {
            *total += u64::from(value);
        }
    }
    let backdrop = sum.map(|total| u8::try_from(total / 1024).unwrap());
    let mut capture = RgbImage::from_pixel(1280, 720, Rgb(backdrop));
    let scaled = imageops::resize(portrait, 720, 720, imageops::FilterType::Triangle);
    imageops::overlay(&mut capture, &scaled, 280, 0);
    capture
}

/// `other`'s head (a square of 2.4 face boxes around the face), scaled so its face box has
/// `area` square pixels.
fn small_head(other: &RgbImage, face: &FaceDetection, area: f32) -> RgbImage {
    let side = 2.4 * face.bbox.width;
    let centre = face.bbox.center();
    let x = (centre.x - side / 2.0).max(0.0);
    let y = (centre.y - side / 2.0).max(0.0);
    let head = imageops::crop_imm(other, x as u32, y as u32, side as u32, side as u32).to_image();
    let scale = (area / face.bbox.area()).sqrt();
    let out = (head.width() as f32 * scale).round() as u32;
    imageops::resize(&head, out, out, imageops::FilterType::Triangle)
}

fn second_face_ratio(analysis: &FaceAnalysis) -> Option<f32> {
    let primary = analysis.primary_face()?;
    analysis
        .faces
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != analysis.primary)
        .map(|(_, face)| face.bbox.area() / primary.bbox.area())
        .reduce(f32::max)
}

#[test]
fn a_second_face_just_over_the_limit_is_found_anywhere_in_a_framed_capture() {
    let mut vision = Vision::load_default().expect("models load");
    let student = framed_capture(&load("good_london_001_neutral.jpg"));
    let student_face = only_face(&mut vision, &student);
    assert!(
        (230.0..300.0).contains(&student_face.bbox.width),
        "framed like the pose guide: {:?}",
        student_face.bbox
    );
    let other = load("good_london_129_neutral.jpg");
    let other_face = only_face(&mut vision, &other);
    let spec = builtin_profiles().remove(0);
    let thresholds = CheckThresholds::default();
    // Cases where the whole-image pass alone misses the second head: there only the fine pass finds it.
    let mut only_the_fine_pass_saw_it = 0;
    for area_ratio in SECOND_FACE_AREA_RATIOS {
        assert!(area_ratio > thresholds.max_second_face_area_ratio);
        let head = small_head(&other, &other_face, area_ratio * student_face.bbox.area());
        // Around the student: top left, low left, top right, right at mid height, by the shoulder.
        for (x, y) in [(20, 20), (60, 480), (1020, 30), (1040, 300), (950, 500)] {
            let mut capture = student.clone();
            imageops::overlay(&mut capture, &head, x, y);
            let at = format!("area {area_ratio}, head at ({x}, {y})");
            let frame = vision.analyze(&capture, AnalyzeMode::Frame).unwrap();
            if frame.faces.len() == 1 {
                only_the_fine_pass_saw_it += 1;
            }

            let alone = vision.analyze(&capture, AnalyzeMode::Capture).unwrap();
            let seen = vision
                .analyze_and_segment(&capture, AnalyzeMode::Capture)
                .unwrap();
            for (how, analysis) in [("one thread", &alone), ("two threads", &seen.analysis)] {
                assert_eq!(analysis.faces.len(), 2, "{at}, {how}: {:?}", analysis.faces);
                let ratio = second_face_ratio(analysis).unwrap();
                assert!(
                    (0.1..0.25).contains(&ratio),
                    "{at}, {how}: measured ratio {ratio}"
                );
                let report =
                    checks::run(&capture, analysis, None, &spec, &thresholds, CheckSet::Full);
                let multiple = report
                    .checks
                    .iter()
                    .find(|check| check.code == CheckCode::MultipleFaces)
                    .unwrap();
                assert_eq!(multiple.status, CheckStatus::Fail, "{at}, {how}");
            }
            // The product path (`idbooth check`, the booth) runs the checks beside the fine pass and
            // judges `multiple_faces` again once it is done: its report is the one the complete
            // analysis gives, and it fails even where the whole-image pass saw one face.
            let (checked, report) =
                pipeline::analyze_and_check(&mut vision, &capture, &spec, &thresholds).unwrap();
            assert_eq!(
                checked.analysis.faces.len(),
                2,
                "{at}, checks beside the fine pass"
            );
            let mask = checked.segmentation.coarse_person_mask();
            let complete = checks::run(
                &capture,
                &checked.analysis,
                Some(&mask),
                &spec,
                &thresholds,
                CheckSet::Full,
            );
            assert_eq!(report, complete, "{at}, checks beside the fine pass");
            assert!(
                report.failures().contains(&CheckCode::MultipleFaces),
                "{at}, checks beside the fine pass: {:?}",
                report.failures()
            );
        }
    }
    assert!(
        only_the_fine_pass_saw_it >= 8,
        "the whole-image pass saw the second head in {} of 10 cases",
        10 - only_the_fine_pass_saw_it
    );
}
