//! Speed of standardization: the end-to-end figure for one 1350x1350 capture → chsi photo (decode,
//! vision, mask, solve, composite, encode, re-analysis; target ≤ 80 ms on the 2-core kiosk machine),
//! and its parts.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::core::checks::CheckThresholds;
use idbooth::core::geometry::{Rect, SizePx};
use idbooth::core::spec::{PhotoSpec, Rgb8, builtin_profiles};
use idbooth::core::standardize::{
    MaskStats, StandardizeSettings, crop_bounds, crop_bounds_size, encode_photo, mask_to_photo,
    measure_head, plan_crop, render_photo, replace_background,
};
use idbooth::vision::{self, AnalyzeMode, Vision};
use idbooth::{pipeline, standardizer};

/// A 1350x1350 capture that gives a compliant chsi photo (good_london_001's hair bun touches the top
/// edge, so it stops early with face_cut_off and would understate the cost).
const FIXTURE: &str = "tests/fixtures/faces/good_london_003_neutral.jpg";

fn profile(name: &str) -> Option<PhotoSpec> {
    builtin_profiles().into_iter().find(|p| p.name == name)
}

fn bench(c: &mut Criterion) {
    // As the binary does for every command (see `app::memory`).
    idbooth::app::memory::keep_freed_buffers();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (Ok(mut vision), Some(chsi)) = (Vision::load(&root.join("assets/models")), profile("chsi"))
    else {
        eprintln!("models or profile missing: standardize bench skipped");
        return;
    };
    let path = root.join(FIXTURE);
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("fixture missing: standardize bench skipped");
        return;
    };
    let settings = StandardizeSettings::default();

    c.bench_function("end_to_end_1350_capture_to_chsi", |b| {
        b.iter(|| {
            let capture = vision::decode_image(black_box(&bytes)).ok();
            capture.and_then(|capture| {
                standardizer::standardize_capture(
                    &mut vision,
                    &capture,
                    &chsi,
                    Rgb8::CHSI_BLUE,
                    &settings,
                )
                .ok()
            })
        });
    });
    // What the booth's pipeline worker does with a still: the same, plus the full check catalogue
    // on the complete analysis (every face the fine pass found).
    let thresholds = CheckThresholds::default();
    c.bench_function("pipeline_1350_capture_checks_and_chsi", |b| {
        b.iter(|| {
            let capture = vision::decode_image(black_box(&bytes)).ok();
            capture.and_then(|capture| {
                pipeline::process_capture(
                    &mut vision,
                    &capture,
                    &chsi,
                    Rgb8::CHSI_BLUE,
                    &thresholds,
                )
                .ok()
            })
        });
    });
    if let Err(error) = parts(c, &mut vision, &bytes, &chsi, &settings) {
        eprintln!("standardize part benches skipped: {error}");
    }
}

/// The parts of the end-to-end figure, each on its own.
fn parts(
    c: &mut Criterion,
    vision: &mut Vision,
    bytes: &[u8],
    chsi: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<(), Box<dyn std::error::Error>> {
    let capture = vision::decode_image(bytes)?;
    let size = SizePx::new(capture.width(), capture.height());
    let whole = Rect::new(0.0, 0.0, capture.width() as f32, capture.height() as f32);
    let analysis = vision.analyze(&capture, AnalyzeMode::Capture)?;
    let segmentation = vision.segment(&capture)?;
    // The first crown comes from the segmenter's coarse mask (the standardizer then measures it
    // again on the refined crop mask).
    let crown_mask = segmentation.coarse_person_mask();
    let head = measure_head(&analysis, &crown_mask, whole, chsi, settings)?;
    let plan = plan_crop(&head, size, chsi, settings)?;
    let bounds = crop_bounds(&plan);
    let mask = vision.refine_mask(&capture, &segmentation, bounds, crop_bounds_size(&plan))?;
    let photo_mask = mask_to_photo(&mask, bounds, &plan)?;
    let photo = render_photo(&capture, &plan)?;
    let composed = replace_background(&photo, &photo_mask, Rgb8::CHSI_BLUE)?;
    let encoded = encode_photo(&composed, chsi)?;
    eprintln!(
        "chsi photo of {FIXTURE}: q{:?}, {} bytes, {} encodes; mask {:?}",
        encoded.jpeg_quality,
        encoded.bytes.len(),
        encoded.encodes,
        MaskStats::of(&photo_mask)
    );

    c.bench_function("decode_1350_jpeg", |b| {
        b.iter(|| vision::decode_image(black_box(bytes)).ok());
    });
    c.bench_function("analyze_1350_capture", |b| {
        b.iter(|| {
            vision
                .analyze(black_box(&capture), AnalyzeMode::Capture)
                .ok()
        });
    });
    c.bench_function("analyze_and_segment_1350_capture_two_threads", |b| {
        b.iter(|| {
            vision
                .analyze_and_segment(black_box(&capture), AnalyzeMode::Capture)
                .ok()
        });
    });
    c.bench_function("segment_1350_capture", |b| {
        b.iter(|| vision.segment(black_box(&capture)).ok());
    });
    c.bench_function("refine_crop_mask_480x640", |b| {
        b.iter(|| {
            vision
                .refine_mask(
                    black_box(&capture),
                    &segmentation,
                    bounds,
                    crop_bounds_size(&plan),
                )
                .ok()
        });
    });
    c.bench_function("crown_and_solve_chsi", |b| {
        b.iter(|| {
            measure_head(black_box(&analysis), &crown_mask, whole, chsi, settings)
                .ok()
                .and_then(|head| plan_crop(&head, size, chsi, settings).ok())
        });
    });
    c.bench_function("render_crop_480x640", |b| {
        b.iter(|| render_photo(black_box(&capture), &plan).ok());
    });
    c.bench_function("composite_480x640", |b| {
        b.iter(|| replace_background(black_box(&photo), &photo_mask, Rgb8::CHSI_BLUE).ok());
    });
    c.bench_function("encode_quality_search_chsi", |b| {
        b.iter(|| encode_photo(black_box(&composed), chsi).ok());
    });
    c.bench_function("reanalyze_480x640_photo", |b| {
        b.iter(|| {
            vision
                .analyze(black_box(&composed), AnalyzeMode::Frame)
                .ok()
        });
    });
    Ok(())
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
