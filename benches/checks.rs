//! The check catalogue's speed on this machine (issue 4 targets): the live subset on a 1280x720 frame,
//! vision included, ≤ 25 ms; every check for one capture, vision included, ≤ 60 ms. Also the parts
//! alone, to show what the checks add to vision. The full set reads the segmenter's coarse mask
//! (`Segmentation::coarse_person_mask`); edge refinement is the standardizer's business.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic on broken fixtures (house style)

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::core::checks::{self, CheckSet, CheckThresholds};
use idbooth::core::spec::builtin_profiles;
use idbooth::pipeline;
use idbooth::vision::{self, AnalyzeMode, Vision};
use image::RgbImage;

fn fixture(name: &str) -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name);
    vision::load_image(&path).expect("fixture decodes")
}

/// A 1280x720 frame: the 1350x1350 portrait's central band, as a webcam would see it.
fn frame_1280x720(capture: &RgbImage) -> RgbImage {
    let band = image::imageops::crop_imm(capture, 0, 295, 1350, 760).to_image();
    image::imageops::resize(&band, 1280, 720, image::imageops::FilterType::Triangle)
}

/// A 1280x720 capture as the pose guide frames a student: the portrait scaled to the frame's height
/// in the middle of a backdrop of its own background colour (face box about 260 px instead of the
/// close-up band's 465 px, so the fine pass for second faces has a 384x224 input instead of 240x128;
/// with 128-px tiles it was 15 tiles instead of 3).
fn framed_1280x720(capture: &RgbImage) -> RgbImage {
    let corner = image::imageops::crop_imm(capture, 0, 0, 32, 32).to_image();
    let mut sum = [0u64; 3];
    for pixel in corner.pixels() {
        for (total, value) in sum.iter_mut().zip(pixel.0) {
            *total += u64::from(value);
        }
    }
    let backdrop = sum.map(|total| u8::try_from(total / 1024).expect("a mean of bytes"));
    let mut framed = RgbImage::from_pixel(1280, 720, image::Rgb(backdrop));
    let scaled = image::imageops::resize(capture, 720, 720, image::imageops::FilterType::Triangle);
    image::imageops::overlay(&mut framed, &scaled, 280, 0);
    framed
}

fn bench_checks(c: &mut Criterion) {
    // As the binary does for every command (see `app::memory`).
    idbooth::app::memory::keep_freed_buffers();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
    let mut vision = Vision::load(&dir).expect("models load");
    let spec = builtin_profiles().remove(0);
    let thresholds = CheckThresholds::default();
    let capture = fixture("good_london_001_neutral.jpg");
    let frame = frame_1280x720(&capture);
    let framed = framed_1280x720(&capture);

    let mut group = c.benchmark_group("checks");
    group.sample_size(20);
    group.bench_function(
        "live 1280x720: detect + mesh (frame mode) + live checks",
        |b| {
            b.iter(|| {
                let analysis = vision
                    .analyze(&frame, AnalyzeMode::Frame)
                    .expect("analysis");
                black_box(checks::run(
                    &frame,
                    &analysis,
                    None,
                    &spec,
                    &thresholds,
                    CheckSet::Live,
                ))
            });
        },
    );
    for (name, image) in [
        ("1280x720", &frame),
        ("1280x720 framed", &framed),
        ("1350x1350", &capture),
    ] {
        for (mode_name, mode) in [
            ("capture", AnalyzeMode::Capture),
            ("frame", AnalyzeMode::Frame),
        ] {
            let label = format!(
                "capture {name}: detect + mesh ({mode_name} mode) + coarse mask + all checks \
                 (segmenter on a second thread)"
            );
            group.bench_function(label, |b| {
                b.iter(|| {
                    if mode == AnalyzeMode::Capture {
                        // The product path (`idbooth check`, the booth): the checks beside the fine pass.
                        let checked =
                            pipeline::analyze_and_check(&mut vision, image, &spec, &thresholds)
                                .expect("analysis");
                        return black_box(checked.1);
                    }
                    let seen = vision.analyze_and_segment(image, mode).expect("analysis");
                    let mask = seen.segmentation.coarse_person_mask();
                    let report = checks::run(
                        image,
                        &seen.analysis,
                        Some(&mask),
                        &spec,
                        &thresholds,
                        CheckSet::Full,
                    );
                    black_box(report)
                });
            });
            group.bench_function(
                format!("capture {name}: detect + mesh ({mode_name} mode) alone"),
                |b| {
                    b.iter(|| black_box(vision.analyze(image, mode).expect("analysis")));
                },
            );
        }
        group.bench_function(
            format!("capture {name}: segmenter (coarse mask) alone"),
            |b| {
                b.iter(|| black_box(vision.segment(image).expect("segmentation")));
            },
        );
        let analysis = vision
            .analyze(image, AnalyzeMode::Capture)
            .expect("analysis");
        let mask = vision
            .segment(image)
            .expect("segmentation")
            .coarse_person_mask();
        group.bench_function(format!("capture {name}: all checks alone"), |b| {
            b.iter(|| {
                let report = checks::run(
                    image,
                    &analysis,
                    Some(&mask),
                    &spec,
                    &thresholds,
                    CheckSet::Full,
                );
                black_box(report)
            });
        });
    }
    let frame_analysis = vision
        .analyze(&frame, AnalyzeMode::Frame)
        .expect("analysis");
    group.bench_function("live 1280x720: live checks alone", |b| {
        b.iter(|| {
            black_box(checks::run(
                &frame,
                &frame_analysis,
                None,
                &spec,
                &thresholds,
                CheckSet::Live,
            ))
        });
    });
    group.finish();
}

criterion_group!(benches, bench_checks);
criterion_main!(benches);
