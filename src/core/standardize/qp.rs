//! A tiny exact solver for convex quadratic programs in three variables:
//! minimise `½·xᵀQx + qᵀx` subject to `A·x ≤ b`.
//!
//! Owns only the arithmetic. The crop solver (`solve.rs`) states its problem with it; nothing here knows
//! about photos. With three unknowns and a few dozen constraints, enumerating every active set of at most
//! three constraints is exact, deterministic and takes well under a millisecond: the optimum of a strictly
//! convex QP is the minimiser on the affine set of some linearly independent subset of its active
//! constraints, so the feasible candidate with the lowest objective is the optimum.

/// Number of unknowns.
pub const DIM: usize = 3;

/// Feasibility slack, relative to the size of each constraint's terms.
const FEASIBILITY_TOLERANCE: f64 = 1e-7;
/// Multipliers above minus this count as non-negative (KKT dual feasibility up to round-off).
const MULTIPLIER_TOLERANCE: f64 = 1e-9;
/// Pivots smaller than this (relative to the matrix scale) mark a singular system.
const SINGULAR_PIVOT: f64 = 1e-12;

/// One linear inequality `coef · x ≤ bound`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraint {
    pub coef: [f64; DIM],
    pub bound: f64,
}

impl Constraint {
    pub const fn new(coef: [f64; DIM], bound: f64) -> Self {
        Self { coef, bound }
    }

    /// How far `x` violates the constraint (≤ 0 when satisfied).
    pub fn violation(&self, x: &[f64; DIM]) -> f64 {
        dot(&self.coef, x) - self.bound
    }

    fn scale_at(&self, x: &[f64; DIM]) -> f64 {
        1.0 + self.bound.abs()
            + self
                .coef
                .iter()
                .zip(x)
                .map(|(c, v)| (c * v).abs())
                .sum::<f64>()
    }

    fn satisfied(&self, x: &[f64; DIM]) -> bool {
        self.violation(x) <= FEASIBILITY_TOLERANCE * self.scale_at(x)
    }
}

/// A convex quadratic objective `½·xᵀQx + qᵀx` (Q symmetric positive definite).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Objective {
    pub quad: [[f64; DIM]; DIM],
    pub lin: [f64; DIM],
}

impl Objective {
    /// Adds `weight · (g·x + g0 − target)²`.
    pub fn add_square(&mut self, g: [f64; DIM], offset: f64, weight: f64) {
        for (i, gi) in g.iter().enumerate() {
            for (j, gj) in g.iter().enumerate() {
                self.quad[i][j] += 2.0 * weight * gi * gj;
            }
            self.lin[i] += 2.0 * weight * gi * offset;
        }
    }

    /// Adds `weight · xᵢ²` for every unknown (keeps Q positive definite).
    pub fn add_ridge(&mut self, weight: [f64; DIM]) {
        for (i, w) in weight.iter().enumerate() {
            self.quad[i][i] += 2.0 * w;
        }
    }

    pub fn value(&self, x: &[f64; DIM]) -> f64 {
        let linear = dot(&self.lin, x);
        let quadratic: f64 = self
            .quad
            .iter()
            .zip(x)
            .map(|(row, xi)| xi * dot(row, x))
            .sum();
        linear + 0.5 * quadratic
    }
}

/// Minimises `objective` over `constraints`; `None` when no point satisfies them all.
pub fn minimize(objective: &Objective, constraints: &[Constraint]) -> Option<[f64; DIM]> {
    let mut best: Option<([f64; DIM], f64)> = None;
    // Active sets by size; a feasible candidate whose multipliers are all non-negative satisfies the
    // KKT conditions and is the optimum, so the search usually stops after a few candidates.
    let mut consider = |active: &[usize]| -> bool {
        let Some(candidate) = solve_equality(objective, constraints, active) else {
            return false;
        };
        if !constraints.iter().all(|c| c.satisfied(&candidate.x)) {
            return false;
        }
        if candidate
            .multipliers
            .iter()
            .all(|&m| m >= -MULTIPLIER_TOLERANCE)
        {
            best = Some((candidate.x, f64::NEG_INFINITY));
            return true;
        }
        let value = objective.value(&candidate.x);
        if best.is_none_or(|(_, best_value)| value < best_value) {
            best = Some((candidate.x, value));
        }
        false
    };
    let n = constraints.len();
    // `||` stops at the first optimal candidate.
    let _stopped_early = consider(&[])
        || (0..n).any(|i| consider(&[i]))
        || (0..n).any(|i| (i + 1..n).any(|j| consider(&[i, j])))
        || (0..n).any(|i| (i + 1..n).any(|j| (j + 1..n).any(|k| consider(&[i, j, k]))));
    best.map(|(x, _)| x)
}

/// A stationary point on an affine set, with the Lagrange multipliers of its active constraints.
struct Candidate {
    x: [f64; DIM],
    multipliers: [f64; DIM],
}

