//! Foreground colours along the person's soft edge, by the blur-fusion estimator of Forte & Pitié,
//! "Approximate Fast Foreground Colour Estimation", ICIP 2021: two passes (a large then a small box
//! blur) estimate the local foreground and background colours, and each edge pixel's foreground colour
//! is solved from the compositing equation `I = αF + (1 − α)B`.
//!
//! Owns only that estimate, in f32 on 8-bit inputs, and only where it matters:
//! - the large pass (a 91-px box) is smooth at the scale of a few pixels, so its window sums are taken
//!   on a grid of 4x4-pixel blocks and interpolated at the pixels near the edge;
//! - the small pass (a 7-px box) is summed exactly, separably, and evaluated only on soft pixels.
//!
//! Both are deterministic: the order of every addition is fixed.

use super::sat::SummedArea;

/// Box sizes of the two passes, photo pixels (90 then 6 px, Forte & Pitié 2021 reference code). ID
/// photos (300–600 px) are of the order of the paper's images, and the refined mask's soft edges are
/// about ten photo pixels wide, well inside the large box.
const LARGE_BOX_PX: f32 = 90.0;
const SMALL_BOX_PX: f32 = 6.0;
/// Smallest box radius.
const MIN_BOX_RADIUS: usize = 1;
/// Side of the blocks the large pass is summed on, px: a 4-px shift of a 91-px window changes its
/// mean by at most about 4 %·(local contrast), and the fused colour far less, since foreground and
/// background sums move together.
const BLOCK_PX: usize = 4;
/// Guards the divisions of the estimator (value from the reference code).
const EPSILON: f32 = 1e-5;

/// Channels summed by the estimator: alpha, alpha·foreground (3), (1 − alpha)·background (3).
const SUMS: usize = 7;

/// Foreground colours (0..1 per channel) of the soft pixels of a photo, kept only for the pixels near
/// the edge (a few percent of a portrait).
#[derive(Debug, Default)]
pub struct EdgeColours {
    /// Per pixel, its index in `colours`, or `u32::MAX` away from the edge.
    slot: Vec<u32>,
    colours: Vec<[f32; 3]>,
}

impl EdgeColours {
    /// The foreground colour of pixel `index` if it is soft (zero for pixels near the edge that are
    /// not soft themselves), `None` away from the edge.
    pub fn get(&self, index: usize) -> Option<[f32; 3]> {
        let slot = *self.slot.get(index)?;
        self.colours.get(slot as usize).copied()
    }
}

/// The foreground colour of every soft pixel (see [`coverage`]). `rgb` is the photo (3 bytes per
/// pixel), `alpha` its mask; both `width` x `height`.
pub fn soft_edge_foreground(rgb: &[u8], alpha: &[u8], width: usize, height: usize) -> EdgeColours {
    let n = width * height;
    if n == 0 || rgb.len() != 3 * n || alpha.len() != n || !alpha.iter().any(|&a| is_soft(a)) {
        return EdgeColours::default();
    }
    let small = box_radius(SMALL_BOX_PX);
    let large = box_radius(LARGE_BOX_PX);
    let pixel = |i: usize| [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]].map(unit);
    let a = |i: usize| unit(alpha[i]);

    // Pixels the small pass reads: within `small` of a soft pixel (along both axes).
    let near_edge = dilate(&soft_map(alpha), width, height, small);
    let edge: Vec<usize> = (0..n).filter(|&i| near_edge[i]).collect();
    let mut slot = vec![u32::MAX; n];
    for (k, &i) in edge.iter().enumerate() {
        slot[i] = k as u32;
    }

    // Pass 1 (large box, F = B = the photo itself), on blocks, at the pixels near the edge.
    let blocks = BlockMeans::new(&block_sums(rgb, alpha, width, height), width, height, large);
    let terms: Vec<[f32; SUMS]> = edge
        .iter()
        .map(|&i| {
            let means = blocks.at(i % width, i / width);
            let (fg, bg) = fuse(&means, a(i), pixel(i));
            fused_terms(a(i), fg, bg)
        })
        .collect();
    let term = |i: usize| terms.get(slot[i] as usize);

    // Pass 2 (small box) on the first estimates: exact window sums, rows first.
    let rows: Vec<[f32; SUMS]> = edge
        .iter()
        .map(|&i| {
            let (row, x) = (i - i % width, i % width);
            let (x0, x1) = (x.saturating_sub(small), (x + small + 1).min(width));
            let mut sum = [0.0_f32; SUMS];
            for t in (row + x0..row + x1).filter_map(term) {
                for (s, v) in sum.iter_mut().zip(t) {
                    *s += v;
                }
            }
            sum
        })
        .collect();
    let mut colours = vec![[0.0_f32; 3]; edge.len()];
    for (k, &i) in edge.iter().enumerate().filter(|&(_, &i)| is_soft(alpha[i])) {
        let (x, y) = (i % width, i / width);
        let (y0, y1) = (y.saturating_sub(small), (y + small + 1).min(height));
        let (x0, x1) = (x.saturating_sub(small), (x + small + 1).min(width));
        let count = ((x1 - x0) * (y1 - y0)) as f32;
        let mut means = [0.0_f32; SUMS];
        for sums in (y0..y1).filter_map(|row| rows.get(slot[row * width + x] as usize)) {
            for (m, s) in means.iter_mut().zip(sums) {
                *m += s;
            }
        }
        for m in &mut means {
            *m /= count;
        }
        colours[k] = fuse(&means, a(i), pixel(i)).0;
    }
    EdgeColours { slot, colours }
}

