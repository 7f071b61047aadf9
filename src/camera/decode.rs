//! Raw camera buffers to RGB images: MJPEG (zune-jpeg through `image`, with the standard Huffman tables
//! inserted when a webcam omits them), YUYV and NV12 (BT.601 limited range), GRAY, RGB and BGR.
//!
//! Owns pixel-format conversion only; pure functions of bytes in, image out. Must not talk to devices.

use std::borrow::Cow;

use image::{ImageFormat, RgbImage};

use super::CameraError;
use super::jpeg_tables::standard_dht_segment;
use super::mode::PixelFormat;

const RGB_CHANNELS: usize = 3;
/// YUYV packs two pixels in four bytes.
const YUYV_BYTES_PER_PIXEL: usize = 2;

/// JPEG markers (ITU-T T.81 table B.1).
const MARKER_PREFIX: u8 = 0xFF;
const SOI: u8 = 0xD8;
const SOS: u8 = 0xDA;
const DHT: u8 = 0xC4;
const TEM: u8 = 0x01;
const RST_FIRST: u8 = 0xD0;
const RST_LAST: u8 = 0xD7;

/// Decodes one raw frame of `format`. `width`/`height` are the negotiated mode; an MJPEG frame's own
/// header is authoritative for its size.
pub fn decode_frame(
    format: PixelFormat,
    width: u32,
    height: u32,
    data: &[u8],
) -> Result<RgbImage, CameraError> {
    match format {
        PixelFormat::Mjpeg => decode_mjpeg(data),
        PixelFormat::Yuyv => yuyv_to_rgb(data, width, height),
        PixelFormat::Nv12 => nv12_to_rgb(data, width, height),
        PixelFormat::Gray => gray_to_rgb(data, width, height),
        PixelFormat::Rgb => packed_rgb(data, width, height, false),
        PixelFormat::Bgr => packed_rgb(data, width, height, true),
    }
}

/// Decodes an MJPEG frame (a JPEG, possibly without Huffman tables).
pub fn decode_mjpeg(data: &[u8]) -> Result<RgbImage, CameraError> {
    let complete = with_huffman_tables(data);
    image::load_from_memory_with_format(&complete, ImageFormat::Jpeg)
        .map(image::DynamicImage::into_rgb8)
        .map_err(|e| CameraError::Decode(format!("MJPEG: {e}")))
}

/// Returns `data` unchanged when it carries a DHT segment before its first scan, else a copy with the
/// standard tables inserted right before the scan. Malformed data is returned unchanged for the decoder
/// to reject.
pub fn with_huffman_tables(data: &[u8]) -> Cow<'_, [u8]> {
    if data.len() < 2 || data[0] != MARKER_PREFIX || data[1] != SOI {
        return Cow::Borrowed(data);
    }
    let mut pos = 2;
    while pos + 1 < data.len() {
        if data[pos] != MARKER_PREFIX {
            return Cow::Borrowed(data);
        }
        let marker = data[pos + 1];
        match marker {
            MARKER_PREFIX => pos += 1, // fill byte
            DHT => return Cow::Borrowed(data),
            SOS => {
                let dht = standard_dht_segment();
                let mut complete = Vec::with_capacity(data.len() + dht.len());
                complete.extend_from_slice(&data[..pos]);
                complete.extend_from_slice(&dht);
                complete.extend_from_slice(&data[pos..]);
                return Cow::Owned(complete);
            }
            TEM | RST_FIRST..=RST_LAST => pos += 2,
            _ => {
                let Some(length) = data.get(pos + 2..pos + 4) else {
                    return Cow::Borrowed(data);
                };
                pos += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
        }
    }
    Cow::Borrowed(data)
}

/// BT.601 limited-range YCbCr to RGB in 8.8 fixed point (the integer form Microsoft documents in
/// "Converting 8-bit YUV to RGB888"; UVC webcams stream limited-range BT.601).
pub fn yuv_to_rgb(luma: u8, cb: u8, cr: u8) -> [u8; 3] {
    Chroma::new(cb, cr).apply(luma)
}

/// The chroma terms of the BT.601 equations, shared by the two or four pixels of a subsampled block.
#[derive(Debug, Clone, Copy)]
struct Chroma {
    red: i32,
    green: i32,
    blue: i32,
}

impl Chroma {
    fn new(cb: u8, cr: u8) -> Self {
        let cb = i32::from(cb) - 128;
        let cr = i32::from(cr) - 128;
        Self {
            red: 409 * cr + 128,
            green: -100 * cb - 208 * cr + 128,
            blue: 516 * cb + 128,
        }
    }

