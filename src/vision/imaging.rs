//! Image plumbing for the models: the model inputs are cut exactly as MediaPipe's
//! `ImageToTensorCalculator` cuts them (rotated rectangle, bilinear, no prefilter), so the outputs
//! match MediaPipe's; the mask refiner's guide images are resized with `fast_image_resize`
//! (area-aware, reaching past the image edge when asked). Owns no model and no face logic.

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use super::VisionError;

/// Antialiased bilinear filter: fast, and area-aware when downscaling.
const RESIZE_ALG: ResizeAlg = ResizeAlg::Convolution(FilterType::Bilinear);

/// A rectangle in image pixels with fractional edges (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Region {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

/// What fills output pixels that fall outside the source image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Border {
    /// A constant colour (the detector's letterbox padding).
    Constant([u8; 3]),
    /// The nearest edge pixel, repeated.
    Replicate,
}

/// Reusable resizer and scratch buffers.
#[derive(Debug, Default)]
pub struct Resampler {
    resizer: Resizer,
    scratch: Vec<u8>,
}

impl Resampler {
    /// Renders `region` of `src` into `dst` (RGB, `dst_width` x `dst_height`, row-major), stretching
    /// it to fill; pixels outside `src` are filled according to `border`.
    pub fn render_region(
        &mut self,
        src: &RgbImage,
        region: Region,
        dst_width: u32,
        dst_height: u32,
        border: Border,
        dst: &mut Vec<u8>,
    ) -> Result<(), VisionError> {
        dst.clear();
        dst.resize(dst_width as usize * dst_height as usize * 3, 0);
        let inner = InnerWindow::new(src, region, dst_width, dst_height);
        let Some(inner) = inner else {
            fill_all(dst, src, border);
            return Ok(());
        };
        self.scratch.clear();
        self.scratch.resize(
            inner.dst_width() as usize * inner.dst_height() as usize * 3,
            0,
        );
        resize_rgb(
            &mut self.resizer,
            src,
            inner.src,
            &mut self.scratch,
            inner.dst_width(),
            inner.dst_height(),
        )?;
        let dst_stride = dst_width as usize * 3;
        let inner_stride = inner.dst_width() as usize * 3;
        for (row, line) in self.scratch.chunks_exact(inner_stride).enumerate() {
            let start = (inner.dst_y0 as usize + row) * dst_stride + inner.dst_x0 as usize * 3;
            dst[start..start + inner_stride].copy_from_slice(line);
        }
        fill_outside(dst, dst_width, dst_height, &inner, border);
        Ok(())
    }
}

/// Resizes the (fractional) `crop` of `src` into an RGB buffer of `width` x `height`.
fn resize_rgb(
    resizer: &mut Resizer,
    src: &RgbImage,
    crop: Region,
    dst: &mut [u8],
    width: u32,
    height: u32,
) -> Result<(), VisionError> {
    let resize_error = |reason: String| VisionError::Resize { reason };
    let src_view = TypedImageRef::<U8x3>::from_buffer(src.width(), src.height(), src.as_raw())
        .map_err(|error| resize_error(error.to_string()))?;
    let mut dst_view = TypedImage::<U8x3>::from_buffer(width, height, dst)
        .map_err(|error| resize_error(error.to_string()))?;
    let options =
        ResizeOptions::new()
            .resize_alg(RESIZE_ALG)
            .crop(crop.x, crop.y, crop.width, crop.height);
    resizer
        .resize_typed(&src_view, &mut dst_view, &options)
        .map_err(|error| resize_error(error.to_string()))
}

/// The part of a region that lies inside the image, snapped to whole output pixels.
#[derive(Debug, Clone, Copy)]
struct InnerWindow {
    /// Source rectangle corresponding exactly to the destination window below.
    src: Region,
    dst_x0: u32,
    dst_y0: u32,
    dst_x1: u32,
    dst_y1: u32,
}

