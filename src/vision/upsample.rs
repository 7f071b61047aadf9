//! Bilinear upsampling of a small grid of per-pixel models fused with their evaluation at full
//! resolution: one pass over the output, one interpolated grid row per output row, so the
//! full-resolution coefficient planes (tens of megabytes at 1350x1350) are never written. Pure
//! arithmetic; no model, no image type.

use std::ops::Range;

/// Values carried per grid cell: the guided filter's `a_r, a_g, a_b, b` and the coarse mask.
pub const CHANNELS: usize = 5;

/// One axis of the bilinear map: for each output index, the two grid indices and the weight of
/// the second (pixel centres aligned, edges clamped).
#[derive(Debug, Default)]
struct AxisMap {
    first: Vec<usize>,
    second: Vec<usize>,
    weight: Vec<f32>,
}

impl AxisMap {
    fn build(&mut self, grid_len: usize, out_len: usize) {
        self.first.clear();
        self.second.clear();
        self.weight.clear();
        let scale = grid_len as f32 / out_len.max(1) as f32;
        let last = grid_len.saturating_sub(1);
        for index in 0..out_len {
            let position = ((index as f32 + 0.5) * scale - 0.5).clamp(0.0, last as f32);
            // Truncation floors the clamped non-negative value without a call to `floorf`.
            let first = (position as usize).min(last);
            self.first.push(first);
            self.second.push((first + 1).min(last));
            self.weight.push(position - first as f32);
        }
    }
}

/// Reusable buffers for [`Upsampler::evaluate`].
#[derive(Debug, Default)]
pub struct Upsampler {
    columns: AxisMap,
    rows: AxisMap,
    row: Vec<[f32; CHANNELS]>,
}

/// A grid of cells, row-major.
#[derive(Debug, Clone, Copy)]
pub struct Grid<'a> {
    pub width: usize,
    pub height: usize,
    pub cells: &'a [[f32; CHANNELS]],
}

impl Upsampler {
    /// For every output pixel, interpolates the grid bilinearly and calls `evaluate(cell, rgb)`
    /// with the pixel's colour from `guide_rgb` (interleaved, `out_width * out_height * 3`);
    /// returns the results row-major. Returns an empty vector if the sizes disagree.
    #[cfg(test)]
    pub fn evaluate(
        &mut self,
        grid: Grid<'_>,
        guide_rgb: &[u8],
        (out_width, out_height): (usize, usize),
        evaluate: impl Fn(&[f32; CHANNELS], &[u8]) -> u8,
    ) -> Vec<u8> {
        let mut out = vec![0; out_width * out_height];
        if self.evaluate_rows(
            grid,
            guide_rgb,
            (out_width, out_height),
            0..out_height,
            evaluate,
            &mut out,
        ) {
            out
        } else {
            Vec::new()
        }
    }

    /// [`Upsampler::evaluate`] for the output rows `rows` only, written into `out` (exactly those
    /// rows, row-major): bands of one output can be evaluated on different threads, each with its
    /// own upsampler, and give the same values. False (and `out` untouched) if the sizes disagree.
    pub fn evaluate_rows(
        &mut self,
        grid: Grid<'_>,
        guide_rgb: &[u8],
        (out_width, out_height): (usize, usize),
        rows: Range<usize>,
        evaluate: impl Fn(&[f32; CHANNELS], &[u8]) -> u8,
        out: &mut [u8],
    ) -> bool {
        let pixels = out_width * out_height;
        if grid.width == 0
            || grid.height == 0
            || grid.cells.len() < grid.width * grid.height
            || guide_rgb.len() < pixels * 3
            || rows.end > out_height
            || out.len() != rows.len() * out_width
        {
            return false;
        }
        self.columns.build(grid.width, out_width);
        self.rows.build(grid.height, out_height);
        for (y, out_row) in rows.zip(out.chunks_exact_mut(out_width.max(1))) {
            self.interpolate_row(grid, y);
            let guide_row = &guide_rgb[y * out_width * 3..(y + 1) * out_width * 3];
            for (x, (rgb, out)) in guide_row.chunks_exact(3).zip(out_row).enumerate() {
                let left = &self.row[self.columns.first[x]];
                let right = &self.row[self.columns.second[x]];
                let t = self.columns.weight[x];
                let mut cell = [0.0; CHANNELS];
                for channel in 0..CHANNELS {
                    cell[channel] = left[channel] + (right[channel] - left[channel]) * t;
                }
                *out = evaluate(&cell, rgb);
            }
        }
        true
    }

