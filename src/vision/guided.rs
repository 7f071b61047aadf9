//! The colour guided filter (He, Sun & Tang, "Guided Image Filtering", TPAMI 2013, eqs. 14-16 with
//! the box-mean form of Algorithm 2), computed on planes of f32. Pure arithmetic: used at low
//! resolution to find the local linear model `alpha = a . rgb + b` that makes a coarse mask follow
//! the colour edges of the photo (He & Sun, "Fast Guided Filter", 2015). No model, no image type.

use crate::split;

/// Working planes of the filter, kept between calls so no allocation happens per frame. After
/// [`GuidedScratch::prepare`] it also holds what depends only on the guide (its window means and the
/// inverse of each window's regularised colour covariance), so filtering several masks with one
/// guide ([`GuidedScratch::coefficients`]) costs eight box means each instead of seventeen.
///
/// On a grid of at least [`split::MIN_SPLIT_PIXELS`] the independent box means are shared between
/// this thread and a helper, and the per-pixel loops are cut into two halves (see [`split`]); every
/// value is computed by the same arithmetic as on one thread, so the result is bit-identical.
#[derive(Debug, Default)]
pub struct GuidedScratch {
    /// Size and window of the prepared guide; `None` until [`GuidedScratch::prepare`] ran.
    prepared: Option<(usize, usize, usize)>,
    /// Interleaved RGB of the prepared guide, in [0, 1].
    rgb: Vec<f32>,
    /// Box means of r, g, b.
    mean_i: [Vec<f32>; 3],
    /// Per window, the upper triangle `[i00, i01, i02, i11, i12, i22]` of the inverse of the colour
    /// covariance plus `eps` on the diagonal; all zero where that matrix is singular.
    inverse: [Vec<f32>; 6],
    /// Box means of p, r*p, g*p, b*p for the mask being filtered.
    mean_p: [Vec<f32>; 4],
    /// Buffers of the box means: one set for this thread, one for the helper.
    lanes: [Lane; 2],
    /// Per pixel coefficients before their own box mean: `a_r`, `a_g`, `a_b`, `b`.
    coefficients: [Vec<f32>; 4],
    /// The same after their box mean.
    smoothed: [Vec<f32>; 4],
    /// Keeps all the work on the calling thread (tests compare both ways).
    one_thread: bool,
}

/// The buffers one thread needs for a box mean.
#[derive(Debug, Default)]
struct Lane {
    products: Vec<f32>,
    boxes: BoxScratch,
}

impl Lane {
    /// The box mean of `value(pixel)` around every pixel, into `dst`.
    fn mean_of(
        &mut self,
        (width, height, radius): (usize, usize, usize),
        value: impl Fn(usize) -> f32,
        dst: &mut Vec<f32>,
    ) {
        self.products.clear();
        self.products.extend((0..width * height).map(value));
        box_mean_into(&self.products, width, height, radius, &mut self.boxes, dst);
    }
}