impl InnerWindow {
    fn new(src: &RgbImage, region: Region, dst_width: u32, dst_height: u32) -> Option<Self> {
        if region.width <= 0.0 || region.height <= 0.0 || dst_width == 0 || dst_height == 0 {
            return None;
        }
        let scale_x = f64::from(dst_width) / region.width;
        let scale_y = f64::from(dst_height) / region.height;
        let to_dst = |value: f64, origin: f64, scale: f64, limit: u32| {
            ((value - origin) * scale).clamp(0.0, f64::from(limit))
        };
        let dst_x0 = to_dst(region.x.max(0.0), region.x, scale_x, dst_width).ceil() as u32;
        let dst_y0 = to_dst(region.y.max(0.0), region.y, scale_y, dst_height).ceil() as u32;
        let right = region.right().min(f64::from(src.width()));
        let bottom = region.bottom().min(f64::from(src.height()));
        let dst_x1 = to_dst(right, region.x, scale_x, dst_width).floor() as u32;
        let dst_y1 = to_dst(bottom, region.y, scale_y, dst_height).floor() as u32;
        if dst_x1 <= dst_x0 || dst_y1 <= dst_y0 {
            return None;
        }
        // The source rectangle is derived back from the whole destination pixels, so the mapping
        // between the two is exact.
        let src_region = Region {
            x: region.x + f64::from(dst_x0) / scale_x,
            y: region.y + f64::from(dst_y0) / scale_y,
            width: f64::from(dst_x1 - dst_x0) / scale_x,
            height: f64::from(dst_y1 - dst_y0) / scale_y,
        };
        Some(Self {
            src: src_region,
            dst_x0,
            dst_y0,
            dst_x1,
            dst_y1,
        })
    }

    fn dst_width(&self) -> u32 {
        self.dst_x1 - self.dst_x0
    }

    fn dst_height(&self) -> u32 {
        self.dst_y1 - self.dst_y0
    }
}

fn fill_all(dst: &mut [u8], src: &RgbImage, border: Border) {
    let colour = match border {
        Border::Constant(colour) => colour,
        // Nothing of the image is visible: use its mean colour as the least surprising fill.
        Border::Replicate => mean_colour(src),
    };
    for pixel in dst.chunks_exact_mut(3) {
        pixel.copy_from_slice(&colour);
    }
}

fn mean_colour(src: &RgbImage) -> [u8; 3] {
    let mut sums = [0u64; 3];
    for pixel in src.pixels() {
        for (sum, &value) in sums.iter_mut().zip(pixel.0.iter()) {
            *sum += u64::from(value);
        }
    }
    let count = (u64::from(src.width()) * u64::from(src.height())).max(1);
    sums.map(|sum| (sum / count) as u8)
}

/// Fills the destination pixels around the inner window.
fn fill_outside(dst: &mut [u8], width: u32, height: u32, inner: &InnerWindow, border: Border) {
    let stride = width as usize * 3;
    let (x0, x1) = (inner.dst_x0 as usize, inner.dst_x1 as usize);
    let (y0, y1) = (inner.dst_y0 as usize, inner.dst_y1 as usize);
    // Left and right of the window, on the window's rows.
    for row in y0..y1 {
        let line = &mut dst[row * stride..(row + 1) * stride];
        let left = pixel_at(line, x0);
        let right = pixel_at(line, x1 - 1);
        for x in (0..x0).chain(x1..width as usize) {
            let colour = match border {
                Border::Constant(colour) => colour,
                Border::Replicate if x < x0 => left,
                Border::Replicate => right,
            };
            line[x * 3..x * 3 + 3].copy_from_slice(&colour);
        }
    }
    // Whole rows above and below the window.
    for row in (0..y0).chain(y1..height as usize) {
        match border {
            Border::Constant(colour) => {
                for pixel in dst[row * stride..(row + 1) * stride].chunks_exact_mut(3) {
                    pixel.copy_from_slice(&colour);
                }
            }
            Border::Replicate => {
                let source_row = if row < y0 { y0 } else { y1 - 1 };
                dst.copy_within(source_row * stride..(source_row + 1) * stride, row * stride);
            }
        }
    }
}

fn pixel_at(line: &[u8], x: usize) -> [u8; 3] {
    [line[x * 3], line[x * 3 + 1], line[x * 3 + 2]]
}

/// Writes `rgb` (u8, interleaved) into `tensor` as floats `value * scale + offset`.
pub fn fill_tensor(rgb: &[u8], tensor: &mut [f32], scale: f32, offset: f32) {
    for (out, &value) in tensor.iter_mut().zip(rgb) {
        *out = f32::from(value) * scale + offset;
    }
}

/// A rotated rectangle in image pixels: MediaPipe's region of interest (centre, size, rotation
/// clockwise on screen since y points down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub center_x: f32,
    pub center_y: f32,
    pub width: f32,
    pub height: f32,
    pub angle_rad: f32,
}

impl RotatedRect {
    /// The axis-aligned rectangle `region`.
    pub fn from_region(region: Region) -> Self {
        Self {
            center_x: (region.x + region.width / 2.0) as f32,
            center_y: (region.y + region.height / 2.0) as f32,
            width: region.width as f32,
            height: region.height as f32,
            angle_rad: 0.0,
        }
    }

