//! Export speed: 1 000 approved photos to a batch folder, with manifests and every file flushed to disk,
//! must take ≤ 10 s (issue 9). Photos are real campus-card-size JPEGs (358x441, ~60 KB) held in memory,
//! so the figure is the export's own cost (naming, hashing, writing, fsync, rename).

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::export::{
    DEFAULT_NAME_TEMPLATE, ExportCandidate, ExportOptions, ExportQuery, ExportSource, ExportedBatch, NameTemplate,
    SourceError, export,
};
use image::ImageEncoder;

const BATCH_SIZE: usize = 1_000;
const FIXTURES: [&str; 4] = [
    "good_london_001_neutral.jpg",
    "good_london_003_neutral.jpg",
    "good_london_006_neutral.jpg",
    "good_london_012_neutral.jpg",
];

struct BenchSource {
    candidates: Vec<ExportCandidate>,
    photos: Vec<Vec<u8>>,
}

impl ExportSource for BenchSource {
    fn candidates(&self, _query: &ExportQuery) -> Result<Vec<ExportCandidate>, SourceError> {
        Ok(self.candidates.clone())
    }

    fn photo(&self, record_id: i64) -> Result<Vec<u8>, SourceError> {
        Ok(self.photos[record_id as usize % self.photos.len()].clone())
    }

    fn record_batch(&mut self, batch: &ExportedBatch) -> Result<i64, SourceError> {
        Ok(batch.files.len() as i64)
    }
}

fn campus_card_jpeg(fixture: &str) -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faces").join(fixture);
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

fn export_thousand(c: &mut Criterion) {
    let photos: Vec<Vec<u8>> = FIXTURES.iter().filter_map(|f| campus_card_jpeg(f)).collect();
    let Ok(template) = NameTemplate::parse(DEFAULT_NAME_TEMPLATE) else {
        return;
    };
    let Ok(root) = tempfile::tempdir() else {
        return;
    };
    let mut source = BenchSource {
        candidates: (0..BATCH_SIZE)
            .map(|i| ExportCandidate {
                record_id: i as i64,
                student_no: format!("2024{i:06}"),
                name: Some("张伟".into()),
                id_number: None,
                profile: "campus_card".into(),
                approved_at_unix_s: 1_725_000_000 + i as i64,
            })
            .collect(),
        photos,
    };
    let mut group = c.benchmark_group("export");
    group.sample_size(10).measurement_time(Duration::from_secs(40));
    let mut run = 0u32;
    group.bench_function("1000_photos_durable", |b| {
        b.iter(|| {
            run += 1;
            let options = ExportOptions {
                destination: root.path().join(format!("batch-{run}")),
                template: template.clone(),
                query: ExportQuery::default(),
                zip: false,
                durable: true,
            };
            export(&mut source, &options, &mut |_| {}).map(|summary| summary.files.len())
        });
    });
    group.finish();
}

criterion_group!(benches, export_thousand);
criterion_main!(benches);