impl GuidedScratch {
    /// Takes `rgb` (interleaved, in [0, 1], `width * height * 3` long) as the guide for the following
    /// [`GuidedScratch::coefficients`] calls; `radius` is the box half-width in pixels, `eps` the
    /// regulariser (larger = smoother). Computes box means of the colours and the inverse of each
    /// window's covariance plus `eps` (He et al. eq. 14, the part that does not depend on the mask).
    pub fn prepare(&mut self, rgb: &[f32], width: usize, height: usize, radius: usize, eps: f32) {
        let pixels = width * height;
        self.prepared = None;
        if pixels == 0 || rgb.len() < pixels * 3 {
            return;
        }
        let split = !self.one_thread && pixels >= split::MIN_SPLIT_PIXELS;
        let dims = (width, height, radius);
        self.rgb.clear();
        self.rgb.extend_from_slice(&rgb[..pixels * 3]);
        let rgb = &self.rgb;
        let channel = |index: usize, pixel: usize| rgb[pixel * 3 + index];
        let moment = |lane: &mut Lane, (first, second): (usize, usize), dst: &mut Vec<f32>| {
            lane.mean_of(dims, |p| channel(first, p) * channel(second, p), dst);
        };
        // The three colour means and six second moments, box-averaged: four planes here, five on
        // the helper. The moments become the covariance and then its inverse in place.
        let [lane_a, lane_b] = &mut self.lanes;
        let [i00, i01, i02, i11, i12, i22] = &mut self.inverse;
        let means = &mut self.mean_i;
        split::both(
            split,
            || {
                for (index, dst) in means.iter_mut().enumerate() {
                    lane_a.mean_of(dims, |p| channel(index, p), dst);
                }
                moment(lane_a, (0, 0), i00);
            },
            || {
                moment(lane_b, (0, 1), i01);
                moment(lane_b, (0, 2), i02);
                moment(lane_b, (1, 1), i11);
                moment(lane_b, (1, 2), i12);
                moment(lane_b, (2, 2), i22);
            },
        );
        let [m0, m1, m2] = &self.mean_i;
        let planes = [i00, i01, i02, i11, i12, i22].map(|plane| &mut plane[..pixels]);
        let half = if split { pixels / 2 } else { pixels };
        split::halves(planes, half, |start, [i00, i01, i02, i11, i12, i22]| {
            for (offset, i00) in i00.iter_mut().enumerate() {
                let pixel = start + offset;
                let mean = [m0[pixel], m1[pixel], m2[pixel]];
                let sigma = [
                    *i00 - mean[0] * mean[0] + eps,
                    i01[offset] - mean[0] * mean[1],
                    i02[offset] - mean[0] * mean[2],
                    i11[offset] - mean[1] * mean[1] + eps,
                    i12[offset] - mean[1] * mean[2],
                    i22[offset] - mean[2] * mean[2] + eps,
                ];
                let inverse = invert_symmetric3(sigma);
                *i00 = inverse[0];
                i01[offset] = inverse[1];
                i02[offset] = inverse[2];
                i11[offset] = inverse[3];
                i12[offset] = inverse[4];
                i22[offset] = inverse[5];
            }
        });
        self.prepared = Some((width, height, radius));
    }

    /// The box-averaged coefficients `[a_r, a_g, a_b, b]` of `mask` (`width * height` values in
    /// [0, 1]) filtered with the prepared guide: the filtered mask is `a . rgb + b` at this
    /// resolution, or at any finer one after bilinear upsampling of the coefficients. Leaves `out`
    /// empty when no guide is prepared or the mask is too short.
    pub fn coefficients(&mut self, mask: &[f32], out: &mut Vec<[f32; 4]>) {
        out.clear();
        let Some((width, height, radius)) = self.prepared else {
            return;
        };
        let pixels = width * height;
        if mask.len() < pixels {
            return;
        }
        let split = !self.one_thread && pixels >= split::MIN_SPLIT_PIXELS;
        let dims = (width, height, radius);
        let rgb = &self.rgb;
        let [lane_a, lane_b] = &mut self.lanes;
        let [p, rp, gp, bp] = &mut self.mean_p;
        split::both(
            split,
            || {
                lane_a.mean_of(dims, |pixel| mask[pixel], p);
                lane_a.mean_of(dims, |pixel| rgb[pixel * 3] * mask[pixel], rp);
            },
            || {
                lane_b.mean_of(dims, |pixel| rgb[pixel * 3 + 1] * mask[pixel], gp);
                lane_b.mean_of(dims, |pixel| rgb[pixel * 3 + 2] * mask[pixel], bp);
            },
        );
        for plane in &mut self.coefficients {
            plane.resize(pixels, 0.0);
        }
        let [m0, m1, m2] = &self.mean_i;
        let [p, rp, gp, bp] = &self.mean_p;
        let [i00, i01, i02, i11, i12, i22] = &self.inverse;
        let planes = self.coefficients.each_mut().map(|plane| &mut plane[..]);
        let half = if split { pixels / 2 } else { pixels };
        split::halves(planes, half, |start, [a_r, a_g, a_b, b]| {
            for (offset, a_r) in a_r.iter_mut().enumerate() {
                let pixel = start + offset;
                let mean_p = p[pixel];
                let mean_i = [m0[pixel], m1[pixel], m2[pixel]];
                let cov = [
                    rp[pixel] - mean_i[0] * mean_p,
                    gp[pixel] - mean_i[1] * mean_p,
                    bp[pixel] - mean_i[2] * mean_p,
                ];
                let (s00, s01, s02) = (i00[pixel], i01[pixel], i02[pixel]);
                let (s11, s12, s22) = (i11[pixel], i12[pixel], i22[pixel]);
                let a = [
                    s00 * cov[0] + s01 * cov[1] + s02 * cov[2],
                    s01 * cov[0] + s11 * cov[1] + s12 * cov[2],
                    s02 * cov[0] + s12 * cov[1] + s22 * cov[2],
                ];
                *a_r = a[0];
                a_g[offset] = a[1];
                a_b[offset] = a[2];
                b[offset] = mean_p - a[0] * mean_i[0] - a[1] * mean_i[1] - a[2] * mean_i[2];
            }
        });
        // Each pixel is covered by many windows: average their models (eq. 8).
        let [c0, c1, c2, c3] = &self.coefficients;
        let [s0, s1, s2, s3] = &mut self.smoothed;
        let smooth = |lane: &mut Lane, plane: &[f32], dst: &mut Vec<f32>| {
            box_mean_into(plane, width, height, radius, &mut lane.boxes, dst);
        };
        split::both(
            split,
            || {
                smooth(lane_a, c0, s0);
                smooth(lane_a, c1, s1);
            },
            || {
                smooth(lane_b, c2, s2);
                smooth(lane_b, c3, s3);
            },
        );
        let [s0, s1, s2, s3] = &self.smoothed;
        out.extend(
            s0.iter()
                .zip(s1)
                .zip(s2)
                .zip(s3)
                .map(|(((&a_r, &a_g), &a_b), &b)| [a_r, a_g, a_b, b]),
        );
    }
}

