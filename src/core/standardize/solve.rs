//! The crop solver: one scale and one offset (plus an optional levelling rotation) that put crown, eye
//! line, face width / head height and horizontal centring inside the profile's bands together, aiming at
//! their middles, without upscaling and without leaving the capture.
//!
//! Owns the optimisation problem only; measuring the head is `crown`/`mod`, rendering is `render`.
//!
//! Unknowns `x = (s, t, u)`: a point of the levelled capture `(w, v)` lands at photo `(s·w − u, s·v − t)`.
//! Every band value is linear in `x` and every "crop inside the capture" condition is linear once
//! multiplied by `s > 0`, so the problem is a convex QP in three unknowns (see `qp.rs`).

use crate::core::geometry::{Point, SizePx};
use crate::core::spec::{Band, PhotoSpec};

use super::StandardizeSettings;
use super::failure::{CaptureEdge, GeometryMeasure, StandardizeFailure};
use super::qp::{self, Constraint, DIM, Objective};
use super::transform::{CropPlan, HeadMeasure, PhotoGeometry, PhotoTransform};

/// Smallest scale the solver considers (keeps `s > 0`; a 1/1000 photo is never useful).
const MIN_SCALE: f64 = 1e-3;
/// Half-width under which a band is treated as this narrow (avoids dividing by zero for exact bands).
const MIN_BAND_HALF_WIDTH: f64 = 1e-3;
/// Tiny pull of every unknown towards zero so the objective stays strictly convex when a profile leaves
/// an unknown free; orders of magnitude below any band term.
const RIDGE_WEIGHT: f64 = 1e-12;
/// Overshoot below which an edge does not count as cut off, px (solver round-off).
const EDGE_SLACK_PX: f32 = 0.5;
/// Fractions of the configured band margin tried in turn before giving up on a margin.
const MARGIN_STEPS: [f32; 4] = [1.0, 0.5, 0.2, 0.0];
/// Bisection steps when measuring how far a crop must leave the capture (halves the interval each
/// time: 20 steps resolve a 2000-px overshoot to 0.002 px).
const OVERSHOOT_BISECTION_STEPS: usize = 20;

/// A constrained measure: `value = g·x + g0` must lie in `band`.
#[derive(Debug, Clone, Copy)]
struct BandTerm {
    measure: GeometryMeasure,
    g: [f64; DIM],
    g0: f64,
    band: Band,
}

impl BandTerm {
    fn value(&self, x: &[f64; DIM]) -> f64 {
        self.g.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.g0
    }
}

/// The head in the levelled frame plus everything the problem needs.
struct Problem {
    photo: SizePx,
    capture: SizePx,
    rotation_deg: f32,
    pivot: Point,
    terms: Vec<BandTerm>,
    /// Soft targets that are not bands (default headroom), as (g, g0, target, half width).
    soft: Vec<([f64; DIM], f64, f64, f64)>,
}

/// Solves the crop for one head, capture and profile.
pub fn solve_crop(
    head: &HeadMeasure,
    capture: SizePx,
    spec: &PhotoSpec,
    settings: &StandardizeSettings,
) -> Result<CropPlan, Vec<StandardizeFailure>> {
    let problem = Problem::new(head, capture, spec, settings);
    let objective = problem.objective();
    let resolution = [Constraint::new([1.0, 0.0, 0.0], 1.0)];
    let bounds = problem.bound_constraints(0.0);
    let positive = [Constraint::new([-1.0, 0.0, 0.0], -MIN_SCALE)];
    // Full margin first; when the bands are too tight for it, smaller margins, then the bands themselves.
    for fraction in MARGIN_STEPS {
        let bands = problem.band_constraints(settings.band_margin_frac * fraction);
        let all = [&bands[..], &resolution[..], &bounds[..], &positive[..]].concat();
        if let Some(x) = qp::minimize(&objective, &all) {
            return Ok(problem.plan(head, &x));
        }
    }
    let raw = problem.band_constraints(0.0);
    Err(problem.diagnose(&objective, &raw, &resolution, &positive))
}