/// Per block of `BLOCK_PX`², the sums of the large pass's terms with F = B = the photo, plus the pixel
/// count: integer sums in units of 1/255 (alpha) and 1/255² (the products), so exact.
fn block_sums(rgb: &[u8], alpha: &[u8], width: usize, height: usize) -> Vec<[f64; SUMS + 1]> {
    let columns = width.div_ceil(BLOCK_PX);
    let rows = height.div_ceil(BLOCK_PX);
    let mut sums = vec![[0_u32; SUMS + 1]; columns * rows];
    for y in 0..height {
        let block_row = &mut sums[(y / BLOCK_PX) * columns..];
        for x in 0..width {
            let i = y * width + x;
            let (a, rest) = (u32::from(alpha[i]), 255 - u32::from(alpha[i]));
            let cell = &mut block_row[x / BLOCK_PX];
            cell[0] += a;
            for c in 0..3 {
                let value = u32::from(rgb[3 * i + c]);
                cell[1 + c] += a * value;
                cell[4 + c] += rest * value;
            }
            cell[SUMS] += 1;
        }
    }
    let (unit, product) = (1.0 / 255.0, 1.0 / (255.0 * 255.0));
    sums.iter()
        .map(|cell| {
            std::array::from_fn(|c| match c {
                0 => f64::from(cell[0]) * unit,
                SUMS => f64::from(cell[SUMS]),
                _ => f64::from(cell[c]) * product,
            })
        })
        .collect()
}

fn unit(value: u8) -> f32 {
    f32::from(value) / 255.0
}

/// Whether a mask value is a soft edge whose colour is estimated: see [`coverage`].
fn is_soft(alpha: u8) -> bool {
    coverage(alpha) == Coverage::Soft
}

/// Alpha below this is treated as clear background and above [`OPAQUE_FROM`] as solid person: under
/// 1 % of either colour, invisible in an 8-bit photo, while a guided-filter mask carries such values
/// over large flat areas, where estimating an edge colour would cost time and change nothing.
pub const CLEAR_UP_TO: u8 = 2;
pub const OPAQUE_FROM: u8 = 253;

/// How a mask value composites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    Clear,
    Soft,
    Opaque,
}

/// The [`Coverage`] of a mask value.
pub fn coverage(alpha: u8) -> Coverage {
    if alpha <= CLEAR_UP_TO {
        Coverage::Clear
    } else if alpha >= OPAQUE_FROM {
        Coverage::Opaque
    } else {
        Coverage::Soft
    }
}

fn box_radius(box_px: f32) -> usize {
    ((box_px / 2.0).round() as usize).max(MIN_BOX_RADIUS)
}

fn soft_map(alpha: &[u8]) -> Vec<bool> {
    alpha.iter().map(|&a| is_soft(a)).collect()
}

