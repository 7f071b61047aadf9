//! cli (filled in by its issue).

pub mod check;
pub mod eval;
