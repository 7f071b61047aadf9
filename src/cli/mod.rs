//! cli (filled in by its issue).

pub mod process;
