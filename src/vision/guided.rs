//! The colour guided filter (He, Sun & Tang, "Guided Image Filtering", TPAMI 2013, eqs. 14-16 with
//! the box-mean form of Algorithm 2), computed on planes of f32. Pure arithmetic: used at low
//! resolution to find the local linear model `alpha = a . rgb + b` that makes a coarse mask follow
//! the colour edges of the photo (He & Sun, "Fast Guided Filter", 2015). No model, no image type.

/// Working planes of the filter, kept between calls so no allocation happens per frame.
#[derive(Debug, Default)]
pub struct GuidedScratch {
    /// Box means of: r, g, b, p, r*p, g*p, b*p, rr, rg, rb, gg, gb, bb.
    means: Vec<Vec<f32>>,
    products: Vec<f32>,
    boxes: BoxScratch,
    /// Per pixel coefficients before their own box mean: `a_r`, `a_g`, `a_b`, `b`.
    coefficients: [Vec<f32>; 4],
}

/// A guide image as three planes of values in [0, 1], plus the mask to be filtered.
#[derive(Debug, Clone, Copy)]
pub struct GuideInput<'a> {
    pub width: usize,
    pub height: usize,
    /// Interleaved RGB in [0, 1], `width * height * 3` long.
    pub rgb: &'a [f32],
    /// The coarse mask in [0, 1], `width * height` long.
    pub mask: &'a [f32],
}

/// Computes the box-averaged coefficients `[a_r, a_g, a_b, b]` for every pixel: the filtered mask
/// is `a . rgb + b` at this resolution, or at any finer one after bilinear upsampling of the
/// coefficients. `radius` is the box half-width in pixels, `eps` the regulariser (larger = smoother).
pub fn coefficients(
    input: GuideInput<'_>,
    radius: usize,
    eps: f32,
    scratch: &mut GuidedScratch,
    out: &mut Vec<[f32; 4]>,
) {
    let (width, height) = (input.width, input.height);
    let pixels = width * height;
    out.clear();
    if pixels == 0 || input.rgb.len() < pixels * 3 || input.mask.len() < pixels {
        return;
    }
    scratch.means.resize_with(13, Vec::new);
    let channel = |index: usize, pixel: usize| input.rgb[pixel * 3 + index];
    // Products of the guide channels with the mask and with each other, each box-averaged.
    let mut plane = 0;
    for index in 0..3 {
        fill_plane(&mut scratch.products, pixels, |p| channel(index, p));
        box_mean_into(
            &scratch.products,
            width,
            height,
            radius,
            &mut scratch.boxes,
            &mut scratch.means[plane],
        );
        plane += 1;
    }
    fill_plane(&mut scratch.products, pixels, |p| input.mask[p]);
    box_mean_into(
        &scratch.products,
        width,
        height,
        radius,
        &mut scratch.boxes,
        &mut scratch.means[plane],
    );
    plane += 1;
    for index in 0..3 {
        fill_plane(&mut scratch.products, pixels, |p| {
            channel(index, p) * input.mask[p]
        });
        box_mean_into(
            &scratch.products,
            width,
            height,
            radius,
            &mut scratch.boxes,
            &mut scratch.means[plane],
        );
        plane += 1;
    }
    for (first, second) in [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)] {
        fill_plane(&mut scratch.products, pixels, |p| {
            channel(first, p) * channel(second, p)
        });
        box_mean_into(
            &scratch.products,
            width,
            height,
            radius,
            &mut scratch.boxes,
            &mut scratch.means[plane],
        );
        plane += 1;
    }

    for plane in &mut scratch.coefficients {
        plane.resize(pixels, 0.0);
    }
    let means = &scratch.means;
    #[expect(
        clippy::needless_range_loop,
        reason = "thirteen parallel planes are read at the same index"
    )]
    for pixel in 0..pixels {
        let mean_i = [means[0][pixel], means[1][pixel], means[2][pixel]];
        let mean_p = means[3][pixel];
        let cov_ip = [
            means[4][pixel] - mean_i[0] * mean_p,
            means[5][pixel] - mean_i[1] * mean_p,
            means[6][pixel] - mean_i[2] * mean_p,
        ];
        let sigma = [
            means[7][pixel] - mean_i[0] * mean_i[0] + eps,
            means[8][pixel] - mean_i[0] * mean_i[1],
            means[9][pixel] - mean_i[0] * mean_i[2],
            means[10][pixel] - mean_i[1] * mean_i[1] + eps,
            means[11][pixel] - mean_i[1] * mean_i[2],
            means[12][pixel] - mean_i[2] * mean_i[2] + eps,
        ];
        let a = solve_symmetric3(sigma, cov_ip);
        let b = mean_p - a[0] * mean_i[0] - a[1] * mean_i[1] - a[2] * mean_i[2];
        scratch.coefficients[0][pixel] = a[0];
        scratch.coefficients[1][pixel] = a[1];
        scratch.coefficients[2][pixel] = a[2];
        scratch.coefficients[3][pixel] = b;
    }
    // Each pixel is covered by many windows: average their models (eq. 8).
    out.resize(pixels, [0.0; 4]);
    for (index, plane) in scratch.coefficients.iter().enumerate() {
        box_mean_into(
            plane,
            width,
            height,
            radius,
            &mut scratch.boxes,
            &mut scratch.products,
        );
        for (coefficient, &value) in out.iter_mut().zip(&scratch.products) {
            coefficient[index] = value;
        }
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

fn fill_plane(plane: &mut Vec<f32>, pixels: usize, value: impl Fn(usize) -> f32) {
    plane.clear();
    plane.extend((0..pixels).map(value));
}

/// Solves `sigma * x = rhs` for a symmetric positive definite 3x3 matrix given as its upper
/// triangle `[s00, s01, s02, s11, s12, s22]`; returns zeros if it is singular.
fn solve_symmetric3(sigma: [f32; 6], rhs: [f32; 3]) -> [f32; 3] {
    let [s00, s01, s02, s11, s12, s22] = sigma;
    let c00 = s11 * s22 - s12 * s12;
    let c01 = s02 * s12 - s01 * s22;
    let c02 = s01 * s12 - s02 * s11;
    let det = s00 * c00 + s01 * c01 + s02 * c02;
    if det.abs() <= f32::MIN_POSITIVE {
        return [0.0; 3];
    }
    let c11 = s00 * s22 - s02 * s02;
    let c12 = s01 * s02 - s00 * s12;
    let c22 = s00 * s11 - s01 * s01;
    [
        (c00 * rhs[0] + c01 * rhs[1] + c02 * rhs[2]) / det,
        (c01 * rhs[0] + c11 * rhs[1] + c12 * rhs[2]) / det,
        (c02 * rhs[0] + c12 * rhs[1] + c22 * rhs[2]) / det,
    ]
}

/// Buffers of [`box_mean_into`]: the horizontal pass and the running column sums.
#[derive(Debug, Default)]
pub struct BoxScratch {
    rows: Vec<f32>,
    sums: Vec<f32>,
}

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
    dst.clear();
    if width == 0 || height == 0 || src.len() < width * height {
        return;
    }
    dst.resize(width * height, 0.0);
    let rows = &mut scratch.rows;
    rows.clear();
    rows.resize(width * height, 0.0);
    for (row_in, row_out) in src.chunks_exact(width).zip(rows.chunks_exact_mut(width)) {
        row_running_mean(row_in, row_out, radius);
    }
    // Vertical pass: a running sum of row means, one whole row at a time.
    let sums = &mut scratch.sums;
    sums.clear();
    sums.resize(width, 0.0);
    let add_row = |sums: &mut Vec<f32>, row: usize, sign: f32| {
        for (sum, &value) in sums.iter_mut().zip(&rows[row * width..(row + 1) * width]) {
            *sum += sign * value;
        }
    };
    let mut count = 0usize;
    for row in 0..=radius.min(height - 1) {
        add_row(sums, row, 1.0);
        count += 1;
    }
    for (y, dst_row) in dst.chunks_exact_mut(width).enumerate() {
        let inverse = 1.0 / count as f32;
        for (out, &sum) in dst_row.iter_mut().zip(sums.iter()) {
            *out = sum * inverse;
        }
        if y + radius + 1 < height {
            add_row(sums, y + radius + 1, 1.0);
            count += 1;
        }
        if y >= radius {
            add_row(sums, y - radius, -1.0);
            count -= 1;
        }
    }
}

