//! Speed of standardization: the end-to-end figure for one 1350x1350 capture → chsi photo (decode,
//! vision, mask, solve, composite, encode, re-analysis; target ≤ 80 ms on the 2-core kiosk machine),
//! and its parts.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::core::geometry::{Rect, SizePx};
use idbooth::core::spec::{PhotoSpec, Rgb8, builtin_profiles};
use idbooth::core::standardize::{
    StandardizeSettings, encode_photo, mask_to_photo, measure_head, plan_crop, render_photo,
    replace_background,
};
use idbooth::standardizer;
use idbooth::vision::{self, AnalyzeMode, Vision};

const FIXTURE: &str = "tests/fixtures/faces/good_london_001_neutral.jpg";

fn profile(name: &str) -> Option<PhotoSpec> {
    builtin_profiles().into_iter().find(|p| p.name == name)
}

fn bench(c: &mut Criterion) {
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

    let Ok(capture) = vision::decode_image(&bytes) else {
        return;
    };
    let Ok(analysis) = vision.analyze(&capture, AnalyzeMode::Capture) else {
        return;
    };
    let Ok(mask) = vision.person_mask(&capture) else {
        return;
    };
    let whole = Rect::new(0.0, 0.0, capture.width() as f32, capture.height() as f32);
    let Ok(head) = measure_head(&analysis, &mask, whole, &chsi, &settings) else {
        return;
    };
    let size = SizePx::new(capture.width(), capture.height());
    let Ok(plan) = plan_crop(&head, size, &chsi, &settings) else {
        return;
    };
    let Ok(photo) = render_photo(&capture, &plan) else {
        return;
    };
    let Ok(photo_mask) = mask_to_photo(&mask, whole, &plan) else {
        return;
    };
    let Ok(composed) = replace_background(&photo, &photo_mask, Rgb8::CHSI_BLUE) else {
        return;
    };

    c.bench_function("decode_1350_jpeg", |b| {
        b.iter(|| vision::decode_image(black_box(&bytes)).ok())
    });
    c.bench_function("crown_and_solve_chsi", |b| {
        b.iter(|| {
            measure_head(black_box(&analysis), &mask, whole, &chsi, &settings)
                .ok()
                .and_then(|head| plan_crop(&head, size, &chsi, &settings).ok())
        });
    });
    c.bench_function("render_crop_480x640", |b| {
        b.iter(|| render_photo(black_box(&capture), &plan).ok())
    });
    c.bench_function("composite_480x640", |b| {
        b.iter(|| replace_background(black_box(&photo), &photo_mask, Rgb8::CHSI_BLUE).ok());
    });
    c.bench_function("encode_quality_search_chsi", |b| {
        b.iter(|| encode_photo(black_box(&composed), &chsi).ok())
    });
    c.bench_function("reanalyze_480x640_photo", |b| {
        b.iter(|| {
            vision
                .analyze(black_box(&composed), AnalyzeMode::Capture)
                .ok()
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
