//! A photo as it goes onto a sheet: encoded bytes, pixel size and dpi, checked once.
//!
//! Owns the decision how a photo is embedded in a PDF without losing quality: baseline/progressive 8-bit
//! grey or RGB JPEGs go in byte for byte (`/DCTDecode` pass-through, no re-encoding); anything else (PNG,
//! CMYK, EXIF-rotated JPEGs) is decoded once and embedded losslessly (`/FlateDecode`). Knows nothing of
//! layouts or printers.

use std::io::Cursor;
use std::sync::Arc;

use ::image::codecs::jpeg::JpegDecoder;
use ::image::metadata::Orientation;
use ::image::{ExtendedColorType, ImageDecoder, ImageFormat};
use thiserror::Error;

use crate::core::spec::{MM_PER_INCH, PhotoSpec};
use crate::print::layout::SizeMm;

/// Errors reading a photo for printing.
#[derive(Debug, Error)]
pub enum PhotoError {
    #[error("the photo is not a JPEG or PNG image")]
    UnknownFormat,
    #[error("the photo cannot be decoded: {0}")]
    Decode(#[from] ::image::ImageError),
    #[error(
        "the photo is {actual_width_px}x{actual_height_px} px but profile {profile} needs {width_px}x{height_px} px (standardize it first)"
    )]
    WrongPixelSize {
        profile: String,
        width_px: u32,
        height_px: u32,
        actual_width_px: u32,
        actual_height_px: u32,
    },
    #[error("dpi {0} is not usable for printing")]
    BadDpi(u32),
}

/// How the photo's pixels are stored in the PDF.
#[derive(Debug, Clone, PartialEq)]
pub enum Embedding {
    /// The JPEG file itself becomes the image stream; `grey` selects DeviceGray over DeviceRGB.
    JpegPassThrough { grey: bool },
    /// Decoded RGB8 pixels, row-major, stored losslessly.
    Rgb8 { pixels: Arc<Vec<u8>> },
}

/// An encoded photo ready to be placed on a sheet.
#[derive(Debug, Clone)]
pub struct PrintPhoto {
    bytes: Arc<Vec<u8>>,
    width_px: u32,
    height_px: u32,
    dpi: u32,
    embedding: Embedding,
}

/// Highest dpi a printed photo may claim (the photo-spec range).
const MAX_DPI: u32 = 1200;
/// Lowest dpi a printed photo may claim (screen resolution; below it prints are visibly blocky).
const MIN_DPI: u32 = 72;

impl PrintPhoto {
    /// Reads an encoded JPEG or PNG that will print at `dpi`.
    pub fn from_bytes(bytes: Vec<u8>, dpi: u32) -> Result<Self, PhotoError> {
        if !(MIN_DPI..=MAX_DPI).contains(&dpi) {
            return Err(PhotoError::BadDpi(dpi));
        }
        let format = ::image::guess_format(&bytes).map_err(|_| PhotoError::UnknownFormat)?;
        let bytes = Arc::new(bytes);
        let pass_through = if format == ImageFormat::Jpeg {
            jpeg_pass_through(&bytes)?
        } else if format == ImageFormat::Png {
            None
        } else {
            return Err(PhotoError::UnknownFormat);
        };
        let (width_px, height_px, embedding) = match pass_through {
            Some(info) => (
                info.width_px,
                info.height_px,
                Embedding::JpegPassThrough { grey: info.grey },
            ),
            None => decode_to_rgb8(&bytes)?,
        };
        Ok(Self {
            bytes,
            width_px,
            height_px,
            dpi,
            embedding,
        })
    }

