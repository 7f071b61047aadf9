//! Reading pixels for the measures: luma and linear light, sparse samples inside a polygon, and
//! box-averaged grids at a chosen scale.
//!
//! Owns the pixel arithmetic shared by the check families; knows nothing of faces or limits. Every
//! function reads a bounded number of pixels so the checks stay within the live-frame budget.

use std::sync::LazyLock;

use image::RgbImage;

use super::regions::polygon_spans;
use crate::core::face::PersonMask;
use crate::core::geometry::{Point, Rect};

/// Rec. 601 luma weights (what "brightness" means in JPEG/YCbCr and in Yoti's mean-RGB limits).
const LUMA_WEIGHTS: [f32; 3] = [0.299, 0.587, 0.114];
/// Rec. 709 / sRGB relative-luminance weights, applied to linear light (OFIQ's luminance image).
const LUMINANCE_WEIGHTS: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// sRGB decoding (IEC 61966-2-1) of every 8-bit code value to linear light in 0..1.
static SRGB_TO_LINEAR: LazyLock<[f32; 256]> = LazyLock::new(|| {
    const LINEAR_KNEE: f32 = 0.04045;
    const LINEAR_SLOPE: f32 = 12.92;
    const GAMMA: f32 = 2.4;
    const OFFSET: f32 = 0.055;
    let mut table = [0.0; 256];
    for (code, entry) in table.iter_mut().enumerate() {
        let v = code as f32 / 255.0;
        *entry = if v <= LINEAR_KNEE {
            v / LINEAR_SLOPE
        } else {
            ((v + OFFSET) / (1.0 + OFFSET)).powf(GAMMA)
        };
    }
    table
});

/// Rec. 601 luma (0–255) of gamma-encoded RGB.
pub fn luma(rgb: [f32; 3]) -> f32 {
    LUMA_WEIGHTS[0] * rgb[0] + LUMA_WEIGHTS[1] * rgb[1] + LUMA_WEIGHTS[2] * rgb[2]
}

/// Linear relative luminance (0–1) of an 8-bit sRGB pixel.
pub fn linear_luminance(rgb: [u8; 3]) -> f32 {
    let table = &*SRGB_TO_LINEAR;
    LUMINANCE_WEIGHTS[0] * table[usize::from(rgb[0])]
        + LUMINANCE_WEIGHTS[1] * table[usize::from(rgb[1])]
        + LUMINANCE_WEIGHTS[2] * table[usize::from(rgb[2])]
}

/// Linear light (0–1) of one 8-bit sRGB channel value.
pub fn srgb_to_linear(code: u8) -> f32 {
    SRGB_TO_LINEAR[usize::from(code)]
}

/// The pixel nearest to `p`, `None` outside the image.
pub fn pixel_at(image: &RgbImage, p: Point) -> Option<[u8; 3]> {
    if !(p.x >= 0.0 && p.y >= 0.0) {
        return None;
    }
    let (x, y) = (p.x as u32, p.y as u32);
    (x < image.width() && y < image.height()).then(|| image.get_pixel(x, y).0)
}

/// Calls `visit` with every pixel on a `step_px` lattice inside `polygon` (and inside the image).
pub fn for_each_in_polygon(
    image: &RgbImage,
    polygon: &[Point],
    step_px: u32,
    mut visit: impl FnMut([u8; 3]),
) {
    let step = step_px.max(1);
    let bounds = super::regions::bounding_box(polygon.iter().copied(), 0.0);
    let top = bounds.y.max(0.0) as u32;
    let bottom = (bounds.bottom().ceil().max(0.0) as u32).min(image.height());
    let mut y = top;
    while y < bottom {
        for (from, to) in polygon_spans(polygon, y as f32 + 0.5) {
            let first = (from.max(0.0) as u32).div_ceil(step) * step;
            let end = (to.ceil().max(0.0) as u32).min(image.width());
            let mut x = first;
            while x < end {
                visit(image.get_pixel(x, y).0);
                x += step;
            }
        }
        y += step;
    }
}

/// An image region averaged over square cells of `cell_px` × `cell_px` pixels (a box-filtered
/// downsample): cell values are mean sRGB code values (0–255, not linearised).
#[derive(Debug, Clone, PartialEq)]
pub struct RgbGrid {
    /// Image pixel of the first cell's top-left corner.
    pub origin_x: u32,
    pub origin_y: u32,
    pub cell_px: u32,
    pub width: usize,
    pub height: usize,
    pub cells: Vec<[f32; 3]>,
}