    /// Image position of a point given in the rectangle's own unit square (0..1 along its width
    /// and height, before rotation): MediaPipe's `LandmarkProjectionCalculator`.
    pub fn project(&self, unit_x: f32, unit_y: f32) -> [f32; 2] {
        let (sin, cos) = self.angle_rad.sin_cos();
        let x = (unit_x - 0.5) * self.width;
        let y = (unit_y - 0.5) * self.height;
        [
            self.center_x + cos * x - sin * y,
            self.center_y + sin * x + cos * y,
        ]
    }
}

/// The map from output pixel indices to source pixel indices that MediaPipe's
/// `ImageToTensorCalculator` (OpenCV path) builds: `getPerspectiveTransform` from the corners of
/// the rectangle (`boxPoints`) to the corners of the output, `(0, 0)` to `(width, height)`.
///
/// Corner coordinates are used as pixel indices, so the sampled grid sits half an output pixel
/// off the geometric one; the models' reference outputs (tests/fixtures/reference) are only
/// reproduced exactly with this same map, so it is kept deliberately.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexMap {
    /// Source index of output index (0, 0): the rectangle's top-left corner.
    pub origin: [f32; 2],
    /// Source step per output column and per output row.
    pub step_u: [f32; 2],
    pub step_v: [f32; 2],
}

impl IndexMap {
    pub fn new(rect: &RotatedRect, out_width: u32, out_height: u32) -> Self {
        let (sin, cos) = rect.angle_rad.sin_cos();
        let (half_w, half_h) = (rect.width / 2.0, rect.height / 2.0);
        let origin = [
            rect.center_x - cos * half_w + sin * half_h,
            rect.center_y - sin * half_w - cos * half_h,
        ];
        let per_u = rect.width / out_width.max(1) as f32;
        let per_v = rect.height / out_height.max(1) as f32;
        Self {
            origin,
            step_u: [cos * per_u, sin * per_u],
            step_v: [-sin * per_v, cos * per_v],
        }
    }
}

/// Fills an RGB `out_width` x `out_height` buffer by bilinear sampling of `src` at `map` (OpenCV
/// `warpPerspective` with `INTER_LINEAR`: no prefilter); samples outside the image follow `border`.
///
/// Samples whose four neighbours all lie inside the image (nearly all of them) take a direct path;
/// the rest go through the border rule. Both do the same arithmetic in the same order, so the
/// output does not depend on which path a sample took.
pub fn warp_bilinear(
    src: &RgbImage,
    map: &IndexMap,
    (out_width, out_height): (u32, u32),
    border: Border,
    dst: &mut Vec<u8>,
) {
    dst.clear();
    dst.resize(out_width as usize * out_height as usize * 3, 0);
    if out_width == 0 {
        return;
    }
    let sampler = Sampler::new(src, border);
    // A sample at x in [0, last_x) has its right neighbour inside the image too.
    let last_x = src.width().saturating_sub(1) as f32;
    let last_y = src.height().saturating_sub(1) as f32;
    for (v, line) in dst.chunks_exact_mut(out_width as usize * 3).enumerate() {
        let fv = v as f32;
        for (u, out) in line.chunks_exact_mut(3).enumerate() {
            let fu = u as f32;
            let x = map.origin[0] + fu * map.step_u[0] + fv * map.step_v[0];
            let y = map.origin[1] + fu * map.step_u[1] + fv * map.step_v[1];
            if x >= 0.0 && y >= 0.0 && x < last_x && y < last_y {
                // Non-negative: truncation is the floor.
                let (x0, y0) = (x as usize, y as usize);
                sampler.inside(x0, y0, x - x0 as f32, y - y0 as f32, out);
            } else {
                sampler.at_border(x, y, out);
            }
        }
    }
}

/// Bilinear sampling of one image with a border rule.
struct Sampler<'a> {
    raw: &'a [u8],
    stride: usize,
    width: i64,
    height: i64,
    border: Border,
    fill: [f32; 3],
}

impl<'a> Sampler<'a> {
    fn new(src: &'a RgbImage, border: Border) -> Self {
        let fill = match border {
            Border::Constant(colour) => colour.map(f32::from),
            Border::Replicate => [0.0; 3],
        };
        Self {
            raw: src.as_raw(),
            stride: src.width() as usize * 3,
            width: i64::from(src.width()),
            height: i64::from(src.height()),
            border,
            fill,
        }
    }