/// Raises the contrast of a coarse probability about one half: `contrast` 2 halves the width of
/// the uncertain band the segmenter leaves along an edge before the filter looks for the colour edge.
pub fn steepen(probability: f32, contrast: f32) -> f32 {
    ((probability - 0.5) * contrast + 0.5).clamp(0.0, 1.0)
}

/// Maps `[low, high]` linearly onto `[0, 1]` and clamps: removes the faint tail the filter leaves on
/// background pixels next to the person (the grey halo of a composite) and the matching dip inside.
pub fn stretch(value: f32, low: f32, high: f32) -> f32 {
    ((value - low) / (high - low)).clamp(0.0, 1.0)
}

/// The inverse of a symmetric positive definite 3x3 matrix given as its upper triangle
/// `[s00, s01, s02, s11, s12, s22]`, in the same form; zeros if it is singular.
fn invert_symmetric3(sigma: [f32; 6]) -> [f32; 6] {
    let [s00, s01, s02, s11, s12, s22] = sigma;
    let c00 = s11 * s22 - s12 * s12;
    let c01 = s02 * s12 - s01 * s22;
    let c02 = s01 * s12 - s02 * s11;
    let det = s00 * c00 + s01 * c01 + s02 * c02;
    if det.abs() <= f32::MIN_POSITIVE {
        return [0.0; 6];
    }
    let c11 = s00 * s22 - s02 * s02;
    let c12 = s01 * s02 - s00 * s12;
    let c22 = s00 * s11 - s01 * s01;
    let inverse_det = 1.0 / det;
    [c00, c01, c02, c11, c12, c22].map(|c| c * inverse_det)
}

/// Buffers of [`box_mean_into`]: the horizontal pass, the running column sums and the reciprocal
/// window counts along a row.
#[derive(Debug, Default)]
pub struct BoxScratch {
    rows: Vec<f32>,
    sums: Vec<f32>,
    inverse_counts: Vec<f32>,
}

/// Rows whose running sums advance together in the horizontal pass: independent sums keep the
/// processor busy while each one waits for its previous addition.
const ROWS_AT_ONCE: usize = 4;