impl Problem {
    fn new(
        head: &HeadMeasure,
        capture: SizePx,
        spec: &PhotoSpec,
        settings: &StandardizeSettings,
    ) -> Self {
        let rotation_deg =
            if spec.allow_rotation && head.roll_deg.abs() >= settings.roll_correction_min_deg {
                head.roll_deg
            } else {
                0.0
            };
        let pivot = head.eye_mid();
        let frame = PhotoTransform {
            scale: 1.0,
            rotation_deg,
            pivot,
            offset: Point::default(),
        };
        let crown = f64::from(frame.upright(head.crown).y);
        let eye = f64::from(frame.upright(pivot).y);
        let eye_x = f64::from(pivot.x);
        let chin = f64::from(frame.upright(head.chin).y);
        let face = f64::from(head.face_width_px);
        let (w, h) = (f64::from(spec.width_px), f64::from(spec.height_px));
        let geometry = &spec.geometry;
        let mut terms = Vec::new();
        let mut add = |measure, band: Option<Band>, g: [f64; DIM], g0: f64| {
            if let Some(band) = band {
                terms.push(BandTerm {
                    measure,
                    g,
                    g0,
                    band,
                });
            }
        };
        add(
            GeometryMeasure::CrownFromTopPx,
            geometry.crown_from_top_px,
            [crown, -1.0, 0.0],
            0.0,
        );
        add(
            GeometryMeasure::EyeLineFromTopPx,
            geometry.eye_line_from_top_px,
            [eye, -1.0, 0.0],
            0.0,
        );
        add(
            GeometryMeasure::EyeLineFromBottomPx,
            geometry.eye_line_from_bottom_px,
            [-eye, 1.0, 0.0],
            h,
        );
        add(
            GeometryMeasure::EyeLineFromBottomFrac,
            geometry.eye_line_from_bottom_frac,
            [-eye / h, 1.0 / h, 0.0],
            1.0,
        );
        add(
            GeometryMeasure::FaceWidthPx,
            geometry.face_width_px,
            [face, 0.0, 0.0],
            0.0,
        );
        add(
            GeometryMeasure::HeadHeightFrac,
            geometry.head_height_frac,
            [(chin - crown) / h, 0.0, 0.0],
            0.0,
        );
        let tolerance = geometry.center_tolerance_frac;
        add(
            GeometryMeasure::CenterOffsetFrac,
            Some(Band::new(-tolerance, tolerance)),
            [eye_x / w, 0.0, -1.0 / w],
            -0.5,
        );
        let mut soft = Vec::new();
        let has_vertical = geometry.crown_from_top_px.is_some()
            || geometry.eye_line_from_top_px.is_some()
            || geometry.eye_line_from_bottom_px.is_some()
            || geometry.eye_line_from_bottom_frac.is_some();
        if !has_vertical {
            soft.push((
                [crown, -1.0, 0.0],
                0.0,
                f64::from(settings.default_headroom_frac) * h,
                f64::from(settings.default_headroom_frac) * h,
            ));
        }
        Self {
            photo: SizePx::new(spec.width_px, spec.height_px),
            capture,
            rotation_deg,
            pivot,
            terms,
            soft,
        }
    }

    /// Sum of squared band deviations from the band middles, each in units of its half-width.
    fn objective(&self) -> Objective {
        let mut objective = Objective::default();
        for term in &self.terms {
            let half = (f64::from(term.band.width()) / 2.0).max(MIN_BAND_HALF_WIDTH);
            objective.add_square(
                term.g,
                term.g0 - f64::from(term.band.mid()),
                1.0 / (half * half),
            );
        }
        for (g, g0, target, half) in &self.soft {
            let half = half.max(MIN_BAND_HALF_WIDTH);
            objective.add_square(*g, g0 - target, 1.0 / (half * half));
        }
        objective.add_ridge([RIDGE_WEIGHT; DIM]);
        objective
    }