    fn apply(self, luma: u8) -> [u8; 3] {
        let luma = 298 * (i32::from(luma) - 16);
        let clamp = |fixed: i32| (fixed >> 8).clamp(0, 255) as u8;
        [
            clamp(luma + self.red),
            clamp(luma + self.green),
            clamp(luma + self.blue),
        ]
    }
}

/// Bytes per row, allowing drivers that pad rows (`bytesperline` > width * bytes per pixel).
fn row_stride(
    len: usize,
    rows: usize,
    min_stride: usize,
    what: &str,
) -> Result<usize, CameraError> {
    let needed = min_stride * rows;
    if rows == 0 || min_stride == 0 {
        return Err(CameraError::Decode(format!("{what}: empty frame size")));
    }
    if len < needed {
        return Err(CameraError::Decode(format!(
            "{what}: {len} bytes, need {needed}"
        )));
    }
    let stride = len / rows;
    Ok(if len.is_multiple_of(rows) && stride >= min_stride {
        stride
    } else {
        min_stride
    })
}

fn checked_dims(width: u32, height: u32) -> (usize, usize) {
    (width as usize, height as usize)
}

pub fn yuyv_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, CameraError> {
    let (w, h) = checked_dims(width, height);
    if w % 2 != 0 {
        return Err(CameraError::Decode(format!("YUYV: odd width {w}")));
    }
    let stride = row_stride(data.len(), h, w * YUYV_BYTES_PER_PIXEL, "YUYV")?;
    let mut rgb = vec![0_u8; w * h * RGB_CHANNELS];
    for (src_row, dst_row) in data
        .chunks(stride)
        .zip(rgb.chunks_exact_mut(w * RGB_CHANNELS))
    {
        let src_pairs = src_row[..w * YUYV_BYTES_PER_PIXEL].chunks_exact(4);
        for (quad, dst) in src_pairs.zip(dst_row.chunks_exact_mut(2 * RGB_CHANNELS)) {
            let chroma = Chroma::new(quad[1], quad[3]);
            dst[..3].copy_from_slice(&chroma.apply(quad[0]));
            dst[3..].copy_from_slice(&chroma.apply(quad[2]));
        }
    }
    image_from(width, height, rgb)
}

pub fn nv12_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, CameraError> {
    let (w, h) = checked_dims(width, height);
    if w % 2 != 0 || h % 2 != 0 {
        return Err(CameraError::Decode(format!("NV12: odd size {w}x{h}")));
    }
    // Y plane of h rows plus an interleaved UV plane of h/2 rows, both with the same stride.
    let stride = row_stride(data.len(), h + h / 2, w, "NV12")?;
    let (y_plane, uv_plane) = data.split_at(stride * h);
    let mut rgb = vec![0_u8; w * h * RGB_CHANNELS];
    for (row, dst_row) in rgb.chunks_exact_mut(w * RGB_CHANNELS).enumerate() {
        let y_row = &y_plane[row * stride..row * stride + w];
        let uv_row = &uv_plane[(row / 2) * stride..(row / 2) * stride + w];
        let pairs = y_row.chunks_exact(2).zip(uv_row.chunks_exact(2));
        for ((lumas, uv), dst) in pairs.zip(dst_row.chunks_exact_mut(2 * RGB_CHANNELS)) {
            let chroma = Chroma::new(uv[0], uv[1]);
            dst[..3].copy_from_slice(&chroma.apply(lumas[0]));
            dst[3..].copy_from_slice(&chroma.apply(lumas[1]));
        }
    }
    image_from(width, height, rgb)
}

fn gray_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, CameraError> {
    let (w, h) = checked_dims(width, height);
    let stride = row_stride(data.len(), h, w, "GRAY")?;
    let mut rgb = Vec::with_capacity(w * h * RGB_CHANNELS);
    for row in data.chunks(stride).take(h) {
        for &luma in &row[..w] {
            rgb.extend_from_slice(&[luma, luma, luma]);
        }
    }
    image_from(width, height, rgb)
}

fn packed_rgb(
    data: &[u8],
    width: u32,
    height: u32,
    swap_red_blue: bool,
) -> Result<RgbImage, CameraError> {
    let (w, h) = checked_dims(width, height);
    let stride = row_stride(data.len(), h, w * RGB_CHANNELS, "RGB")?;
    let mut rgb = Vec::with_capacity(w * h * RGB_CHANNELS);
    for row in data.chunks(stride).take(h) {
        rgb.extend_from_slice(&row[..w * RGB_CHANNELS]);
    }
    if swap_red_blue {
        rgb.chunks_exact_mut(RGB_CHANNELS)
            .for_each(|px| px.swap(0, 2));
    }
    image_from(width, height, rgb)
}