/// `set` grown by a square of `radius` (separable: rows, then columns).
fn dilate(set: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let grow = |count: usize, get: &dyn Fn(usize) -> bool, put: &mut dyn FnMut(usize)| {
        // Distance since the last member, scanning forward then backward.
        let mut since = usize::MAX;
        for k in 0..count {
            since = if get(k) { 0 } else { since.saturating_add(1) };
            if since <= radius {
                put(k);
            }
        }
        since = usize::MAX;
        for k in (0..count).rev() {
            since = if get(k) { 0 } else { since.saturating_add(1) };
            if since <= radius {
                put(k);
            }
        }
    };
    let mut across = vec![false; set.len()];
    for y in 0..height {
        let row = y * width;
        grow(width, &|x| set[row + x], &mut |x| {
            across[row + x] = true;
        });
    }
    let mut out = vec![false; set.len()];
    for x in 0..width {
        grow(height, &|y| across[y * width + x], &mut |y| {
            out[y * width + x] = true;
        });
    }
    out
}

/// The large pass's window means on a grid of blocks, interpolated at any pixel.
struct BlockMeans {
    columns: usize,
    rows: usize,
    /// Window mean of each block (its centre's `2·radius + 1` window, in whole blocks).
    means: Vec<[f32; SUMS]>,
}

impl BlockMeans {
    /// From per-block sums (see [`block_sums`]) of a `width` x `height` image, for a window of
    /// `radius_px` pixels.
    fn new(block_sums: &[[f64; SUMS + 1]], width: usize, height: usize, radius_px: usize) -> Self {
        let columns = width.div_ceil(BLOCK_PX);
        let rows = height.div_ceil(BLOCK_PX);
        let table = SummedArea::<{ SUMS + 1 }>::build(columns, rows, |i| block_sums[i]);
        let radius = (radius_px as f32 / BLOCK_PX as f32).round().max(1.0) as usize;
        let means = (0..columns * rows)
            .map(|i| {
                // Means over blocks, weighted by their pixel counts (edge blocks may be partial).
                let window = table.mean(i % columns, i / columns, radius);
                let pixels = window[SUMS].max(f64::MIN_POSITIVE);
                std::array::from_fn(|c| (window[c] / pixels) as f32)
            })
            .collect();
        Self {
            columns,
            rows,
            means,
        }
    }

    /// The window means at pixel `(px, py)`: bilinear between the four nearest block centres.
    fn at(&self, px: usize, py: usize) -> [f32; SUMS] {
        let position = |p: usize, count: usize| {
            let centre = (p as f32 + 0.5) / BLOCK_PX as f32 - 0.5;
            let clamped = centre.clamp(0.0, (count - 1) as f32);
            // Truncation floors the clamped non-negative value without a call to `floorf`.
            let low = clamped as usize;
            let high = (low + 1).min(count - 1);
            (low, high, clamped - low as f32)
        };
        let (left, right, across) = position(px, self.columns);
        let (top, bottom, down) = position(py, self.rows);
        let cell = |bx: usize, by: usize| &self.means[by * self.columns + bx];
        let (top_left, top_right) = (cell(left, top), cell(right, top));
        let (bottom_left, bottom_right) = (cell(left, bottom), cell(right, bottom));
        std::array::from_fn(|k| {
            let upper = top_left[k] + (top_right[k] - top_left[k]) * across;
            let lower = bottom_left[k] + (bottom_right[k] - bottom_left[k]) * across;
            upper + (lower - upper) * down
        })
    }
}

/// The summed channels of one pixel.
fn fused_terms(alpha: f32, foreground: [f32; 3], background: [f32; 3]) -> [f32; SUMS] {
    [
        alpha,
        alpha * foreground[0],
        alpha * foreground[1],
        alpha * foreground[2],
        (1.0 - alpha) * background[0],
        (1.0 - alpha) * background[1],
        (1.0 - alpha) * background[2],
    ]
}

