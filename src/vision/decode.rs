//! Decoding untrusted image files into 8-bit RGB with hard limits: the size of the file, the pixel
//! count read from the header before any pixel is decoded, and the decoder's allocation budget.
//! Applies the EXIF orientation so phone photos come out upright. Owns no inference.

use std::io::{Cursor, Read};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use super::VisionError;

/// Largest image vision accepts, in pixels (issue 3: "images over 40 megapixels get a clear error").
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// Smallest side, in pixels, of an image vision analyses: below this no face can be measured.
pub const MIN_IMAGE_SIDE_PX: u32 = 32;

/// Largest file accepted: a 40-megapixel photo is well under this as JPEG or 8-bit PNG.
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// Longest side accepted from a header: guards against 1 x 40 000 000 strips.
pub const MAX_IMAGE_SIDE_PX: u32 = 20_000;

/// Decoder allocation budget: a 40-megapixel 16-bit RGBA image (8 bytes a pixel) plus decoder slack.
const MAX_DECODE_ALLOC_BYTES: u64 = MAX_IMAGE_PIXELS * 8 + 64 * 1024 * 1024;

/// Reads and decodes an image file (JPEG or PNG, any bit depth or colour model) into 8-bit RGB.
pub fn load_image(path: &Path) -> Result<RgbImage, VisionError> {
    let io_error = |source| VisionError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let bytes_on_disk = file.metadata().map_err(io_error)?.len();
    if bytes_on_disk > MAX_FILE_BYTES {
        return Err(VisionError::FileTooLarge {
            bytes: bytes_on_disk,
            max_bytes: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(bytes_on_disk as usize);
    // `take` bounds the read even if the file grows after the size check.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    decode_image(&bytes)
}

/// Decodes an in-memory image (JPEG or PNG) into 8-bit RGB, enforcing every limit of this module.
pub fn decode_image(bytes: &[u8]) -> Result<RgbImage, VisionError> {
    if bytes.is_empty() {
        return Err(VisionError::EmptyFile);
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(VisionError::FileTooLarge {
            bytes: bytes.len() as u64,
            max_bytes: MAX_FILE_BYTES,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| VisionError::Decode {
            reason: error.to_string(),
        })?;
    let Some(format) = reader.format() else {
        return Err(VisionError::UnsupportedFormat);
    };
    // Both decoders quietly return a partly grey image for a cut-off file: refuse it instead, so
    // an operator hears "truncated" rather than a puzzling verdict on half a photo.
    if !is_complete(format, bytes) {
        return Err(VisionError::Decode {
            reason: "the file is truncated (it ends before the end-of-image marker)".to_owned(),
        });
    }
    reader.limits(decode_limits());
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let orientation = decoder.orientation().map_err(decode_error)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(into_rgb8(image))
}

/// Checks that an image of `width` x `height` is within the limits vision analyses.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), VisionError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_IMAGE_PIXELS || width > MAX_IMAGE_SIDE_PX || height > MAX_IMAGE_SIDE_PX {
        return Err(VisionError::ImageTooLarge {
            width,
            height,
            max_megapixels: (MAX_IMAGE_PIXELS / 1_000_000) as u32,
        });
    }
    if width < MIN_IMAGE_SIDE_PX || height < MIN_IMAGE_SIDE_PX {
        return Err(VisionError::ImageTooSmall {
            width,
            height,
            min_side_px: MIN_IMAGE_SIDE_PX,
        });
    }
    Ok(())
}

/// Whether a JPEG or PNG file holds its whole image: its structure is walked to the end-of-image
/// marker (JPEG EOI, PNG IEND); bytes after that marker (camera trailers) are ignored. Other
/// formats are left to their decoder.
fn is_complete(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        ImageFormat::Jpeg => jpeg_reaches_end_marker(bytes),
        ImageFormat::Png => png_reaches_end_chunk(bytes),
        _ => true,
    }
}

/// Walks JPEG marker segments (ISO/IEC 10918-1 B.1): length-prefixed segments, and after each
/// start-of-scan the entropy-coded data, where 0xFF is followed only by 0x00 (stuffing) or a
/// restart marker.
fn jpeg_reaches_end_marker(bytes: &[u8]) -> bool {
    const SOI: u8 = 0xD8;
    const EOI: u8 = 0xD9;
    const SOS: u8 = 0xDA;
    const TEM: u8 = 0x01;
    const RST: std::ops::RangeInclusive<u8> = 0xD0..=0xD7;
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != SOI {
        return false;
    }
    let mut at = 2;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        if marker == EOI {
            return true;
        }
        if marker == TEM || RST.contains(&marker) {
            at += 2;
            continue;
        }
        let Some(length) = bytes.get(at + 2..at + 4) else {
            return false;
        };
        at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
        if marker == SOS {
            // Skip entropy-coded data up to the next real marker.
            while at + 1 < bytes.len()
                && !(bytes[at] == 0xFF && bytes[at + 1] != 0x00 && !RST.contains(&bytes[at + 1]))
            {
                at += 1;
            }
        }
    }
    false
}

/// Walks PNG chunks (length, type, data, CRC) from the signature to IEND.
fn png_reaches_end_chunk(bytes: &[u8]) -> bool {
    const SIGNATURE_LEN: usize = 8;
    const CHUNK_OVERHEAD: usize = 12;
    let mut at = SIGNATURE_LEN;
    while let Some(header) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let end = at.saturating_add(CHUNK_OVERHEAD).saturating_add(length);
        if end > bytes.len() {
            return false;
        }
        if &header[4..8] == b"IEND" {
            return true;
        }
        at = end;
    }
    false
}

fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE_PX);
    limits.max_image_height = Some(MAX_IMAGE_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_ALLOC_BYTES);
    limits
}

fn decode_error(error: image::ImageError) -> VisionError {
    match error {
        image::ImageError::Unsupported(_) => VisionError::UnsupportedFormat,
        image::ImageError::Limits(_) => VisionError::Decode {
            reason: format!("the image exceeds the decoder limits ({error})"),
        },
        other => VisionError::Decode {
            reason: other.to_string(),
        },
    }
}

/// Converts any colour model and bit depth to 8-bit RGB; alpha is composited over white (a
/// transparent background in a submitted photo is read as the white a printer would show).
fn into_rgb8(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = RgbImage::new(width, height);
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u16::from(pixel[3]);
        for channel in 0..3 {
            let value = u16::from(pixel[channel]);
            out[channel] = ((value * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_bytes_are_clear_errors() {
        assert!(matches!(decode_image(&[]), Err(VisionError::EmptyFile)));
        assert!(matches!(
            decode_image(b"definitely not an image"),
            Err(VisionError::UnsupportedFormat)
        ));
    }

    #[test]
    fn dimensions_outside_the_limits_are_refused() {
        assert!(check_dimensions(1350, 1350).is_ok());
        assert!(matches!(
            check_dimensions(1, 1),
            Err(VisionError::ImageTooSmall { .. })
        ));
        assert!(matches!(
            check_dimensions(8000, 6000),
            Err(VisionError::ImageTooLarge { .. })
        ));
        assert!(matches!(
            check_dimensions(40_000, 40),
            Err(VisionError::ImageTooLarge { .. })
        ));
    }

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let img = RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        img.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn complete_files_pass_the_structure_walk_and_cut_ones_do_not() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let bytes = encoded(format);
            assert!(is_complete(format, &bytes), "{format:?}");
            // Trailing bytes after the end marker (camera trailers) are fine.
            let mut trailer = bytes.clone();
            trailer.extend_from_slice(b"\xFF\xDA trailer without end marker");
            assert!(is_complete(format, &trailer), "{format:?} with trailer");
            for keep in [3, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
                assert!(
                    !is_complete(format, &bytes[..keep]),
                    "{format:?} cut to {keep}"
                );
            }
            assert!(matches!(
                decode_image(&bytes[..bytes.len() - 1]),
                Err(VisionError::Decode { .. })
            ));
        }
    }

    #[test]
    fn transparent_pixels_become_white() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([10, 20, 30, 0]));
        rgba.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let rgb = into_rgb8(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [10, 20, 30]);
    }
}