    /// `lo ≤ g·x + g0 ≤ hi` for every band, each band shrunk by `margin_frac` of its width on both sides.
    fn band_constraints(&self, margin_frac: f32) -> Vec<Constraint> {
        let mut rows = Vec::with_capacity(self.terms.len() * 2);
        for term in &self.terms {
            let margin = f64::from(term.band.width() * margin_frac);
            let (lo, hi) = (
                f64::from(term.band.min) + margin,
                f64::from(term.band.max) - margin,
            );
            rows.push(Constraint::new(term.g, hi - term.g0));
            rows.push(Constraint::new(term.g.map(|v| -v), term.g0 - lo));
        }
        rows
    }

    /// Every photo corner inside the capture grown by `slack_px` on each side, each condition
    /// multiplied by `s`.
    fn bound_constraints(&self, slack_px: f64) -> Vec<Constraint> {
        let mut rows = Vec::with_capacity(16);
        let (cap_w, cap_h) = (
            f64::from(self.capture.width),
            f64::from(self.capture.height),
        );
        for corner in self.corner_rows() {
            let CornerRow {
                x: (gx, cx),
                y: (gy, cy),
            } = corner;
            // −slack ≤ px ≤ cap_w + slack, times s (same for y).
            rows.push(Constraint::new([-gx[0] - slack_px, -gx[1], -gx[2]], cx));
            rows.push(Constraint::new(
                [gx[0] - cap_w - slack_px, gx[1], gx[2]],
                -cx,
            ));
            rows.push(Constraint::new([-gy[0] - slack_px, -gy[1], -gy[2]], cy));
            rows.push(Constraint::new(
                [gy[0] - cap_h - slack_px, gy[1], gy[2]],
                -cy,
            ));
        }
        rows
    }

