//! Resamples the capture (and the person mask) into photo pixels following a crop plan. Full-resolution
//! work happens only inside the crop: an upright crop is one crop+resize (fast_image_resize, Lanczos3);
//! a levelled crop resizes the crop's bounding box first and then rotates at photo resolution (bilinear).
//!
//! Owns resampling only. Never invents pixels: the solver guarantees the crop lies inside the capture, and
//! round-off beyond the edge is clamped to the nearest real pixel.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use crate::core::face::PersonMask;
use crate::core::geometry::{Point, Rect, SizePx};

use super::failure::StandardizeError;
use super::transform::CropPlan;

/// Rotation below which the crop is treated as upright (degrees): a 0.01° turn moves a 640-px-tall
/// photo's corner by 0.1 px.
const UPRIGHT_EPSILON_DEG: f32 = 0.01;
/// Smallest crop side handed to the resizer, px (a degenerate plan still resamples something).
const MIN_CROP_PX: f32 = 1e-3;
const MIN_CROP_PX_F64: f64 = 1e-3;
/// Float round-off tolerated when turning a photo-space length into whole pixels.
const ROUND_OFF_PX: f32 = 1e-3;

/// A borrowed 8-bit image with 1 or 3 channels.
struct Raster<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    channels: usize,
}

impl Raster<'_> {
    fn pixel_type(&self) -> PixelType {
        if self.channels == 1 {
            PixelType::U8
        } else {
            PixelType::U8x3
        }
    }
}

/// The capture cropped, levelled and scaled to the photo size.
pub fn render_photo(capture: &RgbImage, plan: &CropPlan) -> Result<RgbImage, StandardizeError> {
    let raster = Raster {
        data: capture.as_raw(),
        width: capture.width(),
        height: capture.height(),
        channels: 3,
    };
    let region = Rect::new(0.0, 0.0, capture.width() as f32, capture.height() as f32);
    let data = resample(&raster, region, plan)?;
    RgbImage::from_raw(plan.photo_size.width, plan.photo_size.height, data)
        .ok_or_else(|| StandardizeError::Resize("photo buffer has the wrong length".into()))
}

/// A person mask covering `mask_region` (capture pixels) resampled into photo pixels.
pub fn mask_to_photo(
    mask: &PersonMask,
    mask_region: Rect,
    plan: &CropPlan,
) -> Result<PersonMask, StandardizeError> {
    if mask.alpha.len() != mask.width as usize * mask.height as usize
        || mask.width == 0
        || mask.height == 0
    {
        return Err(StandardizeError::InvalidInput(format!(
            "mask of {}x{} holds {} values",
            mask.width,
            mask.height,
            mask.alpha.len()
        )));
    }
    let raster = Raster {
        data: &mask.alpha,
        width: mask.width,
        height: mask.height,
        channels: 1,
    };
    let alpha = resample(&raster, mask_region, plan)?;
    Ok(PersonMask {
        width: plan.photo_size.width,
        height: plan.photo_size.height,
        alpha,
    })
}

/// The axis-aligned rectangle (capture pixels) holding the whole crop: what a mask-in-crop request
/// should cover.
pub fn crop_bounds(plan: &CropPlan) -> Rect {
    let xs = plan.crop_corners.map(|p| p.x);
    let ys = plan.crop_corners.map(|p| p.y);
    let min_x = xs.iter().copied().fold(f32::INFINITY, f32::min);
    let max_x = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let min_y = ys.iter().copied().fold(f32::INFINITY, f32::min);
    let max_y = ys.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    Rect::new(min_x, min_y, max_x - min_x, max_y - min_y)
}

/// The photo size a mask-in-crop request for [`crop_bounds`] should use so its pixels match the photo's.
pub fn crop_bounds_size(plan: &CropPlan) -> SizePx {
    let bounds = crop_bounds(plan);
    let scale = plan.transform.scale;
    // Round-off must not add a pixel: an upright crop of exactly the photo size stays that size.
    let side = |length: f32| (((length * scale) - ROUND_OFF_PX).ceil() as u32).max(1);
    SizePx::new(side(bounds.width), side(bounds.height))
}

