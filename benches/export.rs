//! Export speed: 1 000 approved photos from the SQLite store to a batch folder, with manifests, every file
//! flushed to disk and the batch recorded, must take ≤ 10 s (issue 9). Photos are real campus-card-size
//! JPEGs (358x441, ~60 KB), each one distinct like real captures.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::core::record::{Actor, Consent, StudentNo, StudentNoRule};
use idbooth::export::{
    DEFAULT_NAME_TEMPLATE, ExportOptions, ExportQuery, NameTemplate, StoreExport, export,
};
use idbooth::storage::{NewCapture, Store, Submission};
use image::ImageEncoder;

const BATCH_SIZE: u32 = 1_000;
/// 2025-09-03 09:00 +08:00.
const T0: i64 = 1_756_861_200;

fn campus_card_jpeg() -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces/good_london_001_neutral.jpg");
    let image = image::open(path)
        .ok()?
        .resize_to_fill(358, 441, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .write_image(image.as_raw(), 358, 441, image::ExtendedColorType::Rgb8)
        .ok()?;
    Some(jpeg)
}

/// The photo with a JPEG comment segment making its bytes unique.
fn unique(jpeg: &[u8], tag: u32) -> Vec<u8> {
    let comment = format!("capture {tag}");
    let length = ((comment.len() + 2) as u16).to_be_bytes();
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xFE, length[0], length[1]]);
    out.extend(comment.as_bytes());
    out.extend(&jpeg[2..]);
    out
}

/// A store holding `BATCH_SIZE` approved records.
fn approved_store(path: &Path) -> Option<Store> {
    let mut store = Store::open(path).ok()?;
    let jpeg = campus_card_jpeg()?;
    let booth = Actor::Booth("booth-1".into());
    let staff = Actor::Staff("li.wei".into());
    for i in 0..BATCH_SIZE {
        let at = T0 + i64::from(i);
        let submission = Submission {
            student_no: StudentNo::parse(&format!("2025{i:06}"), StudentNoRule::default()).ok()?,
            profile: "campus_card".into(),
            consent: Consent::new("2025-09", at).ok()?,
        };
        let photo = unique(&jpeg, i);
        let capture = NewCapture {
            original: photo.clone(),
            photo,
            report_json: "{}".into(),
            params_json: "{}".into(),
        };
        let id = store
            .create_submission(&submission, &capture, &booth, at)
            .ok()?;
        store.approve(id, &staff, at + 1).ok()?;
    }
    Some(store)
}

fn export_thousand(c: &mut Criterion) {
    let Ok(root) = tempfile::tempdir() else {
        return;
    };
    let (Some(mut store), Ok(template)) = (
        approved_store(&root.path().join("idbooth.sqlite")),
        NameTemplate::parse(DEFAULT_NAME_TEMPLATE),
    ) else {
        return;
    };
    let mut group = c.benchmark_group("export");
    group
        .sample_size(10)
        .measurement_time(Duration::from_mins(1));
    let mut run = 0i64;
    group.bench_function("1000_photos_from_store_durable", |b| {
        b.iter(|| {
            run += 1;
            let options = ExportOptions {
                destination: root.path().join(format!("batch-{run}")),
                template: template.clone(),
                // Every run re-exports all 1 000 (`--again`), as the first one would.
                query: ExportQuery {
                    again: true,
                    ..ExportQuery::default()
                },
                zip: false,
                durable: true,
            };
            let mut source =
                StoreExport::new(&mut store, Actor::Staff("li.wei".into()), T0 + 10_000 + run);
            export(&mut source, &options, &mut |_| {}).map(|summary| summary.files.len())
        });
    });
    group.finish();
}

criterion_group!(benches, export_thousand);
criterion_main!(benches);