    /// Reads a photo that must be a standardized photo of `spec`: exact pixel size, printed at its dpi.
    pub fn for_profile(bytes: Vec<u8>, spec: &PhotoSpec) -> Result<Self, PhotoError> {
        let photo = Self::from_bytes(bytes, spec.dpi)?;
        if photo.width_px != spec.width_px || photo.height_px != spec.height_px {
            return Err(PhotoError::WrongPixelSize {
                profile: spec.name.clone(),
                width_px: spec.width_px,
                height_px: spec.height_px,
                actual_width_px: photo.width_px,
                actual_height_px: photo.height_px,
            });
        }
        Ok(photo)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn width_px(&self) -> u32 {
        self.width_px
    }

    pub fn height_px(&self) -> u32 {
        self.height_px
    }

    pub fn dpi(&self) -> u32 {
        self.dpi
    }

    pub fn embedding(&self) -> &Embedding {
        &self.embedding
    }

    /// The size the photo prints at: its pixels at its dpi.
    pub fn size_mm(&self) -> SizeMm {
        let mm_per_px = MM_PER_INCH / self.dpi as f32;
        SizeMm::new(
            self.width_px as f32 * mm_per_px,
            self.height_px as f32 * mm_per_px,
        )
    }

    /// Whether two photos are the same image (so a sheet embeds it once).
    pub fn same_image(&self, other: &PrintPhoto) -> bool {
        Arc::ptr_eq(&self.bytes, &other.bytes) || self.bytes == other.bytes
    }
}

/// The JPEG end-of-image marker (ITU T.81, B.1.1.3).
const JPEG_END_OF_IMAGE: [u8; 2] = [0xFF, 0xD9];

struct JpegInfo {
    width_px: u32,
    height_px: u32,
    grey: bool,
}

/// Header facts of a JPEG that PDF readers can draw exactly as it is, or `None` if it needs decoding.
fn jpeg_pass_through(bytes: &[u8]) -> Result<Option<JpegInfo>, PhotoError> {
    // A file cut short would embed as a half-grey photo: only complete files (ending in EOI) pass through;
    // the others go to the decoder, which reports them.
    if !bytes.ends_with(&JPEG_END_OF_IMAGE) {
        return Ok(None);
    }
    let mut decoder = JpegDecoder::new(Cursor::new(bytes))?;
    let (width_px, height_px) = decoder.dimensions();
    let upright = matches!(decoder.orientation()?, Orientation::NoTransforms);
    let grey = match decoder.original_color_type() {
        ExtendedColorType::L8 => true,
        ExtendedColorType::Rgb8 => false,
        _ => return Ok(None),
    };
    Ok(upright.then_some(JpegInfo {
        width_px,
        height_px,
        grey,
    }))
}

/// Decodes any supported image to upright RGB8, compositing transparency over white paper.
fn decode_to_rgb8(bytes: &[u8]) -> Result<(u32, u32, Embedding), PhotoError> {
    let mut decoder = ::image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoError::UnknownFormat)?
        .into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut image = ::image::DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let rgba = image.to_rgba8();
    let (width_px, height_px) = rgba.dimensions();
    let mut rgb = Vec::with_capacity(width_px as usize * height_px as usize * 3);
    for pixel in rgba.pixels() {
        let alpha = u16::from(pixel[3]);
        for channel in &pixel.0[..3] {
            // Blend over white: c * a + 255 * (1 - a), rounded.
            let blended = (u16::from(*channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            rgb.push(blended as u8);
        }
    }
    Ok((
        width_px,
        height_px,
        Embedding::Rgb8 {
            pixels: Arc::new(rgb),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::{ImageEncoder, RgbImage, RgbaImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| ::image::Rgb([x as u8, y as u8, 128]));
        let mut out = Vec::new();
        ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    #[test]
    fn rgb_jpeg_passes_through_and_reports_its_physical_size() {
        let photo = PrintPhoto::from_bytes(jpeg(295, 413), 300).unwrap();
        assert_eq!(
            photo.embedding(),
            &Embedding::JpegPassThrough { grey: false }
        );
        let size = photo.size_mm();
        assert!(
            (size.width_mm - 24.98).abs() < 0.01 && (size.height_mm - 34.97).abs() < 0.01,
            "{size}"
        );
    }

    #[test]
    fn transparent_png_is_decoded_over_white() {
        let image = RgbaImage::from_fn(4, 2, |x, _| {
            ::image::Rgba([0, 0, 0, if x < 2 { 0 } else { 255 }])
        });
        let mut out = Vec::new();
        ::image::codecs::png::PngEncoder::new(&mut out)
            .write_image(image.as_raw(), 4, 2, ExtendedColorType::Rgba8)
            .unwrap();
        let photo = PrintPhoto::from_bytes(out, 300).unwrap();
        let Embedding::Rgb8 { pixels } = photo.embedding() else {
            panic!("PNG must be decoded");
        };
        assert_eq!(&pixels[..3], &[255, 255, 255]);
        assert_eq!(&pixels[6..9], &[0, 0, 0]);
    }

    #[test]
    fn truncated_jpeg_is_an_error_not_a_half_photo() {
        let mut bytes = jpeg(64, 64);
        bytes.truncate(bytes.len() / 2);
        assert!(PrintPhoto::from_bytes(bytes, 300).is_err());
    }

    #[test]
    fn garbage_wrong_size_and_silly_dpi_are_refused() {
        assert!(matches!(
            PrintPhoto::from_bytes(b"not an image".to_vec(), 300),
            Err(PhotoError::UnknownFormat)
        ));
        assert!(matches!(
            PrintPhoto::from_bytes(jpeg(10, 10), 5),
            Err(PhotoError::BadDpi(5))
        ));
        let spec = crate::core::spec::builtin_profiles().remove(0);
        let error = PrintPhoto::for_profile(jpeg(300, 400), &spec).unwrap_err();
        assert!(error.to_string().contains("300x400 px"), "{error}");
    }
}
