//! Shared helpers of the print tests: rendering PDFs with poppler and measuring photos on the raster.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use idbooth::core::record::{Actor, Consent, RecordId, StudentNo, StudentNoRule};
use idbooth::core::spec::{MM_PER_INCH, PhotoSpec, builtin_profiles};
use idbooth::print::layout::RectMm;
use idbooth::storage::{ColumnMap, NewCapture, RosterImportOptions, Store, Submission};
use image::{DynamicImage, GenericImageView, ImageEncoder, RgbImage};

/// Render resolution of the checks.
pub const RENDER_DPI: f32 = 300.0;
/// Allowed error of a printed photo's size (issue 9).
pub const SIZE_TOLERANCE_MM: f32 = 0.2;
/// Darker than this (0–255) on every channel counts as ink.
pub const INK_THRESHOLD: u8 = 128;
/// Brighter than this on every channel counts as bare paper.
pub const PAPER_THRESHOLD: u8 = 235;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name)
}

pub fn profile(name: &str) -> PhotoSpec {
    builtin_profiles()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
}

/// A real photo cropped to the profile's aspect and resized to its pixel size. Use a fixture with a dark,
/// busy background (foliage, low key) so the photo's edges show on white paper.
pub fn profile_photo(fixture_name: &str, spec: &PhotoSpec) -> RgbImage {
    let source = image::open(fixture(fixture_name)).unwrap();
    let (width, height) = source.dimensions();
    let aspect = spec.width_px as f32 / spec.height_px as f32;
    let crop_width = (height as f32 * aspect).min(width as f32) as u32;
    let crop_height = (crop_width as f32 / aspect) as u32;
    source
        .crop_imm(
            (width - crop_width) / 2,
            (height - crop_height) / 2,
            crop_width,
            crop_height,
        )
        .resize_exact(
            spec.width_px,
            spec.height_px,
            image::imageops::FilterType::Lanczos3,
        )
        .to_rgb8()
}

pub fn jpeg_bytes(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

pub fn png_bytes(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// Runs a poppler tool; a missing tool or a failure fails the test with the reason.
pub fn run(tool: &str, args: &[&str]) -> std::process::Output {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("{tool} is needed for this test (apt-get install poppler-utils): {error}")
        });
    assert!(
        output.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The first page rendered at [`RENDER_DPI`], written next to the PDF as PNG.
pub fn render_page(pdf: &Path) -> DynamicImage {
    let prefix = pdf.with_extension("");
    run(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-png",
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    image::open(prefix.with_extension("png")).unwrap()
}

pub fn px(mm: f32) -> f32 {
    mm * RENDER_DPI / MM_PER_INCH
}

pub fn is_paper(page: &DynamicImage, x: u32, y: u32) -> bool {
    page.get_pixel(x, y).0[..3]
        .iter()
        .all(|&c| c > PAPER_THRESHOLD)
}

pub fn is_ink(page: &DynamicImage, x_mm: f32, y_mm: f32) -> bool {
    let pixel = page.get_pixel(px(x_mm) as u32, px(y_mm) as u32);
    pixel.0[..3].iter().all(|&c| c < INK_THRESHOLD)
}

/// Length in mm of the non-paper run through (x, y) along one axis; a run ends at 3 paper pixels in a row.
pub fn run_length_mm(page: &DynamicImage, x: u32, y: u32, horizontal: bool) -> f32 {
    let limit = if horizontal {
        page.width()
    } else {
        page.height()
    };
    let start = if horizontal { x } else { y };
    let at = |i: u32| {
        if horizontal {
            is_paper(page, i, y)
        } else {
            is_paper(page, x, i)
        }
    };
    let edge = |direction: i64| {
        let mut position = i64::from(start);
        let mut paper_run = 0;
        let mut last_ink = position;
        while position >= 0 && position < i64::from(limit) && paper_run < 3 {
            if at(position as u32) {
                paper_run += 1;
            } else {
                paper_run = 0;
                last_ink = position;
            }
            position += direction;
        }
        last_ink
    };
    (edge(1) - edge(-1) + 1) as f32 * MM_PER_INCH / RENDER_DPI
}

/// Measures the photo drawn in `rect` (page millimetres) across three rows and three columns; asserts it
/// is `width_mm` x `height_mm` within [`SIZE_TOLERANCE_MM`].
pub fn assert_photo_size(
    page: &DynamicImage,
    rect: RectMm,
    width_mm: f32,
    height_mm: f32,
    label: &str,
) {
    let RectMm {
        x_mm,
        y_mm,
        width_mm: w,
        height_mm: h,
    } = rect;
    for fraction in [0.3, 0.5, 0.7] {
        let row = px(y_mm + h * fraction) as u32;
        let column = px(x_mm + w * fraction) as u32;
        let measured_width = run_length_mm(page, px(x_mm + w / 2.0) as u32, row, true);
        let measured_height = run_length_mm(page, column, px(y_mm + h / 2.0) as u32, false);
        assert!(
            (measured_width - width_mm).abs() <= SIZE_TOLERANCE_MM,
            "{label}: width {measured_width:.3} mm, expected {width_mm:.3} mm"
        );
        assert!(
            (measured_height - height_mm).abs() <= SIZE_TOLERANCE_MM,
            "{label}: height {measured_height:.3} mm, expected {height_mm:.3} mm"
        );
    }
}

/// 2025-09-03 09:00 +08:00, first week of term.
pub const T0: i64 = 1_756_861_200;

pub fn staff() -> Actor {
    Actor::Staff("li.wei".into())
}

/// A store with one approved one-inch record for 张伟 (2025000001); returns the store and record id.
pub fn store_with_approved_record(path: &Path) -> (Store, RecordId) {
    let mut store = Store::open(path).unwrap();
    let options = RosterImportOptions {
        mappings: vec![
            ColumnMap::parse("student_no=student_no").unwrap(),
            ColumnMap::parse("name=name").unwrap(),
        ],
        skip_bad: false,
        rule: StudentNoRule::default(),
    };
    store
        .import_roster(
            "student_no,name\n2025000001,张伟\n".as_bytes(),
            &options,
            &staff(),
            T0,
        )
        .unwrap();
    let photo = jpeg_bytes(&profile_photo(
        "bad_interfaces_066_foliage_bg.jpg",
        &profile("one_inch"),
    ));
    let submission = Submission {
        student_no: StudentNo::parse("2025000001", StudentNoRule::default()).unwrap(),
        profile: "one_inch".into(),
        consent: Consent::new("2025-09", T0).unwrap(),
    };
    let capture = NewCapture {
        original: photo.clone(),
        photo,
        report_json: "{}".into(),
        params_json: "{}".into(),
    };
    let id = store
        .create_submission(&submission, &capture, &Actor::Booth("booth-1".into()), T0)
        .unwrap();
    store.approve(id, &staff(), T0 + 60).unwrap();
    (store, id)
}