    /// `s·capture_x = gx·x + cx` and `s·capture_y = gy·x + cy` for each photo corner.
    fn corner_rows(&self) -> Vec<CornerRow> {
        let (sin, cos) = f64::from(self.rotation_deg).to_radians().sin_cos();
        let (px, py) = (f64::from(self.pivot.x), f64::from(self.pivot.y));
        let (w, h) = (f64::from(self.photo.width), f64::from(self.photo.height));
        let mut rows = Vec::with_capacity(4);
        for (i, j) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)] {
            rows.push(CornerRow {
                x: (
                    [-cos * px + sin * py + px, -sin, cos],
                    cos * i * w - sin * j * h,
                ),
                y: (
                    [-sin * px - cos * py + py, cos, sin],
                    sin * i * w + cos * j * h,
                ),
            });
        }
        rows
    }

    fn transform(&self, x: &[f64; DIM]) -> PhotoTransform {
        PhotoTransform {
            scale: x[0] as f32,
            rotation_deg: self.rotation_deg,
            pivot: self.pivot,
            offset: Point::new(x[2] as f32, x[1] as f32),
        }
    }

    fn plan(&self, head: &HeadMeasure, x: &[f64; DIM]) -> CropPlan {
        let transform = self.transform(x);
        CropPlan {
            photo_size: self.photo,
            transform,
            crop_corners: transform.crop_corners(self.photo),
            predicted: PhotoGeometry::of(&head.mapped(&transform)),
        }
    }

    /// Explains an infeasible problem by relaxing one group of constraints at a time.
    fn diagnose(
        &self,
        objective: &Objective,
        bands: &[Constraint],
        resolution: &[Constraint],
        positive: &[Constraint],
    ) -> Vec<StandardizeFailure> {
        let Some(x_bands) = qp::minimize(objective, &[bands, positive].concat()) else {
            return self.band_conflicts(objective, positive);
        };
        if qp::minimize(objective, &[bands, resolution, positive].concat()).is_none() {
            // The smallest scale the bands allow is the upscaling the capture would need.
            let mut smallest = Objective::default();
            smallest.add_square([1.0, 0.0, 0.0], 0.0, 1.0);
            smallest.add_ridge([RIDGE_WEIGHT; DIM]);
            let required =
                qp::minimize(&smallest, &[bands, positive].concat()).map_or(x_bands[0], |x| x[0]);
            return vec![StandardizeFailure::LowResolution {
                required_upscale: required as f32,
            }];
        }
        let x = qp::minimize(objective, &[bands, resolution, positive].concat()).unwrap_or(x_bands);
        let x = self.least_cut(objective, &[bands, resolution, positive].concat(), x);
        self.cut_edges(&x)
    }

    /// The solution that leaves the capture least: bisection on how far the capture would have to
    /// grow on every side for the bands to fit, starting from `fallback` (which fits some growth).
    fn least_cut(
        &self,
        objective: &Objective,
        hard: &[Constraint],
        fallback: [f64; DIM],
    ) -> [f64; DIM] {
        let corners = self.transform(&fallback).crop_corners(self.photo);
        let (cap_w, cap_h) = (self.capture.width as f32, self.capture.height as f32);
        let worst = corners
            .iter()
            .map(|p| (-p.x).max(p.x - cap_w).max(-p.y).max(p.y - cap_h))
            .fold(0.0_f32, f32::max);
        let (mut low, mut high) = (0.0_f64, f64::from(worst) + 1.0);
        let mut best = fallback;
        for _ in 0..OVERSHOOT_BISECTION_STEPS {
            let mid = f64::midpoint(low, high);
            let rows = [hard, &self.bound_constraints(mid)[..]].concat();
            match qp::minimize(objective, &rows) {
                Some(x) => {
                    best = x;
                    high = mid;
                }
                None => low = mid,
            }
        }
        best
    }

    /// The bands violated at the best compromise when the bands cannot all hold at once.
    fn band_conflicts(
        &self,
        objective: &Objective,
        positive: &[Constraint],
    ) -> Vec<StandardizeFailure> {
        let Some(x) = qp::minimize(objective, positive) else {
            return Vec::new();
        };
        self.terms
            .iter()
            .filter_map(|term| {
                let value = term.value(&x) as f32;
                (!term.band.contains(value)).then_some(StandardizeFailure::OutOfBand {
                    measure: term.measure,
                    value,
                    band: term.band,
                })
            })
            .collect()
    }

    /// The capture edges the crop of solution `x` crosses, with how far.
    fn cut_edges(&self, x: &[f64; DIM]) -> Vec<StandardizeFailure> {
        let corners = self.transform(x).crop_corners(self.photo);
        let (cap_w, cap_h) = (self.capture.width as f32, self.capture.height as f32);
        let min_x = corners.iter().map(|p| p.x).fold(f32::INFINITY, f32::min);
        let max_x = corners
            .iter()
            .map(|p| p.x)
            .fold(f32::NEG_INFINITY, f32::max);
        let min_y = corners.iter().map(|p| p.y).fold(f32::INFINITY, f32::min);
        let max_y = corners
            .iter()
            .map(|p| p.y)
            .fold(f32::NEG_INFINITY, f32::max);
        let overshoots = [
            (CaptureEdge::Top, -min_y),
            (CaptureEdge::Bottom, max_y - cap_h),
            (CaptureEdge::Left, -min_x),
            (CaptureEdge::Right, max_x - cap_w),
        ];
        let failures: Vec<_> = overshoots
            .iter()
            .filter(|(_, overshoot)| *overshoot > EDGE_SLACK_PX)
            .map(|&(edge, overshoot_px)| StandardizeFailure::FaceCutOff { edge, overshoot_px })
            .collect();
        if failures.is_empty() {
            // Feasible only up to round-off: report the tightest edge.
            let (edge, overshoot_px) = overshoots
                .iter()
                .copied()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((CaptureEdge::Top, 0.0));
            return vec![StandardizeFailure::FaceCutOff {
                edge,
                overshoot_px: overshoot_px.max(0.0),
            }];
        }
        failures
    }
}

struct CornerRow {
    x: ([f64; DIM], f64),
    y: ([f64; DIM], f64),
}
