//! Untrusted image input: every malformed, exotic or oversized file becomes a clear error or a
//! correct 8-bit RGB image, never a panic and never an unbounded allocation; the analysis refuses
//! images it cannot measure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::io::Cursor;
use std::path::{Path, PathBuf};

use idbooth::vision::{self, AnalyzeMode, Vision, VisionError};
use image::{ImageEncoder, RgbImage};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn png_bytes(encode: impl FnOnce(image::codecs::png::PngEncoder<&mut Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut cursor = Cursor::new(Vec::new());
    encode(image::codecs::png::PngEncoder::new(&mut cursor));
    cursor.into_inner()
}

#[test]
fn empty_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.jpg");
    std::fs::write(&path, b"").unwrap();
    let error = vision::load_image(&path).unwrap_err();
    assert!(matches!(error, VisionError::EmptyFile), "{error}");
    assert_eq!(error.to_string(), "the image file is empty");
}

#[test]
fn missing_file_names_the_path() {
    let error = vision::load_image(Path::new("/nonexistent/photo.jpg")).unwrap_err();
    assert!(matches!(error, VisionError::Io { .. }));
    assert!(
        error.to_string().contains("/nonexistent/photo.jpg"),
        "{error}"
    );
}

#[test]
fn one_pixel_image_is_refused_as_too_small() {
    let bytes = png_bytes(|encoder| {
        encoder
            .write_image(&[10, 20, 30], 1, 1, image::ExtendedColorType::Rgb8)
            .unwrap();
    });
    let error = vision::decode_image(&bytes).unwrap_err();
    assert!(
        matches!(
            error,
            VisionError::ImageTooSmall {
                width: 1,
                height: 1,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn greyscale_jpeg_becomes_rgb() {
    let img = vision::load_image(&fixture("faces/derived/bad_grayscale_london_006.jpg")).unwrap();
    assert_eq!(img.dimensions(), (1350, 1350));
    let pixel = img.get_pixel(675, 675);
    assert_eq!(pixel[0], pixel[1]);
    assert_eq!(pixel[1], pixel[2]);
}

#[test]
fn sixteen_bit_png_is_scaled_to_eight_bits() {
    let (width, height) = (64u32, 48u32);
    let mut samples = Vec::new();
    for _ in 0..height {
        for x in 0..width {
            // Red ramps across, green is constant 0x8080 (= 128 in 8 bits), blue is full.
            let red = (x * 65535 / (width - 1)) as u16;
            samples.extend([red, 0x8080, 0xFFFF]);
        }
    }
    // ImageEncoder takes 16-bit samples in native byte order.
    let native: Vec<u8> = samples.iter().flat_map(|s| s.to_ne_bytes()).collect();
    let png = png_bytes(|encoder| {
        encoder
            .write_image(&native, width, height, image::ExtendedColorType::Rgb16)
            .unwrap();
    });
    let img = vision::decode_image(&png).unwrap();
    assert_eq!(img.dimensions(), (width, height));
    assert_eq!(img.get_pixel(0, 0).0, [0, 128, 255]);
    assert_eq!(img.get_pixel(width - 1, 10).0, [255, 128, 255]);
}

#[test]
fn cmyk_jpeg_decodes_to_the_right_colours() {
    // Made with Ghostscript's jpegcmyk device from cmyk_shapes.ps: white page, a red rectangle
    // (0,1,1,0) on the left, black (0,0,0,1) top right, cyan (1,0,0,0) bottom right.
    let img = vision::load_image(&fixture("vision/cmyk_shapes.jpg")).unwrap_err_or_image();
    assert_eq!(img.dimensions(), (96, 64));
    let near = |x: u32, y: u32, want: [u8; 3]| {
        let got = img.get_pixel(x, y).0;
        let close = got
            .iter()
            .zip(want)
            .all(|(&g, w)| i32::from(g).abs_diff(i32::from(w)) <= 40);
        assert!(close, "pixel ({x},{y}) is {got:?}, expected about {want:?}");
    };
    // Converted without a colour profile (R = (1 - C)(1 - K) ...), not inverted.
    near(4, 4, [255, 255, 255]);
    near(24, 32, [255, 0, 0]);
    near(68, 16, [0, 0, 0]);
    near(68, 44, [0, 255, 255]);
}

/// `Result<RgbImage, VisionError>` helper that reports the error text on failure.
trait UnwrapImage {
    fn unwrap_err_or_image(self) -> RgbImage;
}

impl UnwrapImage for Result<RgbImage, VisionError> {
    fn unwrap_err_or_image(self) -> RgbImage {
        self.unwrap_or_else(|error| panic!("decode failed: {error}"))
    }
}

#[test]
fn truncated_files_are_decode_errors_at_every_length() {
    let bytes = std::fs::read(fixture("faces/good_london_001_neutral.jpg")).unwrap();
    for keep in [1, 2, 10, 100, 600, 5_000, bytes.len() / 2, bytes.len() - 2] {
        match vision::decode_image(&bytes[..keep]) {
            Err(VisionError::Decode { .. } | VisionError::UnsupportedFormat) => {}
            other => panic!("JPEG cut to {keep} bytes: {other:?}"),
        }
    }
    let message = vision::decode_image(&bytes[..bytes.len() / 2])
        .unwrap_err()
        .to_string();
    assert!(message.contains("truncated"), "{message}");
    let png = std::fs::read(fixture("faces/bad_codait_bryan_low_res.png")).unwrap();
    for keep in [8, 30, png.len() / 2, png.len() - 1] {
        let result = vision::decode_image(&png[..keep]);
        assert!(result.is_err(), "PNG cut to {keep} bytes decoded");
    }
}

/// CRC-32 (IEEE) as PNG chunks need it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn huge_dimensions_are_refused_from_the_header() {
    // A real 64x64 PNG whose header is patched to claim 9000x9000 (81 megapixels).
    let mut png = png_bytes(|encoder| {
        encoder
            .write_image(
                &vec![128; 64 * 64 * 3],
                64,
                64,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
    });
    png[16..20].copy_from_slice(&9000u32.to_be_bytes());
    png[20..24].copy_from_slice(&9000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let error = vision::decode_image(&png).unwrap_err();
    assert!(
        matches!(
            error,
            VisionError::ImageTooLarge {
                width: 9000,
                height: 9000,
                ..
            }
        ),
        "{error}"
    );

    // A real JPEG whose frame header claims 60000x60000.
    let mut jpeg = Vec::new();
    let small = RgbImage::from_pixel(64, 64, image::Rgb([90, 120, 150]));
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&small)
        .unwrap();
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
    let error = vision::decode_image(&jpeg).unwrap_err();
    assert!(
        matches!(
            error,
            VisionError::ImageTooLarge { .. } | VisionError::Decode { .. }
        ),
        "{error}"
    );
}

#[test]
fn analysis_refuses_images_it_cannot_measure() {
    let mut vision = Vision::load_default().unwrap();
    let tiny = RgbImage::from_pixel(1, 1, image::Rgb([0, 0, 0]));
    assert!(matches!(
        vision.analyze(&tiny, AnalyzeMode::Frame),
        Err(VisionError::ImageTooSmall { .. })
    ));
    assert!(matches!(
        vision.person_mask(&tiny),
        Err(VisionError::ImageTooSmall { .. })
    ));
    // The smallest accepted image analyses without a face and without panicking.
    let small = RgbImage::from_pixel(32, 32, image::Rgb([200, 180, 160]));
    let analysis = vision.analyze(&small, AnalyzeMode::Capture).unwrap();
    assert!(analysis.faces.is_empty());
    let mask = vision.person_mask(&small).unwrap();
    assert_eq!((mask.width, mask.height), (32, 32));
    // Very elongated frames are fine too.
    let strip = RgbImage::from_pixel(4000, 40, image::Rgb([10, 10, 10]));
    assert!(
        vision
            .analyze(&strip, AnalyzeMode::Capture)
            .unwrap()
            .faces
            .is_empty()
    );
}

#[test]
fn low_resolution_fixtures_still_analyse() {
    let mut vision = Vision::load_default().unwrap();
    for file in [
        "faces/derived/bad_low_res_120px_london_140.jpg",
        "faces/bad_codait_bryan_low_res.png",
    ] {
        let img = vision::load_image(&fixture(file)).unwrap();
        let analysis = vision.analyze(&img, AnalyzeMode::Capture).unwrap();
        assert_eq!(analysis.faces.len(), 1, "{file}");
    }
}

#[test]
fn every_real_fixture_decodes() {
    // Real-world files (progressive JPEGs, EXIF thumbnails, 16-bit and palette PNGs): the
    // completeness walk must accept all of them.
    let mut count = 0;
    for dir in ["faces", "faces/derived"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let path = entry.unwrap().path();
            let is_image = path.extension().is_some_and(|ext| {
                ["jpg", "jpeg", "png"].contains(&ext.to_string_lossy().as_ref())
            });
            if !is_image {
                continue;
            }
            let img = vision::load_image(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
            assert!(img.width() >= 100 && img.height() >= 100, "{path:?}");
            count += 1;
        }
    }
    assert!(count >= 78, "only {count} fixtures found");
}