/// Resamples `raster`, which covers `region` of the capture, into the photo.
fn resample(
    raster: &Raster<'_>,
    region: Rect,
    plan: &CropPlan,
) -> Result<Vec<u8>, StandardizeError> {
    if region.width <= 0.0 || region.height <= 0.0 {
        return Err(StandardizeError::InvalidInput("empty source region".into()));
    }
    let to_buffer_x = raster.width as f32 / region.width;
    let to_buffer_y = raster.height as f32 / region.height;
    let bounds = crop_bounds(plan);
    // The crop's bounding box in buffer pixels, clamped to the buffer (round-off only).
    let left = ((bounds.x - region.x) * to_buffer_x).clamp(0.0, raster.width as f32);
    let top = ((bounds.y - region.y) * to_buffer_y).clamp(0.0, raster.height as f32);
    let right = ((bounds.right() - region.x) * to_buffer_x).clamp(left, raster.width as f32);
    let bottom = ((bounds.bottom() - region.y) * to_buffer_y).clamp(top, raster.height as f32);
    let box_in_buffer = Rect::new(
        left,
        top,
        (right - left).max(MIN_CROP_PX),
        (bottom - top).max(MIN_CROP_PX),
    );
    let photo = plan.photo_size;
    if plan.transform.rotation_deg.abs() < UPRIGHT_EPSILON_DEG {
        return resize_region(raster, box_in_buffer, photo);
    }
    // Levelled crop: bring the bounding box to photo resolution, then rotate with bilinear sampling.
    let photo_per_buffer_x = plan.transform.scale / to_buffer_x;
    let photo_per_buffer_y = plan.transform.scale / to_buffer_y;
    let mid = SizePx::new(
        ((box_in_buffer.width * photo_per_buffer_x).ceil() as u32).max(1),
        ((box_in_buffer.height * photo_per_buffer_y).ceil() as u32).max(1),
    );
    let resized = resize_region(raster, box_in_buffer, mid)?;
    let mid_x = mid.width as f32 / box_in_buffer.width;
    let mid_y = mid.height as f32 / box_in_buffer.height;
    let mid_raster = Raster {
        data: &resized,
        width: mid.width,
        height: mid.height,
        channels: raster.channels,
    };
    let mut out = vec![0_u8; photo.width as usize * photo.height as usize * raster.channels];
    for (index, pixel) in out.chunks_exact_mut(raster.channels).enumerate() {
        let (x, y) = (index % photo.width as usize, index / photo.width as usize);
        let capture = plan
            .transform
            .to_capture(Point::new(x as f32 + 0.5, y as f32 + 0.5));
        let bx = ((capture.x - region.x) * to_buffer_x - box_in_buffer.x) * mid_x - 0.5;
        let by = ((capture.y - region.y) * to_buffer_y - box_in_buffer.y) * mid_y - 0.5;
        bilinear_into(&mid_raster, bx, by, pixel);
    }
    Ok(out)
}

/// Crops `crop` (buffer pixels) out of the raster and resizes it to `size` (Lanczos3).
fn resize_region(
    raster: &Raster<'_>,
    crop: Rect,
    size: SizePx,
) -> Result<Vec<u8>, StandardizeError> {
    let source = ImageRef::new(
        raster.width,
        raster.height,
        raster.data,
        raster.pixel_type(),
    )
    .map_err(|error| StandardizeError::Resize(error.to_string()))?;
    let mut target = Image::new(size.width, size.height, raster.pixel_type());
    // Clamp in f64, where the resizer checks bounds: f32 round-off may not push the box past the edge.
    let (source_w, source_h) = (f64::from(raster.width), f64::from(raster.height));
    let left = f64::from(crop.x).clamp(0.0, source_w - MIN_CROP_PX_F64);
    let top = f64::from(crop.y).clamp(0.0, source_h - MIN_CROP_PX_F64);
    let width = f64::from(crop.width).clamp(MIN_CROP_PX_F64, source_w - left);
    let height = f64::from(crop.height).clamp(MIN_CROP_PX_F64, source_h - top);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(left, top, width, height);
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|error| StandardizeError::Resize(error.to_string()))?;
    Ok(target.into_vec())
}