    /// A sample whose neighbours `(x0, y0)` to `(x0 + 1, y0 + 1)` are all inside the image.
    fn inside(&self, x0: usize, y0: usize, tx: f32, ty: f32, out: &mut [u8]) {
        let top_start = y0 * self.stride + x0 * 3;
        let bottom_start = top_start + self.stride;
        let (Some(top), Some(bottom)) = (
            self.raw.get(top_start..top_start + 6),
            self.raw.get(bottom_start..bottom_start + 6),
        ) else {
            return;
        };
        for (channel, out) in out.iter_mut().enumerate() {
            let at = |line: &[u8], offset: usize| f32::from(line[offset + channel]);
            blend(
                [at(top, 0), at(top, 3), at(bottom, 0), at(bottom, 3)],
                tx,
                ty,
                out,
            );
        }
    }

    /// A sample with a neighbour outside the image (or a non-finite position): the border rule.
    fn at_border(&self, x: f32, y: f32, out: &mut [u8]) {
        let (x0, y0) = (x.floor(), y.floor());
        let (tx, ty) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        // Index of a neighbour, or None outside the image (constant border).
        let clamp = |index: i64, limit: i64| match self.border {
            Border::Replicate => Some(index.clamp(0, limit - 1) as usize),
            Border::Constant(_) => (0..limit).contains(&index).then_some(index as usize),
        };
        let columns = [clamp(x0, self.width), clamp(x0 + 1, self.width)];
        let rows = [clamp(y0, self.height), clamp(y0 + 1, self.height)];
        for (channel, out) in out.iter_mut().enumerate() {
            let at = |column: Option<usize>, row: Option<usize>| match (column, row) {
                (Some(column), Some(row)) => self
                    .raw
                    .get(row * self.stride + column * 3 + channel)
                    .map_or(self.fill[channel], |&value| f32::from(value)),
                _ => self.fill[channel],
            };
            blend(
                [
                    at(columns[0], rows[0]),
                    at(columns[1], rows[0]),
                    at(columns[0], rows[1]),
                    at(columns[1], rows[1]),
                ],
                tx,
                ty,
                out,
            );
        }
    }
}

