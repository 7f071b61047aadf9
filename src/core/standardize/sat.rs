//! Summed-area tables: box means of several channels at any pixel in constant time, for the
//! background compositor, which needs them only along the person's soft edge.
//!
//! Owns only the table arithmetic (f64 sums: exact enough for 8-bit images of any kiosk size and
//! deterministic, since the order of additions is fixed).

/// A summed-area table of `N` channels over a `width` x `height` grid.
pub struct SummedArea<const N: usize> {
    width: usize,
    height: usize,
    /// `(width + 1) * (height + 1)` prefix sums; row 0 and column 0 are zero.
    sums: Vec<[f64; N]>,
}

impl<const N: usize> SummedArea<N> {
    /// Builds the table; `value(index)` gives the channels of pixel `index` (row-major).
    pub fn build(width: usize, height: usize, value: impl Fn(usize) -> [f64; N]) -> Self {
        let stride = width + 1;
        let mut sums = vec![[0.0; N]; stride * (height + 1)];
        for y in 0..height {
            let mut row = [0.0; N];
            for x in 0..width {
                let v = value(y * width + x);
                for (r, v) in row.iter_mut().zip(v) {
                    *r += v;
                }
                let above = sums[y * stride + x + 1];
                let cell = &mut sums[(y + 1) * stride + x + 1];
                for c in 0..N {
                    cell[c] = above[c] + row[c];
                }
            }
        }
        Self {
            width,
            height,
            sums,
        }
    }

    /// Mean of each channel over the `(2·radius + 1)²` window centred on `(x, y)`, clipped to the grid
    /// (divided by the number of pixels actually covered).
    pub fn mean(&self, x: usize, y: usize, radius: usize) -> [f64; N] {
        let (x0, y0) = (x.saturating_sub(radius), y.saturating_sub(radius));
        let (x1, y1) = (
            (x + radius + 1).min(self.width),
            (y + radius + 1).min(self.height),
        );
        let stride = self.width + 1;
        let top_left = self.sums[y0 * stride + x0];
        let top_right = self.sums[y0 * stride + x1];
        let bottom_left = self.sums[y1 * stride + x0];
        let bottom_right = self.sums[y1 * stride + x1];
        let count = ((x1 - x0) * (y1 - y0)) as f64;
        let mut out = [0.0; N];
        for (i, o) in out.iter_mut().enumerate() {
            *o = (bottom_right[i] - top_right[i] - bottom_left[i] + top_left[i]) / count;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_match_direct_sums_including_clipped_borders() {
        let (w, h) = (9_usize, 6_usize);
        let value = |i: usize| [((i * 37) % 11) as f64, (i % 3) as f64];
        let table = SummedArea::build(w, h, value);
        for y in 0..h {
            for x in 0..w {
                let mut sum = [0.0; 2];
                let mut count = 0.0;
                for yy in y.saturating_sub(2)..=(y + 2).min(h - 1) {
                    for xx in x.saturating_sub(2)..=(x + 2).min(w - 1) {
                        let v = value(yy * w + xx);
                        sum[0] += v[0];
                        sum[1] += v[1];
                        count += 1.0;
                    }
                }
                let mean = table.mean(x, y, 2);
                assert!((mean[0] - sum[0] / count).abs() < 1e-9, "{x},{y}");
                assert!((mean[1] - sum[1] / count).abs() < 1e-9, "{x},{y}");
            }
        }
    }
}
