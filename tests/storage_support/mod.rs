//! Shared helpers of the storage integration tests: real fixture photos turned into standardized-size
//! JPEGs, capture builders, the reason catalog and student numbers.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use idbooth::core::record::{Consent, ReasonCatalog, ReasonText, StudentNo, StudentNoRule};
use idbooth::storage::{NewCapture, Submission};

/// 2025-09-03 01:30 +08:00, a Wednesday in the first week of term.
pub const T0: i64 = 1_756_834_200;
pub const CHINA_UTC_OFFSET_S: i32 = 8 * 3600;
pub const RULE: StudentNoRule = StudentNoRule {
    min_len: 4,
    max_len: 20,
    digits_only: false,
};
pub const PROFILE: &str = "campus_card";
/// Standardized photo size of the campus-card profile (1-inch at 300 dpi).
const PHOTO_WIDTH_PX: u32 = 295;
const PHOTO_HEIGHT_PX: u32 = 413;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    match std::fs::read(fixture_path(name)) {
        Ok(bytes) => bytes,
        Err(e) => panic!("fixture {name}: {e}"),
    }
}

/// A real face photo cropped and scaled to the profile size and JPEG-encoded, like the standardizer's
/// output.
pub fn standardized_photo(name: &str) -> Vec<u8> {
    let decoded = match image::load_from_memory(&fixture(name)) {
        Ok(image) => image,
        Err(e) => panic!("decode {name}: {e}"),
    };
    let (width, height) = (decoded.width(), decoded.height());
    let crop_width = (height * PHOTO_WIDTH_PX / PHOTO_HEIGHT_PX).min(width);
    let cropped = decoded.crop_imm((width - crop_width) / 2, 0, crop_width, height);
    let scaled = cropped.resize_exact(
        PHOTO_WIDTH_PX,
        PHOTO_HEIGHT_PX,
        image::imageops::FilterType::Triangle,
    );
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    if let Err(e) = scaled.to_rgb8().write_with_encoder(encoder) {
        panic!("encode {name}: {e}");
    }
    out
}

/// Child processes of the reliability tests read the parent's photos from this directory instead of
/// decoding and scaling the fixtures again on every start.
pub const PHOTO_CACHE_ENV: &str = "IDBOOTH_STORAGE_TEST_PHOTOS";
const PHOTO_FIXTURES: [&str; 3] = [
    "good_london_001_neutral.jpg",
    "good_london_003_neutral.jpg",
    "good_london_006_neutral.jpg",
];

/// The standardized photos of three real fixture faces, made once per test binary.
pub fn photos() -> &'static [Vec<u8>; 3] {
    static PHOTOS: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
    PHOTOS.get_or_init(|| {
        let cached = std::env::var_os(PHOTO_CACHE_ENV).map(PathBuf::from);
        PHOTO_FIXTURES.map(|name| match &cached {
            Some(dir) => {
                std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("cached {name}: {e}"))
            }
            None => standardized_photo(name),
        })
    })
}

/// Writes [`photos`] into `dir` for child processes (see [`PHOTO_CACHE_ENV`]).
pub fn cache_photos(dir: &std::path::Path) -> std::io::Result<()> {
    for (name, photo) in PHOTO_FIXTURES.iter().zip(photos()) {
        std::fs::write(dir.join(name), photo)?;
    }
    Ok(())
}

/// A capture whose photo is one of the fixture photos and whose original is a real camera-sized JPEG
/// with `tag` appended (so each original has its own hash, as real captures do).
pub fn capture(which: usize, tag: &str) -> NewCapture {
    static ORIGINAL: OnceLock<Vec<u8>> = OnceLock::new();
    let mut original = ORIGINAL
        .get_or_init(|| fixture("good_london_012_neutral.jpg"))
        .clone();
    original.extend_from_slice(tag.as_bytes());
    NewCapture {
        original,
        photo: photos()[which % 3].clone(),
        report_json: serde_json::json!({ "verdict": "pass", "checks": [{ "code": "eyes_closed", "ok": true }], "tag": tag })
            .to_string(),
        params_json: r#"{"profile":"campus_card","crop":[120,40,600,840],"jpeg_quality":90}"#.to_owned(),
    }
}

/// A small capture for stress loops: the photo is a fixture photo, the original a few KB.
pub fn small_capture(which: usize, tag: &str) -> NewCapture {
    let photo = photos()[which % 3].clone();
    let mut original = photo.clone();
    original.extend_from_slice(tag.as_bytes());
    NewCapture {
        original,
        photo,
        report_json: "{}".to_owned(),
        params_json: "{}".to_owned(),
    }
}

pub fn student(number: &str) -> StudentNo {
    match StudentNo::parse(number, RULE) {
        Ok(student) => student,
        Err(e) => panic!("{e}"),
    }
}

pub fn submission(number: &str) -> Submission {
    let consent = match Consent::new("consent-2025-v2", T0 - 30) {
        Ok(consent) => consent,
        Err(e) => panic!("{e}"),
    };
    Submission {
        student_no: student(number),
        profile: PROFILE.to_owned(),
        consent,
    }
}

/// The quality-check codes plus `other`, as config provides them.
pub fn catalog() -> ReasonCatalog {
    let text = |code: &str, zh: &str, en: &str| ReasonText {
        code: code.to_owned(),
        zh: zh.to_owned(),
        en: en.to_owned(),
    };
    let built = ReasonCatalog::new(vec![
        text("eyes_closed", "闭眼", "eyes closed"),
        text("background", "背景不合格", "background not plain"),
        text("glasses_glare", "眼镜反光", "glare on glasses"),
        text("other", "其他", "other"),
    ]);
    match built {
        Ok(catalog) => catalog,
        Err(e) => panic!("{e}"),
    }
}

/// A tiny deterministic generator (xorshift64*), so random kill points are reproducible from a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low).max(1)
    }
}