/// Running-sum mean along one row, the window clipped at both ends.
fn row_running_mean(src: &[f32], dst: &mut [f32], radius: usize) {
    let len = src.len();
    let mut sum: f32 = src[..=radius.min(len - 1)].iter().sum();
    let mut count = radius.min(len - 1) + 1;
    for (index, out) in dst.iter_mut().enumerate() {
        *out = sum / count as f32;
        if index + radius + 1 < len {
            sum += src[index + radius + 1];
            count += 1;
        }
        if index >= radius {
            sum -= src[index - radius];
            count -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_mean_matches_brute_force() {
        let (width, height, radius) = (7, 5, 2);
        let src: Vec<f32> = (0..width * height).map(|v| (v * 37 % 11) as f32).collect();
        let mut dst = Vec::new();
        box_mean_into(
            &src,
            width,
            height,
            radius,
            &mut BoxScratch::default(),
            &mut dst,
        );
        for y in 0..height {
            for x in 0..width {
                let (mut sum, mut count) = (0.0, 0.0);
                for yy in y.saturating_sub(radius)..=(y + radius).min(height - 1) {
                    for xx in x.saturating_sub(radius)..=(x + radius).min(width - 1) {
                        sum += src[yy * width + xx];
                        count += 1.0;
                    }
                }
                assert!((dst[y * width + x] - sum / count).abs() < 1e-4, "({x},{y})");
            }
        }
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
        let solved = solve_symmetric3(sigma, rhs);
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
                let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
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
        let input = GuideInput {
            width: size,
            height: size,
            rgb: &rgb,
            mask: &prior,
        };
        let mut model = Vec::new();
        coefficients(input, 12, 1e-3, &mut GuidedScratch::default(), &mut model);
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