/// Bilinear blend of `[top left, top right, bottom left, bottom right]`, rounded to a byte.
fn blend(
    [top_left, top_right, bottom_left, bottom_right]: [f32; 4],
    tx: f32,
    ty: f32,
    out: &mut u8,
) {
    let top = top_left * (1.0 - tx) + top_right * tx;
    let bottom = bottom_left * (1.0 - tx) + bottom_right * tx;
    // +0.5 and a truncating cast round these non-negative values without a call to `roundf`.
    *out = (top * (1.0 - ty) + bottom * ty + 0.5) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 100]))
    }

    #[test]
    fn letterbox_pads_with_the_constant_and_keeps_content_centred() {
        let src = gradient(200, 100);
        let region = Region {
            x: 0.0,
            y: -50.0,
            width: 200.0,
            height: 200.0,
        };
        let mut dst = Vec::new();
        let mut resampler = Resampler::default();
        resampler
            .render_region(&src, region, 20, 20, Border::Constant([0, 0, 0]), &mut dst)
            .unwrap();
        assert_eq!(dst.len(), 20 * 20 * 3);
        // Rows 0..5 and 15..20 are padding, rows 5..15 hold the image.
        assert_eq!(&dst[0..3], &[0, 0, 0]);
        assert_eq!(&dst[(19 * 20 + 10) * 3..(19 * 20 + 10) * 3 + 3], &[0, 0, 0]);
        let inside = (10 * 20 + 10) * 3;
        assert_eq!(dst[inside + 2], 100);
        assert!((i32::from(dst[inside]) - 105).abs() <= 2, "{}", dst[inside]);
    }

    #[test]
    fn replicate_border_repeats_edge_pixels() {
        let src = gradient(100, 100);
        let region = Region {
            x: 50.0,
            y: 50.0,
            width: 100.0,
            height: 100.0,
        };
        let mut dst = Vec::new();
        let mut resampler = Resampler::default();
        resampler
            .render_region(&src, region, 10, 10, Border::Replicate, &mut dst)
            .unwrap();
        let at = |x: usize, y: usize| [dst[(y * 10 + x) * 3], dst[(y * 10 + x) * 3 + 1]];
        assert_eq!(at(9, 2), at(4, 2));
        assert_eq!(at(2, 9), at(2, 4));
    }

    #[test]
    fn region_wholly_outside_is_filled() {
        let src = gradient(10, 10);
        let region = Region {
            x: 100.0,
            y: 100.0,
            width: 10.0,
            height: 10.0,
        };
        let mut dst = Vec::new();
        Resampler::default()
            .render_region(&src, region, 4, 4, Border::Constant([7, 8, 9]), &mut dst)
            .unwrap();
        assert!(dst.chunks_exact(3).all(|pixel| pixel == [7, 8, 9]));
    }

    /// The per-sample border rule for every sample (the implementation before the direct path).
    fn warp_reference(
        src: &RgbImage,
        map: &IndexMap,
        (out_width, out_height): (u32, u32),
        border: Border,
    ) -> Vec<u8> {
        let sampler = Sampler::new(src, border);
        let mut dst = vec![0; out_width as usize * out_height as usize * 3];
        for (index, out) in dst.chunks_exact_mut(3).enumerate() {
            let (u, v) = (index % out_width as usize, index / out_width as usize);
            let (fu, fv) = (u as f32, v as f32);
            let x = map.origin[0] + fu * map.step_u[0] + fv * map.step_v[0];
            let y = map.origin[1] + fu * map.step_u[1] + fv * map.step_v[1];
            sampler.at_border(x, y, out);
        }
        dst
    }

    #[test]
    fn the_direct_path_gives_the_bytes_of_the_border_rule() {
        // A noisy image, so any difference in a neighbour or a weight shows.
        let mut state = 0x2545_f491_u32;
        let src = RgbImage::from_fn(97, 61, |_, _| {
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            };
            image::Rgb([next(), next(), next()])
        });
        let mut dst = Vec::new();
        let mut compared = 0;
        for (step, angle) in [0.0_f32, 0.3, -1.1, 2.5].into_iter().enumerate() {
            for (x, y, side) in [(10.3, 7.7, 40.0), (-20.0, -15.5, 90.0), (60.0, 30.0, 70.0)] {
                let rect = RotatedRect {
                    center_x: x + side / 2.0 + step as f32,
                    center_y: y + side / 2.0,
                    width: side,
                    height: side * 0.8,
                    angle_rad: angle,
                };
                for border in [Border::Replicate, Border::Constant([1, 2, 3])] {
                    let map = IndexMap::new(&rect, 33, 29);
                    warp_bilinear(&src, &map, (33, 29), border, &mut dst);
                    assert_eq!(dst, warp_reference(&src, &map, (33, 29), border));
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 24);
    }

    #[test]
    fn identity_warp_reproduces_the_image() {
        let src = gradient(16, 16);
        let rect = RotatedRect::from_region(Region {
            x: 0.0,
            y: 0.0,
            width: 16.0,
            height: 16.0,
        });
        let mut dst = Vec::new();
        warp_bilinear(
            &src,
            &IndexMap::new(&rect, 16, 16),
            (16, 16),
            Border::Replicate,
            &mut dst,
        );
        assert_eq!(&dst, src.as_raw());
    }

    #[test]
    fn index_map_follows_opencv_box_points() {
        // A 40x20 rectangle centred at (100, 50) rotated 90° clockwise on screen: its top-left
        // corner lands at (110, 30) and the output's x axis runs down the image.
        let rect = RotatedRect {
            center_x: 100.0,
            center_y: 50.0,
            width: 40.0,
            height: 20.0,
            angle_rad: std::f32::consts::FRAC_PI_2,
        };
        let map = IndexMap::new(&rect, 4, 2);
        assert!((map.origin[0] - 110.0).abs() < 1e-4 && (map.origin[1] - 30.0).abs() < 1e-4);
        assert!(map.step_u[0].abs() < 1e-4 && (map.step_u[1] - 10.0).abs() < 1e-4);
        assert!((map.step_v[0] + 10.0).abs() < 1e-4 && map.step_v[1].abs() < 1e-4);
        // Projection of the unit square's centre is the rectangle's centre.
        let centre = rect.project(0.5, 0.5);
        assert!((centre[0] - 100.0).abs() < 1e-4 && (centre[1] - 50.0).abs() < 1e-4);
        let top_left = rect.project(0.0, 0.0);
        assert!((top_left[0] - 110.0).abs() < 1e-4 && (top_left[1] - 30.0).abs() < 1e-4);
    }

    #[test]
    fn constant_border_fills_outside_samples() {
        let src = gradient(8, 8);
        let rect = RotatedRect::from_region(Region {
            x: -8.0,
            y: 0.0,
            width: 16.0,
            height: 8.0,
        });
        let mut dst = Vec::new();
        warp_bilinear(
            &src,
            &IndexMap::new(&rect, 16, 8),
            (16, 8),
            Border::Constant([1, 2, 3]),
            &mut dst,
        );
        assert_eq!(&dst[0..3], &[1, 2, 3]);
        assert_eq!(&dst[(8 + 2) * 3..(8 + 2) * 3 + 3], &[2, 0, 100]);
    }
}