/// Bilinear sample at continuous coordinates (pixel centres at integers), clamped to the raster.
fn bilinear_into(raster: &Raster<'_>, x: f32, y: f32, out: &mut [u8]) {
    let x = x.clamp(0.0, (raster.width - 1) as f32);
    let y = y.clamp(0.0, (raster.height - 1) as f32);
    // Truncation floors the clamped non-negative values without a call to `floorf`.
    let (x0, y0) = (x as usize, y as usize);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let x1 = (x0 + 1).min(raster.width as usize - 1);
    let y1 = (y0 + 1).min(raster.height as usize - 1);
    let stride = raster.width as usize * raster.channels;
    let at =
        |x: usize, y: usize, c: usize| f32::from(raster.data[y * stride + x * raster.channels + c]);
    for (c, value) in out.iter_mut().enumerate() {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
        let bottom = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
        // Rounds the non-negative value (the cast saturates) without a call to `roundf`.
        *value = (top * (1.0 - fy) + bottom * fy + 0.5) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::standardize::transform::{PhotoGeometry, PhotoTransform};

    fn plan(scale: f32, rotation_deg: f32, offset: Point, pivot: Point, photo: SizePx) -> CropPlan {
        let transform = PhotoTransform {
            scale,
            rotation_deg,
            pivot,
            offset,
        };
        CropPlan {
            photo_size: photo,
            transform,
            crop_corners: transform.crop_corners(photo),
            predicted: PhotoGeometry {
                crown_px: 0.0,
                eye_line_px: 0.0,
                face_width_px: 0.0,
                eye_mid_x_px: 0.0,
                chin_px: 0.0,
            },
        }
    }

    /// A capture whose pixel value encodes its column (R) and row (G) in 4-px steps.
    fn ramp(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x / 4) as u8, (y / 4) as u8, 128])
        })
    }

    #[test]
    fn upright_crop_takes_the_planned_region() {
        let capture = ramp(800, 800);
        // Scale 0.5, offset (50, 100): photo (0,0) is capture (100, 200).
        let plan = plan(
            0.5,
            0.0,
            Point::new(50.0, 100.0),
            Point::new(400.0, 400.0),
            SizePx::new(100, 120),
        );
        let photo = render_photo(&capture, &plan).unwrap();
        assert_eq!(photo.dimensions(), (100, 120));
        let p = photo.get_pixel(50, 60); // capture (201, 321)
        assert!((i32::from(p[0]) - 201 / 4).abs() <= 1, "{p:?}");
        assert!((i32::from(p[1]) - 321 / 4).abs() <= 1, "{p:?}");
    }

    #[test]
    fn rotated_crop_follows_the_transform() {
        let capture = ramp(800, 800);
        let plan = plan(
            0.5,
            10.0,
            Point::new(100.0, 100.0),
            Point::new(400.0, 400.0),
            SizePx::new(100, 120),
        );
        let photo = render_photo(&capture, &plan).unwrap();
        for (x, y) in [(10_u32, 10_u32), (50, 60), (90, 110)] {
            let capture_point = plan
                .transform
                .to_capture(Point::new(x as f32 + 0.5, y as f32 + 0.5));
            let p = photo.get_pixel(x, y);
            assert!(
                (f32::from(p[0]) - capture_point.x / 4.0).abs() <= 1.5,
                "{x},{y}: {p:?} vs {capture_point:?}"
            );
            assert!(
                (f32::from(p[1]) - capture_point.y / 4.0).abs() <= 1.5,
                "{x},{y}: {p:?} vs {capture_point:?}"
            );
        }
    }

    #[test]
    fn low_resolution_mask_maps_into_the_photo() {
        // A 100x100 mask over an 800x800 capture: person in the right half.
        let mut mask = PersonMask::filled(100, 100, 0);
        for y in 0..100 {
            for x in 50..100 {
                mask.alpha[y * 100 + x] = 255;
            }
        }
        let region = Rect::new(0.0, 0.0, 800.0, 800.0);
        // Photo covers capture x 200..600: the person boundary (x=400) is photo column 100.
        let plan = plan(
            0.5,
            0.0,
            Point::new(100.0, 100.0),
            Point::new(400.0, 400.0),
            SizePx::new(200, 100),
        );
        let photo_mask = mask_to_photo(&mask, region, &plan).unwrap();
        assert_eq!(photo_mask.get(90, 50), 0);
        assert_eq!(photo_mask.get(110, 50), 255);
    }

    #[test]
    fn malformed_mask_is_an_error_not_a_panic() {
        let mask = PersonMask {
            width: 10,
            height: 10,
            alpha: vec![0; 5],
        };
        let plan = plan(
            0.5,
            0.0,
            Point::default(),
            Point::default(),
            SizePx::new(10, 10),
        );
        assert!(mask_to_photo(&mask, Rect::new(0.0, 0.0, 10.0, 10.0), &plan).is_err());
    }
}
