//! Sheet PDF speed: a 6-inch sheet of 8 one-inch photos must render in ≤ 100 ms (issue 9).
//!
//! Three cases: one student's photo repeated in all 8 slots (the booth's sheet), 8 different photos (staff
//! batch printing), and the booth case including parsing the bundled font (a worker that did not cache it).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::core::spec::{PhotoSpec, builtin_profiles};
use idbooth::print::font::CaptionFonts;
use idbooth::print::layout::{SheetKind, SheetLayout, layout_for_profile};
use idbooth::print::pdf::{Caption, Fill, SheetPhoto, SheetRequest, render_pdf};
use idbooth::print::photo::PrintPhoto;
use image::ImageEncoder;

const FIXTURES: [&str; 8] = [
    "good_london_001_neutral.jpg",
    "good_london_003_neutral.jpg",
    "good_london_006_neutral.jpg",
    "good_london_012_neutral.jpg",
    "good_london_021_neutral.jpg",
    "good_london_034_neutral.jpg",
    "good_london_038_neutral.jpg",
    "good_london_043_neutral.jpg",
];

/// A standardized-size JPEG of a real face photo.
fn photo_jpeg(fixture: &str, spec: &PhotoSpec) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(fixture);
    let image = image::open(path)
        .map(|image| {
            image.resize_to_fill(
                spec.width_px,
                spec.height_px,
                image::imageops::FilterType::Triangle,
            )
        })
        .map(|image| image.to_rgb8());
    let Ok(image) = image else {
        return Vec::new();
    };
    let mut jpeg = Vec::new();
    let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92).write_image(
        image.as_raw(),
        image.width(),
        image.height(),
        image::ExtendedColorType::Rgb8,
    );
    if encoded.is_err() {
        return Vec::new();
    }
    jpeg
}

fn sheet_photo(bytes: Vec<u8>, spec: &PhotoSpec, index: usize) -> Option<SheetPhoto> {
    Some(SheetPhoto {
        photo: PrintPhoto::for_profile(bytes, spec).ok()?,
        caption: Some(Caption {
            name: "张伟".into(),
            student_no: format!("20240100{index:02}"),
        }),
    })
}

fn request<'a>(layout: &'a SheetLayout, photos: &'a [SheetPhoto], fill: Fill) -> SheetRequest<'a> {
    SheetRequest {
        layout,
        photos,
        fill,
        copies: 1,
        title: "bench",
    }
}

fn six_inch_sheet(c: &mut Criterion) {
    let Some(spec) = builtin_profiles()
        .into_iter()
        .find(|p| p.name == "one_inch")
    else {
        return;
    };
    let (Ok(layout), Ok(fonts)) = (
        layout_for_profile(SheetKind::SixInch, &spec, true),
        CaptionFonts::bundled(),
    ) else {
        return;
    };
    let jpegs: Vec<Vec<u8>> = FIXTURES
        .iter()
        .map(|name| photo_jpeg(name, &spec))
        .collect();
    let Some(one) = sheet_photo(jpegs[0].clone(), &spec, 0) else {
        return;
    };
    let eight: Vec<SheetPhoto> = jpegs
        .iter()
        .enumerate()
        .filter_map(|(i, bytes)| sheet_photo(bytes.clone(), &spec, i))
        .collect();
    let repeat = [one];

    c.bench_function("six_inch_8_photos_repeat", |b| {
        b.iter(|| {
            render_pdf(black_box(&request(&layout, &repeat, Fill::Repeat)), &fonts)
                .map(|pdf| pdf.len())
        });
    });
    c.bench_function("six_inch_8_distinct_photos", |b| {
        b.iter(|| {
            render_pdf(
                black_box(&request(&layout, &eight, Fill::OnePerSlot)),
                &fonts,
            )
            .map(|pdf| pdf.len())
        });
    });
    c.bench_function("six_inch_8_photos_with_photo_check_and_font_load", |b| {
        b.iter(|| {
            let fonts = CaptionFonts::bundled().ok()?;
            let photo = sheet_photo(black_box(jpegs[0].clone()), &spec, 0)?;
            let photos = [photo];
            let request = SheetRequest {
                layout: &layout,
                photos: &photos,
                fill: Fill::Repeat,
                copies: 1,
                title: "bench",
            };
            render_pdf(&request, &fonts).ok().map(|pdf| pdf.len())
        });
    });
}

criterion_group!(benches, six_inch_sheet);
criterion_main!(benches);