/// Mean over the `(2 radius + 1)^2` window around each pixel, the window clipped at the borders
/// (so the divisor is the number of pixels actually inside). Running sums along each row, then
/// running sums of whole rows, so memory is only ever walked in order: O(pixels).
pub fn box_mean_into(
    src: &[f32],
    width: usize,
    height: usize,
    radius: usize,
    scratch: &mut BoxScratch,
    dst: &mut Vec<f32>,
) {
    if width == 0 || height == 0 || src.len() < width * height {
        dst.clear();
        return;
    }
    let pixels = width * height;
    let src = &src[..pixels];
    // Every value is written below, so neither buffer needs clearing.
    dst.resize(pixels, 0.0);
    let rows = &mut scratch.rows;
    rows.resize(pixels, 0.0);
    // 1 / (pixels of the clipped window along a row), per column.
    let inverse_counts = &mut scratch.inverse_counts;
    inverse_counts.clear();
    inverse_counts.extend((0..width).map(|x| {
        let count = (x + radius).min(width - 1) - x.saturating_sub(radius) + 1;
        1.0 / count as f32
    }));
    let block = ROWS_AT_ONCE * width;
    let mut blocks_in = src.chunks_exact(block);
    let mut blocks_out = rows.chunks_exact_mut(block);
    for (block_in, block_out) in (&mut blocks_in).zip(&mut blocks_out) {
        rows_running_mean::<ROWS_AT_ONCE>(block_in, block_out, width, radius, inverse_counts);
    }
    for (row_in, row_out) in blocks_in
        .remainder()
        .chunks_exact(width)
        .zip(blocks_out.into_remainder().chunks_exact_mut(width))
    {
        rows_running_mean::<1>(row_in, row_out, width, radius, inverse_counts);
    }
    // Vertical pass: a running sum of row means, one whole row at a time.
    let sums = &mut scratch.sums;
    sums.clear();
    sums.resize(width, 0.0);
    let add_row = |sums: &mut Vec<f32>, row: usize| {
        for (sum, &value) in sums.iter_mut().zip(&rows[row * width..(row + 1) * width]) {
            *sum += value;
        }
    };
    let sub_row = |sums: &mut Vec<f32>, row: usize| {
        for (sum, &value) in sums.iter_mut().zip(&rows[row * width..(row + 1) * width]) {
            *sum -= value;
        }
    };
    let mut count = 0usize;
    for row in 0..=radius.min(height - 1) {
        add_row(sums, row);
        count += 1;
    }
    for (y, dst_row) in dst.chunks_exact_mut(width).enumerate() {
        let inverse = 1.0 / count as f32;
        for (out, &sum) in dst_row.iter_mut().zip(sums.iter()) {
            *out = sum * inverse;
        }
        if y + radius + 1 < height {
            add_row(sums, y + radius + 1);
            count += 1;
        }
        if y >= radius {
            sub_row(sums, y - radius);
            count -= 1;
        }
    }
}