impl RgbGrid {
    /// Box-averages the part of `region` inside the image; partial cells at the right and bottom are
    /// dropped. An empty grid when the region misses the image.
    pub fn box_average(image: &RgbImage, region: Rect, cell_px: u32) -> RgbGrid {
        let cell = cell_px.max(1);
        let x0 = region.x.max(0.0) as u32;
        let y0 = region.y.max(0.0) as u32;
        let x1 = (region.right().max(0.0) as u32).min(image.width());
        let y1 = (region.bottom().max(0.0) as u32).min(image.height());
        let width = (x1.saturating_sub(x0) / cell) as usize;
        let height = (y1.saturating_sub(y0) / cell) as usize;
        let mut cells = vec![[0.0_f32; 3]; width * height];
        let mut row_sums = vec![[0_u32; 3]; width];
        let raw = image.as_raw();
        let stride = image.width() as usize * 3;
        let cell_usize = cell as usize;
        for row in 0..height {
            row_sums.fill([0; 3]);
            for dy in 0..cell_usize {
                let y = y0 as usize + row * cell_usize + dy;
                let start = y * stride + x0 as usize * 3;
                let line = &raw[start..start + width * cell_usize * 3];
                for (col, sum) in row_sums.iter_mut().enumerate() {
                    let block = &line[col * cell_usize * 3..(col + 1) * cell_usize * 3];
                    for px in block.chunks_exact(3) {
                        sum[0] += u32::from(px[0]);
                        sum[1] += u32::from(px[1]);
                        sum[2] += u32::from(px[2]);
                    }
                }
            }
            let count = (cell * cell) as f32;
            for (col, sum) in row_sums.iter().enumerate() {
                cells[row * width + col] = [
                    sum[0] as f32 / count,
                    sum[1] as f32 / count,
                    sum[2] as f32 / count,
                ];
            }
        }
        RgbGrid {
            origin_x: x0,
            origin_y: y0,
            cell_px: cell,
            width,
            height,
            cells,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn get(&self, col: usize, row: usize) -> [f32; 3] {
        self.cells[row * self.width + col]
    }

    pub fn luma(&self, col: usize, row: usize) -> f32 {
        luma(self.get(col, row))
    }

    /// The image point at the centre of a cell.
    pub fn centre(&self, col: usize, row: usize) -> Point {
        let half = self.cell_px as f32 / 2.0;
        Point::new(
            self.origin_x as f32 + (col as u32 * self.cell_px) as f32 + half,
            self.origin_y as f32 + (row as u32 * self.cell_px) as f32 + half,
        )
    }
}

/// Alpha above which a mask pixel counts as person (probability one half).
pub const MASK_PERSON_ALPHA: u8 = 127;

/// A person mask read in the coordinates of the analysed image (the mask may be smaller: vision can
/// return it at the segmenter's resolution).
#[derive(Debug, Clone, Copy)]
pub struct MaskView<'a> {
    mask: &'a PersonMask,
    mask_per_image_x: f32,
    mask_per_image_y: f32,
}

impl<'a> MaskView<'a> {
    /// `None` for an empty mask.
    pub fn new(mask: &'a PersonMask, image_width: u32, image_height: u32) -> Option<Self> {
        let expected = mask.width as usize * mask.height as usize;
        if mask.width == 0
            || mask.height == 0
            || image_width == 0
            || image_height == 0
            || mask.alpha.len() != expected
        {
            return None;
        }
        Some(Self {
            mask,
            mask_per_image_x: mask.width as f32 / image_width as f32,
            mask_per_image_y: mask.height as f32 / image_height as f32,
        })
    }

    /// Mask alpha at an image point (0 outside).
    pub fn alpha(&self, p: Point) -> u8 {
        if !(p.x >= 0.0 && p.y >= 0.0) {
            return 0;
        }
        self.mask.get(
            (p.x * self.mask_per_image_x) as u32,
            (p.y * self.mask_per_image_y) as u32,
        )
    }

    /// The mask column [`MaskView::alpha`] reads for image x (`None` left of the image, where alpha is 0).
    pub fn column_of(&self, x: f32) -> Option<u32> {
        (x >= 0.0).then_some((x * self.mask_per_image_x) as u32)
    }

    /// The mask row [`MaskView::alpha`] reads for image y (`None` above the image, where alpha is 0).
    pub fn row_of(&self, y: f32) -> Option<u32> {
        (y >= 0.0).then_some((y * self.mask_per_image_y) as u32)
    }