/// One blur-fusion step at a pixel from its window means: the local foreground and background
/// colours, and the foreground solved from `I = αF + (1 − α)B` around them.
fn fuse(means: &[f32; SUMS], alpha: f32, observed: [f32; 3]) -> ([f32; 3], [f32; 3]) {
    let blurred_alpha = means[0];
    let mut foreground = [0.0; 3];
    let mut background = [0.0; 3];
    for c in 0..3 {
        let blurred_fg = means[1 + c] / (blurred_alpha + EPSILON);
        let blurred_bg = means[4 + c] / ((1.0 - blurred_alpha) + EPSILON);
        let residual = observed[c] - alpha * blurred_fg - (1.0 - alpha) * blurred_bg;
        foreground[c] = (blurred_fg + alpha * residual).clamp(0.0, 1.0);
        background[c] = blurred_bg;
    }
    (foreground, background)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dilation_grows_by_the_radius_along_both_axes() {
        let (w, h) = (9, 7);
        let mut set = vec![false; w * h];
        set[3 * w + 4] = true;
        let grown = dilate(&set, w, h, 2);
        for y in 0..h {
            for x in 0..w {
                let inside = x.abs_diff(4) <= 2 && y.abs_diff(3) <= 2;
                assert_eq!(grown[y * w + x], inside, "{x},{y}");
            }
        }
    }

    /// Block sums of a grey image with a uniform alpha, as `block_sums` would give.
    fn uniform(width: usize, height: usize, grey: u8, alpha: u8) -> Vec<[f64; SUMS + 1]> {
        block_sums(
            &vec![grey; 3 * width * height],
            &vec![alpha; width * height],
            width,
            height,
        )
    }

    #[test]
    fn block_sums_are_exact_products() {
        let sums = uniform(4, 4, 200, 51);
        let (a, v) = (51.0 / 255.0, 200.0 / 255.0);
        let cell = sums[0];
        assert!((cell[0] - 16.0 * a).abs() < 1e-9);
        assert!((cell[1] - 16.0 * a * v).abs() < 1e-9);
        assert!((cell[4] - 16.0 * (1.0 - a) * v).abs() < 1e-9);
        assert!((cell[SUMS] - 16.0).abs() < 1e-9);
    }

    #[test]
    fn colours_exist_only_near_the_edge() {
        // A 40x40 photo, person (alpha 255) on the right half, a soft column at x = 20.
        let (w, h) = (40, 40);
        let mut alpha = vec![0_u8; w * h];
        for y in 0..h {
            for x in 20..w {
                alpha[y * w + x] = if x == 20 { 128 } else { 255 };
            }
        }
        let colours = soft_edge_foreground(&vec![90; 3 * w * h], &alpha, w, h);
        assert!(
            colours
                .get(5 * w + 20)
                .is_some_and(|c| c.iter().all(|&v| v > 0.0))
        );
        assert!(colours.get(5 * w + 2).is_none());
        assert!(colours.get(5 * w + 38).is_none());
    }

    #[test]
    fn block_means_of_a_constant_are_that_constant_everywhere() {
        let (w, h) = (37, 23);
        let blocks = BlockMeans::new(&uniform(w, h, 255, 255), w, h, 45);
        for (x, y) in [(0, 0), (36, 22), (17, 11), (3, 20)] {
            let values = blocks.at(x, y);
            // alpha 1, alpha·F 1, (1 − alpha)·B 0.
            assert!(
                (values[0] - 1.0).abs() < 1e-6 && (values[1] - 1.0).abs() < 1e-6,
                "{x},{y}"
            );
            assert!(values[4].abs() < 1e-6, "{x},{y}");
        }
    }

    #[test]
    fn block_means_follow_a_large_window_mean() {
        // A left half of 0 and a right half of 1: far from the step the mean is 0 or 1, at the step ½.
        let (w, h) = (400, 40);
        let alpha: Vec<u8> = (0..w * h)
            .map(|i| if i % w >= 200 { 255 } else { 0 })
            .collect();
        let blocks = BlockMeans::new(&block_sums(&vec![0; 3 * w * h], &alpha, w, h), w, h, 45);
        assert!(blocks.at(20, 20)[0].abs() < 1e-6);
        assert!((blocks.at(380, 20)[0] - 1.0).abs() < 1e-6);
        assert!((blocks.at(200, 20)[0] - 0.5).abs() < 0.05);
    }
}