/// Running-sum means along each of the `ROWS` rows in `src` (whole rows of `width`), the window
/// clipped at both ends; the rows advance together, one column at a time.
fn rows_running_mean<const ROWS: usize>(
    src: &[f32],
    dst: &mut [f32],
    width: usize,
    radius: usize,
    inverse_counts: &[f32],
) {
    if src.len() < ROWS * width || dst.len() < ROWS * width || inverse_counts.len() < width {
        return;
    }
    let mut sums = [0.0f32; ROWS];
    let first = radius.min(width - 1);
    for (sum, row) in sums.iter_mut().zip(src.chunks_exact(width)) {
        *sum = row[..=first].iter().sum();
    }
    for (x, &inverse) in inverse_counts.iter().enumerate().take(width) {
        for (row, sum) in sums.iter().enumerate() {
            dst[row * width + x] = sum * inverse;
        }
        if x + radius + 1 < width {
            for (row, sum) in sums.iter_mut().enumerate() {
                *sum += src[row * width + x + radius + 1];
            }
        }
        if x >= radius {
            for (row, sum) in sums.iter_mut().enumerate() {
                *sum -= src[row * width + x - radius];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_mean_matches_brute_force() {
        // Heights with and without whole blocks of rows, windows wider than the image.
        for (width, height, radius) in [(7, 5, 2), (9, 8, 1), (3, 11, 5), (13, 3, 0), (1, 6, 2)] {
            let src: Vec<f32> = (0..width * height).map(|v| (v * 37 % 11) as f32).collect();
            let mut dst = vec![99.0; 3];
            box_mean_into(
                &src,
                width,
                height,
                radius,
                &mut BoxScratch::default(),
                &mut dst,
            );
            assert_eq!(dst.len(), width * height);
            for y in 0..height {
                for x in 0..width {
                    let (mut sum, mut count) = (0.0, 0.0);
                    for yy in y.saturating_sub(radius)..=(y + radius).min(height - 1) {
                        for xx in x.saturating_sub(radius)..=(x + radius).min(width - 1) {
                            sum += src[yy * width + xx];
                            count += 1.0;
                        }
                    }
                    let got = dst[y * width + x];
                    assert!(
                        (got - sum / count).abs() < 1e-4,
                        "{width}x{height} r{radius} ({x},{y}): {got} vs {}",
                        sum / count
                    );
                }
            }
        }
    }

    /// Coefficients of `mask` with a freshly prepared guide.
    fn filtered(rgb: &[f32], mask: &[f32], size: usize, radius: usize) -> Vec<[f32; 4]> {
        let mut scratch = GuidedScratch::default();
        scratch.prepare(rgb, size, size, radius, 1e-3);
        let mut out = Vec::new();
        scratch.coefficients(mask, &mut out);
        out
    }

    #[test]
    fn a_prepared_guide_filters_each_mask_as_a_fresh_one_does() {
        let size = 40;
        let (rgb, truth, coarse) = blob_scene(size);
        let mut prepared = GuidedScratch::default();
        prepared.prepare(&rgb, size, size, 4, 1e-3);
        for mask in [&truth, &coarse, &truth] {
            let mut reused = Vec::new();
            prepared.coefficients(mask, &mut reused);
            assert_eq!(reused, filtered(&rgb, mask, size, 4));
            assert_eq!(reused.len(), size * size);
        }
        // A mask of the wrong size, or no guide at all, gives nothing rather than a panic.
        let mut out = vec![[1.0; 4]];
        prepared.coefficients(&truth[..10], &mut out);
        assert!(out.is_empty());
        GuidedScratch::default().coefficients(&truth, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn sharing_the_work_with_a_helper_thread_gives_the_same_bits() {
        // Above the split threshold, so the box means and pixel loops are shared by two threads.
        let size = 232;
        assert!(size * size >= split::MIN_SPLIT_PIXELS);
        let (rgb, _, coarse) = blob_scene(size);
        let mut shared = GuidedScratch::default();
        let mut alone = GuidedScratch {
            one_thread: true,
            ..GuidedScratch::default()
        };
        shared.prepare(&rgb, size, size, 9, 1e-3);
        alone.prepare(&rgb, size, size, 9, 1e-3);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        shared.coefficients(&coarse, &mut a);
        alone.coefficients(&coarse, &mut b);
        assert_eq!(a.len(), size * size);
        let bits =
            |c: &[[f32; 4]]| -> Vec<[u32; 4]> { c.iter().map(|v| v.map(f32::to_bits)).collect() };
        assert_eq!(bits(&a), bits(&b));
        // The coefficients are not trivially zero: the blob's edge gives a colour model.
        assert!(a.iter().any(|c| c[0].abs() > 0.1));
    }

    #[test]
    fn symmetric_solver_inverts() {
        let sigma = [4.0, 1.0, 0.5, 3.0, 0.25, 2.0];
        let x = [1.0, -2.0, 0.5];
        let rhs = [
            4.0 * x[0] + 1.0 * x[1] + 0.5 * x[2],
            1.0 * x[0] + 3.0 * x[1] + 0.25 * x[2],
            0.5 * x[0] + 0.25 * x[1] + 2.0 * x[2],
        ];
        let [i00, i01, i02, i11, i12, i22] = invert_symmetric3(sigma);
        let solved = [
            i00 * rhs[0] + i01 * rhs[1] + i02 * rhs[2],
            i01 * rhs[0] + i11 * rhs[1] + i12 * rhs[2],
            i02 * rhs[0] + i12 * rhs[1] + i22 * rhs[2],
        ];
        for (got, want) in solved.iter().zip(x) {
            assert!((got - want).abs() < 1e-5);
        }
    }

    /// A dark wavy blob on a light background with its true mask, and the mask as a segmenter
    /// would see it: averaged over 8x8 cells, then bilinearly upsampled.
    fn blob_scene(size: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let centre = size as f32 / 2.0;
        let mut rgb = Vec::with_capacity(size * size * 3);
        let mut truth = Vec::with_capacity(size * size);
        for y in 0..size {
            for x in 0..size {
                let (dx, dy) = (x as f32 + 0.5 - centre, y as f32 + 0.5 - centre);
                let radius = size as f32 * (0.27 + 0.05 * (dy.atan2(dx) * 7.0).sin());
                let inside = dx.hypot(dy) < radius;
                rgb.extend(if inside {
                    [0.3, 0.2, 0.15]
                } else {
                    [0.8, 0.8, 0.82]
                });
                truth.push(if inside { 1.0 } else { 0.0 });
            }
        }
        let cell = 8;
        let small = size / cell;
        let mut low = vec![0.0f32; small * small];
        for (index, value) in truth.iter().enumerate() {
            let (x, y) = (index % size, index / size);
            low[(y / cell) * small + x / cell] += value / (cell * cell) as f32;
        }
        let max = (small - 1) as f32;
        let coarse = (0..size * size)
            .map(|index| {
                let (x, y) = ((index % size) as f32, (index / size) as f32);
                let sx = ((x + 0.5) / cell as f32 - 0.5).clamp(0.0, max);
                let sy = ((y + 0.5) / cell as f32 - 0.5).clamp(0.0, max);
                // Truncation floors the clamped non-negative values without a call to `floorf`.
                let (x0, y0) = (sx as usize, sy as usize);
                let (x1, y1) = ((x0 + 1).min(small - 1), (y0 + 1).min(small - 1));
                let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
                let at = |a: usize, b: usize| low[b * small + a];
                let top = at(x0, y0) * (1.0 - tx) + at(x1, y0) * tx;
                let bottom = at(x0, y1) * (1.0 - tx) + at(x1, y1) * tx;
                top * (1.0 - ty) + bottom * ty
            })
            .collect();
        (rgb, truth, coarse)
    }

    #[test]
    fn refining_an_upsampled_mask_restores_the_colour_edge_without_halo() {
        let size = 128;
        let (rgb, truth, coarse) = blob_scene(size);
        let prior: Vec<f32> = coarse.iter().map(|&p| steepen(p, 2.0)).collect();
        let model = filtered(&rgb, &prior, size, 12);
        let refined: Vec<f32> = model
            .iter()
            .zip(rgb.chunks_exact(3))
            .map(|(c, px)| stretch(c[0] * px[0] + c[1] * px[1] + c[2] * px[2] + c[3], 0.1, 0.9))
            .collect();
        let error = |mask: &[f32]| -> f32 {
            mask.iter()
                .zip(&truth)
                .map(|(m, t)| (m - t).abs())
                .sum::<f32>()
                / truth.len() as f32
        };
        // Halo: mean alpha on background pixels the coarse mask touches.
        let halo = |mask: &[f32]| -> f32 {
            let values: Vec<f32> = mask
                .iter()
                .zip(&truth)
                .zip(&coarse)
                .filter(|((_, t), c)| **t == 0.0 && **c > 0.02)
                .map(|((m, _), _)| *m)
                .collect();
            values.iter().sum::<f32>() / values.len().max(1) as f32
        };
        let (error_before, error_after) = (error(&coarse), error(&refined));
        let (halo_before, halo_after) = (halo(&coarse), halo(&refined));
        assert!(
            error_after < error_before * 0.2,
            "mean error {error_before} -> {error_after}"
        );
        assert!(
            halo_after < halo_before * 0.1,
            "halo {halo_before} -> {halo_after}"
        );
    }

    #[test]
    fn steepen_and_stretch_keep_the_ends_and_the_middle() {
        assert!((steepen(0.5, 2.0) - 0.5).abs() < 1e-6);
        assert!((steepen(0.3, 2.0) - 0.1).abs() < 1e-6);
        assert!(steepen(0.1, 2.0).abs() < 1e-6);
        assert!((stretch(0.5, 0.1, 0.9) - 0.5).abs() < 1e-6);
        assert!(stretch(0.05, 0.1, 0.9).abs() < 1e-6);
        assert!((stretch(0.95, 0.1, 0.9) - 1.0).abs() < 1e-6);
    }
}
