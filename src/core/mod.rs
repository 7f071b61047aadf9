//! Pure domain code: no egui, eframe, nokhwa, tract, rusqlite, printpdf, file system, threads or clock.
//! Everything here is data in, data out, and unit-tested next to the code.

pub mod checks;
pub mod face;
pub mod flow;
pub mod geometry;
pub mod locale;
pub mod record;
pub mod spec;
pub mod standardize;
