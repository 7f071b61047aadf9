//! Vision hot paths on this machine: model loading, detection + mesh on a 1280x720 live frame,
//! segmentation + refinement of a 1350x1350 capture. Targets (issue 3): frame ≤ 20 ms, mask
//! ≤ 40 ms, loading ≤ 0.5 s. tract runs on its default single-thread executor.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::core::geometry::{Rect, SizePx};
use idbooth::vision::{self, AnalyzeMode, Vision};
use image::RgbImage;

fn fixture(name: &str) -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name);
    vision::load_image(&path).expect("fixture decodes")
}

/// A 1280x720 frame: the 1350x1350 portrait's central band, as a webcam would see it.
fn frame_1280x720() -> RgbImage {
    let capture = fixture("good_london_001_neutral.jpg");
    let band = image::imageops::crop_imm(&capture, 0, 295, 1350, 760).to_image();
    image::imageops::resize(&band, 1280, 720, image::imageops::FilterType::Triangle)
}

fn bench_vision(c: &mut Criterion) {
    // As the binary does for every command (see `app::memory`).
    idbooth::app::memory::keep_freed_buffers();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
    let mut group = c.benchmark_group("vision");
    group.sample_size(10);
    group.bench_function("load three models", |b| {
        b.iter(|| black_box(Vision::load(&dir).expect("models load")));
    });
    group.finish();

    let mut vision = Vision::load(&dir).expect("models load");
    let frame = frame_1280x720();
    let capture = fixture("good_london_001_neutral.jpg");
    let mut group = c.benchmark_group("vision");
    group.sample_size(30);
    group.bench_function("detect + mesh, 1280x720 frame", |b| {
        b.iter(|| {
            black_box(
                vision
                    .analyze(&frame, AnalyzeMode::Frame)
                    .expect("analysis"),
            )
        });
    });
    group.bench_function(
        "detect + mesh, 1350x1350 capture (with the fine pass)",
        |b| {
            b.iter(|| {
                black_box(
                    vision
                        .analyze(&capture, AnalyzeMode::Capture)
                        .expect("analysis"),
                )
            });
        },
    );
    group.bench_function("segment only, 1350x1350 capture", |b| {
        b.iter(|| black_box(vision.segment(&capture).expect("segmentation")));
    });
    let segmentation = vision.segment(&capture).expect("segmentation");
    let whole = Rect::new(0.0, 0.0, 1350.0, 1350.0);
    group.bench_function("refine only, 1350x1350 capture", |b| {
        b.iter(|| {
            black_box(
                vision
                    .refine_mask(&capture, &segmentation, whole, SizePx::new(1350, 1350))
                    .expect("mask"),
            )
        });
    });
    group.bench_function("segment + refine, 1350x1350 capture", |b| {
        b.iter(|| black_box(vision.person_mask(&capture).expect("mask")));
    });
    group.bench_function("segment + refine crop, 760x1000 to 480x640", |b| {
        let crop = Rect::new(295.0, 250.0, 760.0, 1000.0);
        b.iter(|| {
            black_box(
                vision
                    .person_mask_in(&capture, crop, SizePx::new(480, 640))
                    .expect("mask"),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, bench_vision);
criterion_main!(benches);