fn image_from(width: u32, height: u32, rgb: Vec<u8>) -> Result<RgbImage, CameraError> {
    RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| CameraError::Decode(format!("buffer does not hold {width}x{height} RGB")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;

    #[test]
    fn bt601_known_values() {
        // Limited-range black, white and the BT.601 primaries (Y, Cb, Cr from ITU-R BT.601 section 2.5).
        assert_eq!(yuv_to_rgb(16, 128, 128), [0, 0, 0]);
        assert_eq!(yuv_to_rgb(235, 128, 128), [255, 255, 255]);
        assert_eq!(yuv_to_rgb(126, 128, 128), [128, 128, 128]);
        // The primaries' Y, Cb, Cr are rounded to integers, so allow one level of error.
        let close =
            |got: [u8; 3], want: [u8; 3]| got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 1);
        assert!(close(yuv_to_rgb(81, 90, 240), [255, 0, 0]));
        assert!(close(yuv_to_rgb(145, 54, 34), [0, 255, 0]));
        assert!(close(yuv_to_rgb(41, 240, 110), [0, 0, 255]));
        // A skin tone away from the clamps, against the floating-point BT.601 equations
        // (R = 1.164(Y-16) + 1.596(Cr-128) = 207.05, G = 137.0, B = 119.66).
        assert_eq!(yuv_to_rgb(150, 110, 160), [207, 137, 120]);
    }

    #[test]
    fn yuyv_pairs_share_chroma_and_padded_rows_are_skipped() {
        // 2x2 image, rows padded to 6 bytes: red pair on top, black/white pair below.
        let data = [81, 90, 81, 240, 0xAA, 0xAA, 16, 128, 235, 128, 0xAA, 0xAA];
        let rgb = yuyv_to_rgb(&data, 2, 2).map(RgbImage::into_raw).ok();
        assert_eq!(
            rgb,
            Some(vec![255, 0, 0, 255, 0, 0, 0, 0, 0, 255, 255, 255])
        );
    }

    #[test]
    fn nv12_uses_one_chroma_sample_per_2x2_block() {
        // 2x2: Y plane then one UV pair (blue).
        let data = [41, 41, 41, 41, 240, 110];
        let rgb = nv12_to_rgb(&data, 2, 2).map(RgbImage::into_raw).ok();
        assert_eq!(rgb, Some([0, 0, 255].repeat(4)));
    }

    #[test]
    fn short_buffers_are_errors_not_panics() {
        assert!(yuyv_to_rgb(&[0; 7], 2, 2).is_err());
        assert!(nv12_to_rgb(&[0; 5], 2, 2).is_err());
        assert!(decode_frame(PixelFormat::Rgb, 2, 2, &[0; 11]).is_err());
        assert!(decode_frame(PixelFormat::Gray, 0, 2, &[]).is_err());
        assert!(decode_mjpeg(&[0xFF, 0xD8, 0xFF]).is_err());
        assert!(decode_mjpeg(&[]).is_err());
    }

    #[test]
    fn bgr_and_gray_expand_to_rgb() {
        let bgr = decode_frame(PixelFormat::Bgr, 1, 1, &[1, 2, 3])
            .map(RgbImage::into_raw)
            .ok();
        assert_eq!(bgr, Some(vec![3, 2, 1]));
        let gray = decode_frame(PixelFormat::Gray, 2, 1, &[7, 9])
            .map(RgbImage::into_raw)
            .ok();
        assert_eq!(gray, Some(vec![7, 7, 7, 9, 9, 9]));
    }

    /// Removes every DHT segment, as webcams that rely on the default tables send their frames.
    fn strip_dht(jpeg: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        let mut pos = 2;
        while pos + 4 <= jpeg.len() && jpeg[pos + 1] != SOS {
            let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
            if jpeg[pos + 1] != DHT {
                out.extend_from_slice(&jpeg[pos..pos + 2 + len]);
            }
            pos += 2 + len;
        }
        out.extend_from_slice(&jpeg[pos..]);
        out
    }

    #[test]
    fn mjpeg_without_huffman_tables_decodes_like_the_original() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/faces/good_london_045_neutral.jpg"
        );
        let photo = image::open(path).map(image::DynamicImage::into_rgb8).ok();
        let Some(photo) = photo else {
            panic!("fixture {path} unreadable")
        };
        let mut jpeg = Vec::new();
        let encoded = JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&photo);
        assert!(encoded.is_ok());
        let stripped = strip_dht(&jpeg);
        assert!(
            stripped.len() < jpeg.len(),
            "the encoder wrote DHT segments"
        );
        assert!(matches!(with_huffman_tables(&stripped), Cow::Owned(_)));
        let original = decode_mjpeg(&jpeg).ok();
        let repaired = decode_mjpeg(&stripped).ok();
        assert!(original.is_some());
        assert_eq!(original, repaired);
        assert!(matches!(with_huffman_tables(&jpeg), Cow::Borrowed(_)));
    }
}