/// The minimiser of the objective on the affine set where the `active` constraints hold with equality
/// (KKT system), or `None` when that system is singular.
fn solve_equality(
    objective: &Objective,
    constraints: &[Constraint],
    active: &[usize],
) -> Option<Candidate> {
    const MAX: usize = 2 * DIM;
    let size = DIM + active.len();
    let mut matrix = [[0.0_f64; MAX + 1]; MAX];
    for (row, (quad, lin)) in matrix
        .iter_mut()
        .zip(objective.quad.iter().zip(&objective.lin))
    {
        row[..DIM].copy_from_slice(quad);
        row[MAX] = -lin;
    }
    for (offset, &index) in active.iter().enumerate() {
        let constraint = &constraints[index];
        for (i, &coef) in constraint.coef.iter().enumerate() {
            matrix[DIM + offset][i] = coef;
            matrix[i][DIM + offset] = coef;
        }
        matrix[DIM + offset][MAX] = constraint.bound;
    }
    let solution = gauss_solve(&mut matrix, size)?;
    let mut multipliers = [0.0; DIM];
    multipliers[..active.len()].copy_from_slice(&solution[DIM..DIM + active.len()]);
    Some(Candidate {
        x: [solution[0], solution[1], solution[2]],
        multipliers,
    })
}

/// Gaussian elimination with partial pivoting on the leading `size` rows (right-hand side in the last
/// column).
fn gauss_solve<const R: usize, const C: usize>(
    matrix: &mut [[f64; C]; R],
    size: usize,
) -> Option<[f64; R]> {
    let rhs = C - 1;
    let scale = matrix
        .iter()
        .take(size)
        .flat_map(|row| row[..size].iter())
        .fold(0.0_f64, |acc, v| acc.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..size {
        let pivot_row =
            (col..size).max_by(|&a, &b| matrix[a][col].abs().total_cmp(&matrix[b][col].abs()))?;
        if matrix[pivot_row][col].abs() <= SINGULAR_PIVOT * scale {
            return None;
        }
        matrix.swap(col, pivot_row);
        for row in col + 1..size {
            let factor = matrix[row][col] / matrix[col][col];
            if factor != 0.0 {
                let pivot = matrix[col];
                for (target, source) in matrix[row][col..size].iter_mut().zip(&pivot[col..size]) {
                    *target -= factor * source;
                }
                matrix[row][rhs] -= factor * pivot[rhs];
            }
        }
    }
    let mut solution = [0.0; R];
    for row in (0..size).rev() {
        let mut value = matrix[row][rhs];
        for k in row + 1..size {
            value -= matrix[row][k] * solution[k];
        }
        solution[row] = value / matrix[row][row];
    }
    Some(solution)
}

fn dot(a: &[f64; DIM], b: &[f64; DIM]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_objective(target: [f64; DIM]) -> Objective {
        let mut objective = Objective::default();
        for (i, t) in target.iter().enumerate() {
            let mut g = [0.0; DIM];
            g[i] = 1.0;
            objective.add_square(g, -t, 1.0);
        }
        objective
    }

    #[test]
    fn unconstrained_minimum_is_the_target() {
        let x = minimize(&unit_objective([1.0, -2.0, 3.0]), &[]).unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-9 && (x[1] + 2.0).abs() < 1e-9 && (x[2] - 3.0).abs() < 1e-9
        );
    }

    #[test]
    fn projects_onto_a_half_space_and_a_corner() {
        // x0 ≤ 0 pushes the optimum onto the face x0 = 0.
        let face = [Constraint::new([1.0, 0.0, 0.0], 0.0)];
        let x = minimize(&unit_objective([1.0, 1.0, 1.0]), &face).unwrap();
        assert!(x[0].abs() < 1e-9 && (x[1] - 1.0).abs() < 1e-9);
        // x0 + x1 ≤ 0 and x2 ≤ -1: optimum (0, 0, -1) for target (1, 1, 1).
        let corner = [
            Constraint::new([1.0, 1.0, 0.0], 0.0),
            Constraint::new([0.0, 0.0, 1.0], -1.0),
        ];
        let x = minimize(&unit_objective([1.0, 1.0, 1.0]), &corner).unwrap();
        assert!(
            x[0].abs() < 1e-9 && x[1].abs() < 1e-9 && (x[2] + 1.0).abs() < 1e-9,
            "{x:?}"
        );
    }

    #[test]
    fn infeasible_constraints_give_none() {
        let contradiction = [
            Constraint::new([1.0, 0.0, 0.0], 0.0),
            Constraint::new([-1.0, 0.0, 0.0], -1.0),
        ];
        assert!(minimize(&unit_objective([0.0; DIM]), &contradiction).is_none());
    }

    #[test]
    fn redundant_constraints_do_not_break_the_solver() {
        let twice = [
            Constraint::new([1.0, 0.0, 0.0], 0.5),
            Constraint::new([2.0, 0.0, 0.0], 1.0),
            Constraint::new([1.0, 1.0, 1.0], 10.0),
        ];
        let x = minimize(&unit_objective([1.0, 0.0, 0.0]), &twice).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-9, "{x:?}");
    }
}