    /// Fills `self.row` with grid row `y` of the output, interpolated between two grid rows.
    fn interpolate_row(&mut self, grid: Grid<'_>, y: usize) {
        let top = &grid.cells[self.rows.first[y] * grid.width..][..grid.width];
        let bottom = &grid.cells[self.rows.second[y] * grid.width..][..grid.width];
        let t = self.rows.weight[y];
        self.row.clear();
        self.row
            .extend(top.iter().zip(bottom).map(|(upper, lower)| {
                let mut cell = [0.0; CHANNELS];
                for channel in 0..CHANNELS {
                    cell[channel] = upper[channel] + (lower[channel] - upper[channel]) * t;
                }
                cell
            }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsampling_a_ramp_is_linear_and_centre_aligned() {
        // A 2x1 grid whose first channel is 0 then 1, upsampled to 4x2.
        let cells = [[0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0]];
        let grid = Grid {
            width: 2,
            height: 1,
            cells: &cells,
        };
        let guide = vec![0u8; 4 * 2 * 3];
        let out = Upsampler::default().evaluate(grid, &guide, (4, 2), |cell, _| {
            (cell[0] * 100.0).round() as u8
        });
        // Output centres 0.5..3.5 map to grid positions -0.25, 0.25, 0.75, 1.25 (clamped).
        assert_eq!(out, vec![0, 25, 75, 100, 0, 25, 75, 100]);
    }

    #[test]
    fn the_guide_colour_reaches_the_evaluation() {
        let cells = [[1.0, 0.0, 0.0, 0.0, 0.5]];
        let grid = Grid {
            width: 1,
            height: 1,
            cells: &cells,
        };
        let guide = [10, 0, 0, 200, 0, 0];
        let out = Upsampler::default().evaluate(grid, &guide, (2, 1), |cell, rgb| {
            (cell[0] * f32::from(rgb[0]) + cell[4]).round() as u8
        });
        assert_eq!(out, vec![11, 201]);
    }

    #[test]
    fn bands_evaluated_apart_equal_the_whole() {
        let cells: Vec<[f32; CHANNELS]> = (0..12)
            .map(|i| [i as f32 * 0.1, 0.0, 0.0, 0.0, 0.0])
            .collect();
        let grid = Grid {
            width: 4,
            height: 3,
            cells: &cells,
        };
        let guide: Vec<u8> = (0..9 * 7 * 3).map(|v| (v % 251) as u8).collect();
        let rule =
            |cell: &[f32; CHANNELS], rgb: &[u8]| (cell[0] * 100.0 + f32::from(rgb[1]) * 0.3) as u8;
        let whole = Upsampler::default().evaluate(grid, &guide, (9, 7), rule);
        let mut banded = vec![0u8; 9 * 7];
        let (top, bottom) = banded.split_at_mut(9 * 3);
        assert!(Upsampler::default().evaluate_rows(grid, &guide, (9, 7), 0..3, rule, top));
        assert!(Upsampler::default().evaluate_rows(grid, &guide, (9, 7), 3..7, rule, bottom));
        assert_eq!(banded, whole);
        // A band whose buffer does not match its rows is refused, not half written.
        let mut short = vec![0u8; 9];
        assert!(!Upsampler::default().evaluate_rows(grid, &guide, (9, 7), 3..7, rule, &mut short));
    }

    #[test]
    fn mismatched_sizes_give_nothing_instead_of_panicking() {
        let cells = [[0.0; CHANNELS]];
        let grid = Grid {
            width: 2,
            height: 2,
            cells: &cells,
        };
        assert!(
            Upsampler::default()
                .evaluate(grid, &[0; 12], (2, 2), |_, _| 0)
                .is_empty()
        );
    }
}