    /// [`MaskView::alpha`] at a column and row from [`MaskView::column_of`] and [`MaskView::row_of`]:
    /// the same value, for callers that look up many points on a few columns and rows.
    pub fn alpha_at(&self, column: Option<u32>, row: Option<u32>) -> u8 {
        match (column, row) {
            (Some(column), Some(row)) => self.mask.get(column, row),
            _ => 0,
        }
    }

    pub fn is_person(&self, p: Point) -> bool {
        self.alpha(p) > MASK_PERSON_ALPHA
    }

    /// Image height of one mask row (at least one pixel).
    pub fn row_step_px(&self) -> f32 {
        (1.0 / self.mask_per_image_y).max(1.0)
    }

    /// Image x of every mask column whose centre lies in `from..to`.
    pub fn columns_between(&self, from: f32, to: f32) -> impl Iterator<Item = f32> + '_ {
        let step = (1.0 / self.mask_per_image_x).max(1.0);
        let first = (from.max(0.0) / step).floor() as u32;
        let last = ((to / step).ceil().max(0.0) as u32).min(self.mask.width);
        (first..last)
            .map(move |col| (col as f32 + 0.5) * step)
            .filter(move |&x| x >= from && x < to)
    }
}

/// Running mean and variance of a stream of values: sums of the values' offsets from the first one
/// (so a large common level costs no precision), with no division per value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    pub count: usize,
    shift: f64,
    sum: f64,
    sum_sq: f64,
}

impl Stats {
    pub fn push(&mut self, value: f32) {
        let v = f64::from(value);
        if self.count == 0 {
            self.shift = v;
        }
        self.count += 1;
        let offset = v - self.shift;
        self.sum += offset;
        self.sum_sq += offset * offset;
    }

    /// The mean (0 for no values).
    pub fn mean(&self) -> f32 {
        if self.count == 0 {
            return 0.0;
        }
        (self.shift + self.sum / self.count as f64) as f32
    }

    /// Population standard deviation (0 for fewer than two values).
    pub fn std_dev(&self) -> f32 {
        if self.count < 2 {
            return 0.0;
        }
        let n = self.count as f64;
        ((self.sum_sq - self.sum * self.sum / n) / n)
            .max(0.0)
            .sqrt() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn srgb_decoding_matches_the_standard_at_known_points() {
        assert!(srgb_to_linear(0).abs() < 1e-6);
        assert!((srgb_to_linear(255) - 1.0).abs() < 1e-6);
        // sRGB 188 is 50 % linear light.
        assert!((srgb_to_linear(188) - 0.5).abs() < 0.01);
        assert!((linear_luminance([255, 255, 255]) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn polygon_sampling_visits_only_the_inside() {
        let mut image = RgbImage::from_pixel(100, 100, Rgb([0, 0, 0]));
        for y in 20..40 {
            for x in 30..60 {
                image.put_pixel(x, y, Rgb([255, 255, 255]));
            }
        }
        let square = [
            Point::new(30.0, 20.0),
            Point::new(60.0, 20.0),
            Point::new(60.0, 40.0),
            Point::new(30.0, 40.0),
        ];
        let mut count = 0;
        let mut white = 0;
        for_each_in_polygon(&image, &square, 2, |px| {
            count += 1;
            white += usize::from(px[0] == 255);
        });
        assert_eq!(count, 150);
        assert_eq!(white, count);
    }

    #[test]
    fn box_average_means_each_cell() {
        let mut image = RgbImage::from_pixel(8, 4, Rgb([10, 20, 30]));
        image.put_pixel(0, 0, Rgb([50, 20, 30]));
        let grid = RgbGrid::box_average(&image, Rect::new(0.0, 0.0, 8.0, 4.0), 2);
        assert_eq!((grid.width, grid.height), (4, 2));
        let close = |a: [f32; 3], b: [f32; 3]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-4);
        assert!(
            close(grid.get(0, 0), [20.0, 20.0, 30.0]),
            "{:?}",
            grid.get(0, 0)
        );
        assert!(
            close(grid.get(3, 1), [10.0, 20.0, 30.0]),
            "{:?}",
            grid.get(3, 1)
        );
        assert_eq!(grid.centre(1, 1), Point::new(3.0, 3.0));
        let outside = RgbGrid::box_average(&image, Rect::new(20.0, 20.0, 8.0, 4.0), 2);
        assert!(outside.is_empty());
    }

    #[test]
    fn stats_match_direct_formulas() {
        let mut stats = Stats::default();
        for v in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            stats.push(v);
        }
        assert!((stats.mean() - 5.0).abs() < 1e-6);
        assert!((stats.std_dev() - 2.0).abs() < 1e-6);
    }
}
